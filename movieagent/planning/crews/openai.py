"""The `openai` crew: the film crew played by a language model on any OpenAI-compatible server
(OpenAI, vLLM, SGLang, Ollama, llama.cpp server).

The roles (prompts, answer checks, repairs) are movieagent.planning.crews.llm.LLMCrew's; the chat (the HTTP
client with its deadlines and caps, retries, cache, transcript) is movieagent.llm.options.build_chat's.
"""

from __future__ import annotations

from pydantic import Field

from movieagent.llm.options import ServerChatOptions, build_chat
from movieagent.planning.crews.llm import LLMCrew, LLMCrewOptions, Role


class Backend(LLMCrew):
    """The crew played by a model behind an OpenAI-compatible server; the roles are LLMCrew's."""

    class Options(ServerChatOptions, LLMCrewOptions):
        models: dict[Role, str] = Field(default={}, description="Per-role model; director_review falls back to director's")

    def __init__(self, options: Options) -> None:
        self.options = options
        super().__init__(
            build_chat(options), model=options.model, models=options.models, prompts=options.prompts, role_cards=options.role_cards
        )
