"""The espeak-ng speech backend: real synthesis through the bundled library, read back as samples; the stage's trimming."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from movieagent.backends import load_backend
from movieagent.config import BackendChoice
from movieagent.errors import InputError, RenderError
from movieagent.schema import CastVoice, Delivery, Voice
from movieagent.speech.audio import finish_line, write_wav
from movieagent.speech.espeak import Backend
from movieagent.speech.text import spoken_text

ROOT = Path(__file__).resolve().parents[1]

SENTENCE = "The quiet ocean was waiting for them all morning."


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64), wav.getframerate()


def voice(variant: str | None = None, *, language: str = "en-us", pitch: int = 50, words_per_minute: int = 160) -> CastVoice:
    """A cast espeak-ng voice, in espeak-ng's own numbers."""
    return CastVoice(
        character_id="someone", name="Someone", voice=variant or "", language=language,
        pitch_semitones=(pitch - 50) / 6, speed=words_per_minute / 160,
    )  # fmt: skip


def speak(backend: Backend, text: str, cast: CastVoice, path: Path, delivery: Delivery = Delivery()) -> tuple[np.ndarray, int]:
    """What the speech stage writes for one line: the backend's speech, finished and saved."""
    speech = backend.synthesize(text, cast, delivery)
    write_wav(finish_line(speech.samples, speech.sample_rate, delivery), speech.sample_rate, path)
    return read_wav(path)


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
    samples, rate = speak(backend, "Hello there, how are you?", voice(), tmp_path / "line.wav")

    assert rate == 22050
    assert 0.8 < len(samples) / rate < 3.0
    frames = np.sqrt(np.mean(samples[: len(samples) // 110 * 110].reshape(-1, 110) ** 2, axis=1))  # 5 ms frames
    audible = np.flatnonzero(frames >= frames.max() * 10 ** (-45 / 20))
    # At most the 20 ms kept on each side (espeak's own lead-in can be shorter), to the trimming's 5 ms frames.
    assert audible[0] * 110 / rate <= 0.0255
    assert (len(frames) - 1 - audible[-1]) * 110 / rate <= 0.0255
    assert np.sqrt(np.mean(samples**2)) > 1000  # speech, not a whisper


def test_same_text_and_voice_give_the_same_samples_whatever_was_spoken_before(backend: Backend) -> None:
    cast = voice("f2", pitch=62)
    first = backend.synthesize(SENTENCE, cast, Delivery())
    backend.synthesize("Something else entirely, in another voice!", voice("m3", language="fr"), Delivery())
    time.sleep(1.0)  # espeak-ng seeds its noise generator from the clock (in seconds) unless told otherwise
    again = backend.synthesize(SENTENCE, cast, Delivery())

    assert np.array_equal(first.samples, again.samples)


def test_pitch_variant_and_rate_make_distinct_voices(backend: Backend, tmp_path: Path) -> None:
    spoken = {}
    for name, cast in {
        "low": voice(pitch=20),
        "high": voice(pitch=80),
        "f2": voice("f2"),
        "m3": voice("m3"),
        "slow": voice(words_per_minute=110),
        "fast": voice(words_per_minute=300),
    }.items():
        spoken[name] = speak(backend, SENTENCE, cast, tmp_path / f"{name}.wav")

    assert fundamental_hz(*spoken["high"]) > 1.3 * fundamental_hz(*spoken["low"])
    assert fundamental_hz(*spoken["f2"]) > 1.5 * fundamental_hz(*spoken["m3"])
    assert len(spoken["slow"][0]) > 1.8 * len(spoken["fast"][0])


def test_a_whisper_is_quieter_and_unvoiced_a_shout_louder(backend: Backend, tmp_path: Path) -> None:
    said, rate = speak(backend, SENTENCE, voice("m3"), tmp_path / "said.wav")
    whispered, _ = speak(backend, SENTENCE, voice("m3"), tmp_path / "whisper.wav", Delivery(style="whisper", level_db=-6))
    shouted, _ = speak(backend, SENTENCE, voice("m3"), tmp_path / "shout.wav", Delivery(style="shout", level_db=4))

    def rms_db(samples: np.ndarray) -> float:
        return float(20 * np.log10(np.sqrt(np.mean(samples**2))))

    assert rms_db(whispered) < rms_db(said) - 3 < rms_db(shouted) - 5
    # espeak-ng's whisper variant has no voiced frames: no pitch to find.
    with pytest.raises(AssertionError, match="too few voiced frames"):
        fundamental_hz(whispered, rate)


def test_control_characters_never_reach_espeak(backend: Backend) -> None:
    # \x01 starts an espeak embedded command ("\x0199P" would change the pitch) when it gets through.
    assert spoken_text("Hello\x01 99P\tthere\r\n  friend\u2028!") == "Hello 99P there friend !"
    dirty = backend.synthesize("Hello\x01 99P there", voice(), Delivery())
    clean = backend.synthesize("Hello 99P there", voice(), Delivery())
    assert np.array_equal(dirty.samples, clean.samples)


def test_unknown_language_names_the_setting_to_fix(backend: Backend) -> None:
    with pytest.raises(RenderError, match="voice.language"):
        backend.synthesize("Hello.", voice(language="xx-nowhere"), Delivery())


@pytest.mark.parametrize("variant", ["nobody", "../f2"])
def test_unknown_variant_in_the_bank_is_an_input_error_with_the_known_ones(backend: Backend, variant: str) -> None:
    with pytest.raises(InputError, match=f"no voice variant '{re.escape(variant)}'") as caught:
        backend.requested(Voice(variant=variant))
    assert "m1-m7, f1-f5" in (caught.value.fix or "")
    request = backend.requested(Voice(espeak={"variant": "f3", "pitch": 62, "words_per_minute": 200}))
    assert request is not None and (request.voice, request.pitch_semitones, request.speed) == ("f3", 2.0, 1.25)


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

    samples, rate = speak(backend, "--help me,\x07 please", voice("f2", pitch=30, words_per_minute=200), tmp_path / "line.wav")

    record = json.loads((tmp_path / "record.json").read_text(encoding="utf-8"))
    arguments = record["arguments"]
    assert record["stdin"] == "--help me, please"
    assert arguments[arguments.index("-v") + 1] == "en-us+f2"
    assert arguments[arguments.index("-p") + 1] == "30"
    assert arguments[arguments.index("-s") + 1] == "200"
    assert "--stdin" in arguments and "-m" not in arguments  # SSML stays off
    # The stage keeps 20 ms of the silence on each side (to the trimming's 5 ms frames).
    assert len(samples) / rate == pytest.approx(0.5 + 2 * 0.020, abs=0.006)


def test_missing_program_and_missing_espeak_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RenderError, match="executable"):
        Backend(Backend.Options(executable=str(tmp_path / "no-such-espeak"))).synthesize("Hi.", voice(), Delivery())

    monkeypatch.setitem(sys.modules, "espeakng_loader", None)  # the wheel is not installed
    monkeypatch.setenv("PATH", str(tmp_path))  # and no espeak-ng program on PATH
    with pytest.raises(RenderError, match="pip install espeakng-loader.*apt install espeak-ng"):
        Backend(Backend.Options()).synthesize("Hi.", voice(), Delivery())
    assert os.listdir(tmp_path) == []


def test_lines_are_spoken_two_at_a_time_and_come_back_in_the_plans_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from movieagent import load_settings, make_movie

    at_once, most = [0], [0]
    lock = threading.Lock()
    synthesize = Backend.synthesize

    def counted(self: Backend, text: str, voice: CastVoice, delivery: Delivery):
        with lock:
            at_once[0] += 1
            most[0] = max(most[0], at_once[0])
        try:
            time.sleep(0.05)  # long enough for the other thread to start its line
            return synthesize(self, text, voice, delivery)
        finally:
            with lock:
                at_once[0] -= 1

    monkeypatch.setattr(Backend, "synthesize", counted)
    script, bank = ROOT / "examples/short/the-lighthouse-keeper.fountain", ROOT / "character_bank/lighthouse"
    timelines = {}
    for lines in (2, 1):
        most[0] = 0
        settings = load_settings(progress=False, speech={"backend": {"kind": "espeak", "parallel_lines": lines}})
        outdir = tmp_path / f"{lines}-at-once"
        make_movie(script, bank, outdir, settings, stop_after="speech")
        assert most[0] == lines
        timelines[lines] = json.loads((outdir / "timeline.json").read_text())
        audio = {path.name: path.read_bytes() for path in (outdir / "speech").glob("*.wav")}
        timelines[lines]["audio"] = audio
    assert timelines[2]["audio"] == timelines[1]["audio"] and len(timelines[1]["audio"]) == 27
    in_order = {lines: [line["line_id"] for shot in timeline["shots"] for line in shot["lines"]] for lines, timeline in timelines.items()}
    assert in_order[2] == in_order[1] and len(in_order[1]) == 27
