"""The director's nodes: cast the film and write the treatment first, review the assembled plan last."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from langgraph.graph import END
from langgraph.types import Send

from movieagent.config import PlanningSettings
from movieagent.planning.casting import cast_script
from movieagent.planning.crew import scene_id
from movieagent.planning.fallback import Answering
from movieagent.planning.review import check_plan, with_checks
from movieagent.planning.screenwriter import writing_tasks
from movieagent.planning.state import PlanningState

log = logging.getLogger(__name__)


def director_node(answer: Answering) -> Callable[[PlanningState], dict[str, Any]]:
    def director(state: PlanningState) -> dict[str, Any]:
        log.info("director: casting the script and writing the treatment")
        cast = cast_script(state.script, state.bank)
        treatment, answers = answer("director", None, lambda crew: crew.director(state.script, cast))
        scene_ids = [scene_id(scene.index) for scene in state.script.scenes]
        missing = sorted(set(scene_ids) - {brief.scene_id for brief in treatment.scenes})
        if missing:
            raise ValueError(f"the director's treatment has no brief for {', '.join(missing[:5])}")
        return {"cast": cast, "treatment": treatment, "drafting": scene_ids, "answers": answers}

    return director


def review_node(answer: Answering, settings: PlanningSettings) -> Callable[[PlanningState], dict[str, Any]]:
    def director_review(state: PlanningState) -> dict[str, Any]:
        log.info("director review: round %d", state.review_round + 1)
        # The automatic checks run here, for every crew; the director's notes come on top.
        checks = check_plan(state.script, state.cast, state.plan, settings)
        notes, answers = answer(
            "director_review", None, lambda crew: crew.director_review(state.script, state.cast, state.plan, settings, checks)
        )
        review = with_checks(notes, checks)
        review_round = state.review_round + 1
        scene_ids = [scene_id(scene.index) for scene in state.script.scenes]
        rounds_left = review_round < settings.max_review_rounds
        redo = [sid for sid in scene_ids if sid in review.notes] if not review.approved and rounds_left else []
        if review.approved:
            log.info("director review %d: approved", review_round)
        elif redo:
            log.info("director review %d: %d scene(s) sent back: %s", review_round, len(redo), ", ".join(redo[:10]))
        else:
            for key, notes in review.notes.items():
                log.warning("director review %d: %s: %s", review_round, key, "; ".join(notes))
        return {"review": review, "review_round": review_round, "drafting": redo, "answers": answers}

    return director_review


def after_director(state: PlanningState) -> list[Send | str]:
    """The location manager, and beside it one screenwriter per scene: writing needs the treatment, not the places."""
    return ["location_manager", *writing_tasks(state)]


def after_review(state: PlanningState) -> list[Send] | str:
    """Back to the screenwriter for the scenes the director sent back, or the end."""
    return writing_tasks(state) if state.drafting else END
