"""Sound work shared by the voice backends and the speech stage: trimming, level, pitch, space, WAV files.

Every backend hands over mono float samples; the stage then trims the silence around the speech, sets the
line's level and its space (voice over, off screen), and writes a 16-bit WAV. Backends without a pitch control
of their own shift pitch here, by resampling (which also shortens or lengthens the line: they ask their model
for the opposite change of pace first, so the pace comes out as asked).
"""

from __future__ import annotations

import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy import signal

from movieagent.errors import RenderError
from movieagent.schema import Delivery
from movieagent.workspace import atomic_path

# Speech keeps this much of the silence before and after it, so that onsets and decays are not cut.
KEPT_SILENCE_S = 0.020
# Trimming looks at the loudness of 5 ms frames; quieter than this below the loudest frame counts as silence.
TRIM_FRAME_S = 0.005
SILENCE_BELOW_PEAK_DB = 45.0
# Every line is brought to the same loudness of its audible frames first, so voices of different models sit
# together; the delivery then moves it (a whisper below, a shout above). The peak never passes PEAK_CEILING.
LINE_RMS_DBFS = -20.0
PEAK_CEILING = 10 ** (-1 / 20)
# Voice over: close to the microphone (a little more low end, the proximity effect) and dry.
VOICE_OVER_SHELF_HZ, VOICE_OVER_SHELF_DB = 250.0, 3.0
# Off screen: through a wall or across a room: the highs dulled and two early reflections.
OFF_SCREEN_LOWPASS_HZ = 2800.0
OFF_SCREEN_REFLECTIONS = ((0.023, -12.0), (0.041, -16.0))  # (delay s, gain dB)
# A pause inside a line (between sentences, at a comma) is this long and this far below the loudest frame at least.
PAUSE_S, PAUSE_BELOW_PEAK_DB = 0.12, 35.0
# Pitch shifts are done as rational resampling; this bounds the size of the filter it needs.
MAX_RESAMPLE_DENOMINATOR = 200


