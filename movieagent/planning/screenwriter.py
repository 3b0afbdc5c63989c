"""The screenwriter's nodes: one task per scene being drafted, each turning a scene into beats."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from langgraph.types import Send

from movieagent.planning.casting import scene_cast
from movieagent.planning.crew import ScreenwriterTask, scene_id
from movieagent.planning.fallback import Answering
from movieagent.planning.state import PlanningState

log = logging.getLogger(__name__)


def writing_tasks(state: PlanningState) -> list[Send]:
    """Fans out one screenwriter task per scene in `drafting`, with the director's notes if it was sent back."""
    log.info("screenwriter: %d scene(s) to write", len(state.drafting))
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


def screenwriter_node(answer: Answering) -> Callable[[ScreenwriterTask], dict[str, Any]]:
    def screenwriter(task: ScreenwriterTask) -> dict[str, Any]:
        current = task.brief.scene_id
        beats, answers = answer("screenwriter", current, lambda crew: crew.screenwriter(task))
        return {"beats": {current: beats}, "answers": answers}

    return screenwriter
