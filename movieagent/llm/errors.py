"""The one error the LLM layer raises: which agent failed, on which scene, and the last problem seen."""

from __future__ import annotations

from movieagent.errors import MovieAgentError


class LLMError(MovieAgentError):
    """An LLM agent gave no usable answer: the server kept failing, or every repair was still invalid."""

    def __init__(self, problem: str, *, agent: str, scene: str | None = None, fix: str | None = None):
        self.problem = problem
        self.agent = agent
        self.scene = scene
        self.fix = fix
        where = f"{agent} ({scene})" if scene else agent
        text = f"the {where} gave no usable answer: {problem}"
        super().__init__(f"{text}\n  fix: {fix}" if fix else text)
