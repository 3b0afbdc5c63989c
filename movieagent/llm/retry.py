"""Retries for one HTTP call: exponential backoff with jitter on 429, 5xx, timeouts and connection errors.

A server's Retry-After is honoured. Every attempt gets the per-call timeout, cut short by the deadline
of the whole question, so a server that keeps failing ends in bounded time.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import openai

Result = TypeVar("Result")

# 408 request timeout, 409 lock conflict, 429 rate limit: the same request may well succeed later.
RETRYABLE_STATUS = {408, 409, 429}
# Long enough to see a server's whole error, short enough for one log line.
PROBLEM_CHARS = 300


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4
    backoff_s: float = 1.0  # the first wait; it doubles with each retry
    max_backoff_s: float = 30.0
    timeout_s: float = 60.0  # per attempt


class Deadline:
    """The time left for one question, over all its attempts, retries and repairs."""

    def __init__(self, budget_s: float, clock: Callable[[], float] = time.monotonic):
        self.budget_s = budget_s
        self._clock = clock
        self._ends = clock() + budget_s

    def remaining(self) -> float:
        return self._ends - self._clock()


class CallFailed(Exception):
    """A call retrying will not save: retries or time used up, or an error no retry can fix."""

    def __init__(
        self, problem: str, *, error: BaseException | None = None, fix: str | None = None, lasting_s: float | None = None
    ):
        super().__init__(problem)
        self.problem = problem
        self.error = error
        self.fix = fix
        # Set when the same request would fail the same way again with a timeout up to this long (math.inf: any
        # timeout), such as a local model too slow for it: such a failure is cached, so a re-run does not repeat it.
        self.lasting_s = lasting_s


def call_with_retries(
    attempt: Callable[[float], Result],
    policy: RetryPolicy,
    deadline: Deadline,
    *,
    on_retry: Callable[[str, float], None] = lambda problem, wait_s: None,
) -> Result:
    """Calls `attempt(timeout_s)` until it returns, retrying transient failures; raises CallFailed otherwise.

    `on_retry(problem, wait_s)` hears about each failure that will be retried (to log it).
    """
    for retry in range(policy.max_retries + 1):
        timeout_s = min(policy.timeout_s, deadline.remaining())
        if timeout_s <= 0:
            raise CallFailed(f"no time left of the {deadline.budget_s:g} s budget", fix="raise budget_s or timeout_s")
        try:
            return attempt(timeout_s)
        except openai.APIError as error:
            problem = describe(error, timeout_s)
            if not is_retryable(error):
                raise CallFailed(problem, error=error, fix=_fix_for(error)) from error
            if retry == policy.max_retries:
                raise CallFailed(f"{problem} (gave up after {retry + 1} attempts)", error=error, fix=_give_up_fix(error)) from error
            wait_s = retry_after_s(error)
            if wait_s is None:
                wait_s = backoff_s(retry, policy)
            if wait_s >= deadline.remaining():
                raise CallFailed(
                    f"{problem}; the next try would be in {wait_s:.1f} s, after the {deadline.budget_s:g} s budget ends",
                    error=error,
                    fix="raise budget_s, or check the server",
                ) from error
            on_retry(problem, wait_s)
            time.sleep(wait_s)
    raise AssertionError("unreachable: the loop returns or raises")


def is_retryable(error: openai.APIError) -> bool:
    if isinstance(error, (openai.APIConnectionError, openai.APIResponseValidationError)):
        return True  # timeouts, refused or dropped connections, garbled responses
    if isinstance(error, openai.APIStatusError):
        return error.status_code in RETRYABLE_STATUS or error.status_code >= 500
    return False


def backoff_s(retry: int, policy: RetryPolicy) -> float:
    """Exponential backoff with 'equal jitter': half the delay fixed, half random, so clients spread out."""
    delay = min(policy.max_backoff_s, policy.backoff_s * 2**retry)
    return delay / 2 + random.uniform(0, delay / 2)


def retry_after_s(error: openai.APIError) -> float | None:
    """The wait a server asked for: Retry-After-Ms, or Retry-After in seconds or as an HTTP date."""
    response = getattr(error, "response", None)
    if response is None:
        return None
    headers = response.headers
    for header, seconds_per_unit in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return max(0.0, float(headers[header]) * seconds_per_unit)
        except (KeyError, ValueError):
            pass
    moment = email.utils.parsedate_tz(headers.get("retry-after", ""))
    return max(0.0, email.utils.mktime_tz(moment) - time.time()) if moment else None


def describe(error: openai.APIError, timeout_s: float) -> str:
    if isinstance(error, openai.APITimeoutError):
        return f"no answer within {timeout_s:.1f} s"
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error
        return f"cannot reach the server: {cause}"[:PROBLEM_CHARS]
    if isinstance(error, openai.APIStatusError):
        # The client's message starts 'Error code: 500 - '; the status is said once.
        message = re.sub(r"^Error code: \d+ - ", "", error.message)
        return f"HTTP {error.status_code}: {message}"[:PROBLEM_CHARS]
    return str(error)[:PROBLEM_CHARS]


def _give_up_fix(error: openai.APIError) -> str:
    if isinstance(error, openai.APITimeoutError):
        # More tries cannot make a slow model faster.
        return "the model answers slower than timeout_s allows: raise timeout_s and budget_s, lower max_tokens, or use a faster model"
    return "raise max_retries, or check the server"


def _fix_for(error: openai.APIError) -> str | None:
    status = getattr(error, "status_code", None)
    if status in (401, 403):
        return "check the API key: the crew reads it from the environment variable named by its api_key_env option"
    if status == 404:
        return "check base_url (it usually ends in /v1) and the model name"
    if status == 400:
        return "the server refused the request: check the model name, max_tokens and output_mode"
    return None
