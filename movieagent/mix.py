"""Stage: line WAVs + a music bed -> one stereo mix at the target loudness under a true-peak ceiling.

Levels, in the order they are set:
- speech at `target_lufs` (ITU-R BS.1770 integrated loudness, measured with movieagent/loudness.py);
- music at `target_lufs + music_gain_db`, then `duck_db` lower while someone speaks;
- the sum at the master gain that lands on `target_lufs` once a look-ahead limiter has kept the 4x oversampled
  (true) peak at or below `true_peak_dbtp`. Nothing is ever hard-clipped.

Nothing whose size grows with the movie is held in memory, so a feature film costs time, not memory. The mix is
made block by block, three times over, from the lines (each read from its file while a block needs it) and the music
bed: pass 1 measures the loudness of each bus, pass 2 finds the true peaks of their sum (kept on disk for the limiter,
movieagent/limiter.py), pass 3 encodes the file and measures what it wrote (an AAC file decoded again: the encoder moves peaks too). `make_mix` is the stage: it reuses the
mix in the output folder (AAC, as the movie carries it) when nothing it is made of changed.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel
from scipy import signal
from scipy.io import wavfile

from movieagent.cache import content_key, file_digest, reuse_or_make
from movieagent.config import AudioSettings
from movieagent.errors import InputError, RenderError
from movieagent.loudness import (
    CHUNK,
    GATE_STEPS_PER_S,
    INTERPOLATION_REACH,
    TRUE_PEAK_OVERSAMPLING,
    AudioMeasurement,
    Interpolator,
    LoudnessMeter,
    StepSums,
    integrated_loudness,
    k_weighting_sos,
    measure_audio,
)
from movieagent.limiter import LIMITER_MARGIN_DB, ChunkFile, Limiter
from movieagent.media import LOSSY_AUDIO, audio_writer, decode_audio_into, read_wav_duration
from movieagent.schema import LineTiming, Timeline
from movieagent.workspace import Workspace, atomic_path, write_text_atomic

MUSIC_FADE_IN_S = 2.0
MUSIC_FADE_OUT_S = 3.0
SEAM_FADE_S = 0.010  # where a music file that was not made to loop repeats, so the seam does not click
DUCK_ATTACK_S = 0.08  # music is fully down by the time a line starts...
DUCK_RELEASE_S = 0.4  # ...and comes back up gently after it ends

MASTER_GAIN_STEPS = 8  # the limiter takes a little loudness off; the master gain is raised until it lands on target
MASTER_GAIN_TOLERANCE_DB = 0.01
MIN_LOUDNESS_SLOPE = 0.1  # bounds a secant step where the limiter flattens loudness(gain) almost completely
MAX_MAKEUP_DB = 6.0  # past this the limiter would flatten speech into a wall of sound: such a target is left short
STEREO_FROM_MONO_DB = 10 * math.log10(2)  # BS.1770 sums the power of the left and right channels

BLOCK = 64_000  # samples per block: long enough for fast numpy, short enough to keep memory flat; a multiple of CHUNK

AMBIENCE_MIN_RATE = 4000  # the generated pad has nothing above ~1 kHz: synthesised at the mix rate / 8 (or 4, 2...)
MAX_TURN_DOWNS = 2  # writes of the whole mix, turned down, after the first: one is nearly always enough
MUSIC_FIX = "set audio.music to an audio file ffmpeg can read, or remove it to use the generated ambience"


class MixReport(BaseModel):
    integrated_lufs: float
    true_peak_dbtp: float
    duration_s: float
    music_source: str


def make_mix(timeline: Timeline, settings: AudioSettings, workspace: Workspace, *, seed: int) -> MixReport:
    """The movie's soundtrack in the workspace (audio/mix.m4a, its report beside it), reused when nothing it is
    made of changed: the timeline, the voices, the music, the settings and the seed of the generated ambience."""
    music = file_digest(settings.music) if settings.music else None
    key = content_key(timeline, settings, seed, music, [file_digest(line.audio) for line in timeline.lines()])
    report = workspace.mix.with_suffix(".json")

    def mix() -> None:
        write_text_atomic(report, mix_audio(timeline, settings, workspace.mix, seed=seed).model_dump_json(indent=2))

    reuse_or_make(key, [workspace.mix, report], mix)
    return MixReport.model_validate_json(report.read_text(encoding="utf-8"))


def mix_audio(timeline: Timeline, settings: AudioSettings, output: Path, *, seed: int = 0) -> MixReport:
    """Writes the movie's soundtrack, stereo and exactly the timeline's length, in the format `output`'s suffix names
    (.m4a AAC, .flac, .wav; see media.audio_writer)."""
    # 1. check inputs and prepare the two buses: speech (mono, centred) where the timeline puts it, music looped
    # (or generated) to length; both are made on demand, a block at a time
    rate = settings.sample_rate
    length = round(timeline.duration_s() * rate)
    lines = timeline.lines()
    missing = [line for line in lines if not line.audio.is_file()]
    if missing:
        raise RenderError(f"audio: speech for line '{missing[0].line_id}' is missing: {missing[0].audio}")
    if settings.music is not None and not settings.music.is_file():
        raise InputError("music file not found", path=settings.music, fix=MUSIC_FIX)
    # What is kept on disk while the mix is made (the decoded music, the limiter's peaks) goes beside it.
    output.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as temporary_files:
        if settings.music is not None:
            music: _LoopedMusic | _Ambience = temporary_files.enter_context(_LoopedMusic(settings.music, length, rate, output.parent))
            music_source = str(settings.music)
        else:
            music, music_source = _Ambience(length, rate, seed), f"generated ambience (seed {seed})"
        buses = _Buses(_SpeechBus(lines, rate, length), music, _Ducking(lines, rate, settings.duck_db), length, rate)

        # 2. levels (pass 1): speech at the target, music under it, and the loudness of their ducked sum
        levels = _bus_levels(buses, settings)

        # 3. master (pass 2): true peaks of the sum, then the master gain that lands it on the target once limited
        chunks = temporary_files.enter_context(ChunkFile(output.parent))
        _mix_peaks(buses, levels, chunks)
        limiter = Limiter(chunks, settings.true_peak_dbtp, rate)
        master_gain = _master_gain(levels, limiter, settings.target_lufs, buses)

        # 4. write (pass 3), measuring what is written, and a lossy file once more decoded: gain changes and the AAC
        # encoder move inter-sample peaks (the encoder by up to a few tenths of a dB). Past the ceiling, the whole mix
        # is turned down by what it passed and written again.
        for _turn_down in range(MAX_TURN_DOWNS + 1):
            measurement = _write_mix(buses, levels, limiter, master_gain, output)
            if output.suffix.lower() in LOSSY_AUDIO:
                measurement = measurement.model_copy(update={"true_peak_dbtp": measure_audio(output).true_peak_dbtp})
            over_db = measurement.true_peak_dbtp - settings.true_peak_dbtp
            if over_db <= 0:
                break
            master_gain *= _db_to_gain(-over_db - LIMITER_MARGIN_DB)
    return MixReport(**measurement.model_dump(exclude={"clipped_samples"}), music_source=music_source)


# --------------------------------------------------------------------------- buses


class _SpeechBus:
    """The lines placed where the timeline puts them, each read from its file (resampled to the mix rate) when a block
    first needs it and let go once the blocks have passed it: memory holds the lines of one block, not of the film."""

    def __init__(self, lines: list[LineTiming], rate: int, length: int):
        self.files, self.rate = [line.audio for line in lines], rate
        self.starts = np.array([round(line.start_s * rate) for line in lines], dtype=np.int64)
        # From the files' headers: a line resampled to the mix rate is at most this long, and never past the end.
        longest = np.array([math.ceil(read_wav_duration(line.audio) * rate) for line in lines], dtype=np.int64)
        self.stops = np.clip(self.starts + longest, self.starts, length)
        self.read: dict[int, np.ndarray] = {}

    def samples(self, start: int, stop: int) -> np.ndarray:
        bus = np.zeros(stop - start, np.float32)
        for index in np.flatnonzero((self.starts < stop) & (self.stops > start)):
            if index not in self.read:
                self.read[index] = read_wav(self.files[index], self.rate)[: self.stops[index] - self.starts[index]]
            clip = self.read[index]
            if where := _overlap(start, stop, self.starts[index], len(clip)):
                bus[where[0]] += clip[where[1]]
        # The passes go forward a block at a time: a line ending here is not needed by the next block.
        self.read = {index: clip for index, clip in self.read.items() if self.stops[index] > stop}
        return bus


class _LoopedMusic:
    """A music file repeated back to back (a file made to loop keeps its beat), decoded once into a temporary file
    beside the mix as 16-bit samples and read back a block at a time: a long score costs disk, not memory.

    A seam that bends the waveform more sharply than the music ever does by itself (a step or a kink, measured
    by the second difference) would click: it gets a short fade on each side.
    """

    def __init__(self, path: Path, length: int, rate: int, folder: Path):
        self.file = tempfile.TemporaryFile(dir=folder, prefix=".music.")
        try:
            decoded = decode_audio_into(path, rate, self.file, max_seconds=length / rate + 1)
        except RenderError as error:
            self.file.close()
            raise InputError(f"music file could not be decoded: {error}", path=path, fix=MUSIC_FIX) from None
        if decoded == 0:
            self.file.close()
            raise InputError("music file has no audio", path=path, fix=MUSIC_FIX)
        self.size = min(decoded, length)
        self.seam_fade = _smooth_ramp(0)  # gain from each side of the seam inwards; none for a file that loops well
        if decoded < length:
            across_the_seam = np.concatenate([self._read(decoded - 2, 2), self._read(0, 2)]).astype(np.int32)
            if np.abs(np.diff(across_the_seam, n=2, axis=0)).max() > self._sharpest_bend(decoded):
                self.seam_fade = _smooth_ramp(min(round(SEAM_FADE_S * rate), decoded // 4))

    def __enter__(self) -> _LoopedMusic:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.file.close()

    def samples(self, start: int, stop: int) -> np.ndarray:
        size = self.size
        looped = np.empty((stop - start, 2), np.int16)
        filled, position = 0, start % size
        while filled < len(looped):
            count = min(size - position, len(looped) - filled)
            looped[filled : filled + count] = self._read(position, count)
            filled, position = filled + count, 0
        music = looped.T.astype(np.float32, order="C")
        music *= 1 / 32768
        if len(self.seam_fade):
            where = np.arange(start, stop) % size
            fade = len(self.seam_fade)
            for near, into_the_fade in ((where < fade, where), (where >= size - fade, size - 1 - where)):
                music[:, near] *= self.seam_fade[into_the_fade[near]]
        return music

    def _read(self, first: int, count: int) -> np.ndarray:
        """Samples first..first+count-1 as (count, 2) int16."""
        self.file.seek(first * 4)
        return np.frombuffer(self.file.read(count * 4), dtype="<i2").reshape(-1, 2)

    def _sharpest_bend(self, decoded: int) -> int:
        """The largest second difference inside the music (int32 differences, a stretch of it at a time)."""
        sharpest = 0
        for start in range(0, decoded, 1 << 20):
            part = self._read(start, min(decoded - start, (1 << 20) + 2)).astype(np.int32)
            if len(part) > 2:
                sharpest = max(sharpest, int(np.abs(np.diff(part, n=2, axis=0)).max()))
        return sharpest


class _Ambience:
    """A soft, slowly evolving pad: an open chord of sine partials that drift in level and beat gently.

    Each partial is played slightly detuned on the left and right, which makes a slow stereo chorus;
    a whisper of low-passed noise adds air. Everything is below ~1 kHz, so it is synthesised at a low rate
    (the mix rate / 8 at 48 kHz) a block at a time, in order, and interpolated up; only the blocks a request
    reaches are kept, and a request behind them (the next pass) starts the pad again from its seed.
    """

    def __init__(self, length: int, rate: int, seed: int):
        self.upsampling = max(factor for factor in (1, 2, 4, 8) if rate / factor >= AMBIENCE_MIN_RATE or factor == 1)
        self.low_rate = rate / self.upsampling
        self.count = -(-length // self.upsampling) + 1
        self.seed = seed
        self.interpolator = Interpolator(self.upsampling)
        self.air_filter = signal.butter(2, 600, fs=self.low_rate, output="sos")
        self._start_over()

    def samples(self, start: int, stop: int) -> np.ndarray:
        low, high = start // self.upsampling, -(-stop // self.upsampling)
        upsampled = self.interpolator.upsample(self._pad_with_context(low, high))
        return upsampled[:, start - low * self.upsampling : stop - low * self.upsampling]

    def _start_over(self) -> None:
        """The chord and the noise drawn from the seed, in the same order every time, so every pass hears one pad."""
        self.rng = np.random.default_rng(self.seed)
        root = self.rng.choice([98.0, 110.0, 123.47, 130.81, 146.83])  # G2, A2, B2, C3, D3
        chord = [(1.0, 1.0), (1.5, 0.7), (2.0, 0.55), (2.25, 0.35), (3.0, 0.25), (4.5, 0.12)]  # root, fifth, octave, ninth...
        self.partials = []  # (level, swell (Hz, phase), left and right (Hz, phase))
        for ratio, level in chord:
            swell = (self.rng.uniform(0.015, 0.06), self.rng.uniform(0, 2 * np.pi))
            detune = self.rng.uniform(0.05, 0.25) * np.array([-1, 1])
            self.partials.append((level, swell, [(root * ratio + shift, self.rng.uniform(0, 2 * np.pi)) for shift in detune]))
        self.breathing = (0.03, self.rng.uniform(0, 2 * np.pi))
        self.air_state = np.zeros((len(self.air_filter), 2, 2))
        self.kept, self.kept_from = np.zeros((2, 0), np.float32), 0  # pad samples kept_from.. kept_from + kept.shape[1]

    def _pad_with_context(self, start: int, stop: int) -> np.ndarray:
        """pad[:, start - reach : stop + reach], silent where that runs past either end."""
        low, high = max(start - INTERPOLATION_REACH, 0), min(stop + INTERPOLATION_REACH, self.count)
        if low < self.kept_from:
            self._start_over()
        while self.kept_from + self.kept.shape[1] < high:
            made = self.kept_from + self.kept.shape[1]
            self.kept = np.concatenate([self.kept, self._block(made, min(made + BLOCK, self.count))], axis=1)
        self.kept, self.kept_from = self.kept[:, low - self.kept_from :], low
        padded = np.zeros((2, stop - start + 2 * INTERPOLATION_REACH), np.float32)
        padded[:, low - start + INTERPOLATION_REACH : high - start + INTERPOLATION_REACH] = self.kept[:, : high - low]
        return padded

    def _block(self, start: int, stop: int) -> np.ndarray:
        block = np.zeros((2, stop - start), np.float32)
        for level, swell, channels in self.partials:
            loudness = level * (0.55 + 0.45 * _sine(*swell, start, stop, self.low_rate))
            for channel, (frequency, phase) in enumerate(channels):
                block[channel] += loudness * _sine(frequency, phase, start, stop, self.low_rate)
        noise = self.rng.standard_normal((2, stop - start), dtype=np.float32)
        air, self.air_state = signal.sosfilt(self.air_filter, noise, axis=1, zi=self.air_state)
        block += 0.3 * air * (0.6 + 0.4 * _sine(*self.breathing, start, stop, self.low_rate))
        return block


def _sine(frequency: float, phase: float, start: int, stop: int, rate: float) -> np.ndarray:
    """sin(2 pi f t + phase) for samples start..stop, in float32 (fast) with the phase kept exact in float64."""
    step = 2 * np.pi * frequency / rate
    offset = np.float32((step * start + phase) % (2 * np.pi))
    return np.sin(offset + np.float32(step) * np.arange(stop - start, dtype=np.float32))


class _Ducking:
    """Music gain from the lines' intervals: duck_db down while speaking, with smooth attack and release."""

    def __init__(self, lines: list[LineTiming], rate: int, duck_db: float):
        self.starts = np.array([round(line.start_s * rate) for line in lines], dtype=np.int64)
        self.stops = np.maximum(self.starts, [round(line.end_s * rate) for line in lines]).astype(np.int64)
        self.attack, self.release = _smooth_ramp(round(DUCK_ATTACK_S * rate)), _smooth_ramp(round(DUCK_RELEASE_S * rate))[::-1]
        self.nepers_per_depth = np.float32(duck_db * math.log(10) / 20)

    def gain(self, start: int, stop: int) -> np.ndarray | None:
        """None where the music is at full level throughout."""
        reaching = (self.starts - len(self.attack) < stop) & (self.stops + len(self.release) > start)
        if not reaching.any():
            return None
        depth = np.zeros(stop - start, np.float32)  # 0: music at full level, 1: fully ducked
        for line_start, line_stop in zip(self.starts[reaching], self.stops[reaching]):
            for first, shape in ((line_start - len(self.attack), self.attack), (line_stop, self.release)):
                if where := _overlap(start, stop, first, len(shape)):
                    np.maximum(depth[where[0]], shape[where[1]], out=depth[where[0]])
            if where := _overlap(start, stop, line_start, line_stop - line_start):
                depth[where[0]] = 1
        return np.exp(depth * self.nepers_per_depth)


