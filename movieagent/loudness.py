"""The loudness library: ITU-R BS.1770-4 integrated loudness, 4x oversampled true peak, clipping, EBU Tech 3342
loudness range. The mix measures what it makes with it, and `movieagent eval` measures finished movies the same way.

Audio is pushed a block at a time, so a feature film's track is never held whole. pyloudnorm designs the K-weighting
filters; its Meter measures whole arrays only, hence the streaming meter here (its results match pyloudnorm's).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyloudnorm
from pydantic import BaseModel, Field
from scipy import signal

from movieagent.media import decode_audio_blocks

TRUE_PEAK_OVERSAMPLING = 4  # BS.1770-4 annex 2: 4x oversampling estimates inter-sample peaks
INTERPOLATION_REACH = 10  # the interpolation filter reads this many samples on each side (resample_poly's default)
CHUNK = 20  # true peaks are found per chunk of samples (0.4 ms at 48 kHz), the grain of the mix's limiter
PRODUCT_ROWS = 64  # see Interpolator
CLIP_LEVEL = 32767 / 32768  # a sample at 16-bit full scale counts as clipped
GATE_BLOCK_S, GATE_STEPS_PER_S = 0.4, 10  # BS.1770 gating blocks: 400 ms long, a new one every 100 ms
ABSOLUTE_GATE_LUFS, RELATIVE_GATE_LU = -70.0, -10.0
K_WEIGHTING_SHELF = (4.0, 1 / math.sqrt(2), 1500.0)  # gain (dB), Q, frequency (Hz): BS.1770's stage 1, as pyloudnorm has it
K_WEIGHTING_HIGH_PASS = (0.0, 0.5, 38.0)  # its stage 2 (the RLB high-pass)
SHORT_TERM_S = 3.0  # EBU Tech 3342: short-term loudness over 3 s windows
LRA_ABSOLUTE_GATE_LUFS, LRA_RELATIVE_GATE_LU = -70.0, -20.0
LRA_PERCENTILES = (10, 95)
MEASURE_RATE = 48000  # measure_audio decodes everything to this rate


class AudioMeasurement(BaseModel):
    integrated_lufs: float = Field(description="-inf for silence")
    true_peak_dbtp: float
    clipped_samples: float = Field(description="Fraction of samples at full scale, over all channels")
    duration_s: float


def measure_audio(path: Path) -> AudioMeasurement:
    """Loudness, true peak and clipping of an audio file or of a video's audio track (decoded as 48 kHz stereo).

    A mono file is measured as if played on both stereo channels (3 LU louder than as mono).
    """
    meter = LoudnessMeter(MEASURE_RATE, channels=2)
    for block in decode_audio_blocks(Path(path), MEASURE_RATE):
        meter.push(block)
    return meter.finish()


class Interpolator:
    """Band-limited upsampling by `factor` as small matrix products (BLAS), not a filter loop.

    The filter is scipy's resample_poly default (a Kaiser-windowed sinc reaching INTERPOLATION_REACH input
    samples each side), so the values are those of resample_poly(x, factor, 1). Input: (channels, samples) with
    INTERPOLATION_REACH samples of context at each end. It is cut into rows of CHUNK samples; each output row is
    that row and the next one times fixed weights. Rows are multiplied PRODUCT_ROWS at a time: OpenBLAS runs
    products that small on the calling thread, which is faster here than handing them to its threads.
    """

    def __init__(self, factor: int):
        reach = INTERPOLATION_REACH
        taps = signal.firwin(2 * reach * factor + 1, 1 / factor, window=("kaiser", 5.0)) * factor
        # output (row q, position r, phase p) = sum over d of input[q*CHUNK + r + d] * taps[p + reach*factor - factor*d]
        position, phase, offset = np.meshgrid(np.arange(CHUNK), np.arange(factor), np.arange(-reach, reach + 1), indexing="ij")
        tap = phase + reach * factor - factor * offset
        inside = (tap >= 0) & (tap < len(taps))
        weights = np.zeros((2 * CHUNK, CHUNK * factor), np.float32)
        weights[(position + offset + reach)[inside], (position * factor + phase)[inside]] = taps[tap[inside]]
        self.factor = factor
        self.this_row, self.next_row = weights[:CHUNK], weights[CHUNK:]
        self.this_row_t, self.next_row_t = np.ascontiguousarray(self.this_row.T), np.ascontiguousarray(self.next_row.T)
        self.work = np.empty(0, np.float32)

    def upsample(self, audio: np.ndarray) -> np.ndarray:
        rows, count, groups = self._rows(audio)
        shape = (groups, PRODUCT_ROWS, CHUNK * self.factor)
        upsampled = np.matmul(rows[:-1].reshape(groups, PRODUCT_ROWS, CHUNK), self.this_row)
        upsampled += np.matmul(rows[1:].reshape(groups, PRODUCT_ROWS, CHUNK), self.next_row, out=self._work(shape)[0])
        channels = audio.shape[0]
        per_channel = upsampled.reshape(-1)[: channels * (count + 1) * CHUNK * self.factor].reshape(channels, count + 1, -1)
        return per_channel[:, :count].reshape(channels, -1)[:, : self.factor * (audio.shape[1] - 2 * INTERPOLATION_REACH)]

    def chunk_peaks(self, audio: np.ndarray) -> np.ndarray:
        """For each CHUNK input samples, the largest absolute upsampled value over all channels."""
        rows, count, groups = self._rows(audio)
        # Transposed products put each row's values in a column, so the per-row maximum is a fast column-wise one.
        this, following = self._work((groups, CHUNK * self.factor, PRODUCT_ROWS))
        np.matmul(self.this_row_t, rows[:-1].reshape(groups, PRODUCT_ROWS, CHUNK).transpose(0, 2, 1), out=this)
        this += np.matmul(self.next_row_t, rows[1:].reshape(groups, PRODUCT_ROWS, CHUNK).transpose(0, 2, 1), out=following)
        largest = np.abs(this, out=this).max(axis=1).reshape(-1)
        channels = audio.shape[0]
        return largest[: channels * (count + 1)].reshape(channels, count + 1)[:, :count].max(axis=0)

    def _rows(self, audio: np.ndarray) -> tuple[np.ndarray, int, int]:
        """The input as rows of CHUNK samples, each channel's rows followed by a silent one, padded with silence
        to whole groups of PRODUCT_ROWS (plus the row after the last); rows per channel; groups."""
        channels, total = audio.shape
        count = -(-(total - 2 * INTERPOLATION_REACH) // CHUNK)
        groups = -(-(channels * (count + 1)) // PRODUCT_ROWS)
        rows = np.zeros((groups * PRODUCT_ROWS + 1, CHUNK), np.float32)
        rows[: channels * (count + 1)].reshape(channels, -1)[:, :total] = audio
        return rows, count, groups

    def _work(self, shape: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Two work arrays of `shape`, reused from block to block (fresh large arrays cost page faults every time)."""
        size = math.prod(shape)
        if self.work.size < 2 * size:
            self.work = np.empty(2 * size, np.float32)
        return self.work[:size].reshape(shape), self.work[size : 2 * size].reshape(shape)


