"""The `transformers` crew: the film crew played by a local instruct model, on a GPU box or (small models) a CPU.

The roles (prompts, answer checks, repairs) are movieagent.planning.crews.llm.LLMCrew's; the model runs in this
process (movieagent.llm.local), follows each answer's JSON schema token by token, and answers the scenes the
planning graph asks about at the same time in one batched `generate` call. Needs torch, transformers and
llguidance (the `gpu` extra).
"""

from __future__ import annotations

from movieagent.llm.options import LocalChatOptions, build_chat
from movieagent.planning.crews.llm import LLMCrew, LLMCrewOptions


class Backend(LLMCrew):
    """The crew played by a causal language model loaded from a folder or the Hugging Face cache."""

    class Options(LocalChatOptions, LLMCrewOptions):
        pass

    def __init__(self, options: Options) -> None:
        self.options = options
        chat = build_chat(options)
        self.client = chat.client  # the LocalChatClient: its batching stats
        super().__init__(chat, model=options.model, prompts=options.prompts, role_cards=options.role_cards)