class _Buses:
    """Any stretch of the speech bus, the faded music bus, the ducking and their sum, made on demand."""

    def __init__(self, speech: _SpeechBus, music: _LoopedMusic | _Ambience, ducking: _Ducking, length: int, rate: int):
        self.speech, self.source, self.ducking = speech, music, ducking
        self.length, self.rate = length, rate
        self.fade_in = _smooth_ramp(min(round(MUSIC_FADE_IN_S * rate), length // 4))
        self.fade_out = _smooth_ramp(min(round(MUSIC_FADE_OUT_S * rate), length // 4))[::-1]

    def music(self, start: int, stop: int) -> np.ndarray:
        """The music with a smooth rise at the start and fall at the end (each at most a quarter of the mix)."""
        music = self.source.samples(start, stop)
        for first, shape in ((0, self.fade_in), (self.length - len(self.fade_out), self.fade_out)):
            if where := _overlap(start, stop, first, len(shape)):
                music[:, where[0]] *= shape[where[1]]
        return music

    def mix(self, start: int, stop: int, levels: _Levels) -> np.ndarray:
        """The sum as stereo float32, silent outside the movie (the true-peak filter reads past both ends)."""
        low, high = max(start, 0), min(stop, self.length)
        mix = self.music(low, high)
        duck = self.ducking.gain(low, high)
        mix *= np.float32(levels.music_gain) if duck is None else np.float32(levels.music_gain) * duck
        mix += np.float32(levels.speech_gain) * self.speech.samples(low, high)
        if (low, high) == (start, stop):
            return mix
        padded = np.zeros((2, stop - start), np.float32)
        padded[:, low - start : high - start] = mix
        return padded


def _smooth_ramp(count: int) -> np.ndarray:
    """0 -> 1 in `count` samples along a raised cosine (no corners, so no clicks)."""
    return (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, count + 2)[1:-1])).astype(np.float32)


def _overlap(start: int, stop: int, first: int, count: int) -> tuple[slice, slice] | None:
    """Where the stretch of `count` samples from `first` meets samples start..stop: (slice of those, slice of it)."""
    low, high = max(start, first), min(stop, first + count)
    return (slice(low - start, high - start), slice(low - first, high - first)) if high > low else None


def _blocks(length: int) -> Iterator[tuple[int, int]]:
    for start in range(0, length, BLOCK):
        yield start, min(start + BLOCK, length)


# --------------------------------------------------------------------------- the three passes


class _Levels(NamedTuple):
    speech_gain: float  # puts the speech bus at its loudness target
    music_gain: float  # puts the music bus at its loudness target
    mix_energies: np.ndarray  # of the K-weighted ducked sum at these gains, per 100 ms


def _bus_levels(buses: _Buses, settings: AudioSettings) -> _Levels:
    """Pass 1: speech and music gains for their target loudness, and the 100 ms energies of their K-weighted sum.

    K-weighting is linear and the ducking gain changes slowly (over 80 ms and more), so the weighted sum is the
    sum of the weighted buses: one pass over each bus gives the loudness of any mix of the two.
    """
    k_weighting = k_weighting_sos(buses.rate)
    speech_state, music_state = np.zeros((len(k_weighting), 2)), np.zeros((len(k_weighting), 2, 2))
    sums = StepSums(buses.rate, series=4)
    for start, stop in _blocks(buses.length):
        speech, speech_state = signal.sosfilt(k_weighting, buses.speech.samples(start, stop), zi=speech_state)
        music, music_state = signal.sosfilt(k_weighting, buses.music(start, stop), axis=1, zi=music_state)
        duck = buses.ducking.gain(start, stop)
        ducked = music if duck is None else music * duck
        music_energy = music[0] ** 2 + music[1] ** 2
        ducked_energy = music_energy if duck is None else ducked[0] ** 2 + ducked[1] ** 2
        sums.add(start, np.stack([speech**2, music_energy, ducked_energy, speech * (ducked[0] + ducked[1])]))
    speech_alone, music_alone, music_ducked, speech_times_music = sums.sums
    speech_gain = _gain_to(settings.target_lufs - STEREO_FROM_MONO_DB, speech_alone, buses)
    music_gain = _gain_to(settings.target_lufs + settings.music_gain_db, music_alone, buses)
    # (s + m)^2 summed over both channels; speech plays on both, which sounds 3 dB louder than it measures as mono
    mix = music_gain**2 * music_ducked + 2 * music_gain * speech_gain * speech_times_music + 2 * speech_gain**2 * speech_alone
    return _Levels(speech_gain, music_gain, mix)


def _mix_peaks(buses: _Buses, levels: _Levels, chunks: ChunkFile) -> None:
    """Pass 2: for each chunk of the sum, its 4x oversampled peak (over both channels) and its energy, in `chunks`."""
    interpolator = Interpolator(TRUE_PEAK_OVERSAMPLING)
    reach = INTERPOLATION_REACH
    for start, stop in _blocks(buses.length):
        mix = buses.mix(start - reach, stop + reach, levels)
        power = mix[0, reach:-reach] ** 2 + mix[1, reach:-reach] ** 2
        chunks.append(interpolator.chunk_peaks(mix), np.add.reduceat(power, np.arange(0, stop - start, CHUNK)))


def _master_gain(levels: _Levels, limiter: Limiter, target_lufs: float, buses: _Buses) -> float:
    """The master gain that puts the limited sum at the target loudness.

    What the limiter takes off each 100 ms is estimated from the energy of the chunks it turns down there.
    """
    loudness = integrated_loudness(levels.mix_energies, buses.length, buses.rate)
    if loudness is None:
        return 1.0
    step_chunks = -(-(np.arange(len(levels.mix_energies)) * buses.rate // GATE_STEPS_PER_S) // CHUNK)
    energy = limiter.step_energies(step_chunks)

    def limited_loudness(gain_db: float) -> float:
        gain = _db_to_gain(gain_db)
        kept = limiter.kept_energies(gain, step_chunks)
        kept = np.divide(kept, energy, out=np.ones_like(kept), where=energy > 0)
        return integrated_loudness(gain**2 * levels.mix_energies * kept, buses.length, buses.rate)

    # Secant steps along loudness(gain) in dB, from plain normalisation up to MAX_MAKEUP_DB above it. The limiter
    # makes loudness rise by less than 1 dB per dB of gain, and on very peaky audio not at all for a while.
    lowest_db = target_lufs - loudness
    gain_db, result, previous = lowest_db, limited_loudness(lowest_db), None
    best = (gain_db, result)
    for _ in range(MASTER_GAIN_STEPS):
        slope = 1.0 if previous is None else (result - previous[1]) / (gain_db - previous[0])
        step = (target_lufs - result) / min(1.0, max(slope, MIN_LOUDNESS_SLOPE))
        next_db = min(max(gain_db + step, lowest_db), lowest_db + MAX_MAKEUP_DB)
        if abs(target_lufs - result) < MASTER_GAIN_TOLERANCE_DB or next_db == gain_db:
            break
        previous, gain_db = (gain_db, result), next_db
        result = limited_loudness(gain_db)
        best = min(best, (gain_db, result), key=lambda tried: abs(target_lufs - tried[1]))
    return _db_to_gain(best[0])


def _write_mix(buses: _Buses, levels: _Levels, limiter: Limiter, master_gain: float, output: Path) -> AudioMeasurement:
    """Pass 3: the sum at the master gain through the limiter, as 16-bit PCM encoded as it comes, measured as it is
    written (before the encoder: mix_audio measures an AAC file once more, decoded)."""
    meter = LoudnessMeter(buses.rate, channels=2)
    with atomic_path(output) as temporary, audio_writer(temporary, buses.rate) as write:
        for start, stop in _blocks(buses.length):
            mix = buses.mix(start, stop, levels)
            mix *= limiter.sample_gains(master_gain, start, stop)
            pcm = np.clip(np.rint(mix * 32767), -32768, 32767).astype(np.int16)
            write(pcm.T)
            meter.push(pcm * np.float32(1 / 32768))
    return meter.finish()


def _gain_to(target_lufs: float, step_energies: np.ndarray, buses: _Buses) -> float:
    """The gain that brings a bus to `target_lufs`; 1 for silence."""
    loudness = integrated_loudness(step_energies, buses.length, buses.rate)
    return 1.0 if loudness is None else _db_to_gain(target_lufs - loudness)


def _db_to_gain(decibels: float) -> float:
    return 10 ** (decibels / 20)


def read_wav(path: Path, rate: int) -> np.ndarray:
    """A WAV as mono float32 samples in -1..1 at `rate`."""
    try:
        file_rate, data = wavfile.read(path)
    except ValueError as error:
        raise RenderError(f"cannot read the WAV file {path}: {error}") from None
    if np.issubdtype(data.dtype, np.integer):
        samples = data.astype(np.float32) / float(np.iinfo(data.dtype).max + 1)
    else:
        samples = data.astype(np.float32)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    if file_rate == rate:
        return samples
    common = math.gcd(file_rate, rate)
    return signal.resample_poly(samples, rate // common, file_rate // common).astype(np.float32)
