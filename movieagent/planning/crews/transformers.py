"""The `transformers` crew: the film crew played by a local instruct model, for batch jobs on a GPU box.

The roles (prompts, answer checks, repairs) are movieagent.planning.crews.llm.LLMCrew's; this backend runs the
model in this process (movieagent.llm.local), batching the scenes that the planning graph asks about
at the same time into one `generate` call. Needs torch and transformers (the `gpu` extra).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from movieagent.errors import InputError
from movieagent.llm import ResponseCache, RetryPolicy, StructuredChat, Transcript
from movieagent.planning.crews.llm import LLMCrew, LLMCrewOptions


class Backend(LLMCrew):
    """The crew played by a causal language model loaded from a folder or the Hugging Face cache."""

    class Options(LLMCrewOptions):
        model: str = Field(
            description="A folder written by save_pretrained, or a Hugging Face id already in the cache (HF_HUB_OFFLINE=1)"
        )
        device: str = Field(default="cpu", pattern=r"^(cpu|cuda(:\d+)?|mps)$", description="cpu, cuda, cuda:1, mps")
        dtype: Literal["float32", "bfloat16", "float16"] = Field(default="float32", description="bfloat16 halves GPU memory")
        temperature: float = Field(default=0.0, ge=0, le=2, description="0: greedy, the same plan on every run")
        max_tokens: int = Field(default=4096, ge=16, description="New tokens per answer; doubled for the retry when cut off")
        max_batch_size: int = Field(default=8, ge=1, description="Requests answered by one generate call")
        batch_wait_s: float = Field(default=0.05, ge=0, description="How long a batch waits for more requests to join")
        timeout_s: float = Field(default=600.0, gt=0, description="Per answer, its wait in the queue included")
        budget_s: float = Field(
            default=1800.0, gt=0, description="Per question: every answer and repair of one role on one scene"
        )

    def __init__(self, options: Options) -> None:
        self.options = options
        try:
            from movieagent.llm.local import LocalChatClient  # torch and transformers are an optional extra
        except ModuleNotFoundError as missing:
            raise InputError(
                f"the transformers crew needs {missing.name}, which is not installed",
                fix="pip install 'movieagent[gpu]' (torch and transformers)",
            ) from None
        self.client = LocalChatClient(
            options.model,
            device=options.device,
            dtype=options.dtype,
            max_batch_size=options.max_batch_size,
            batch_wait_s=options.batch_wait_s,
        )
        chat = StructuredChat(
            self.client,
            # Nothing transient to retry: a local model that fails or times out would do so again.
            policy=RetryPolicy(max_retries=0, timeout_s=options.timeout_s),
            budget_s=options.budget_s,
            run_budget_s=options.run_budget_s,
            repair_tries=options.repair_tries,
            temperature=options.temperature,
            max_tokens=options.max_tokens,
            output_mode="json_object",
            cache=ResponseCache(options.cache_dir) if options.cache_dir else None,
            transcript=Transcript(options.transcript) if options.transcript else None,
        )
        super().__init__(chat, model=options.model, prompts=options.prompts)
