"""The assemble_plan node: the scenes' shots put together, in script order, as the Plan."""

from __future__ import annotations

from typing import Any

from movieagent.planning.crew import scene_id
from movieagent.planning.state import PlanningState
from movieagent.schema import CastMember, Plan, Scene


def assemble_plan(state: PlanningState) -> dict[str, Any]:
    """Builds the Plan; lines are numbered line-0001, line-0002, ... across the whole film."""
    briefs = {brief.scene_id: brief for brief in state.treatment.scenes}
    settings = {setting.scene_id: setting for setting in state.locations.scenes}
    used_locations = {setting.location_id for setting in state.locations.scenes}
    line_number = 0
    scenes = []
    for script_scene in state.script.scenes:
        current = scene_id(script_scene.index)
        shots = []
        for shot in state.shots[current]:
            lines = []
            for line in shot.lines:
                line_number += 1
                lines.append(line.model_copy(update={"id": f"line-{line_number:04d}"}))
            shots.append(shot.model_copy(update={"lines": lines}))
        scenes.append(
            Scene(
                id=current,
                index=script_scene.index,
                heading=script_scene.heading,
                location_id=settings[current].location_id,
                interior=script_scene.interior,
                time_of_day=settings[current].time_of_day,
                summary=briefs[current].goal,
                shots=shots,
            )
        )
    plan = Plan(
        title=state.treatment.title or state.script.title,
        source=state.script.source,
        logline=state.treatment.logline,
        style=state.treatment.style,
        language=state.script.language,
        cast=[
            CastMember(id=member.id, name=member.name, description=member.description, extra=member.extra)
            for member in state.cast.members
        ],
        locations=[sheet for sheet in state.locations.sheets if sheet.id in used_locations],
        scenes=scenes,
    )
    return {"plan": plan}
