"""The screenwriter's nodes: one task per scene being drafted, each turning a scene into beats."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from langgraph.types import Send

from movieagent.planning.casting import scene_cast
from movieagent.planning.crew import Crew, ScreenwriterTask, scene_id
from movieagent.planning.roles import RoleCard
from movieagent.planning.state import PlanningState

log = logging.getLogger(__name__)


def writing_tasks(card: RoleCard) -> Callable[[PlanningState], list[Send]]:
    """Fans out one screenwriter task per scene in `drafting`, with the director's notes if it was sent back."""

    def send_scenes(state: PlanningState) -> list[Send]:
        log.info("screenwriter: %s (%d scenes)", card.goal, len(state.drafting))
        scenes = {scene_id(scene.index): scene for scene in state.script.scenes}
        briefs = {brief.scene_id: brief for brief in state.treatment.scenes}
        notes = state.review.notes if state.review else {}
        return [
            Send(
                "screenwriter",
                ScreenwriterTask(
                    scene=scenes[drafted],
                    brief=briefs[drafted],
                    cast=scene_cast(scenes[drafted], state.cast),
                    notes=notes.get(drafted, []),
                ),
            )
            for drafted in state.drafting
        ]

    return send_scenes


def screenwriter_node(crew: Crew) -> Callable[[ScreenwriterTask], dict[str, Any]]:
    def screenwriter(task: ScreenwriterTask) -> dict[str, Any]:
        beats = crew.screenwriter(task)
        return {"beats": {task.brief.scene_id: beats}}

    return screenwriter
