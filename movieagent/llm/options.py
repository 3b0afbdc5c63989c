"""The options of a chat with a language model, and the one function that builds it: shared by the LLM crews
(movieagent.planning.crews.openai, .transformers) and the eval judge, so every question to a model has the
same retries, deadlines, caps, cache, transcript and key handling.

    chat = build_chat(ServerChatOptions(base_url="http://localhost:8000/v1", model="qwen2.5-7b", server="vllm"))
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from movieagent.errors import InputError
from movieagent.llm.cache import ResponseCache
from movieagent.llm.client import ChatClient, ServerFamily
from movieagent.llm.retry import RetryPolicy
from movieagent.llm.structured import Caps, OutputMode, StructuredChat
from movieagent.llm.transcript import Price, Transcript


class ChatOptions(BaseModel):
    """What every chat has, wherever its model runs."""

    model_config = ConfigDict(extra="forbid")

    model: str
    temperature: float = Field(default=0.2, ge=0, le=2)
    repair_temperature: float = Field(
        default=0.7, ge=0, le=2, description="Repairs sample at least this hot, so the model does not repeat its answer"
    )
    max_tokens: int = Field(default=4096, ge=16, description="Ceiling on new tokens per answer; each role asks for what it needs")
    repair_tries: int = Field(default=2, ge=0, description="Repair prompts after an invalid answer")
    budget_s: float = Field(default=600.0, gt=0, description="Per question: every call, retry and repair of one role on one scene")
    run_budget_s: float | None = Field(
        default=3600.0, gt=0, description="The whole planning run: every question together; None: no limit"
    )
    text_chars: int = Field(default=1200, ge=16, description="Longest free-text field an answer may have (maxLength)")
    list_items: int = Field(default=200, ge=1, description="Longest list an answer may have (maxItems)")
    cache_dir: Path | None = Field(default=None, description="Response cache; set by the pipeline to OUTDIR/cache/llm")
    transcript: Path | None = Field(default=None, description="Call log; set by the pipeline to OUTDIR/transcript.jsonl")


class ServerChatOptions(ChatOptions):
    """A model behind an OpenAI-compatible server: OpenAI, vLLM, SGLang, Ollama, llama.cpp."""

    base_url: str | None = Field(default=None, description="Server URL, usually ending in /v1; None: OpenAI (or OPENAI_BASE_URL)")
    model: str = Field(default="gpt-4o-mini", description="The model name the server knows (--model on the command line)")
    server: ServerFamily = Field(default="openai", description="How the server takes a JSON schema: openai, vllm, sglang, llama_cpp, ollama")
    api_key_env: str = Field(default="OPENAI_API_KEY", description="Name of the environment variable holding the key")
    output_mode: OutputMode = Field(default="auto", description="auto: JSON-schema output, JSON mode if the server refuses it")
    timeout_s: float = Field(default=120.0, gt=0, description="Per HTTP call, wall clock, however slowly the server sends")
    max_retries: int = Field(default=4, ge=0, description="On 429, 5xx, timeouts and connection errors")
    backoff_s: float = Field(default=1.0, ge=0, description="First wait between retries; doubles each time")
    max_response_bytes: int = Field(default=1_000_000, ge=1024, description="A longer answer is refused")
    context_tokens: int | None = Field(default=None, ge=256, description="The model's context window, to size prompts before sending")
    prices: dict[str, Price] = Field(default={}, description="Model name -> US dollars per million tokens, for cost estimates")


class LocalChatOptions(ChatOptions):
    """A causal language model run in this process with transformers (movieagent.llm.local)."""

    model: str = Field(
        description="A folder written by save_pretrained, or a Hugging Face id already in the cache (HF_HUB_OFFLINE=1)"
    )
    device: str = Field(default="auto", pattern=r"^(auto|cpu|cuda(:\d+)?|mps)$", description="auto (a GPU if torch sees one), cpu, cuda, cuda:1, mps")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        default="auto", description="auto: bfloat16 on a GPU (half the memory), float32 on a CPU"
    )
    threads: int | None = Field(default=None, ge=1, description="CPU threads for torch; None: torch's default (all cores)")
    constrained: bool = Field(default=True, description="Decode only tokens that keep the answer inside its JSON schema (llguidance)")
    temperature: float = Field(default=0.0, ge=0, le=2, description="0: greedy, the same plan on every run")
    max_batch_size: int = Field(default=8, ge=1, description="Requests answered by one generate call")
    batch_wait_s: float = Field(default=0.05, ge=0, description="How long a batch waits for more requests to join")
    timeout_s: float = Field(default=600.0, gt=0, description="Per answer, its wait in the queue included")
    budget_s: float = Field(default=1800.0, gt=0, description="Per question: every answer and repair of one role on one scene")


def build_chat(options: ServerChatOptions | LocalChatOptions) -> StructuredChat:
    """The client the options name, with the retries, budgets, caps, cache and transcript around it.

    Builds no connection and loads no model yet: that happens on the first question. Raises InputError
    when a server needs a key that is not set, or a local model needs torch and transformers.
    """
    secrets: list[SecretStr] = []
    if isinstance(options, ServerChatOptions):
        key = SecretStr(os.environ.get(options.api_key_env, ""))
        if not key.get_secret_value() and not (options.base_url or os.environ.get("OPENAI_BASE_URL")):
            raise InputError(
                f"a model on OpenAI's server needs an API key in the environment variable {options.api_key_env}",
                fix=f"export {options.api_key_env}=..., or set base_url to a local server (vLLM, Ollama, llama.cpp)",
            )
        secrets = [key] if key.get_secret_value() else []
        # Local servers take any key; the client insists on one.
        client = ChatClient(
            options.base_url,
            key if secrets else SecretStr("not-needed"),
            server=options.server,
            max_response_bytes=options.max_response_bytes,
            context_tokens=options.context_tokens,
        )
        policy = RetryPolicy(max_retries=options.max_retries, backoff_s=options.backoff_s, timeout_s=options.timeout_s)
        output_mode, prices = options.output_mode, options.prices
    else:
        try:
            from movieagent.llm.local import LocalChatClient  # torch and transformers are an optional extra
        except ModuleNotFoundError as missing:
            raise InputError(
                f"a local model needs {missing.name}, which is not installed",
                fix="pip install 'movieagent[gpu]' (torch, transformers and llguidance)",
            ) from None
        client = LocalChatClient(
            options.model,
            device=options.device,
            dtype=options.dtype,
            threads=options.threads,
            constrained=options.constrained,
            max_batch_size=options.max_batch_size,
            batch_wait_s=options.batch_wait_s,
        )
        # Nothing transient to retry: a local model that fails or times out would do so again.
        policy = RetryPolicy(max_retries=0, timeout_s=options.timeout_s)
        # The client follows the schema token by token (or cuts the answer to its JSON): no server to refuse it.
        output_mode, prices = "json_schema", {}
    return StructuredChat(
        client,
        policy=policy,
        budget_s=options.budget_s,
        run_budget_s=options.run_budget_s,
        repair_tries=options.repair_tries,
        temperature=options.temperature,
        repair_temperature=options.repair_temperature,
        max_tokens=options.max_tokens,
        output_mode=output_mode,
        caps=Caps(text_chars=options.text_chars, list_items=options.list_items),
        cache=ResponseCache(options.cache_dir) if options.cache_dir else None,
        transcript=Transcript(options.transcript, secrets=secrets) if options.transcript else None,
        prices=prices,
        secrets=secrets,
    )
