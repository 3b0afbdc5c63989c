"""Where people speak in a sound track: an energy detector on the speech band, relative to the noise floor.

The frames' energies (dB, 10 ms) fall into two groups, background and speech; the split between them is found the
way Otsu splits an image's histogram (the threshold that best separates two classes). The noise floor is the top of
the background group: the music bed at full level, not the quieter bed ducked under speech. Speech starts where the
energy rises ONSET_OVER_NOISE_DB over that floor, and carries on while it stays HOLD_OVER_NOISE_DB over it (hysteresis),
bridging the short gaps between words (hangover).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel
from scipy import ndimage

NOISE_FLOOR_PERCENTILE = 90  # of the background frames
ONSET_OVER_NOISE_DB = 12.0
HOLD_OVER_NOISE_DB = 6.0
HANGOVER_S = 0.15  # gaps between words are shorter; pauses between sentences and lines are longer
MIN_SPEECH_S = 0.05  # a click or a drum hit is shorter than a syllable
MIN_RANGE_DB = ONSET_OVER_NOISE_DB  # flatter than this, nothing stands out of the background: no speech
HISTOGRAM_BINS = 200


class SpeechSegment(BaseModel):
    start_s: float
    end_s: float


class SpeechActivity(BaseModel):
    noise_floor_db: float | None = None
    onset_db: float | None = None
    segments: list[SpeechSegment] = []

    def seconds_within(self, start_s: float, end_s: float) -> float:
        """Seconds of speech between start_s and end_s."""
        return sum(max(0.0, min(end_s, segment.end_s) - max(start_s, segment.start_s)) for segment in self.segments)

    @property
    def speech_s(self) -> float:
        return sum(segment.end_s - segment.start_s for segment in self.segments)


def detect_speech(band_db: np.ndarray, frame_s: float) -> SpeechActivity:
    """Speech segments from the speech band's energy per frame (dB), frames `frame_s` long."""
    # 1. Check inputs: a flat track has no speech in it.
    if band_db.size == 0 or np.ptp(band_db) < MIN_RANGE_DB:
        return SpeechActivity()

    # 2. The noise floor: the top of the background class.
    split = _otsu_threshold(band_db)
    background = band_db[band_db < split]
    noise_floor = float(np.percentile(background, NOISE_FLOOR_PERCENTILE)) if background.size else float(band_db.min())
    onset, hold = noise_floor + ONSET_OVER_NOISE_DB, noise_floor + HOLD_OVER_NOISE_DB

    # 3. Hysteresis: runs over the hold level that reach the onset level somewhere; then the hangover.
    runs, _ = ndimage.label(band_db > hold)
    reached = np.unique(runs[band_db > onset])
    speaking = np.isin(runs, reached[reached > 0])
    hangover = max(1, round(HANGOVER_S / frame_s))
    padded = np.pad(speaking, hangover)
    speaking = ndimage.binary_closing(padded, structure=np.ones(hangover))[hangover:-hangover]

    # 4. Segments, without the ones too short to be speech.
    labels, _ = ndimage.label(speaking)
    segments = [
        SpeechSegment(start_s=round(found.start * frame_s, 3), end_s=round(found.stop * frame_s, 3))
        for (found,) in ndimage.find_objects(labels)
        if (found.stop - found.start) * frame_s >= MIN_SPEECH_S
    ]
    return SpeechActivity(noise_floor_db=round(noise_floor, 2), onset_db=round(onset, 2), segments=segments)


def _otsu_threshold(values: np.ndarray) -> float:
    """The value that splits `values` into two classes with the largest variance between them."""
    counts, edges = np.histogram(values, bins=HISTOGRAM_BINS)
    centres = (edges[:-1] + edges[1:]) / 2
    below = np.cumsum(counts)
    above = below[-1] - below
    sum_below = np.cumsum(counts * centres)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_gap = sum_below / below - (sum_below[-1] - sum_below) / above
        between = below * above * mean_gap**2
    return float(centres[np.nanargmax(np.where(above > 0, between, np.nan))])
