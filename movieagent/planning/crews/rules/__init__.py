"""The `rules` crew: a film crew made of deterministic film-grammar heuristics. No model, no network.

It plans any script the same way every time: an establishing shot when the place changes, a shot
per action beat or speech (a short action beat plays over the line it leads into), shot/reverse-shot
with the 180-degree rule for two people, a group shot and singles on the speaker for three or more,
a quick exchange in one shot of both, never two shots in a row with the same framing, sizes and
camera moves chosen from the content, figures scaled by the characters' heights, and durations from
the words at the speakers' rates (never below the planning rate's).

One module per role (director, location_manager, screenwriter, storyboard); the storyboard artist's
craft is split further: units (what a shot covers), speeches (splitting long ones), staging (framing
and placing), timing and prompts.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from movieagent.config import PlanningSettings
from movieagent.planning.crew import (
    Cast,
    LocationBreakdown,
    ReviewNotes,
    SceneBeats,
    ScreenwriterTask,
    StoryboardTask,
    Treatment,
)
from movieagent.planning.crews.rules.director import treatment
from movieagent.planning.crews.rules.location_manager import location_breakdown
from movieagent.planning.crews.rules.screenwriter import scene_beats
from movieagent.planning.crews.rules.storyboard import storyboard
from movieagent.schema import CharacterBank, Plan, Script, Shot


class Backend:
    """Implements movieagent.planning.crew.Crew."""

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, options: Options) -> None:
        self.options = options

    def director(self, script: Script, cast: Cast) -> Treatment:
        return treatment(script)

    def location_manager(self, script: Script, bank: CharacterBank, treatment: Treatment) -> LocationBreakdown:
        return location_breakdown(script, bank)

    def screenwriter(self, task: ScreenwriterTask) -> SceneBeats:
        return scene_beats(task)

    def storyboard_artist(self, task: StoryboardTask, pacing: PlanningSettings) -> list[Shot]:
        return storyboard(task, pacing)

    def director_review(
        self, script: Script, cast: Cast, plan: Plan, pacing: PlanningSettings, checks: dict[str, list[str]]
    ) -> ReviewNotes:
        # The rules director has nothing to add to the automatic checks.
        return ReviewNotes(approved=True)
