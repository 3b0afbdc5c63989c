"""A person's review of the plan: the graph pauses after the director approves, a person edits
plan.json, and the graph resumes with the edited plan.

The pause is a LangGraph interrupt in a checkpointed thread. `read_plan` checks the person's file
first, so a mistake is reported with its line and its fix instead of failing somewhere in rendering.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langgraph.types import interrupt
from pydantic import ValidationError

from movieagent.errors import InputError, InputErrors
from movieagent.planning.state import PlanningState
from movieagent.schema import Plan

Location = tuple[str | int, ...]
_SPACE = re.compile(r"\s*")


def human_review(state: PlanningState) -> dict[str, Any]:
    """Shows the approved plan to a person and carries on with the plan they send back."""
    # Nothing may happen before the interrupt: on resume LangGraph runs this node again from the top.
    reviewed = interrupt(state.plan.model_dump(mode="json"), response_schema=Plan)
    return {"plan": reviewed}


def read_plan(path: Path) -> Plan:
    """A plan.json that a person may have edited, with every mistake named by its line and its fix."""
    # 1. Text and JSON syntax.
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("plan file not found", path=path, fix="check the path; `movieagent plan` writes OUT/plan.json") from None
    except UnicodeDecodeError:
        raise InputError("plan file is not UTF-8 text", path=path, fix="save it as UTF-8") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"not valid JSON: {error.msg} (column {error.colno})",
            path=path,
            line=error.lineno,
            fix="fix the JSON syntax there: a missing or extra comma, quote or bracket is the usual cause",
        ) from None

    # 2. The schema, then 3. the references that rendering looks up.
    try:
        plan = Plan.model_validate(data)
    except ValidationError as error:
        problems = [(tuple(detail["loc"]), detail["msg"], _schema_fix(detail["type"])) for detail in error.errors()]
    else:
        problems = list(_reference_problems(plan))
    errors = [
        InputError(f"{_field_name(location)}: {message}", path=path, line=_line_of(text, location), fix=fix)
        for location, message, fix in problems
    ]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)
    return plan


def _schema_fix(error_type: str) -> str:
    if error_type == "missing":
        return "add the field (`movieagent schema` lists every field of plan.json)"
    if error_type == "extra_forbidden":
        return "remove the field or correct its spelling (`movieagent schema` lists every field of plan.json)"
    return "correct the value (`movieagent schema` gives every field's type and allowed values)"


def _reference_problems(plan: Plan) -> Iterator[tuple[Location, str, str]]:
    """Ids that must be unique and names that must point at the cast: the renderer looks them up."""
    cast = {member.id for member in plan.cast}
    known = ", ".join(sorted(cast)) or "nobody yet"
    not_cast = f"use a cast id ({known}) or add the character to \"cast\""
    shot_ids: set[str] = set()
    line_ids: set[str] = set()
    for scene_number, scene in enumerate(plan.scenes):
        for shot_number, shot in enumerate(scene.shots):
            at: Location = ("scenes", scene_number, "shots", shot_number)
            if shot.id in shot_ids:
                yield (*at, "id"), f"shot id '{shot.id}' is used twice", "give each shot its own id"
            shot_ids.add(shot.id)
            if shot.scene_id != scene.id:
                wrong_scene = f"shot '{shot.id}' is in scene '{scene.id}', not '{shot.scene_id}'"
                yield (*at, "scene_id"), wrong_scene, f"set it to \"{scene.id}\""
            for number, placed in enumerate(shot.characters):
                if placed.character_id not in cast:
                    yield (*at, "characters", number, "character_id"), f"'{placed.character_id}' is not in the cast", not_cast
            for number, line in enumerate(shot.lines):
                if line.id in line_ids:
                    yield (*at, "lines", number, "id"), f"line id '{line.id}' is used twice", "give each line its own id"
                line_ids.add(line.id)
                if line.speaker_id not in cast:
                    yield (*at, "lines", number, "speaker_id"), f"'{line.speaker_id}' is not in the cast", not_cast


def _field_name(location: Location) -> str:
    """('scenes', 0, 'shots', 2, 'duration_s') -> 'scenes[0].shots[2].duration_s'."""
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if parts else part)
    return "".join(parts) or "the plan"


def _line_of(text: str, location: Location) -> int:
    """The line where the value at `location` starts, or its nearest parent where the value is missing."""
    decoder = json.JSONDecoder()
    position = _SPACE.match(text).end()
    for key in location:
        child = _child_start(text, position, key, decoder)
        if child is None:
            break
        position = child
    return text.count("\n", 0, position) + 1


def _child_start(text: str, start: int, key: str | int, decoder: json.JSONDecoder) -> int | None:
    """Where the member `key` (an object's key or an array's index) of the container at `start` begins."""
    opening = text[start]
    if opening not in "{[":
        return None
    position, index = _SPACE.match(text, start + 1).end(), 0
    while text[position] not in "}]":
        if opening == "{":
            name, position = decoder.raw_decode(text, position)
            position = _SPACE.match(text, _SPACE.match(text, position).end() + 1).end()  # past the colon
            if name == key:
                return position
        elif index == key:
            return position
        _, position = decoder.raw_decode(text, position)
        position = _SPACE.match(text, position).end()
        if text[position] == ",":
            position = _SPACE.match(text, position + 1).end()
        index += 1
    return None
