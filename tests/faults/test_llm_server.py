"""Issue 13, cause 3: hostile LLM servers on loopback cannot hold a run past its budget, fill memory, crash the
client, flood the plan, or put the key in any file.

Each hostile server is a few lines of raw socket writes (tests/fake_openai.py speaks the protocol properly;
these break it on purpose). Every test is bounded in time by the budgets it checks.
"""

from __future__ import annotations

import contextlib
import json
import resource
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import openai
import pytest
from pydantic import SecretStr

from movieagent.config import PlanningSettings
from movieagent.ingest import check_inputs
from movieagent.llm import ChatClient, ChatRequest, LLMError
from movieagent.llm.retry import CallFailed
from movieagent.planning import plan_movie
from movieagent.planning.crews.openai import Backend
from tests.fake_openai import FakeOpenAI
from tests.faults.conftest import assert_refused, run_cli

KEY = "sk-hostile-KEY-4c1d9e"
HEADERS = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"


@contextlib.contextmanager
def hostile_server(behave: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback server that reads each request's head and then lets `behave` write whatever it likes."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve(connection: socket.socket) -> None:
        with contextlib.suppress(OSError), connection:
            connection.recv(65536)
            behave(connection)

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        stop.set()
        acceptor.join()
        listener.close()


def drip(body: bytes, *, headers_too: bool = False) -> Callable[[socket.socket], None]:
    """Sends the answer one byte a second (the status line and headers too, when asked), for at most a minute."""

    def behave(connection: socket.socket) -> None:
        head = HEADERS + f"content-length: {len(body)}\r\n\r\n".encode()
        if not headers_too:
            connection.sendall(head)
        ends = time.monotonic() + 60
        for byte in (head if headers_too else b"") + body:
            if time.monotonic() > ends:
                return
            connection.sendall(bytes([byte]))
            time.sleep(1.0)

    return behave


def completion(content: str) -> bytes:
    return json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        }
    ).encode()


def request(max_tokens: int = 64) -> ChatRequest:
    return ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}], temperature=0.0, max_tokens=max_tokens)


def short_film():
    root = Path(__file__).resolve().parents[2]
    pacing = PlanningSettings()
    return check_inputs(
        root / "examples/short/the-lighthouse-keeper.fountain",
        root / "character_bank/lighthouse",
        max_bytes=pacing.max_script_bytes,
        max_scenes=pacing.max_scenes,
    )


def test_a_server_dripping_its_body_a_byte_a_second_ends_at_the_calls_deadline():
    with hostile_server(drip(completion('{"a": 1}'))) as url:
        client = ChatClient(url, SecretStr(KEY))
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            client.complete(request(), timeout_s=2.0)
        assert time.monotonic() - started < 2.0 + 2.0


def test_a_server_dripping_its_status_line_and_headers_ends_at_the_calls_deadline():
    with hostile_server(drip(completion('{"a": 1}'), headers_too=True)) as url:
        client = ChatClient(url, SecretStr(KEY))
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            client.complete(request(), timeout_s=2.0)
        assert time.monotonic() - started < 2.0 + 2.0


@pytest.mark.parametrize("fallback", ["none", "rules"])
def test_a_dripping_server_cannot_hold_planning_past_the_run_budget(fallback):
    script, bank = short_film()
    with hostile_server(drip(completion('{"a": 1}'))) as url:
        crew = Backend(Backend.Options(base_url=url, model="m", timeout_s=2.0, max_retries=5, backoff_s=0.01, run_budget_s=5.0))
        started = time.monotonic()
        if fallback == "none":
            with pytest.raises(LLMError, match="whole time budget of 5 s"):
                plan_movie(script, bank, crew, PlanningSettings(fallback="none"))
        else:
            plan = plan_movie(script, bank, crew, PlanningSettings())
            # The film is still planned: every question the server could not answer in time went to the rules crew.
            assert {answer.answered_by for answer in plan.answers} == {"fallback"} and len(plan.answers) == 9
        assert time.monotonic() - started < 5.0 + 5.0


