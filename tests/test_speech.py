"""The espeak-ng speech backend: real synthesis through the bundled library, read back as samples."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from movieagent.backends import load_backend
from movieagent.config import BackendChoice
from movieagent.errors import RenderError
from movieagent.schema import Voice
from movieagent.speech.espeak import Backend, clean_text

SENTENCE = "The quiet ocean was waiting for them all morning."


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64), wav.getframerate()


def fundamental_hz(samples: np.ndarray, rate: int) -> float:
    """Median pitch of the voiced 40 ms frames, by autocorrelation (60-400 Hz)."""
    frame, shortest, longest = int(0.04 * rate), int(rate / 400), int(rate / 60)
    loud = 0.3 * np.sqrt(np.mean(samples**2))
    estimates = []
    for start in range(0, len(samples) - frame, frame // 2):
        chunk = samples[start : start + frame] - samples[start : start + frame].mean()
        if np.sqrt(np.mean(chunk**2)) < loud:
            continue
        correlation = np.correlate(chunk, chunk, "full")[frame - 1 :]
        lag = shortest + int(np.argmax(correlation[shortest:longest]))
        if correlation[lag] > 0.5 * correlation[0]:
            estimates.append(rate / lag)
    assert len(estimates) > 10, "too few voiced frames to estimate a pitch"
    return float(np.median(estimates))


@pytest.fixture
def backend() -> Backend:
    pytest.importorskip("espeakng_loader")
    return load_backend("speech", BackendChoice(kind="espeak"))


def test_writes_mono_speech_with_the_silence_around_it_trimmed(backend: Backend, tmp_path: Path) -> None:
    backend.synthesize("Hello there, how are you?", Voice(), tmp_path / "line.wav")

    samples, rate = read_wav(tmp_path / "line.wav")
    assert rate == 22050
    assert 0.8 < len(samples) / rate < 3.0
    audible = np.flatnonzero(np.abs(samples) >= np.abs(samples).max() * 10 ** (-50 / 20))
    # At most the 20 ms kept on each side (espeak's own lead-in can be shorter); exact margins: see the program test.
    assert audible[0] / rate <= 0.0205
    assert (len(samples) - 1 - audible[-1]) / rate <= 0.0205
    assert np.sqrt(np.mean(samples**2)) > 1000  # speech, not a whisper


def test_same_text_and_voice_give_the_same_samples_whatever_was_spoken_before(backend: Backend, tmp_path: Path) -> None:
    voice = Voice(variant="f2", pitch=60)
    backend.synthesize(SENTENCE, voice, tmp_path / "first.wav")
    backend.synthesize("Something else entirely, in another voice!", Voice(language="fr", variant="m3"), tmp_path / "other.wav")
    time.sleep(1.0)  # espeak-ng seeds its noise generator from the clock (in seconds) unless told otherwise
    backend.synthesize(SENTENCE, voice, tmp_path / "again.wav")

    first, _ = read_wav(tmp_path / "first.wav")
    again, _ = read_wav(tmp_path / "again.wav")
    assert np.array_equal(first, again)


def test_pitch_variant_and_rate_make_distinct_voices(backend: Backend, tmp_path: Path) -> None:
    spoken = {}
    for name, voice in {
        "low": Voice(pitch=20),
        "high": Voice(pitch=80),
        "f2": Voice(variant="f2"),
        "m3": Voice(variant="m3"),
        "slow": Voice(words_per_minute=110),
        "fast": Voice(words_per_minute=300),
    }.items():
        backend.synthesize(SENTENCE, voice, tmp_path / f"{name}.wav")
        spoken[name] = read_wav(tmp_path / f"{name}.wav")

    assert fundamental_hz(*spoken["high"]) > 1.3 * fundamental_hz(*spoken["low"])
    assert fundamental_hz(*spoken["f2"]) > 1.5 * fundamental_hz(*spoken["m3"])
    assert len(spoken["slow"][0]) > 1.8 * len(spoken["fast"][0])


def test_control_characters_never_reach_espeak(backend: Backend, tmp_path: Path) -> None:
    # \x01 starts an espeak embedded command ("\x0199P" would change the pitch) when it gets through.
    assert clean_text("Hello\x01 99P\tthere\r\n  friend\u2028!") == "Hello 99P there friend !"
    backend.synthesize("Hello\x01 99P there", Voice(), tmp_path / "dirty.wav")
    backend.synthesize("Hello 99P there", Voice(), tmp_path / "clean.wav")
    assert np.array_equal(read_wav(tmp_path / "dirty.wav")[0], read_wav(tmp_path / "clean.wav")[0])


@pytest.mark.parametrize(
    ("voice", "setting"),
    [
        (Voice(language="xx-nowhere"), "voice.language"),
        (Voice(variant="nobody"), "voice.variant"),
        (Voice(variant="../f2"), "voice.variant"),
    ],
)
def test_unknown_voice_names_the_setting_to_fix(backend: Backend, tmp_path: Path, voice: Voice, setting: str) -> None:
    with pytest.raises(RenderError, match=setting):
        backend.synthesize("Hello.", voice, tmp_path / "line.wav")
    assert not (tmp_path / "line.wav").exists()


def test_an_espeak_program_gets_the_text_on_stdin(tmp_path: Path) -> None:
    # A stand-in espeak-ng: records its arguments and input, writes 0.3 s silence, 0.5 s tone, 0.3 s silence.
    program = tmp_path / "espeak-ng"
    program.write_text(
        f"#!{sys.executable}\n"
        "import json, math, struct, sys, wave\n"
        "arguments = sys.argv[1:]\n"
        "record = {'arguments': arguments, 'stdin': sys.stdin.buffer.read().decode('utf-8')}\n"
        f"open({str(tmp_path / 'record.json')!r}, 'w').write(json.dumps(record))\n"
        "rate = 22050\n"
        "samples = [0] * 6615 + [int(8000 * math.sin(2 * math.pi * 200 * i / rate)) for i in range(11025)] + [0] * 6615\n"
        "with wave.open(arguments[arguments.index('-w') + 1], 'wb') as out:\n"
        "    out.setnchannels(1); out.setsampwidth(2); out.setframerate(rate)\n"
        "    out.writeframes(struct.pack(f'<{len(samples)}h', *samples))\n",
        encoding="utf-8",
    )
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    backend = Backend(Backend.Options(executable=str(program)))

    backend.synthesize("--help me,\x07 please", Voice(variant="f2", pitch=30, words_per_minute=200), tmp_path / "line.wav")

    record = json.loads((tmp_path / "record.json").read_text(encoding="utf-8"))
    arguments = record["arguments"]
    assert record["stdin"] == "--help me, please"
    assert arguments[arguments.index("-v") + 1] == "en-us+f2"
    assert arguments[arguments.index("-p") + 1] == "30"
    assert arguments[arguments.index("-s") + 1] == "200"
    assert "--stdin" in arguments and "-m" not in arguments  # SSML stays off
    samples, rate = read_wav(tmp_path / "line.wav")
    assert len(samples) / rate == pytest.approx(0.5 + 2 * 0.020, abs=0.003)


def test_missing_program_and_missing_espeak_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RenderError, match="executable"):
        Backend(Backend.Options(executable=str(tmp_path / "no-such-espeak"))).synthesize("Hi.", Voice(), tmp_path / "a.wav")

    monkeypatch.setitem(sys.modules, "espeakng_loader", None)  # the wheel is not installed
    monkeypatch.setenv("PATH", str(tmp_path))  # and no espeak-ng program on PATH
    with pytest.raises(RenderError, match="pip install espeakng-loader.*apt install espeak-ng"):
        Backend(Backend.Options()).synthesize("Hi.", Voice(), tmp_path / "b.wav")
    assert os.listdir(tmp_path) == []
