"""Speech backend: any OpenAI-compatible /v1/audio/speech server (OpenAI's speech models; local servers that speak
the same API, e.g. Kokoro-FastAPI or openedai-speech).

The key comes from the environment only (`api_key_env`) and never reaches a file or a message. Calls go through the
LLM client's retries (movieagent.llm.retry: backoff on 429/5xx/timeouts, Retry-After honoured) within a wall-clock
budget per line, and every answer is capped in size; the speech stage's cache means a re-run asks nothing again.
Delivery and the character's voice words go in `instructions` (models that take them: gpt-4o-mini-tts); pace in
`speed`; pitch is shifted after synthesis (speech/audio.py).
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import wave

import httpx2
import numpy as np
import openai
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from movieagent.backends.base import Speech, VoiceOption, VoiceRequest
from movieagent.errors import InputError, RenderError
from movieagent.llm.bounded import BoundedTransport, ResponseTooLarge, call_within
from movieagent.llm.retry import CallFailed, Deadline, RetryPolicy, call_with_retries
from movieagent.llm.secrets import scrub
from movieagent.schema import CastVoice, Delivery, Voice
from movieagent.speech.audio import pitch_factor, shift_pitch
from movieagent.speech.text import spoken_text

log = logging.getLogger(__name__)

# OpenAI's built-in voices and how they sound (from OpenAI's voice samples: a rough guide for casting).
OPENAI_VOICES = {
    "alloy": "neutral", "ash": "male", "ballad": "male", "coral": "female", "echo": "male", "fable": "male",
    "nova": "female", "onyx": "male", "sage": "female", "shimmer": "female", "verse": "male", "marin": "female",
    "cedar": "male",
}  # fmt: skip
# Kokoro-style names (af_heart: American female) tell the accent and gender of a local server's voices.
_KOKORO_NAME = re.compile(r"^([abefhijpz])([fm])_")
SPEED_RANGE = (0.25, 4.0)  # what the API accepts
STREAMING_DATA_SIZE = 0x7FFF0000  # a data size this large is a streaming server's 'unknown', not a promise


class Backend:
    parallel_lines = 1  # one request at a time: servers limit the rate

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        base_url: str | None = Field(default=None, description="Server URL ending in /v1; None: OpenAI (or OPENAI_BASE_URL)")
        model: str = "gpt-4o-mini-tts"
        voices: list[str] = Field(default=[], description="The server's voices to cast from; []: OpenAI's built-in voices")
        api_key_env: str = Field(default="OPENAI_API_KEY", description="Name of the environment variable holding the key")
        instructions: bool = Field(default=True, description="Send delivery and voice words as instructions (gpt-4o-mini-tts)")
        timeout_s: float = Field(default=60.0, gt=0, description="Per HTTP call")
        max_retries: int = Field(default=4, ge=0, description="On 429, 5xx, timeouts, connection errors and unreadable audio")
        backoff_s: float = Field(default=1.0, ge=0, description="First wait between retries; doubles each time")
        budget_s: float = Field(default=300.0, gt=0, description="Per line: every call and retry")
        max_bytes: int = Field(default=50_000_000, ge=1000, description="The largest answer accepted for one line")

    def __init__(self, options: Options):
        self.options = options
        self._key = SecretStr(os.environ.get(options.api_key_env, ""))
        if not self._key.get_secret_value() and not (options.base_url or os.environ.get("OPENAI_BASE_URL")):
            raise InputError(
                f"the openai speech backend needs an API key in the environment variable {options.api_key_env}",
                fix=f"export {options.api_key_env}=..., or set base_url to a local server that speaks /v1/audio/speech",
            )

    def voices(self) -> list[VoiceOption]:
        return [_option(name) for name in self.options.voices or OPENAI_VOICES]

    def requested(self, voice: Voice) -> VoiceRequest | None:
        own = voice.openai
        if own is None or (own.voice is None and own.instructions is None):
            return None
        return VoiceRequest(voice=own.voice, instructions=own.instructions)

    def synthesize(self, text: str, voice: CastVoice, delivery: Delivery) -> Speech:
        # 1. Prepare: pace and pitch as the API takes them, the voice and delivery in words.
        semitones = voice.pitch_semitones + delivery.pitch_semitones
        speed = min(max(voice.speed * delivery.speed / pitch_factor(semitones), SPEED_RANGE[0]), SPEED_RANGE[1])
        instructions = " ".join(part for part in (voice.instructions, delivery.instructions) if part)
        request = {
            "model": self.options.model,
            "voice": voice.voice,
            "input": spoken_text(text),
            "response_format": "wav",
            "speed": round(speed, 3),
            **({"instructions": instructions} if instructions and self.options.instructions else {}),
        }
        # 2. Ask, retrying what a retry can fix, within the line's budget.
        policy = RetryPolicy(max_retries=self.options.max_retries, backoff_s=self.options.backoff_s, timeout_s=self.options.timeout_s)
        try:
            samples, rate = call_with_retries(
                lambda timeout_s: self._call(request, timeout_s),
                policy,
                Deadline(self.options.budget_s),
                on_retry=lambda problem, wait_s: log.warning("speech: %s; retrying in %.1f s", self._redacted(problem), wait_s),
            )
        except CallFailed as failed:
            fix = f"\n  fix: {failed.fix}" if failed.fix else ""
            raise RenderError(f"speech: the openai server could not speak a line of {voice.name}: {self._redacted(failed.problem)}{fix}") from None
        # 3. Post-process: the pitch.
        return Speech(samples=shift_pitch(samples, semitones), sample_rate=rate)

    @functools.cached_property
    def _client(self) -> openai.OpenAI:
        # Local servers take any key; the client insists on one. Retries are ours (one deadline for all of them), and
        # every answer is cut at max_bytes and at its call's deadline, as the LLM client's are (llm/bounded.py).
        key = self._key.get_secret_value() or "not-needed"
        http = httpx2.Client(transport=BoundedTransport(httpx2.HTTPTransport(), max_bytes=self.options.max_bytes))
        return openai.OpenAI(base_url=self.options.base_url, api_key=key, max_retries=0, http_client=http)

    def _call(self, request: dict, timeout_s: float) -> tuple[np.ndarray, int]:
        """One HTTP call within its wall-clock deadline; unreadable audio is an error worth retrying."""
        try:
            response = call_within(lambda: self._client.audio.speech.with_raw_response.create(**request, timeout=timeout_s), timeout_s)
            body = response.http_response.read()
        except ResponseTooLarge as error:
            raise CallFailed(str(error), fix="raise max_bytes, or check the server") from None
        try:
            return _decode_wav(body)
        except (wave.Error, EOFError, ValueError) as error:
            raise openai.APIResponseValidationError(
                response=response.http_response, body=None, message=f"the answer is not 16-bit WAV audio ({error})"
            ) from None

    def _redacted(self, text: str) -> str:
        return scrub(text, [self._key])


def _option(name: str) -> VoiceOption:
    if match := _KOKORO_NAME.match(name):
        accent = {"a": "american", "b": "british"}.get(match.group(1))
        return VoiceOption(voice=name, gender="female" if match.group(2) == "f" else "male", accent=accent)
    return VoiceOption(voice=name, gender=OPENAI_VOICES.get(name))


def _decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{8 * wav.getsampwidth()}-bit samples")
        channels, rate = wav.getnchannels(), wav.getframerate()
        pcm = wav.readframes(wav.getnframes())
    if not pcm:
        # Streaming servers may leave the data size at 0: the samples are the rest of the file.
        pcm = data[data.index(b"data") + 8 :] if b"data" in data else b""
    elif len(pcm) < wav.getnframes() * 2 * channels < STREAMING_DATA_SIZE:
        raise ValueError(f"cut short: {len(pcm) // (2 * channels)} of {wav.getnframes()} samples")
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % (2 * channels)], dtype="<i2")
    if samples.size == 0:
        raise ValueError("no samples")
    return (samples.reshape(-1, channels).mean(axis=1) / 32768.0).astype(np.float32), rate
