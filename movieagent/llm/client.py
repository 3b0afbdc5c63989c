"""A thin wrapper around the `openai` client: one chat completion, no retries of its own, plain results.

Works with any server speaking the OpenAI chat.completions protocol: OpenAI, vLLM, Ollama, llama.cpp.
`ChatEndpoint` is what the rest of movieagent.llm needs of a client; movieagent.llm.local has another.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import openai
from pydantic import BaseModel, SecretStr

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


class ChatRequest(BaseModel):
    model: str
    messages: list[Message]
    temperature: float
    max_tokens: int
    response_format: dict[str, Any] | None = None


class ChatReply(BaseModel):
    content: str
    finish_reason: str | None = None
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0


class ChatEndpoint(Protocol):
    """Answers one chat request. Transient failures raise the `openai` client's errors (which are retried);
    failures no retry can fix raise movieagent.llm.retry.CallFailed."""

    def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatReply: ...


class ChatClient:
    """One connection pool to one server; safe to share between threads."""

    def __init__(self, base_url: str | None, api_key: SecretStr):
        # Retries are ours (movieagent.llm.retry): they share one deadline with the repairs.
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key.get_secret_value(), max_retries=0)

    def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatReply:
        """One HTTP call. Raises the `openai` client's errors (status, timeout, connection)."""
        started = time.perf_counter()
        extra: dict[str, Any] = {"response_format": request.response_format} if request.response_format else {}
        completion = self._client.chat.completions.create(
            model=request.model,
            messages=request.messages,  # type: ignore[arg-type]
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            timeout=timeout_s,
            **extra,
        )
        latency_s = time.perf_counter() - started
        choice = completion.choices[0] if completion.choices else None
        message = choice.message if choice else None
        # A refusal is text too: validation then explains the answer is not the JSON asked for.
        content = (message.content or message.refusal or "") if message else ""
        usage = completion.usage
        return ChatReply(
            content=content,
            finish_reason=choice.finish_reason if choice else None,
            model=completion.model or request.model,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            latency_s=round(latency_s, 4),
        )

    def close(self) -> None:
        self._client.close()
