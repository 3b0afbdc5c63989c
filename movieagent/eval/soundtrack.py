"""One pass over a movie's sound track: what the loudness and speech measurements need, a block at a time.

The track is never held whole (a feature film's is gigabytes as float samples); what is kept is small:
K-weighted energy and the sample peak per 100 ms (loudness, BS.1770 / EBU Tech 3342), and the energy of the
speech band per 10 ms (speech activity).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal

# The mixer's own K-weighting filters and rate, so that both measure the same signal the same way.
from movieagent.loudness import GATE_STEPS_PER_S, MEASURE_RATE, k_weighting_sos
from movieagent.media import decode_audio_blocks

LOUDNESS_STEP_S = 1 / GATE_STEPS_PER_S  # BS.1770 gating blocks advance in 100 ms steps; short-term loudness is 30 of them
SPEECH_FRAME_S = 0.01
# Speech keeps its formants and consonants here, above the bass and pads of a music bed (ours has nothing over 1 kHz).
SPEECH_BAND_HZ = (1000.0, 4000.0)
SILENCE_DB = -120.0  # where an empty frame's energy is put, instead of -inf


@dataclass(frozen=True)
class Soundtrack:
    rate: int
    loudness_energy: np.ndarray  # per 100 ms step: K-weighted energy summed over the samples and both channels
    step_peaks: np.ndarray  # per 100 ms step: the largest absolute sample value, over both channels
    speech_band_db: np.ndarray  # per 10 ms frame: mean power of the mono speech band, in dB


def decode_soundtrack(path: Path) -> Soundtrack:
    """The measurements of the audio track of `path` (any file ffmpeg reads), decoded as 48 kHz stereo."""
    rate = MEASURE_RATE
    k_weighting = k_weighting_sos(rate)
    band = signal.butter(4, SPEECH_BAND_HZ, btype="bandpass", fs=rate, output="sos")
    k_state, band_state = np.zeros((len(k_weighting), 2, 2)), np.zeros((len(band), 2))
    step, frame = round(LOUDNESS_STEP_S * rate), round(SPEECH_FRAME_S * rate)
    energy, peaks, band_power = _Sums(step), _Maxima(step), _Sums(frame)
    count = 0
    for block in decode_audio_blocks(Path(path), rate):
        weighted, k_state = signal.sosfilt(k_weighting, block, axis=1, zi=k_state)
        energy.add(count, np.einsum("ij,ij->j", weighted, weighted))
        peaks.add(count, np.abs(block).max(axis=0))
        speech_band, band_state = signal.sosfilt(band, block.mean(axis=0), zi=band_state)
        band_power.add(count, speech_band * speech_band)
        count += block.shape[1]
    frames = band_power.values(count) / frame
    with np.errstate(divide="ignore"):
        speech_band_db = np.maximum(10 * np.log10(frames), SILENCE_DB)
    return Soundtrack(rate, energy.values(count), peaks.values(count), speech_band_db)


class _Sums:
    """Sums of a per-sample series over consecutive windows of `size` samples, fed a block at a time."""

    def __init__(self, size: int):
        self.size, self.sums = size, np.zeros(0)

    def add(self, start: int, values: np.ndarray) -> None:
        windows = np.arange(start, start + len(values)) // self.size
        first = windows[0]
        added = np.bincount(windows - first, weights=values)
        if len(self.sums) < first + len(added):
            self.sums = np.pad(self.sums, (0, first + len(added) - len(self.sums)))
        self.sums[first : first + len(added)] += added

    def values(self, count: int) -> np.ndarray:
        """Whole windows only: a last partial window would read as quieter than it is."""
        return self.sums[: count // self.size]


class _Maxima(_Sums):
    def add(self, start: int, values: np.ndarray) -> None:
        windows = np.arange(start, start + len(values)) // self.size
        first = windows[0]
        bounds = np.flatnonzero(np.diff(windows, prepend=first - 1))
        added = np.maximum.reduceat(values, bounds)
        if len(self.sums) < first + len(added):
            self.sums = np.pad(self.sums, (0, first + len(added) - len(self.sums)))
        self.sums[first : first + len(added)] = np.maximum(self.sums[first : first + len(added)], added)
