"""The storyboard artist's nodes: one task per drafted scene, each breaking its beats into shots."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from langgraph.types import Send

from movieagent.config import PlanningSettings
from movieagent.planning.crew import ActionBeat, DialogueBeat, StoryboardTask, scene_id
from movieagent.planning.fallback import Answering
from movieagent.planning.state import PlanningState

log = logging.getLogger(__name__)


def drawing_tasks(state: PlanningState) -> list[Send]:
    """Fans out one storyboard task per scene in `drafting`, each carrying only what its scene needs."""
    log.info("storyboard artist: %d scene(s) to draw", len(state.drafting))
    scenes = {scene_id(scene.index): scene for scene in state.script.scenes}
    briefs = {brief.scene_id: brief for brief in state.treatment.scenes}
    settings = {setting.scene_id: setting for setting in state.locations.scenes}
    sheets = {sheet.id: sheet for sheet in state.locations.sheets}
    members = {member.id: member for member in state.cast.members}
    notes = state.review.notes if state.review else {}
    tasks = []
    for drafted in state.drafting:
        beats = state.beats[drafted]
        seen = {beat.speaker_id for beat in beats.beats if isinstance(beat, DialogueBeat)}
        seen |= {character_id for beat in beats.beats if isinstance(beat, ActionBeat) for character_id in beat.character_ids}
        inherited = state.continuity[drafted]
        task = StoryboardTask(
            brief=briefs[drafted],
            beats=beats,
            location=sheets[settings[drafted].location_id],
            interior=scenes[drafted].interior,
            time_of_day=settings[drafted].time_of_day,
            cast=[member for member_id, member in members.items() if member_id in seen],
            style=state.treatment.style,
            previous_location_id=inherited.previous_location_id,
            enters_with=inherited.enters_with,
            exits_with=inherited.exits_with,
            notes=notes.get(drafted, []),
        )
        tasks.append(Send("storyboard_artist", task))
    return tasks


def storyboard_node(answer: Answering, settings: PlanningSettings) -> Callable[[StoryboardTask], dict[str, Any]]:
    def storyboard_artist(task: StoryboardTask) -> dict[str, Any]:
        current = task.brief.scene_id
        shots, answers = answer("storyboard_artist", current, lambda crew: crew.storyboard_artist(task, settings))
        if not shots:
            raise ValueError(f"the storyboard artist drew no shots for {current}")
        return {"shots": {current: shots}, "answers": answers}

    return storyboard_artist
