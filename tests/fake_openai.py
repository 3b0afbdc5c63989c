"""A fake OpenAI-compatible server on 127.0.0.1: the real chat.completions wire protocol, with faults on demand.

It plays every role of the film crew: told the film (`play`), it plans it once with the `rules` crew and
answers each question (known by its answer schema and scene id) with what the rules crew answered. So a
whole film can be planned against it, and each fault a real server shows can be scripted:

    with FakeOpenAI(latency_s=0.05) as server:
        server.play(script, bank)                                   # answer as the rules crew plans this film
        server.queue.extend([Fault.rate_limit, Fault.malformed])   # the next two calls
        server.rule = lambda call: Fault.server_error if call.scene == "scene-002" else None
        server.answer = lambda call: '{"title": "..."}'             # instead of the rules crew's answers
    /v1/audio/speech answers with real speech (espeak-ng) as WAV bytes, with the same faults (truncated: half the file).
        ... base_url=server.base_url ...
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import time
import wave
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from movieagent.config import PlanningSettings
from movieagent.planning import plan_movie
from movieagent.planning.crew import Cast, LocationBreakdown, ReviewNotes, SceneBeats, ScreenwriterTask, StoryboardTask, Treatment
from movieagent.planning.crews.rules import Backend as RulesCrew
from movieagent.schema import CharacterBank, Plan, Script, Shot


class Fault(str, Enum):
    malformed = "malformed"  # 200, but the content is not JSON
    invalid = "invalid"  # 200, JSON that does not match the schema
    rate_limit = "rate_limit"  # 429 with Retry-After
    server_error = "server_error"  # 500
    slow = "slow"  # answers only after `slow_s`, past the client's timeout
    truncated = "truncated"  # 200, half the answer, finish_reason 'length'
    unauthorized = "unauthorized"  # 401 whose message echoes the key it was sent


# The faults a 'fault_rate' draws from: every kind a flaky server or a weak model produces.
RANDOM_FAULTS = (Fault.malformed, Fault.invalid, Fault.rate_limit, Fault.server_error, Fault.slow, Fault.truncated)
# Each role is known by the title of the answer schema its prompt carries.
ROLES_BY_ANSWER = {
    "Treatment": "director",
    "LocationBreakdown": "location_manager",
    "SceneBeats": "screenwriter",
    "Storyboard": "storyboard_artist",
    "ReviewNotes": "director_review",
}
_SCENE_ID = re.compile(r"\bscene-\d{3,}\b")


@dataclass
class Call:
    """One request as the server saw it."""

    role: str
    scene: str | None
    body: dict[str, Any]
    authorization: str
    fault: Fault | None = None


class FakeOpenAI:
    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        json_schema: bool = True,
        retry_after: str = "1",
        slow_s: float = 1.0,
        fault_rate: float = 0.0,
    ):
        self.latency_s = latency_s
        self.json_schema = json_schema  # False: refuse response_format json_schema with a 400, as some servers do
        self.retry_after = retry_after
        self.slow_s = slow_s
        self.fault_rate = fault_rate
        self.queue: list[Fault] = []  # faults for the next calls, in order
        self.rule: Callable[[Call], Fault | None] | None = None
        self.answer: Callable[[Call], str] = self.crew_answer  # replace to answer other questions, or to tamper
        self.calls: list[Call] = []
        self.speech_voices = ("alloy", "coral", "echo", "nova", "onyx", "sage", "shimmer")  # what /audio/speech accepts
        self.answers: dict[tuple[str, str | None], str] = {}  # (role, scene) -> the rules crew's answer (see play)
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ----------------------------------------------------------------------------------------- lifecycle

    def __enter__(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                if self.path.endswith("/audio/speech"):
                    status, audio, headers, delay = fake.speak(body, self.headers.get("authorization", ""))
                    time.sleep(delay)
                    if isinstance(audio, dict):
                        return self._send(status, audio, headers)
                    return self._send_bytes(status, audio, "audio/wav" if status == 200 and audio[:4] == b"RIFF" else "text/html")
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                status, payload, headers, delay = fake.respond(body, self.headers.get("authorization", ""))
                time.sleep(delay)
                self._send(status, payload, headers)

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            def _send_bytes(self, status: int, data: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-type", content_type)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "use the server as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def count(self, role: str | None = None) -> int:
        return sum(1 for call in self.calls if role in (None, call.role))

    # ----------------------------------------------------------------------------------------- answering

    def respond(self, body: dict[str, Any], authorization: str) -> tuple[int, dict[str, Any], dict[str, str], float]:
        """(status, JSON payload, extra headers, seconds to wait before sending)."""
        role, scene = question_of(body)
        call = Call(role=role, scene=scene, body=body, authorization=authorization)
        with self._lock:
            call.fault = self._fault(call)
            self.calls.append(call)

        if call.fault == Fault.rate_limit:
            return (
                429,
                _error("Rate limit reached, slow down", "rate_limit_exceeded"),
                {"retry-after": self.retry_after},
                self.latency_s,
            )
        if call.fault == Fault.server_error:
            return 500, _error("The server had an error while processing your request", "server_error"), {}, self.latency_s
        if call.fault == Fault.unauthorized:
            return (
                401,
                _error(f"Incorrect API key provided: {authorization.removeprefix('Bearer ')}", "invalid_api_key"),
                {},
                self.latency_s,
            )
        response_format = body.get("response_format") or {}
        if response_format.get("type") == "json_schema" and not self.json_schema:
            return (
                400,
                _error("response_format 'json_schema' is not supported by this server", "invalid_request_error"),
                {},
                self.latency_s,
            )

        try:
            answer = self.answer(call)
        except KeyError as missing:
            return (
                400,
                _error(f"this fake cannot answer {missing}: tell it the film with play()", "invalid_request_error"),
                {},
                self.latency_s,
            )
        content, finish_reason = answer, "stop"
        if call.fault == Fault.malformed:
            content = "Sure! Here is the plan: " + answer[: len(answer) // 2]
        elif call.fault == Fault.invalid:
            content = json.dumps({"unexpected": "a field the schema does not have"})
        elif call.fault == Fault.truncated:
            content, finish_reason = answer[: len(answer) // 2], "length"
        delay = self.slow_s if call.fault == Fault.slow else self.latency_s
        return 200, _completion(body, content, finish_reason), {}, delay

    def speak(self, body: dict[str, Any], authorization: str) -> tuple[int, bytes | dict[str, Any], dict[str, str], float]:
        """/v1/audio/speech: real speech (espeak-ng) as WAV bytes, or the queued fault. (status, body, headers, delay)."""
        call = Call(role="speech", scene=None, body=body, authorization=authorization)
        with self._lock:
            call.fault = self._fault(call)
            self.calls.append(call)
        if call.fault == Fault.rate_limit:
            return 429, _error("Rate limit reached, slow down", "rate_limit_exceeded"), {"retry-after": self.retry_after}, self.latency_s
        if call.fault == Fault.server_error:
            return 500, _error("The server had an error while processing your request", "server_error"), {}, self.latency_s
        if call.fault == Fault.unauthorized:
            return 401, _error(f"Incorrect API key provided: {authorization.removeprefix('Bearer ')}", "invalid_api_key"), {}, self.latency_s
        if body.get("voice") not in self.speech_voices:
            return 400, _error(f"unknown voice {body.get('voice')!r}", "invalid_request_error"), {}, self.latency_s
        audio = _spoken_wav(body["input"], body["voice"], float(body.get("speed", 1.0)))
        if call.fault == Fault.malformed:
            audio = b"<html><body>502 Bad Gateway</body></html>"
        elif call.fault in (Fault.truncated, Fault.invalid):
            audio = audio[: len(audio) // 2]
        return 200, audio, {}, self.slow_s if call.fault == Fault.slow else self.latency_s

    def play(self, script: Script, bank: CharacterBank, pacing: PlanningSettings = PlanningSettings()) -> None:
        """Plans the film with the rules crew, so that each later question gets the rules crew's answer to it."""
        recorder = _Recorder()
        plan_movie(script, bank, recorder, pacing.model_copy(update={"fallback": "none", "human_review": False}))
        self.answers.update(recorder.answers)

    def crew_answer(self, call: Call) -> str:
        """What the rules crew answered to the same question, as the JSON the role's schema asks for."""
        return self.answers[(call.role, call.scene)]

    def _fault(self, call: Call) -> Fault | None:
        if self.queue:
            return self.queue.pop(0)
        if self.rule and (fault := self.rule(call)):
            return fault
        if self.fault_rate:
            # Decided by the request and how often it was seen, not by arrival order, so parallel
            # scenes get the same faults on every run; a retry of a request is a new draw.
            key = json.dumps(call.body, sort_keys=True)
            self._seen[key] += 1
            digest = hashlib.sha256(f"{key}#{self._seen[key]}".encode()).digest()
            if digest[0] / 256 < self.fault_rate:
                return RANDOM_FAULTS[digest[1] % len(RANDOM_FAULTS)]
        return None


