"""The `openai` crew: the film crew played by a language model on any OpenAI-compatible server
(OpenAI, vLLM, Ollama, llama.cpp server).

The roles (prompts, answer checks, repairs) are movieagent.planning.crews.llm.LLMCrew's; this backend builds the
HTTP client and the retries, cache and transcript around it.
"""

from __future__ import annotations

import os

from pydantic import Field, SecretStr

from movieagent.errors import InputError
from movieagent.llm import ChatClient, Price, ResponseCache, RetryPolicy, StructuredChat, Transcript
from movieagent.llm.structured import OutputMode
from movieagent.planning.crews.llm import LLMCrew, LLMCrewOptions, Role


class Backend(LLMCrew):
    """The crew played by a model behind an OpenAI-compatible server; the roles are LLMCrew's."""

    class Options(LLMCrewOptions):
        base_url: str | None = Field(
            default=None, description="Server URL, usually ending in /v1; None: OpenAI (or OPENAI_BASE_URL)"
        )
        model: str = "gpt-4o-mini"
        models: dict[Role, str] = Field(default={}, description="Per-role model; director_review falls back to director's")
        api_key_env: str = Field(default="OPENAI_API_KEY", description="Name of the environment variable holding the key")
        output_mode: OutputMode = Field(
            default="auto", description="auto: JSON-schema output, JSON mode if the server refuses it"
        )
        temperature: float = Field(default=0.2, ge=0, le=2)
        max_tokens: int = Field(default=4096, ge=16)
        timeout_s: float = Field(default=120.0, gt=0, description="Per HTTP call")
        max_retries: int = Field(default=4, ge=0, description="On 429, 5xx, timeouts and connection errors")
        backoff_s: float = Field(default=1.0, ge=0, description="First wait between retries; doubles each time")
        budget_s: float = Field(
            default=600.0, gt=0, description="Per question: every call, retry and repair of one role on one scene"
        )
        prices: dict[str, Price] = Field(
            default={}, description="Model name -> US dollars per million tokens, for cost estimates"
        )

    def __init__(self, options: Options) -> None:
        self.options = options
        key = SecretStr(os.environ.get(options.api_key_env, ""))
        if not key.get_secret_value() and not (options.base_url or os.environ.get("OPENAI_BASE_URL")):
            raise InputError(
                f"the openai crew needs an API key in the environment variable {options.api_key_env}",
                fix=f"export {options.api_key_env}=..., or set base_url to a local server (vLLM, Ollama, llama.cpp)",
            )
        # Local servers take any key; the client insists on one.
        client = ChatClient(options.base_url, key if key.get_secret_value() else SecretStr("not-needed"))
        chat = StructuredChat(
            client,
            policy=RetryPolicy(max_retries=options.max_retries, backoff_s=options.backoff_s, timeout_s=options.timeout_s),
            budget_s=options.budget_s,
            run_budget_s=options.run_budget_s,
            repair_tries=options.repair_tries,
            temperature=options.temperature,
            max_tokens=options.max_tokens,
            output_mode=options.output_mode,
            cache=ResponseCache(options.cache_dir) if options.cache_dir else None,
            transcript=Transcript(options.transcript, secrets=[key]) if options.transcript else None,
            prices=options.prices,
            secrets=[key],
        )
        super().__init__(chat, model=options.model, models=options.models, prompts=options.prompts)