def test_an_endless_chunked_body_is_cut_at_the_byte_cap_without_filling_memory():
    def endless(connection: socket.socket) -> None:
        connection.sendall(HEADERS + b"transfer-encoding: chunked\r\n\r\n")
        chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
        ends = time.monotonic() + 30
        while time.monotonic() < ends:
            connection.sendall(chunk)

    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with hostile_server(endless) as url:
        client = ChatClient(url, SecretStr(KEY), max_response_bytes=2_000_000)
        started = time.monotonic()
        with pytest.raises(CallFailed, match="over 2,000,000 bytes") as failure:
            client.complete(request(), timeout_s=20.0)
    assert time.monotonic() - started < 10 and "base_url" in failure.value.fix
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb < 100_000  # not the ~400 MB of before


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"<!DOCTYPE html><html><head><title>Login</title></head><body>Sign in</body></html>", "text/html"),
        (b'{"error": "not what you think", "choices": "none"}', "application/json"),
    ],
)
def test_a_200_that_is_not_a_chat_completion_is_a_clear_error(body, kind):
    def answer(connection: socket.socket) -> None:
        connection.sendall(f"HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {len(body)}\r\n\r\n".encode() + body)

    with hostile_server(answer) as url:
        with pytest.raises(CallFailed) as failure:
            ChatClient(url, SecretStr(KEY)).complete(request(), timeout_s=5.0)
    assert f"answered HTTP 200 with {kind}, not a chat completion" in failure.value.problem
    assert "/v1" in failure.value.fix


def test_an_answer_far_over_max_tokens_is_refused_and_never_reaches_the_plan():
    body = completion(json.dumps({"title": "x" * 200_000}))

    def answer(connection: socket.socket) -> None:
        connection.sendall(HEADERS + f"content-length: {len(body)}\r\n\r\n".encode() + body)

    with hostile_server(answer) as url:
        with pytest.raises(CallFailed, match="to a request for at most 64 tokens"):
            ChatClient(url, SecretStr(KEY)).complete(request(max_tokens=64), timeout_s=5.0)
        script, bank = short_film()
        crew = Backend(Backend.Options(base_url=url, model="m", timeout_s=5.0, max_retries=0, run_budget_s=60))
        plan = plan_movie(script, bank, crew, PlanningSettings())
    # The rules crew made the film; the flood is nowhere in it.
    assert len(plan.model_dump_json()) < 100_000 and all(answer.answered_by == "fallback" for answer in plan.answers)


def test_a_server_echoing_the_key_puts_it_in_no_file(tmp_path, tiny_film):
    script, bank = tiny_film()
    with FakeOpenAI() as server:
        server.play(*check_inputs(script, bank, max_bytes=10**6, max_scenes=10))
        honest = server.answer

        def echo(call) -> str:
            # The Authorization header, echoed into every free-text field a role has.
            data = json.loads(honest(call))
            for key in ("logline", "style", "tone"):
                if key in data:
                    data[key] = f"{data[key]} {call.authorization}"
            for shot in data.get("shots", []):
                shot["prompt"] = f"{shot['prompt']} {call.authorization}"
            return json.dumps(data)

        server.answer = echo
        profile = tmp_path / "crew.yaml"
        profile.write_text(json.dumps({"planning": {"crew": {"kind": "openai", "base_url": server.base_url, "model": "m"}}}))
        outdir = tmp_path / "out"
        result = run_cli("plan", script, "-b", bank, "-c", profile, "-o", outdir, "-q", env={"OPENAI_API_KEY": KEY})
        assert all(call.authorization == f"Bearer {KEY}" for call in server.calls) and server.calls

    assert_refused(result, 0)
    written = [path for path in outdir.rglob("*") if path.is_file()]
    assert {path.name for path in written} >= {"plan.json", "planning.sqlite", "transcript.jsonl"}
    assert any(path.suffix == ".json" and "cache" in path.parts for path in written)
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path
    assert "Bearer [redacted]" in (outdir / "plan.json").read_text()
