"""Audio: integrated loudness, loudness range, true peak, clipping, and the loudness of each shot.

Integrated loudness, true peak and clipping come from `measure_audio` (ITU-R BS.1770-4, as the mixer measures);
the loudness range (EBU Tech 3342) from the short-term loudness of the sound track; both in movieagent/loudness.py.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from pydantic import BaseModel, Field

from movieagent.eval.soundtrack import LOUDNESS_STEP_S, Soundtrack
from movieagent.loudness import (
    CLIP_LEVEL,
    SHORT_TERM_S,
    AudioMeasurement,
    integrated_loudness,
    loudness_range_lu,
    short_term_loudness,
)
from movieagent.schema import Timeline

PASSAGE_GAP_S = 1.0  # clipped steps closer than this are one passage
MAX_CURVE_POINTS = 2000  # the short-term curve kept in the report: enough for a plot, small for a long film


class TimeSpan(BaseModel):
    start_s: float
    end_s: float


class LoudnessCurve(BaseModel):
    """Short-term loudness (LUFS, None for silence) at start_s, start_s + step_s, ...: each of the 3 s ending there."""

    start_s: float
    step_s: float
    lufs: list[float | None]


class ShotLoudness(BaseModel):
    shot_id: str
    start_s: float
    end_s: float
    lufs: float | None = Field(description="BS.1770 integrated loudness of the shot; None if silent or under 0.4 s")


class AudioMetrics(BaseModel):
    integrated_lufs: float | None
    loudness_range_lu: float | None = Field(description="EBU Tech 3342 LRA; None under 3 s or silent")
    true_peak_dbtp: float | None
    clipped_samples: float = Field(description="Share of samples at full scale")
    clipped_passages: list[TimeSpan] = Field(description="Where samples reach full scale (100 ms steps, joined across short gaps)")
    short_term: LoudnessCurve
    shots: list[ShotLoudness]
    largest_shot_jump_lu: float | None = Field(description="Largest loudness change from one shot to the next")
    largest_shot_jump_at: str | None = Field(default=None, description="Id of the shot the largest jump leads into")


def measure_loudness(measurement: AudioMeasurement, soundtrack: Soundtrack, timeline: Timeline) -> AudioMetrics:
    # 1. Short-term loudness every 100 ms, and the range of it.
    short_term = short_term_loudness(soundtrack.loudness_energy, soundtrack.rate)
    loudness_range = loudness_range_lu(short_term)

    # 2. Each shot's loudness, and the largest change between neighbours.
    shots = [_shot_loudness(timing.shot_id, timing.start_s, timing.start_s + timing.duration_s, soundtrack) for timing in timeline.shots]
    jumps = [(abs(after.lufs - before.lufs), after.shot_id) for before, after in itertools.pairwise(shots) if before.lufs is not None and after.lufs is not None]
    largest = max(jumps, default=None)

    # 3. Where the clipping is.
    return AudioMetrics(
        integrated_lufs=_finite(measurement.integrated_lufs),
        loudness_range_lu=None if loudness_range is None else round(loudness_range, 2),
        true_peak_dbtp=_finite(measurement.true_peak_dbtp),
        clipped_samples=measurement.clipped_samples,
        clipped_passages=_passages(soundtrack.step_peaks >= CLIP_LEVEL, LOUDNESS_STEP_S),
        short_term=_curve(short_term),
        shots=shots,
        largest_shot_jump_lu=None if largest is None else round(largest[0], 2),
        largest_shot_jump_at=None if largest is None else largest[1],
    )


def _shot_loudness(shot_id: str, start_s: float, end_s: float, soundtrack: Soundtrack) -> ShotLoudness:
    first, last = round(start_s / LOUDNESS_STEP_S), min(round(end_s / LOUDNESS_STEP_S), len(soundtrack.loudness_energy))
    step = round(LOUDNESS_STEP_S * soundtrack.rate)
    lufs = integrated_loudness(soundtrack.loudness_energy[first:last], max(0, last - first) * step, soundtrack.rate) if last > first else None
    return ShotLoudness(shot_id=shot_id, start_s=round(start_s, 3), end_s=round(end_s, 3), lufs=None if lufs is None else round(lufs, 2))


def _curve(short_term: np.ndarray) -> LoudnessCurve:
    stride = max(1, math.ceil(len(short_term) / MAX_CURVE_POINTS))
    values = [round(float(value), 2) if np.isfinite(value) else None for value in short_term[::stride]]
    return LoudnessCurve(start_s=SHORT_TERM_S, step_s=round(stride * LOUDNESS_STEP_S, 3), lufs=values)


def _passages(flags: np.ndarray, step_s: float) -> list[TimeSpan]:
    """The flagged steps as time spans, joining spans less than PASSAGE_GAP_S apart (the pauses between words)."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    passages: list[TimeSpan] = []
    for start, stop in zip(np.flatnonzero(edges == 1) * step_s, np.flatnonzero(edges == -1) * step_s):
        if passages and start - passages[-1].end_s < PASSAGE_GAP_S:
            passages[-1].end_s = round(float(stop), 3)
        else:
            passages.append(TimeSpan(start_s=round(float(start), 3), end_s=round(float(stop), 3)))
    return passages


def _finite(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None
