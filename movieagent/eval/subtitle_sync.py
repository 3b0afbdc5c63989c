"""Subtitle sync: does each cue appear when its words are heard, and is all speech subtitled?

Each cue is paired with the start of detected speech nearest to its own start (within MATCH_WINDOW_S); the offset
is cue start minus speech start, so a positive offset is a late subtitle. A cue that begins in the middle of a
sentence has no pause to pair with and shows as an offset to the nearest one: that is a real hint that it starts
where the words are not.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from movieagent.eval.cues import Cue
from movieagent.eval.speech_activity import SpeechActivity

TOLERANCE_S = 0.1
MATCH_WINDOW_S = 1.0
WORST_CUES = 5


class CueSync(BaseModel):
    index: int
    start_s: float
    end_s: float
    text: str
    speech_start_s: float | None = None
    start_offset_ms: float | None = Field(default=None, description="Cue start minus speech start: positive is late")
    speech_end_s: float | None = None
    end_offset_ms: float | None = Field(default=None, description="Cue end minus the end of the speech under it")


class SubtitleSyncMetrics(BaseModel):
    tolerance_ms: float = TOLERANCE_S * 1000
    cues: int
    matched: int = Field(description="Cues with speech starting within 1 s of them")
    mean_offset_ms: float | None
    mean_abs_offset_ms: float | None
    within_tolerance: float | None = Field(description="Share of all cues starting within the tolerance of their speech")
    speech_s: float
    speech_without_subtitle_s: float = Field(description="Detected speech with no cue on screen")
    worst: list[CueSync] = Field(description="The cues furthest from their speech, unmatched ones first")
    per_cue: list[CueSync]


def measure_subtitle_sync(cues: list[Cue], speech: SpeechActivity) -> SubtitleSyncMetrics:
    # 1. Pair each cue with its speech.
    onsets = np.array([segment.start_s for segment in speech.segments])
    synced = [_sync(cue, onsets, speech) for cue in cues]

    # 2. Summarise the offsets.
    offsets = np.array([cue.start_offset_ms for cue in synced if cue.start_offset_ms is not None])
    within = int(np.count_nonzero(np.abs(offsets) <= TOLERANCE_S * 1000 + 0.5)) if offsets.size else 0
    subtitled = sum(speech.seconds_within(cue.start_s - TOLERANCE_S, cue.end_s + TOLERANCE_S) for cue in _merged(cues))
    worst = sorted(synced, key=lambda cue: -np.inf if cue.start_offset_ms is None else -abs(cue.start_offset_ms))
    return SubtitleSyncMetrics(
        cues=len(cues),
        matched=int(offsets.size),
        mean_offset_ms=round(float(offsets.mean()), 1) if offsets.size else None,
        mean_abs_offset_ms=round(float(np.abs(offsets).mean()), 1) if offsets.size else None,
        within_tolerance=within / len(cues) if cues else None,
        speech_s=round(speech.speech_s, 3),
        speech_without_subtitle_s=round(max(0.0, speech.speech_s - subtitled), 3),
        worst=worst[:WORST_CUES],
        per_cue=synced,
    )


def _sync(cue: Cue, onsets: np.ndarray, speech: SpeechActivity) -> CueSync:
    synced = CueSync(index=cue.index, start_s=cue.start_s, end_s=cue.end_s, text=cue.text)
    if onsets.size:
        nearest = int(np.argmin(np.abs(onsets - cue.start_s)))
        if abs(onsets[nearest] - cue.start_s) <= MATCH_WINDOW_S:
            synced.speech_start_s = float(onsets[nearest])
            synced.start_offset_ms = round((cue.start_s - onsets[nearest]) * 1000, 1)
    under = [segment.end_s for segment in speech.segments if segment.start_s < cue.end_s and segment.end_s > cue.start_s]
    if under:
        speech_end = min(under, key=lambda end: abs(end - cue.end_s))
        synced.speech_end_s = speech_end
        synced.end_offset_ms = round((cue.end_s - speech_end) * 1000, 1)
    return synced


def _merged(cues: list[Cue]) -> list[Cue]:
    """Overlapping cues joined, so that speech under two of them is not counted twice."""
    merged: list[Cue] = []
    for cue in sorted(cues, key=lambda cue: cue.start_s):
        if merged and cue.start_s <= merged[-1].end_s + 2 * TOLERANCE_S:
            merged[-1] = merged[-1].model_copy(update={"end_s": max(merged[-1].end_s, cue.end_s)})
        else:
            merged.append(cue)
    return merged
