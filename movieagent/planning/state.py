"""The planning graph's state: typed fields that the nodes fill in, one role at a time.

Per-scene work (beats, shots) lands in dicts keyed by scene id, merged by a reducer, so parallel
tasks can finish in any order and the plan is still put together in script order.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, TypeVar

from pydantic import BaseModel

from movieagent import schema
from movieagent.planning import crew
from movieagent.planning.crew import Cast, LocationBreakdown, ReviewNotes, SceneBeats, Treatment
from movieagent.schema import CharacterBank, Id, Model, Plan, PlanningAnswer, Script, Shot, Transition

Work = TypeVar("Work")


def by_scene(done: dict[str, Work], new: dict[str, Work]) -> dict[str, Work]:
    """Reducer: a scene's new work replaces its old work (a rewrite after review), other scenes are kept."""
    return {**done, **new}


class SceneContinuity(Model):
    """What a scene inherits from its neighbours: where the audience just was, and how we cut in and out."""

    previous_location_id: Id | None = None
    enters_with: Transition = Transition.cut
    exits_with: Transition = Transition.cut


class PlanningState(Model):
    script: Script
    bank: CharacterBank
    cast: Cast | None = None
    treatment: Treatment | None = None
    locations: LocationBreakdown | None = None
    # Scenes being written in this round: all of them first, then those the director sent back.
    drafting: list[Id] = []
    beats: Annotated[dict[str, SceneBeats], by_scene] = {}
    continuity: dict[str, SceneContinuity] = {}
    shots: Annotated[dict[str, list[Shot]], by_scene] = {}
    plan: Plan | None = None
    review: ReviewNotes | None = None
    review_round: int = 0
    # Who answered each question (movieagent.planning.fallback), when a fallback stands by.
    answers: Annotated[dict[str, PlanningAnswer], by_scene] = {}


def checkpoint_types() -> list[type]:
    """Every model and enum that can sit in a checkpoint, for the serializer's allow-list."""
    modules = (schema, crew)
    types = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, (BaseModel, Enum)) and _defined_in(value, module.__name__)
    ]
    return [*types, SceneContinuity, PlanningState]


def _defined_in(value: type, package: str) -> bool:
    """Defined in the module or, for a package such as movieagent.schema, in one of its modules."""
    return value.__module__ == package or value.__module__.startswith(package + ".")