class LoudnessMeter:
    """BS.1770 integrated loudness, 4x oversampled true peak and clipping of audio pushed a block at a time."""

    def __init__(self, rate: int, channels: int):
        self.rate, self.interpolator = rate, Interpolator(TRUE_PEAK_OVERSAMPLING)
        self.k_weighting = k_weighting_sos(rate)
        self.state = np.zeros((len(self.k_weighting), channels, 2))
        self.energies = StepSums(rate, series=1)
        self.unpeaked = np.zeros((channels, INTERPOLATION_REACH), np.float32)  # silence before the start
        self.peak, self.clipped, self.count = 0.0, 0, 0

    def push(self, block: np.ndarray) -> None:
        """`block`: (channels, samples) float32, the samples that follow the last block pushed."""
        weighted, self.state = signal.sosfilt(self.k_weighting, block, axis=1, zi=self.state)
        self.energies.add(self.count, np.einsum("ij,ij->j", weighted, weighted)[None])
        self.clipped += np.count_nonzero(np.abs(block) >= CLIP_LEVEL)
        self.count += block.shape[1]
        self._take_peaks(np.concatenate([self.unpeaked, block], axis=1), more_to_come=True)

    def finish(self) -> AudioMeasurement:
        channels = self.unpeaked.shape[0]
        silence_after = np.zeros((channels, INTERPOLATION_REACH), np.float32)
        self._take_peaks(np.concatenate([self.unpeaked, silence_after], axis=1), more_to_come=False)
        loudness = integrated_loudness(self.energies.sums[0], self.count, self.rate)
        return AudioMeasurement(
            integrated_lufs=loudness if loudness is not None else -math.inf,
            true_peak_dbtp=20 * math.log10(self.peak) if self.peak > 0 else -math.inf,
            clipped_samples=self.clipped / (self.count * channels) if self.count else 0.0,
            duration_s=self.count / self.rate,
        )

    def _take_peaks(self, pending: np.ndarray, more_to_come: bool) -> None:
        """True peaks of the samples in `pending` whose filter reach is there too; keeps the rest for later.

        While more is to come, only whole chunks: the last part of a chunk would be read as silence.
        """
        ready = max(0, pending.shape[1] - 2 * INTERPOLATION_REACH)
        if more_to_come:
            ready = ready // CHUNK * CHUNK
        if ready:
            self.peak = max(self.peak, float(self.interpolator.chunk_peaks(pending[:, : ready + 2 * INTERPOLATION_REACH]).max()))
        self.unpeaked = pending[:, ready:]