def _spoken_wav(text: str, voice: str, speed: float) -> bytes:
    """Real speech: espeak-ng in a variant picked by the voice's name, as the bytes of a 16-bit WAV file."""
    from movieagent.schema import CastVoice, Delivery
    from movieagent.speech.espeak import Backend as Espeak

    variant = ("m1", "f2", "m3", "f4", "m5", "f3", "m7")[int(hashlib.sha256(voice.encode()).hexdigest(), 16) % 7]
    speech = Espeak(Espeak.Options()).synthesize(text, CastVoice(character_id="fake", name="fake", voice=variant, speed=speed), Delivery())
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(speech.sample_rate)
        wav.writeframes((speech.samples * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def question_of(body: dict[str, Any]) -> tuple[str, str | None]:
    """(role, scene id or None) of a request: the role from its answer schema, the scene from its first user message."""
    schema_name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    system = next((message["content"] for message in body["messages"] if message["role"] == "system"), "")
    role = ROLES_BY_ANSWER.get(schema_name or _schema_title(system), "unknown")
    first_user = next((message["content"] for message in body["messages"] if message["role"] == "user"), "")
    scene = _SCENE_ID.search(first_user) if role in ("screenwriter", "storyboard_artist") else None
    return role, scene[0] if scene else None


def _schema_title(system_prompt: str) -> str | None:
    """The title of the JSON schema a prompt carries on a line of its own."""
    for line in system_prompt.splitlines():
        if line.startswith("{"):
            try:
                return json.JSONDecoder().raw_decode(line)[0].get("title")  # text may follow it (a decoded prompt)
            except ValueError:
                continue
    return None


class _Recorder:
    """A crew that answers as the rules crew and keeps every answer as the JSON an LLM would send."""

    def __init__(self) -> None:
        self._rules = RulesCrew(RulesCrew.Options())
        self.answers: dict[tuple[str, str | None], str] = {}

    def director(self, script: Script, cast: Cast) -> Treatment:
        return self._keep("director", None, self._rules.director(script, cast))

    def location_manager(self, script: Script, bank: CharacterBank, treatment: Treatment) -> LocationBreakdown:
        return self._keep("location_manager", None, self._rules.location_manager(script, bank, treatment))

    def screenwriter(self, task: ScreenwriterTask) -> SceneBeats:
        return self._keep("screenwriter", task.brief.scene_id, self._rules.screenwriter(task))

    def storyboard_artist(self, task: StoryboardTask, pacing: PlanningSettings) -> list[Shot]:
        shots = self._rules.storyboard_artist(task, pacing)
        self.answers[("storyboard_artist", task.brief.scene_id)] = json.dumps({"shots": [shot.model_dump(mode="json") for shot in shots]})
        return shots

    def director_review(
        self, script: Script, cast: Cast, plan: Plan, pacing: PlanningSettings, checks: dict[str, list[str]]
    ) -> ReviewNotes:
        return self._keep("director_review", None, self._rules.director_review(script, cast, plan, pacing, checks))

    def _keep(self, role: str, scene: str | None, answer: Any) -> Any:
        self.answers[(role, scene)] = answer.model_dump_json()
        return answer


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": code, "param": None, "code": code}}


def _completion(body: dict[str, Any], content: str, finish_reason: str) -> dict[str, Any]:
    prompt_tokens = sum(len(message["content"]) for message in body["messages"]) // 4  # about 4 characters a token
    completion_tokens = max(1, len(content) // 4)
    return {
        "id": f"chatcmpl-fake-{hashlib.sha256(content.encode()).hexdigest()[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason, "logprobs": None}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
