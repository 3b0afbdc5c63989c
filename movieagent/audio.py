"""Stage: line WAVs + a music bed -> one stereo mix at the target loudness under a true-peak ceiling.

Levels, in the order they are set:
- speech at `target_lufs` (ITU-R BS.1770 integrated loudness, measured with pyloudnorm);
- music at `target_lufs + music_gain_db`, then `duck_db` lower while someone speaks;
- the sum back at `target_lufs`, then a look-ahead limiter keeps the 4x oversampled (true) peak
  at or below `true_peak_dbtp`. Nothing is ever hard-clipped.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np
import pyloudnorm
from pydantic import BaseModel, Field
from scipy import ndimage, signal
from scipy.io import wavfile

from movieagent.config import AudioSettings
from movieagent.errors import InputError, RenderError
from movieagent.media import ffmpeg_exe
from movieagent.schema import LineTiming, Timeline
from movieagent.workspace import atomic_path

MUSIC_FADE_IN_S = 2.0
MUSIC_FADE_OUT_S = 3.0
SEAM_FADE_S = 0.010  # where a music file that was not made to loop repeats, so the seam does not click
DUCK_ATTACK_S = 0.08  # music is fully down by the time a line starts...
DUCK_RELEASE_S = 0.4  # ...and comes back up gently after it ends

TRUE_PEAK_OVERSAMPLING = 4  # BS.1770-4 annex 2: 4x oversampling estimates inter-sample peaks
LIMITER_RAMP_S = 0.005  # the limiter's gain glides down over this time before a peak (look-ahead)...
LIMITER_HOLD_S = 0.050  # ...and stays down this long after it, so gain changes stay rare and inaudible
LIMITER_MARGIN_DB = 0.05  # aims a little under the ceiling: gain changes move inter-sample peaks a little
LIMITER_PASSES = 4
CLIP_LEVEL = 32767 / 32768  # a sample at 16-bit full scale counts as clipped
STEREO_FROM_MONO_DB = 10 * math.log10(2)  # BS.1770 sums the power of the left and right channels

AMBIENCE_RATE = 12000  # the generated pad has nothing above ~1 kHz, so it is synthesised at a low rate
MEASURE_RATE = 48000  # measure_audio decodes everything to this rate
MUSIC_FIX = "set audio.music to an audio file ffmpeg can read, or remove it to use the generated ambience"


class MixReport(BaseModel):
    integrated_lufs: float
    true_peak_dbtp: float
    duration_s: float
    music_source: str


class AudioMeasurement(BaseModel):
    integrated_lufs: float = Field(description="-inf for silence")
    true_peak_dbtp: float
    clipped_samples: float = Field(description="Fraction of samples at full scale, over all channels")
    duration_s: float


def mix_audio(timeline: Timeline, settings: AudioSettings, output: Path, *, seed: int = 0) -> MixReport:
    """Writes the movie's soundtrack: a 16-bit stereo WAV of exactly the timeline's length."""
    # 1. check inputs and prepare
    rate = settings.sample_rate
    length = round(timeline.duration_s() * rate)
    lines = timeline.lines()
    missing = [line for line in lines if not line.audio.is_file()]
    if missing:
        raise RenderError(f"audio: speech for line '{missing[0].line_id}' is missing: {missing[0].audio}")
    if settings.music is not None and not settings.music.is_file():
        raise InputError("music file not found", path=settings.music, fix=MUSIC_FIX)

    # 2. the two buses: speech (mono, centred) where the timeline puts it, music looped (or generated) to length
    speech = _speech_bus(lines, rate, length)
    if settings.music is not None:
        music, music_source = _loop(_read_music(settings.music, rate), length, rate), str(settings.music)
    else:
        music, music_source = _ambience(length, rate, seed), f"generated ambience (seed {seed})"
    music *= _fades(length, rate)[:, None]

    # 3. levels: speech at the target, music under it and ducked while lines are spoken
    # Speech plays on both channels, which sounds 3 dB louder than the mono signal measures.
    speech = _at_loudness(speech, rate, settings.target_lufs - STEREO_FROM_MONO_DB)
    music = _at_loudness(music, rate, settings.target_lufs + settings.music_gain_db)
    music *= _duck_gain(lines, length, rate, settings.duck_db)[:, None]

    # 4. master: the sum at the target loudness, under the true-peak ceiling
    mix = _at_loudness(music + speech[:, None], rate, settings.target_lufs)
    del speech, music  # long mixes are large: free what is no longer needed
    mix = _limit_true_peak(mix, rate, settings.true_peak_dbtp)
    # Limiting takes a little loudness off; give it back once and limit again.
    loudness = _loudness(mix, rate)
    if loudness is not None and loudness < settings.target_lufs - 0.1:
        mix = _limit_true_peak(mix * _db_to_gain(settings.target_lufs - loudness), rate, settings.true_peak_dbtp)

    # 5. write and measure what was written
    pcm = np.round(mix * 32767).clip(-32768, 32767).astype(np.int16)
    with atomic_path(output) as temporary:
        wavfile.write(temporary, rate, pcm)
    measurement = _measure(pcm / 32768, rate)
    return MixReport(
        integrated_lufs=measurement.integrated_lufs,
        true_peak_dbtp=measurement.true_peak_dbtp,
        duration_s=measurement.duration_s,
        music_source=music_source,
    )


def measure_audio(path: Path) -> AudioMeasurement:
    """Loudness, true peak and clipping of an audio file or of a video's audio track (decoded as 48 kHz stereo).

    A mono file is measured as if played on both stereo channels (3 LU louder than as mono).
    """
    return _measure(_decode(Path(path), MEASURE_RATE), MEASURE_RATE)


# --------------------------------------------------------------------------- buses


def _speech_bus(lines: list[LineTiming], rate: int, length: int) -> np.ndarray:
    bus = np.zeros(length)
    for line in lines:
        start = round(line.start_s * rate)
        samples = _read_wav(line.audio, rate)[: max(0, length - start)]
        bus[start : start + len(samples)] += samples
    return bus


def _read_wav(path: Path, rate: int) -> np.ndarray:
    """A WAV as mono float samples in -1..1 at `rate`."""
    try:
        file_rate, data = wavfile.read(path)
    except ValueError as error:
        raise RenderError(f"audio: cannot read speech file {path}: {error}") from None
    if np.issubdtype(data.dtype, np.integer):
        samples = data / float(np.iinfo(data.dtype).max + 1)
    else:
        samples = data.astype(np.float64)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    return _resample(samples, file_rate, rate)


def _resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    if from_rate == to_rate:
        return samples
    common = math.gcd(from_rate, to_rate)
    return signal.resample_poly(samples, to_rate // common, from_rate // common, axis=0)


def _read_music(path: Path, rate: int) -> np.ndarray:
    try:
        music = _decode(path, rate).astype(np.float64)
    except RenderError as error:
        raise InputError(f"music file could not be decoded: {error}", path=path, fix=MUSIC_FIX) from None
    if len(music) == 0:
        raise InputError("music file has no audio", path=path, fix=MUSIC_FIX)
    return music


def _loop(music: np.ndarray, length: int, rate: int) -> np.ndarray:
    """The music repeated back to back up to `length` samples (a file made to loop keeps its beat).

    A seam that bends the waveform more sharply than the music ever does by itself (a step or a kink,
    measured by the second difference) would click: it gets a short fade on each side.
    """
    if len(music) >= length:
        return music[:length].copy()
    piece = music.copy()
    across_the_seam = np.concatenate([music[-2:], music[:2]])
    if np.abs(np.diff(across_the_seam, n=2, axis=0)).max() > np.abs(np.diff(music, n=2, axis=0)).max():
        count = min(round(SEAM_FADE_S * rate), len(music) // 4)
        piece[:count] *= _smooth_ramp(count)[:, None]
        piece[len(piece) - count :] *= _smooth_ramp(count)[::-1, None]
    return np.tile(piece, (math.ceil(length / len(piece)), 1))[:length]


def _ambience(length: int, rate: int, seed: int) -> np.ndarray:
    """A soft, slowly evolving pad: an open chord of sine partials that drift in level and beat gently.

    Each partial is played slightly detuned on the left and right, which makes a slow stereo chorus;
    a whisper of low-passed noise adds air. Everything is below ~1 kHz, so nothing sounds harsh.
    """
    rng = np.random.default_rng(seed)
    count = math.ceil(length * AMBIENCE_RATE / rate) + 1
    time = np.arange(count) / AMBIENCE_RATE
    root = rng.choice([98.0, 110.0, 123.47, 130.81, 146.83])  # G2, A2, B2, C3, D3
    chord = [(1.0, 1.0), (1.5, 0.7), (2.0, 0.55), (2.25, 0.35), (3.0, 0.25), (4.5, 0.12)]  # root, fifth, octave, ninth...
    pad = np.zeros((count, 2))
    for ratio, level in chord:
        swell = 0.55 + 0.45 * np.sin(2 * np.pi * rng.uniform(0.015, 0.06) * time + rng.uniform(0, 2 * np.pi))
        for channel, detune in enumerate(rng.uniform(0.05, 0.25) * np.array([-1, 1])):
            pad[:, channel] += level * swell * np.sin(2 * np.pi * (root * ratio + detune) * time + rng.uniform(0, 2 * np.pi))
    air = signal.sosfilt(signal.butter(2, 600, fs=AMBIENCE_RATE, output="sos"), rng.standard_normal((count, 2)), axis=0)
    breathing = 0.6 + 0.4 * np.sin(2 * np.pi * 0.03 * time + rng.uniform(0, 2 * np.pi))
    pad += 0.3 * air * breathing[:, None]
    return _resample(pad, AMBIENCE_RATE, rate)[:length]


def _fades(length: int, rate: int) -> np.ndarray:
    """Music gain: a smooth rise at the start and fall at the end (each at most a quarter of the mix)."""
    fade_in, fade_out = (min(round(seconds * rate), length // 4) for seconds in (MUSIC_FADE_IN_S, MUSIC_FADE_OUT_S))
    gain = np.ones(length)
    gain[:fade_in] *= _smooth_ramp(fade_in)
    gain[length - fade_out :] *= _smooth_ramp(fade_out)[::-1]
    return gain


def _duck_gain(lines: list[LineTiming], length: int, rate: int, duck_db: float) -> np.ndarray:
    """Music gain from the lines' intervals: duck_db down while speaking, with smooth attack and release."""
    depth = np.zeros(length)  # 0: music at full level, 1: fully ducked
    attack, release = round(DUCK_ATTACK_S * rate), round(DUCK_RELEASE_S * rate)
    for line in lines:
        start, end = round(line.start_s * rate), max(round(line.start_s * rate), round(line.end_s * rate))
        shape = np.concatenate([_smooth_ramp(attack), np.ones(end - start), _smooth_ramp(release)[::-1]])
        first = start - attack
        low, high = max(0, first), min(length, first + len(shape))
        if high > low:
            np.maximum(depth[low:high], shape[low - first : high - first], out=depth[low:high])
    return _db_to_gain(duck_db * depth)


