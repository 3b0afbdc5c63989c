"""Bounds for one HTTP exchange with an untrusted server: a wall-clock deadline and a byte cap.

httpx's timeouts are per read: a server sending one byte a second never trips them. So the body is read
through a stream that counts bytes and watches the clock (BoundedTransport), and the whole call runs in a
helper thread that the caller stops waiting for at the deadline (call_within), which also covers a server
that drips its status line and headers. Hand-written because neither httpx nor openai has a total deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import httpx2
import openai

Result = TypeVar("Result")
# Time for a call that finished at its deadline to hand back its result before the caller stops waiting.
GRACE_S = 1.0


class ResponseTooLarge(Exception):
    """The server sent more bytes than an answer may have."""


class BoundedTransport(httpx2.BaseTransport):
    """Wraps a transport so that every response body is cut at `max_bytes` and at the request's deadline.

    The deadline is the request's read timeout, counted from when the request is sent: the openai client
    passes its `timeout` there, so a call given 30 s has 30 s for everything, not 30 s per read.
    """

    def __init__(self, inner: httpx2.BaseTransport, *, max_bytes: int):
        self._inner = inner
        self._max_bytes = max_bytes

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        total_s = (request.extensions.get("timeout") or {}).get("read")
        ends = time.monotonic() + total_s if total_s else None
        response = self._inner.handle_request(request)
        response.stream = _BoundedStream(response.stream, max_bytes=self._max_bytes, ends=ends, total_s=total_s)
        return response

    def close(self) -> None:
        self._inner.close()


class _BoundedStream(httpx2.SyncByteStream):
    def __init__(self, inner: httpx2.SyncByteStream, *, max_bytes: int, ends: float | None, total_s: float | None):
        self._inner = inner
        self._max_bytes = max_bytes
        self._ends = ends
        self._total_s = total_s

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        for chunk in self._inner:
            received += len(chunk)
            if received > self._max_bytes:
                raise ResponseTooLarge(f"the server's answer is over {self._max_bytes:,} bytes and was cut off there")
            if self._ends is not None and time.monotonic() > self._ends:
                raise httpx2.ReadTimeout(f"the answer took longer than {self._total_s:g} s to arrive")
            yield chunk

    def close(self) -> None:
        self._inner.close()


def call_within(call: Callable[[], Result], timeout_s: float) -> Result:
    """`call()`'s result, or openai.APITimeoutError once `timeout_s` (plus a grace second) has passed.

    The call runs in a daemon thread: one that is stuck in a read past its deadline is left behind
    (its body stream stops it at the deadline; a daemon thread never holds the process at exit).
    """
    finished = threading.Event()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the waiting caller, raised there
            outcome["error"] = error
        finally:
            finished.set()

    threading.Thread(target=run, name="llm-call", daemon=True).start()
    if not finished.wait(timeout_s + GRACE_S):
        raise openai.APITimeoutError(request=httpx2.Request("POST", "http://server/chat/completions"))
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]