def trim_silence(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Cuts leading and trailing silence (breaths and model noise included), keeping KEPT_SILENCE_S of it on each side."""
    margin = round(KEPT_SILENCE_S * sample_rate)
    frame = max(1, round(TRIM_FRAME_S * sample_rate))
    count = len(samples) // frame
    if count == 0:
        return np.zeros(2 * margin, dtype=np.float32)
    energy = np.sqrt(np.mean(samples[: count * frame].astype(np.float64).reshape(count, frame) ** 2, axis=1))
    loud = np.flatnonzero(energy >= max(energy.max() * 10 ** (-SILENCE_BELOW_PEAK_DB / 20), 1e-5))
    if loud.size == 0:
        # Nothing to say ("..."): a short silence keeps the line's place in the timeline.
        return np.zeros(2 * margin, dtype=np.float32)
    start = max(0, loud[0] * frame - margin)
    end = min(len(samples), (loud[-1] + 1) * frame + margin)
    return samples[start:end].astype(np.float32)


def speech_resumes(samples: np.ndarray, sample_rate: int) -> list[float]:
    """Where speech starts again after a pause of at least PAUSE_S inside a finished line, in seconds from its start."""
    frame = max(1, round(TRIM_FRAME_S * sample_rate))
    count = len(samples) // frame
    if count == 0:
        return []
    energy = np.sqrt(np.mean(samples[: count * frame].astype(np.float64).reshape(count, frame) ** 2, axis=1))
    quiet = energy < energy.max() * 10 ** (-PAUSE_BELOW_PEAK_DB / 20)
    resumes, run = [], 0
    for index, silent in enumerate(quiet):
        if not silent and run * TRIM_FRAME_S >= PAUSE_S and index > run:
            resumes.append(round(index * frame / sample_rate, 3))
        run = run + 1 if silent else 0
    return resumes


def shift_pitch(samples: np.ndarray, semitones: float) -> np.ndarray:
    """The samples resampled so that, played at the same rate, they sound `semitones` higher (and 2**(st/12) shorter)."""
    if abs(semitones) < 1e-3:
        return samples.astype(np.float32)
    ratio = Fraction(2 ** (-semitones / 12)).limit_denominator(MAX_RESAMPLE_DENOMINATOR)
    return signal.resample_poly(samples, ratio.numerator, ratio.denominator).astype(np.float32)


def pitch_factor(semitones: float) -> float:
    """How much shorter shift_pitch makes a line: backends ask their model for this much slower speech first."""
    return 2 ** (semitones / 12)


def finish_line(samples: np.ndarray, sample_rate: int, delivery: Delivery) -> np.ndarray:
    """A backend's raw speech as the film's line: trimmed, at the line's level, in its space. Float, mono, same rate."""
    # 1. Trim the silence around the speech, so the line starts where its subtitle does.
    speech = trim_silence(np.asarray(samples, dtype=np.float32), sample_rate)
    # 2. One loudness for every voice, moved by the delivery.
    speech = speech * _gain_to_level(speech, sample_rate, LINE_RMS_DBFS + delivery.level_db)
    # 3. The space: close and dry, or muffled off screen.
    if delivery.space == "voice_over":
        speech = _low_shelf(speech, sample_rate, VOICE_OVER_SHELF_HZ, VOICE_OVER_SHELF_DB)
    elif delivery.space == "off_screen":
        speech = _off_screen(speech, sample_rate)
    peak = float(np.abs(speech).max(initial=0.0))
    return (speech * (PEAK_CEILING / peak) if peak > PEAK_CEILING else speech).astype(np.float32)


def write_wav(samples: np.ndarray, sample_rate: int, output: Path) -> None:
    """Mono 16-bit WAV, written atomically."""
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")
    with atomic_path(output) as temporary, wave.open(str(temporary), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm.tobytes())


def read_wav(path: Path, *, what: str) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV (mono, or the mean of its channels) as float samples in -1..1 and its rate."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise RenderError(f"speech: {what} wrote {8 * wav.getsampwidth()}-bit audio; 16-bit PCM was expected")
            channels, rate = wav.getnchannels(), wav.getframerate()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    except (wave.Error, EOFError, FileNotFoundError) as error:
        raise RenderError(f"speech: {what} produced no readable audio: {error}") from None
    samples = pcm[: len(pcm) - len(pcm) % channels].reshape(-1, channels).mean(axis=1) / 32768.0
    return samples.astype(np.float32), rate


def _gain_to_level(samples: np.ndarray, sample_rate: int, dbfs: float) -> float:
    frame = max(1, round(0.02 * sample_rate))
    count = len(samples) // frame
    if count == 0:
        return 1.0
    energy = np.sqrt(np.mean(samples[: count * frame].astype(np.float64).reshape(count, frame) ** 2, axis=1))
    audible = energy[energy >= energy.max() * 10 ** (-30 / 20)]
    level = float(np.sqrt(np.mean(audible**2))) if audible.size and energy.max() > 1e-5 else 0.0
    return 10 ** (dbfs / 20) / level if level > 0 else 1.0


def _low_shelf(samples: np.ndarray, sample_rate: int, corner_hz: float, gain_db: float) -> np.ndarray:
    """A gentle bass lift: the signal plus its low-passed part."""
    low = signal.sosfilt(signal.butter(2, corner_hz, "lowpass", fs=sample_rate, output="sos"), samples)
    return (samples + (10 ** (gain_db / 20) - 1) * low).astype(np.float32)


def _off_screen(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    dull = signal.sosfilt(signal.butter(2, OFF_SCREEN_LOWPASS_HZ, "lowpass", fs=sample_rate, output="sos"), samples)
    tail = round(max(delay for delay, _ in OFF_SCREEN_REFLECTIONS) * sample_rate)
    room = np.concatenate([dull, np.zeros(tail)])
    for delay_s, gain_db in OFF_SCREEN_REFLECTIONS:
        start = round(delay_s * sample_rate)
        room[start : start + len(dull)] += 10 ** (gain_db / 20) * dull
    return room.astype(np.float32)
