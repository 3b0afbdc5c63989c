"""The openai speech backend against a loopback server speaking /v1/audio/speech, with real audio and real faults."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from movieagent.backends import load_backend
from movieagent.config import BackendChoice
from movieagent.errors import InputError, RenderError
from movieagent.schema import CastVoice, Delivery, Voice
from tests.fake_openai import Fault, FakeOpenAI

KEY = "sk-test-secret-1234567890"


@pytest.fixture
def server():
    pytest.importorskip("espeakng_loader")  # the fake speaks with espeak-ng
    with FakeOpenAI(retry_after="0") as fake:
        yield fake


def backend(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, **options):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    choice = BackendChoice(kind="openai", base_url=server.base_url, backoff_s=0.0, timeout_s=1.0, **options)
    return load_backend("speech", choice)


def cast(voice: str = "coral", **fields) -> CastVoice:
    return CastVoice(character_id="mara", name="Mara", voice=voice, **fields)


def test_speaks_real_audio_with_pace_pitch_and_instructions(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    speech = backend(server, monkeypatch).synthesize(
        "Keep the lamp burning!", cast(instructions="An old woman's voice.", speed=0.9), Delivery(style="shout", instructions="Shout.")
    )

    assert speech.sample_rate == 22050 and 0.5 < len(speech.samples) / speech.sample_rate < 4
    assert np.sqrt(np.mean(speech.samples**2)) > 0.02  # speech, not silence
    body = server.calls[-1].body
    assert (body["model"], body["voice"], body["response_format"]) == ("gpt-4o-mini-tts", "coral", "wav")
    assert body["instructions"] == "An old woman's voice. Shout." and body["speed"] == 0.9
    assert server.calls[-1].authorization == f"Bearer {KEY}"

    # A shift of pitch asks the server for slower speech first, so the pace comes out as cast.
    backend(server, monkeypatch).synthesize("Keep the lamp burning!", cast(pitch_semitones=12.0), Delivery())
    assert server.calls[-1].body["speed"] == 0.5


@pytest.mark.parametrize("fault", [Fault.rate_limit, Fault.server_error, Fault.slow, Fault.truncated, Fault.malformed])
def test_transient_faults_are_retried(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, fault: Fault, caplog) -> None:
    server.slow_s = 2.0  # past the 1 s timeout
    server.queue.extend([fault, fault])
    with caplog.at_level(logging.WARNING):
        speech = backend(server, monkeypatch).synthesize("Who answers?", cast(), Delivery())
    assert len(speech.samples) > 0.3 * speech.sample_rate
    assert server.count("speech") == 3 and "retrying" in caplog.text


def test_a_server_that_keeps_failing_ends_in_a_clear_error_without_the_key(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    server.rule = lambda call: Fault.server_error
    with pytest.raises(RenderError, match="gave up after 3 attempts"):
        backend(server, monkeypatch, max_retries=2).synthesize("Who answers?", cast(), Delivery())

    server.rule = lambda call: Fault.unauthorized
    with pytest.raises(RenderError, match="HTTP 401") as refused:
        backend(server, monkeypatch).synthesize("Who answers?", cast(), Delivery())
    assert KEY not in str(refused.value) and "[redacted]" in str(refused.value)
    assert server.count("speech") == 4  # a refused key is not retried


def test_answers_larger_than_the_cap_are_refused(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RenderError, match="over 5,000 bytes"):
        backend(server, monkeypatch, max_bytes=5000).synthesize("A line long enough to need more than five kilobytes.", cast(), Delivery())


def test_the_key_comes_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(InputError, match="OPENAI_API_KEY"):
        load_backend("speech", BackendChoice(kind="openai"))
    with pytest.raises(InputError, match="option 'api_key'"):
        load_backend("speech", BackendChoice(kind="openai", api_key=KEY))


def test_voices_and_requests(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    built_in = backend(server, monkeypatch)
    assert {option.voice for option in built_in.voices()} >= {"alloy", "coral", "onyx"}
    assert next(option for option in built_in.voices() if option.voice == "onyx").gender == "male"
    local = backend(server, monkeypatch, voices=["af_heart", "bm_george"])
    assert [(option.gender, option.accent) for option in local.voices()] == [("female", "american"), ("male", "british")]
    request = built_in.requested(Voice(openai={"voice": "sage", "instructions": "Dry and wry."}))
    assert request is not None and (request.voice, request.instructions) == ("sage", "Dry and wry.")
    assert built_in.requested(Voice(gender="female")) is None