class StepSums:
    """Sums of per-sample series over the 100 ms steps of BS.1770 gating, added a stretch at a time."""

    def __init__(self, rate: int, series: int):
        self.rate = rate
        self.sums = np.zeros((series, 0))

    def add(self, start: int, values: np.ndarray) -> None:
        """`values`: (series, samples) for samples start, start + 1, ..."""
        first, last = self._step_of(start), self._step_of(start + values.shape[1] - 1)
        if last >= self.sums.shape[1]:
            self.sums = np.pad(self.sums, ((0, 0), (0, last + 1 - self.sums.shape[1])))
        bounds = np.maximum(np.arange(first, last + 1) * self.rate // GATE_STEPS_PER_S, start) - start
        self.sums[:, first : last + 1] += np.add.reduceat(values, bounds, axis=1)

    def _step_of(self, position: int) -> int:
        """Step j spans samples floor(j * rate / 10) .. floor((j + 1) * rate / 10) - 1."""
        return (position * GATE_STEPS_PER_S + GATE_STEPS_PER_S - 1) // self.rate


def integrated_loudness(step_energies: np.ndarray, count: int, rate: int) -> float | None:
    """BS.1770-4 gated loudness (LUFS) from the 100 ms energy sums (over channels) of `count` K-weighted samples.

    None for silence or audio shorter than one 400 ms gating block. Blocks and gates are counted as pyloudnorm does.
    """
    if count <= GATE_BLOCK_S * rate:
        return None
    blocks = int(np.round((count / rate - GATE_BLOCK_S) / (1 / GATE_STEPS_PER_S))) + 1
    steps_per_block = round(GATE_BLOCK_S * GATE_STEPS_PER_S)
    padded = np.zeros(blocks + steps_per_block - 1)
    padded[: min(len(padded), len(step_energies))] = step_energies[: len(padded)]
    energy = sum(padded[step : step + blocks] for step in range(steps_per_block)) / (GATE_BLOCK_S * rate)
    with np.errstate(divide="ignore"):
        block_loudness = -0.691 + 10 * np.log10(energy)
    audible = energy[block_loudness >= ABSOLUTE_GATE_LUFS]
    if audible.size == 0:
        return None
    relative_gate = -0.691 + 10 * math.log10(audible.mean()) + RELATIVE_GATE_LU
    return -0.691 + 10 * math.log10(energy[(block_loudness > relative_gate) & (block_loudness > ABSOLUTE_GATE_LUFS)].mean())



def k_weighting_sos(rate: int) -> np.ndarray:
    """BS.1770 K-weighting (a high shelf, then a high-pass) as second-order sections, for filtering block by block.

    Built with pyloudnorm's filter designer from the constants its Meter uses, so both measure alike; its Meter itself
    measures whole arrays only, and the mix is measured as it streams by.
    """
    stages = [pyloudnorm.IIRfilter(*K_WEIGHTING_SHELF, rate, "high_shelf"), pyloudnorm.IIRfilter(*K_WEIGHTING_HIGH_PASS, rate, "high_pass")]
    return np.array([np.concatenate([stage.b, stage.a]) for stage in stages])


def short_term_loudness(step_energy: np.ndarray, rate: int) -> np.ndarray:
    """Loudness (LUFS, -inf for silence) of each 3 s window, one ending at each 100 ms step from 3 s on.

    `step_energy`: per 100 ms step, the K-weighted energy summed over its samples and channels.
    """
    steps = round(SHORT_TERM_S * GATE_STEPS_PER_S)
    if len(step_energy) < steps:
        return np.zeros(0)
    running = np.concatenate([[0.0], np.cumsum(step_energy)])
    window_energy = (running[steps:] - running[:-steps]) / (SHORT_TERM_S * rate)
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(np.maximum(window_energy, 0))


def loudness_range_lu(short_term: np.ndarray) -> float | None:
    """EBU Tech 3342 loudness range of short-term loudness values (LUFS): gated at -70 LUFS absolute and 20 LU under
    the power mean of what passed that gate, then the spread between the 10th and 95th percentiles."""
    above_absolute = short_term[short_term > LRA_ABSOLUTE_GATE_LUFS]
    if above_absolute.size == 0:
        return None
    mean_power = np.mean(10 ** (above_absolute / 10))
    relative_gate = 10 * math.log10(mean_power) + LRA_RELATIVE_GATE_LU
    gated = above_absolute[above_absolute > relative_gate]
    low, high = np.percentile(gated, LRA_PERCENTILES)
    return float(high - low)
