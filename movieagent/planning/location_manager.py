"""The location manager's node: one sheet per place, and where and when each scene happens."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from movieagent.planning.crew import scene_id
from movieagent.planning.fallback import Answering
from movieagent.planning.state import PlanningState

log = logging.getLogger(__name__)


def location_manager_node(answer: Answering) -> Callable[[PlanningState], dict[str, Any]]:
    def location_manager(state: PlanningState) -> dict[str, Any]:
        log.info("location manager: a sheet per place, a setting per scene")
        breakdown, answers = answer(
            "location_manager", None, lambda crew: crew.location_manager(state.script, state.bank, state.treatment)
        )
        settings = {setting.scene_id: setting for setting in breakdown.scenes}
        sheets = {sheet.id for sheet in breakdown.sheets}
        for scene in state.script.scenes:
            setting = settings.get(scene_id(scene.index))
            if setting is None or setting.location_id not in sheets:
                raise ValueError(f"the location manager gave {scene_id(scene.index)} no location sheet")
        return {"locations": breakdown, "answers": answers}

    return location_manager
