"""A question the crew's model cannot answer is answered by the rules crew instead, and the plan says so.

With an LLM crew and `planning.fallback: rules` (the default), each node asks through `Answering`: when
the model gives no usable answer to one question (the treatment, the locations, one scene's beats or
shots, the review) after its repairs, or its time runs out, the rules crew answers that question alone
and the rest of the film stays the model's. Each answer is recorded (role, scene, model or fallback, and
why) in the planning state; run_planning puts the records in the plan (Plan.answers). A weak model, a
small GPU or a flaky server costs quality, never the film.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from movieagent.config import PlanningSettings
from movieagent.llm.errors import LLMError
from movieagent.planning.crew import Crew
from movieagent.planning.crews.llm import LLMCrew
from movieagent.planning.crews.rules import Backend as RulesCrew
from movieagent.schema import PlanningAnswer

log = logging.getLogger(__name__)

Work = TypeVar("Work")
# The order of the plan's answers: the order the graph asks in.
ROLE_ORDER = ("director", "location_manager", "screenwriter", "storyboard_artist", "director_review")


def fallback_crew(crew: Crew, settings: PlanningSettings) -> Crew | None:
    """The rules crew when `crew` asks a language model and the settings want a fallback; None otherwise."""
    if settings.fallback == "none" or not isinstance(crew, LLMCrew):
        return None
    return RulesCrew(RulesCrew.Options())


class Answering:
    """Asks `crew` one question, or `fallback` when the model fails it; returns the answer and its record."""

    def __init__(self, crew: Crew, fallback: Crew | None):
        self.crew = crew
        self.fallback = fallback

    def __call__(self, role: str, scene: str | None, ask: Callable[[Crew], Work]) -> tuple[Work, dict[str, PlanningAnswer]]:
        key = answer_key(role, scene)
        if self.fallback is None:
            return ask(self.crew), {}
        try:
            return ask(self.crew), {key: PlanningAnswer(role=role, scene_id=scene, answered_by="model")}
        except LLMError as error:
            where = f"{role} ({scene})" if scene else role
            log.warning("%s: the model gave no usable answer (%s); the rules crew answers this question", where, error.problem)
            record = PlanningAnswer(role=role, scene_id=scene, answered_by="fallback", reason=error.problem)
            return ask(self.fallback), {key: record}


def answer_key(role: str, scene: str | None) -> str:
    return f"{ROLE_ORDER.index(role)}:{scene or ''}"


def in_order(answers: dict[str, PlanningAnswer]) -> list[PlanningAnswer]:
    """The records in the order the questions are asked: role by role, scene by scene."""
    return [answers[key] for key in sorted(answers)]
