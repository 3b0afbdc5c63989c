"""Structured answers: ask a question, get a validated pydantic model back, or an LLMError.

1. Size the conversation against the model's context window (when known), naming what overflowed.
2. Send it with the answer's JSON schema, capped (movieagent.llm.answer_schema), as structured output
   (JSON mode where the server has none), through the cache and the retries.
3. Validate the reply against the model and the capped schema, then against the question's own check.
4. If it does not fit, send a repair prompt carrying the problems, at the repair temperature so the
   model does not write the same answer again, up to `repair_tries` times.
5. Still no valid answer: LLMError naming the agent, the scene and the last problem.

Every call, failed or not, is written to the transcript and every reply to the cache, so a re-run asks
nothing it asked before (failures that would happen again, such as a local model's timeouts, too).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import openai
from pydantic import BaseModel, SecretStr, ValidationError

from movieagent.llm.answer_schema import capped_schema, schema_problems
from movieagent.llm.cache import ResponseCache, request_key
from movieagent.llm.client import ChatEndpoint, ChatReply, ChatRequest, Message
from movieagent.llm.errors import LLMError
from movieagent.llm.retry import CallFailed, Deadline, RetryPolicy, call_with_retries, describe
from movieagent.llm.secrets import scrub
from movieagent.llm.transcript import CallRecord, Price, Transcript

log = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound=BaseModel)
OutputMode = Literal["auto", "json_schema", "json_object"]

# Enough validation errors for the model to fix several at once, few enough to keep the repair prompt short.
MAX_ERRORS_SHOWN = 8
# An answer squeezed into less room than this share of what it needs is not worth asking for.
MIN_ROOM_SHARE = 0.25
_CODE_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n(?P<body>.*?)\n?\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class Question(Generic[Answer]):
    agent: str
    scene: str | None
    model: str
    messages: list[Message]
    answer: type[Answer]
    check: Callable[[Answer], str | None] | None = None  # problems the schema cannot see; None when fine
    schema: dict[str, Any] | None = None  # the answer's schema narrowed to this question; None: the model's, capped
    max_tokens: int | None = None  # what this answer needs at most; None: the chat's max_tokens
    parts: Mapping[str, str] = field(default_factory=dict)  # the prompt's inputs by name, to say which overflowed


@dataclass(frozen=True)
class Caps:
    """The bounds every answer's schema gets (see movieagent.llm.answer_schema)."""

    text_chars: int = 1200
    list_items: int = 200


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
        repair_temperature: float = 0.7,
        output_mode: OutputMode = "auto",
        caps: Caps = Caps(),
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
        self.repair_temperature = repair_temperature
        self.max_tokens = max_tokens
        self.caps = caps
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

    def estimate(self, answer_tokens: int) -> str | None:
        """'up to about N new tokens at M tokens/s: up to about X minutes', logged; a warning when the run budget is shorter.

        `answer_tokens` is the most the questions can ask for (movieagent.llm.answer_schema.answer_tokens).

        None when the client does not know its speed (a remote server).
        """
        speed = self.client.tokens_per_second()
        if not speed:
            return None
        minutes = answer_tokens / speed / 60
        text = f"up to about {answer_tokens:,} new tokens at {speed:.1f} tokens/s: up to about {math.ceil(minutes)} minutes"
        left_s = self._run_deadline.remaining() if self._run_deadline else None
        if left_s is not None and minutes * 60 > left_s:
            log.warning(
                "planning needs %s, more than the %.0f minutes left of run_budget_s: the questions still open when it ends "
                "go to the rules crew (planning.fallback: rules) or fail (fallback: none). Lower max_tokens, raise "
                "run_budget_s, or use a GPU",
                text,
                left_s / 60,
            )
        else:
            log.info("planning needs %s", text)
        return text

    # ----------------------------------------------------------------------------------------- one question

    def _ask(self, question: Question[Answer], deadline: Deadline) -> Answer:
        # 1. Prepare: one deadline for every attempt, retry and repair of this question.
        schema = question.schema or capped_schema(
            question.answer.model_json_schema(), text_chars=self.caps.text_chars, list_items=self.caps.list_items
        )
        wanted = min(question.max_tokens or self.max_tokens, self.max_tokens)
        messages, max_tokens, problem = list(question.messages), wanted, ""

        for attempt in range(1, self.repair_tries + 2):
            # 2. Size the conversation, then ask (or replay the cache) and validate.
            messages, max_tokens = self._fit(question, messages, max_tokens, attempt)
            request = ChatRequest(
                model=question.model,
                messages=messages,
                temperature=self.temperature if attempt == 1 else max(self.temperature, self.repair_temperature),
                max_tokens=max_tokens,
                output="json_schema" if self._use_schema else "json_object",
                answer_schema=schema if self._use_schema else None,
                schema_name=question.answer.__name__,
            )
            key, reply, cached = self._reply(request, question, attempt, deadline)
            answer, problem = parse_answer(reply, question, schema)
            self._record(question, attempt, request, key, reply, cached, problem)
            if answer is not None:
                return answer

            # 3. Repair: the model's last answer and what is wrong with it (earlier rounds add nothing).
            log.warning("%s: answer %d cannot be used: %s", _label(question), attempt, scrub(problem, self._secrets)[:200])
            messages = [
                *question.messages,
                {"role": "assistant", "content": reply.content},
                {"role": "user", "content": repair_prompt(problem)},
            ]
            if reply.finish_reason == "length":
                max_tokens = min(2 * max_tokens, self.max_tokens)  # it ran out of room: more, up to the ceiling

        # 4. Give up with the last problem.
        raise LLMError(
            f"{scrub(problem, self._secrets)} (after {self.repair_tries} repair tries)",
            agent=question.agent,
            scene=question.scene,
            fix="use a stronger model (the openai crew can give this role its own: models), or raise repair_tries or max_tokens",
        )

    def _fit(self, question: Question[Any], messages: list[Message], max_tokens: int, attempt: int) -> tuple[list[Message], int]:
        """The conversation and the answer's room, within the model's context window; LLMError naming what overflowed."""
        context = self.client.context_tokens
        if context is None:
            return messages, max_tokens
        room = context - self.client.count_tokens(messages)
        if room < max_tokens and attempt > 1:
            # A repair that does not fit keeps the problems and drops the earlier answer.
            messages = [*question.messages, messages[-1]]
            room = context - self.client.count_tokens(messages)
        if room >= MIN_ROOM_SHARE * max_tokens and room > 0:
            return messages, min(max_tokens, room)
        prompt = context - room
        if attempt > 1:
            what = f"the repair conversation is {prompt:,} tokens"
            fix = "lower max_tokens or repair_tries, or use a model with a longer context"
        else:
            sizes = {name: self.client.count_tokens([{"role": "user", "content": text}]) for name, text in question.parts.items()}
            biggest = max(sizes, key=sizes.__getitem__, default=None)
            what = f"the prompt is {prompt:,} tokens" + (f", {sizes[biggest]:,} of them the {biggest}" if biggest else "")
            fix = f"use a model with a longer context{f', or a shorter {biggest}' if biggest else ''}"
        raise LLMError(
            f"{what}; with {max_tokens:,} tokens for the answer that is more than the model's {context:,}-token context",
            agent=question.agent,
            scene=question.scene,
            fix=fix,
        )

    def _reply(
        self, request: ChatRequest, question: Question[Any], attempt: int, deadline: Deadline
    ) -> tuple[str, ChatReply, bool]:
        key = request_key(request)
        if self.cache and (cached := self.cache.get(key)) is not None:
            return key, cached, True
        if self.cache and (failed := self.cache.failure(key, timeout_s=min(self.policy.timeout_s, deadline.remaining()))):
            self._record_failure(question, attempt, request, key, failed.problem, cached=True)
            raise LLMError(f"{failed.problem} (remembered from an earlier run)", agent=question.agent, scene=question.scene, fix=failed.fix)

        def one_call(timeout_s: float) -> ChatReply:
            try:
                return self.client.complete(request, timeout_s=timeout_s)
            except openai.APIError as error:
                self._record_failure(question, attempt, request, key, describe(error, timeout_s))
                raise
            except CallFailed as failure:
                self._record_failure(question, attempt, request, key, failure.problem)
                if self.cache and failure.lasting_s is not None:
                    lasting_s = None if math.isinf(failure.lasting_s) else failure.lasting_s
                    self.cache.put_failure(key, failure.problem, failure.fix, timeout_s=lasting_s)
                raise

        def log_retry(problem: str, wait_s: float) -> None:
            log.warning("%s: %s; retrying in %.1f s", _label(question), scrub(problem, self._secrets), wait_s)

        try:
            reply = call_with_retries(one_call, self.policy, deadline, on_retry=log_retry)
        except CallFailed as failure:
            if isinstance(failure.error, openai.BadRequestError) and request.output == "json_schema" and self._may_fall_back:
                log.warning(
                    "the server refused JSON-schema output (%s); using JSON mode from now on", scrub(failure.problem, self._secrets)
                )
                self._use_schema = False
                plain = request.model_copy(update={"output": "json_object", "answer_schema": None})
                return self._reply(plain, question, attempt, deadline)
            raise LLMError(scrub(failure.problem, self._secrets), agent=question.agent, scene=question.scene, fix=failure.fix) from None
        if self.cache:
            self.cache.put(key, reply)
        return key, reply, False

    # ----------------------------------------------------------------------------------------- transcript

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
        """A reply, valid or not, with its tokens, latency and cost."""
        if not self.transcript:
            return
        price = self.prices.get(request.model)
        cost = 0.0 if cached else price.cost_usd(reply.prompt_tokens, reply.completion_tokens) if price else None
        self._write_record(
            question,
            attempt,
            request,
            key,
            outcome="invalid" if problem else "valid",
            cached=cached,
            problem=problem,
            finish_reason=reply.finish_reason,
            latency_s=0.0 if cached else reply.latency_s,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            cost_usd=cost,
            reply=reply.content,
        )

    def _record_failure(
        self, question: Question[Any], attempt: int, request: ChatRequest, key: str, problem: str, *, cached: bool = False
    ) -> None:
        """A call that brought no usable reply."""
        self._write_record(question, attempt, request, key, outcome="error", cached=cached, problem=problem)

    def _write_record(self, question: Question[Any], attempt: int, request: ChatRequest, key: str, **outcome: Any) -> None:
        if self.transcript:
            self.transcript.record(
                CallRecord(
                    agent=question.agent,
                    scene=question.scene,
                    model=request.model,
                    attempt=attempt,
                    request_key=key,
                    messages=request.messages,
                    **outcome,
                )
            )


def parse_answer(reply: ChatReply, question: Question[Answer], schema: dict[str, Any]) -> tuple[Answer | None, str | None]:
    """The validated answer, or None and what is wrong with the reply."""
    fenced = _CODE_FENCE.match(reply.content)
    text = fenced.group("body") if fenced else reply.content
    cut_off = reply.finish_reason == "length"
    if "{" not in text:
        if cut_off:
            return None, f"the answer has no JSON object: {reply.completion_tokens} tokens of text, cut off at the token limit"
        return None, f"the answer has no JSON object: {text.strip()[:80]!r}"
    try:
        data = json.loads(text)
    except ValueError as error:
        if cut_off:
            return None, "the answer was cut off at the token limit before the JSON was complete"
        return None, f"the answer is not valid JSON ({error.msg} at character {error.pos})"
    try:
        answer = question.answer.model_validate(data)
    except ValidationError as error:
        return None, describe_validation(error)
    if broken := schema_problems(data, schema):
        return None, "the answer breaks the schema: " + "; ".join(broken)
    problem = question.check(answer) if question.check else None
    return (None, problem) if problem else (answer, None)


def describe_validation(error: ValidationError) -> str:
    problems = error.errors(include_url=False)
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
