"""Structured answers: ask a question, get a validated pydantic model back, or an LLMError.

1. Send the question with the answer's JSON schema as response_format (JSON mode where the server
   has no structured output), through the cache and the retries.
2. Validate the reply against the model, then against the question's own check (verbatim dialogue...).
3. If it does not fit, send a repair prompt carrying the problems, up to `repair_tries` times.
4. Still no valid answer: LLMError naming the agent, the scene and the last problem.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import openai
from pydantic import BaseModel, SecretStr, ValidationError

from movieagent.llm.cache import ResponseCache, request_key
from movieagent.llm.client import ChatEndpoint, ChatReply, ChatRequest, Message
from movieagent.llm.errors import LLMError
from movieagent.llm.retry import CallFailed, Deadline, RetryPolicy, call_with_retries, describe
from movieagent.llm.transcript import CallRecord, Price, Transcript, redact

log = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound=BaseModel)
OutputMode = Literal["auto", "json_schema", "json_object"]

# Enough validation errors for the model to fix several at once, few enough to keep the repair prompt short.
MAX_ERRORS_SHOWN = 8
_CODE_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n(?P<body>.*?)\n?\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class Question(Generic[Answer]):
    agent: str
    scene: str | None
    model: str
    messages: list[Message]
    answer: type[Answer]
    check: Callable[[Answer], str | None] | None = None  # problems the schema cannot see; None when fine


class StructuredChat:
    """Asks questions whose answers are pydantic models; shared by every role and thread of a crew."""

    def __init__(
        self,
        client: ChatEndpoint,
        *,
        policy: RetryPolicy,
        budget_s: float,
        run_budget_s: float | None = None,
        repair_tries: int,
        temperature: float,
        max_tokens: int,
        output_mode: OutputMode = "auto",
        cache: ResponseCache | None = None,
        transcript: Transcript | None = None,
        prices: dict[str, Price] | None = None,
        secrets: Sequence[SecretStr] = (),
    ):
        self.client = client
        self.policy = policy
        self.budget_s = budget_s
        # One clock for the whole planning run, started when the crew is built (once per run).
        self._run_deadline = Deadline(run_budget_s) if run_budget_s is not None else None
        self.repair_tries = repair_tries
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.cache = cache
        self.transcript = transcript
        self.prices = prices or {}
        self._secrets = tuple(secrets)
        # 'auto' starts with JSON-schema output and drops to JSON mode for good if the server refuses it.
        self._use_schema = output_mode != "json_object"
        self._may_fall_back = output_mode == "auto"

    def ask(self, question: Question[Answer]) -> Answer:
        """The question's answer, within its own budget and what is left of the run's."""
        if self._run_deadline is None or self._run_deadline.remaining() > self.budget_s:
            return self._ask(question, Deadline(self.budget_s))
        try:
            return self._ask(question, Deadline(max(0.0, self._run_deadline.remaining())))
        except LLMError:
            if self._run_deadline.remaining() > 0:
                raise
            raise LLMError(
                f"planning used up its whole time budget of {self._run_deadline.budget_s:g} s",
                agent=question.agent,
                scene=question.scene,
                fix="raise the crew's run_budget_s, or use a faster model or server",
            ) from None

    def _ask(self, question: Question[Answer], deadline: Deadline) -> Answer:
        # 1. Prepare: one deadline for every attempt, retry and repair of this question.
        messages = list(question.messages)
        max_tokens = self.max_tokens
        answered: list[tuple[str, ChatReply]] = []  # cached only once an answer validates
        problem = ""

        for attempt in range(1, self.repair_tries + 2):
            # 2. Ask (or replay the cache) and validate.
            request = ChatRequest(
                model=question.model,
                messages=messages,
                temperature=self.temperature,
                max_tokens=max_tokens,
                response_format=self._response_format(question.answer),
            )
            key, reply, cached = self._reply(request, question, attempt, deadline)
            answer, problem = parse_answer(reply, question)
            answered.append((key, reply))
            self._record(question, attempt, request, key, reply, cached, problem)
            if answer is not None:
                if self.cache:
                    for done_key, done_reply in answered:
                        self.cache.put(done_key, done_reply)
                return answer

            # 3. Repair: show the model its answer and what is wrong with it.
            log.warning("%s: answer %d cannot be used: %s", _label(question), attempt, redact(problem, self._secrets)[:200])
            messages = [
                *messages,
                {"role": "assistant", "content": reply.content},
                {"role": "user", "content": repair_prompt(problem)},
            ]
            if reply.finish_reason == "length":
                max_tokens *= 2  # it ran out of room: give the next answer more

        # 4. Give up with the last problem.
        raise LLMError(
            f"{redact(problem, self._secrets)} (after {self.repair_tries} repair tries)",
            agent=question.agent,
            scene=question.scene,
            fix="use a stronger model (the openai crew can give this role its own: models), or raise repair_tries or max_tokens",
        )

    def _reply(
        self, request: ChatRequest, question: Question[Any], attempt: int, deadline: Deadline
    ) -> tuple[str, ChatReply, bool]:
        key = request_key(request)
        cached = self.cache.get(key) if self.cache else None
        if cached is not None:
            return key, cached, True

        def one_call(timeout_s: float) -> ChatReply:
            try:
                return self.client.complete(request, timeout_s=timeout_s)
            except openai.APIError as error:
                self._record_failure(question, attempt, request, key, describe(error, timeout_s))
                raise

        def log_retry(problem: str, wait_s: float) -> None:
            log.warning("%s: %s; retrying in %.1f s", _label(question), redact(problem, self._secrets), wait_s)

        try:
            return key, call_with_retries(one_call, self.policy, deadline, on_retry=log_retry), False
        except CallFailed as failure:
            if (
                isinstance(failure.error, openai.BadRequestError)
                and request.response_format
                and self._may_fall_back
                and self._use_schema
            ):
                log.warning(
                    "the server refused JSON-schema output (%s); using JSON mode from now on",
                    redact(failure.problem, self._secrets),
                )
                self._use_schema = False
                plain = request.model_copy(update={"response_format": self._response_format(question.answer)})
                return self._reply(plain, question, attempt, deadline)
            raise LLMError(
                redact(failure.problem, self._secrets), agent=question.agent, scene=question.scene, fix=failure.fix
            ) from None

    def _response_format(self, answer: type[BaseModel]) -> dict[str, Any]:
        if not self._use_schema:
            return {"type": "json_object"}
        # Not 'strict': OpenAI's strict mode rejects optional fields and defaults, which the plan models use.
        return {
            "type": "json_schema",
            "json_schema": {"name": answer.__name__, "schema": answer.model_json_schema(), "strict": False},
        }

    def _record(
        self,
        question: Question[Any],
        attempt: int,
        request: ChatRequest,
        key: str,
        reply: ChatReply,
        cached: bool,
        problem: str | None,
    ) -> None:
        if not self.transcript:
            return
        price = self.prices.get(request.model)
        cost = 0.0 if cached else price.cost_usd(reply.prompt_tokens, reply.completion_tokens) if price else None
        self.transcript.record(
            CallRecord(
                agent=question.agent,
                scene=question.scene,
                model=request.model,
                attempt=attempt,
                outcome="invalid" if problem else "valid",
                cached=cached,
                problem=problem,
                finish_reason=reply.finish_reason,
                latency_s=0.0 if cached else reply.latency_s,
                prompt_tokens=reply.prompt_tokens,
                completion_tokens=reply.completion_tokens,
                cost_usd=cost,
                request_key=key,
                messages=request.messages,
                reply=reply.content,
            )
        )

    def _record_failure(self, question: Question[Any], attempt: int, request: ChatRequest, key: str, problem: str) -> None:
        if self.transcript:
            self.transcript.record(
                CallRecord(
                    agent=question.agent,
                    scene=question.scene,
                    model=request.model,
                    attempt=attempt,
                    outcome="error",
                    problem=problem,
                    request_key=key,
                )
            )


def parse_answer(reply: ChatReply, question: Question[Answer]) -> tuple[Answer | None, str | None]:
    """The validated answer, or None and what is wrong with the reply."""
    fenced = _CODE_FENCE.match(reply.content)
    text = fenced.group("body") if fenced else reply.content
    try:
        answer = question.answer.model_validate_json(text)
    except ValidationError as error:
        if reply.finish_reason == "length":
            return None, "the answer was cut off at the token limit before the JSON was complete"
        return None, describe_validation(error)
    problem = question.check(answer) if question.check else None
    return (None, problem) if problem else (answer, None)


def describe_validation(error: ValidationError) -> str:
    problems = error.errors(include_url=False)
    if any(problem["type"] == "json_invalid" for problem in problems):
        return f"the answer is not valid JSON ({problems[0]['msg']})"
    shown = [f"{'.'.join(map(str, problem['loc'])) or 'answer'}: {problem['msg']}" for problem in problems[:MAX_ERRORS_SHOWN]]
    more = f" (and {len(problems) - MAX_ERRORS_SHOWN} more)" if len(problems) > MAX_ERRORS_SHOWN else ""
    return "the answer does not match the schema: " + "; ".join(shown) + more


def repair_prompt(problem: str) -> str:
    return (
        f"Your answer cannot be used: {problem}\n"
        "Answer again with the complete, corrected JSON only, matching the schema. Keep everything that was right."
    )


def _label(question: Question[Any]) -> str:
    return f"{question.agent} ({question.scene})" if question.scene else question.agent
