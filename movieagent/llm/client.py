"""One chat completion from any OpenAI-compatible server, bounded in time and size; no retries of its own.

Works with any server speaking the OpenAI chat.completions protocol: OpenAI, vLLM, SGLang, Ollama, llama.cpp.
`ChatEndpoint` is what the rest of movieagent.llm needs of a client; movieagent.llm.local has another.

A server is untrusted: every call ends by its wall-clock deadline however slowly the server sends
(movieagent.llm.bounded), an answer is at most `max_response_bytes`, a body that is not a chat completion
is a clear error, and the key is scrubbed from everything the server sends back before anyone stores it.
"""

from __future__ import annotations

import json
import time
from typing import Any, Literal, Protocol

import httpx2
import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, SecretStr, ValidationError

from movieagent.llm.bounded import BoundedTransport, ResponseTooLarge, call_within
from movieagent.llm.retry import PROBLEM_CHARS, CallFailed
from movieagent.llm.secrets import scrub

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
# How each family of servers takes the JSON schema an answer must follow (the OpenAI way unless it has its own).
ServerFamily = Literal["openai", "vllm", "sglang", "llama_cpp", "ollama"]
# A token is about 4 characters of English; far more than this many per allowed token is not an answer to this request.
MAX_CHARS_PER_TOKEN = 16


class ChatRequest(BaseModel):
    model: str
    messages: list[Message]
    temperature: float
    max_tokens: int
    output: Literal["text", "json_object", "json_schema"] = "text"
    answer_schema: dict[str, Any] | None = None  # with output json_schema: what the answer must match
    schema_name: str = "answer"


class ChatReply(BaseModel):
    content: str
    finish_reason: str | None = None
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0


class ChatEndpoint(Protocol):
    """Answers one chat request. Transient failures raise the `openai` client's errors (which are retried);
    failures no retry can fix raise movieagent.llm.retry.CallFailed.

    `context_tokens` is the model's context window when known (None: not known, prompts are not sized);
    `count_tokens` counts a conversation's prompt the way the model will (or estimates it); `tokens_per_second`
    is how fast it writes an answer, when it can be measured here (None for a remote server)."""

    context_tokens: int | None

    def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatReply: ...

    def count_tokens(self, messages: list[Message]) -> int: ...

    def tokens_per_second(self) -> float | None: ...

    def close(self) -> None: ...


class ChatClient:
    """One connection pool to one server; safe to share between threads."""

    def __init__(
        self,
        base_url: str | None,
        api_key: SecretStr,
        *,
        server: ServerFamily = "openai",
        max_response_bytes: int = 1_000_000,
        context_tokens: int | None = None,
    ):
        self.server = server
        self.context_tokens = context_tokens
        self._key = api_key
        self._max_response_bytes = max_response_bytes
        # Retries are ours (movieagent.llm.retry): they share one deadline with the repairs.
        http = httpx2.Client(transport=BoundedTransport(httpx2.HTTPTransport(), max_bytes=max_response_bytes))
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key.get_secret_value(), max_retries=0, http_client=http)

    def count_tokens(self, messages: list[Message]) -> int:
        # No tokenizer for a remote model: about 4 characters a token, plus a few for each message's framing.
        return sum(len(message["content"]) // 4 + 4 for message in messages)

    def tokens_per_second(self) -> float | None:
        return None  # a server's speed depends on its load; only the transcript's latencies tell

    def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatReply:
        """One HTTP call, over by `timeout_s` whatever the server does. Raises the `openai` client's errors
        (status, timeout, connection) and CallFailed for an answer that is not a chat completion or too big."""
        started = time.perf_counter()
        try:
            raw = call_within(lambda: self._post(request, timeout_s), timeout_s)
        except ResponseTooLarge as error:
            raise CallFailed(str(error), fix="check base_url: the server sends far more than a chat answer") from None
        except openai.APIStatusError as error:
            # An error body may echo the key: scrub it before the message goes anywhere.
            error.message = scrub(error.message, [self._key])
            raise
        completion = self._completion(raw)
        reply = self._reply(completion, request, latency_s=time.perf_counter() - started)
        if len(reply.content) > MAX_CHARS_PER_TOKEN * request.max_tokens + 256 or reply.completion_tokens > 2 * request.max_tokens + 16:
            raise CallFailed(
                f"the server sent an answer of {len(reply.content)} characters ({reply.completion_tokens} tokens) "
                f"to a request for at most {request.max_tokens} tokens",
                fix="the server ignores max_tokens: use another server",
            )
        return reply

    def close(self) -> None:
        self._client.close()

    # ----------------------------------------------------------------------------------------- steps

    def _post(self, request: ChatRequest, timeout_s: float) -> httpx2.Response:
        response = self._client.chat.completions.with_raw_response.create(
            model=request.model,
            messages=request.messages,  # type: ignore[arg-type]
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            timeout=timeout_s,
            **output_options(request, self.server),
        )
        return response.http_response

    def _completion(self, raw: httpx2.Response) -> ChatCompletion:
        """The body as a chat completion, or CallFailed saying what came instead (an HTML page, a proxy's error)."""
        kind = raw.headers.get("content-type", "no content type").split(";")[0]
        try:
            return ChatCompletion.model_validate(json.loads(raw.content))
        except (ValueError, ValidationError):
            start = scrub(raw.content[:120].decode("utf-8", "replace"), [self._key]).replace("\n", " ")
            raise CallFailed(
                f"the server answered HTTP {raw.status_code} with {kind}, not a chat completion: {start!r}"[:PROBLEM_CHARS],
                fix="check base_url: it should be the server's OpenAI-compatible API (it usually ends in /v1)",
            ) from None

    def _reply(self, completion: ChatCompletion, request: ChatRequest, *, latency_s: float) -> ChatReply:
        choice = completion.choices[0] if completion.choices else None
        message = choice.message if choice else None
        # A refusal is text too: validation then explains the answer is not the JSON asked for.
        content = (message.content or message.refusal or "") if message else ""
        usage = completion.usage
        secrets = [self._key]
        return ChatReply(
            content=scrub(content, secrets),
            finish_reason=scrub(choice.finish_reason, secrets) if choice and choice.finish_reason else None,
            model=scrub(completion.model or request.model, secrets),
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            latency_s=round(latency_s, 4),
        )


def output_options(request: ChatRequest, server: ServerFamily) -> dict[str, Any]:
    """The request fields asking `server` for JSON, or for JSON that follows `request.answer_schema`."""
    if request.output == "json_object":
        return {"response_format": {"type": "json_object"}}
    if request.output != "json_schema":
        return {}
    schema = request.answer_schema or {}
    if server == "vllm":
        return {"extra_body": {"structured_outputs": {"json": schema}}}  # vLLM >= 0.10.2 (guided_json before)
    if server == "llama_cpp":
        return {"extra_body": {"json_schema": schema}}  # llama-server's own field; it turns the schema into a grammar
    # OpenAI, SGLang and Ollama take OpenAI's structured output. Not 'strict': OpenAI's strict mode rejects
    # optional fields and defaults, which the plan models use.
    return {"response_format": {"type": "json_schema", "json_schema": {"name": request.schema_name, "schema": schema, "strict": False}}}
