"""The mix's look-ahead limiter, planned from the true peaks of the sum without holding them in memory.

The mix's second pass writes, for every CHUNK of samples (0.4 ms at 48 kHz), the 4x oversampled peak of the sum and
its energy into a ChunkFile: a temporary file beside the mix (8 bytes a chunk, 120 MB for a 106-minute film), kept by
the operating system's page cache rather than by this process. The limiter reads it back a window at a time, so a
feature film costs the memory of a few seconds of it.

Wherever a peak would pass the ceiling, the gain glides down (a moving average over LIMITER_RAMP_S) to what that peak
needs and holds there LIMITER_HOLD_S after it. The held stretch also covers the interpolation filter's reach, so the
gain is flat across all the samples that make up the peak's inter-sample values.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from scipy import ndimage

from movieagent.loudness import CHUNK, INTERPOLATION_REACH

LIMITER_RAMP_S = 0.005  # the gain glides down over this time before a peak (look-ahead)...
LIMITER_HOLD_S = 0.050  # ...and stays down this long after it, so gain changes stay rare and inaudible
LIMITER_MARGIN_DB = 0.05  # aims a little under the ceiling: gain changes move inter-sample peaks a little
WINDOW = 1 << 17  # chunks read back at a time: 1 MB of them, 52 s of audio at 48 kHz


class ChunkFile:
    """Per chunk of the mix, in order: its true peak (at master gain 1) and its energy, as float32 on disk."""

    def __init__(self, folder: Path):
        self.file = tempfile.TemporaryFile(dir=folder, prefix=".mix-chunks.")
        self.count = 0

    def __enter__(self) -> ChunkFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.file.close()

    def append(self, peaks: np.ndarray, energies: np.ndarray) -> None:
        self.file.seek(0, 2)
        self.file.write(np.stack([peaks, energies], axis=1).astype(np.float32).tobytes())
        self.count += len(peaks)

    def read(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Peaks and energies of chunks first..last-1 (0 <= first <= last <= count)."""
        self.file.seek(first * 8)
        pairs = np.frombuffer(self.file.read((last - first) * 8), np.float32).reshape(-1, 2)
        return pairs[:, 0], pairs[:, 1]

    def step_windows(self, step_chunks: np.ndarray) -> Iterator[tuple[int, int, int, int]]:
        """Whole gating steps, about WINDOW chunks at a time, where step i starts at chunk step_chunks[i] (the first
        at 0): yields (first step, end step, first chunk, end chunk); the last window runs to the last chunk."""
        first = 0
        while first < len(step_chunks):
            end = max(first + 1, int(np.searchsorted(step_chunks, step_chunks[first] + WINDOW, side="right")))
            yield first, end, int(step_chunks[first]), int(step_chunks[end]) if end < len(step_chunks) else self.count
            first = end


class Limiter:
    """The limiter's gains at any master gain, for any stretch of the mix, read from its ChunkFile."""

    def __init__(self, chunks: ChunkFile, ceiling_dbtp: float, rate: int):
        self.chunks = chunks
        self.aim = 10 ** ((ceiling_dbtp - LIMITER_MARGIN_DB) / 20)
        self.ramp = 2 * (round(LIMITER_RAMP_S * rate) // 2)
        hold = 2 * (round(LIMITER_HOLD_S * rate) // 2)
        reach = self.ramp // 2 + INTERPOLATION_REACH
        # how many chunks a held gain looks back (the hold) and ahead (the ramp) for peaks
        self.look_back, self.look_ahead = -(-(hold + reach) // CHUNK), -(-reach // CHUNK)
        self.smoothing = self.ramp // CHUNK + 1  # chunks the gain glides over

    def held_gains(self, master_gain: float, first: int, last: int) -> np.ndarray:
        """Per chunk first..last-1, the lowest gain any peak near enough needs (1 where none passes the ceiling);
        chunks beyond either end of the mix take the gain of the end chunk."""
        count = self.chunks.count
        low, high = max(0, min(first, count - 1)), min(count, max(last, 1))
        margin = self.look_back + self.look_ahead + 1
        start, stop = max(0, low - margin), min(count, high + margin)
        peaks, _ = self.chunks.read(start, stop)
        needed = np.minimum(1.0, self.aim / np.maximum(master_gain * peaks, 1e-12)).astype(np.float32)
        size = self.look_back + self.look_ahead + 1
        held = ndimage.minimum_filter1d(needed, size, origin=self.look_back - size // 2, mode="nearest")
        return held[np.clip(np.arange(first, last), low, high - 1) - start]

    def sample_gains(self, master_gain: float, start: int, stop: int) -> np.ndarray | np.float32:
        """The gain of samples start..stop: the master gain times the held gains averaged over the ramp around each."""
        low, high = start - self.ramp // 2, stop + self.ramp // 2
        first, last = low // CHUNK, -(-high // CHUNK)
        chunk_gains = self.held_gains(master_gain, first, last)
        if chunk_gains.min() >= 1:
            return np.float32(master_gain)
        steps = np.repeat(chunk_gains, CHUNK)[low - first * CHUNK : high - first * CHUNK]
        running = np.concatenate([[0.0], np.cumsum(steps, dtype=np.float64)])
        return (master_gain * (running[self.ramp + 1 :] - running[: -self.ramp - 1]) / (self.ramp + 1)).astype(np.float32)

    def step_energies(self, step_chunks: np.ndarray) -> np.ndarray:
        """The energy of the sum at master gain 1, per gating step (whose first chunks are `step_chunks`)."""
        energies = np.zeros(len(step_chunks))
        for first, end, start, stop in self.chunks.step_windows(step_chunks):
            _, chunk_energies = self.chunks.read(start, stop)
            energies[first:end] = np.add.reduceat(chunk_energies, step_chunks[first:end] - start, dtype=np.float64)
        return energies

    def kept_energies(self, master_gain: float, step_chunks: np.ndarray) -> np.ndarray:
        """Per gating step, the energy the limiter keeps at `master_gain`, over the master gain squared: the chunks'
        energies weighted by the square of their smoothed gains."""
        kept = np.zeros(len(step_chunks))
        reach = self.smoothing
        for first, end, start, stop in self.chunks.step_windows(step_chunks):
            gains = self.held_gains(master_gain, start - reach, stop + reach)
            smoothed = ndimage.uniform_filter1d(gains, self.smoothing, mode="nearest")[reach : reach + stop - start]
            _, chunk_energies = self.chunks.read(start, stop)
            smoothed *= smoothed
            smoothed *= chunk_energies
            kept[first:end] = np.add.reduceat(smoothed, step_chunks[first:end] - start, dtype=np.float64)
        return kept