def _smooth_ramp(count: int) -> np.ndarray:
    """0 -> 1 in `count` samples along a raised cosine (no corners, so no clicks)."""
    return 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, count + 2)[1:-1])


# --------------------------------------------------------------------------- loudness and peaks


def _loudness(audio: np.ndarray, rate: int) -> float | None:
    """Integrated loudness (LUFS); None for silence or audio shorter than one 400 ms gating block."""
    if len(audio) <= 0.4 * rate:
        return None
    loudness = pyloudnorm.Meter(rate).integrated_loudness(audio)
    return loudness if math.isfinite(loudness) else None


def _at_loudness(audio: np.ndarray, rate: int, target_lufs: float) -> np.ndarray:
    loudness = _loudness(audio, rate)
    return audio if loudness is None else audio * _db_to_gain(target_lufs - loudness)


def _oversampled_peaks(audio: np.ndarray) -> np.ndarray:
    """Per input sample, the largest absolute value of the 4x oversampled signal around it, over all channels.

    Works in blocks with some context on each side, so long mixes do not need 4x the memory.
    """
    block, context = 1 << 18, 64
    peaks = np.empty(len(audio))
    for start in range(0, len(audio), block):
        low, high = max(0, start - context), min(len(audio), start + block + context)
        # Channels first: filtering runs along contiguous memory, several times faster.
        channels_first = np.ascontiguousarray(audio[low:high].T)
        upsampled = signal.resample_poly(channels_first, TRUE_PEAK_OVERSAMPLING, 1, axis=1)
        per_sample = np.abs(upsampled).max(axis=0).reshape(high - low, TRUE_PEAK_OVERSAMPLING).max(axis=1)
        count = min(block, len(audio) - start)
        peaks[start : start + count] = per_sample[start - low : start - low + count]
    return peaks


