"""The continuity node: once every scene is written, what each scene inherits from its neighbours.

It also joins the screenwriters' parallel tasks, so the storyboard artists are sent out once.
"""

from __future__ import annotations

from typing import Any

from movieagent.planning.crew import SceneBeats, TransitionBeat, scene_id
from movieagent.planning.state import PlanningState, SceneContinuity
from movieagent.schema import Transition


def continuity(state: PlanningState) -> dict[str, Any]:
    """The first scene fades in, the last fades out, and a scene after a fade-out or dissolve fades in."""
    locations = {setting.scene_id: setting.location_id for setting in state.locations.scenes}
    scene_ids = [scene_id(scene.index) for scene in state.script.scenes]
    inherited = {}
    for number, current in enumerate(scene_ids):
        previous = scene_ids[number - 1] if number else None
        enters_with = Transition.fade if previous is None or _ends_in_fade(state.beats[previous]) else Transition.cut
        inherited[current] = SceneContinuity(
            previous_location_id=locations[previous] if previous else None,
            enters_with=enters_with,
            exits_with=Transition.fade if number == len(scene_ids) - 1 else Transition.cut,
        )
    return {"continuity": inherited}


def _ends_in_fade(beats: SceneBeats) -> bool:
    for beat in reversed(beats.beats):
        if not isinstance(beat, TransitionBeat):
            return False
        if beat.effect in ("fade_out", "dissolve"):
            return True
    return False