def _limit_true_peak(audio: np.ndarray, rate: int, ceiling_dbtp: float) -> np.ndarray:
    """A look-ahead limiter: smooth gain reduction wherever the oversampled peak would pass the ceiling."""
    ceiling, aim = _db_to_gain(ceiling_dbtp), _db_to_gain(ceiling_dbtp - LIMITER_MARGIN_DB)
    ramp = 2 * (round(LIMITER_RAMP_S * rate) // 2)
    hold = 2 * (round(LIMITER_HOLD_S * rate) // 2)
    for _ in range(LIMITER_PASSES):
        peaks = _oversampled_peaks(audio)
        if peaks.max(initial=0) <= ceiling:
            return audio
        needed = np.minimum(1.0, aim / np.maximum(peaks, 1e-12))
        # Hold the lowest gain needed from ramp/2 before each sample to hold + ramp/2 after it; the moving
        # average over `ramp` samples then stays at or below the gain every peak needs.
        held = ndimage.minimum_filter1d(needed, size=hold + ramp + 1, origin=hold // 2, mode="nearest")
        audio = audio * ndimage.uniform_filter1d(held, size=ramp + 1, mode="nearest")[:, None]
    # Each pass moves inter-sample peaks a little; if some are still over, turn everything down the rest of the way.
    return audio * min(1.0, ceiling / _oversampled_peaks(audio).max(initial=ceiling))


def _measure(audio: np.ndarray, rate: int) -> AudioMeasurement:
    loudness = _loudness(audio, rate)
    peak = _oversampled_peaks(audio).max(initial=0) if len(audio) else 0.0
    return AudioMeasurement(
        integrated_lufs=loudness if loudness is not None else -math.inf,
        true_peak_dbtp=20 * math.log10(peak) if peak > 0 else -math.inf,
        clipped_samples=float(np.mean(np.abs(audio) >= CLIP_LEVEL)) if audio.size else 0.0,
        duration_s=len(audio) / rate,
    )


def _decode(path: Path, rate: int) -> np.ndarray:
    """Any file ffmpeg reads (WAV, MP3, an MP4's audio track...) as float32 stereo at `rate`, shape (samples, 2)."""
    command = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(path),
        "-vn", "-f", "f32le", "-acodec", "pcm_f32le", "-ac", "2", "-ar", str(rate), "-",
    ]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        tail = " ".join(result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:])
        raise RenderError(f"ffmpeg could not decode the audio of {path}: {tail}")
    return np.frombuffer(result.stdout, dtype="<f4").reshape(-1, 2)


def _db_to_gain(decibels: float | np.ndarray) -> np.ndarray:
    return np.power(10.0, np.asarray(decibels) / 20)
