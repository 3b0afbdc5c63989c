"""The film crew the planning graph works with: one method per role, typed inputs, typed outputs.

Every crew (the deterministic `rules` backend, and the LLM crews) implements `Crew`. The graph
decides who works on what and when; a crew only answers one role's question at a time.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Literal, Protocol, Union

from pydantic import Field

from movieagent.config import PlanningSettings
from movieagent.schema import (
    Character,
    CharacterBank,
    Id,
    LocationSheet,
    Model,
    Plan,
    Script,
    ScriptScene,
    Shot,
    Transition,
)


def scene_id(index: int) -> str:
    """'scene-001' for the first scene: ids follow the script's scene numbers."""
    return f"scene-{index:03d}"


def shot_seed(shot_id: str) -> int:
    """A seed that depends on the shot id only, so re-planning keeps every shot's look (any crew)."""
    return int.from_bytes(hashlib.sha256(shot_id.encode()).digest()[:4], "big")


def display_name(text: str) -> str:
    """'BRICK'S PATIO' -> "Brick's Patio": script capitals made readable."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split())


def characters_named_in(text: str, characters: list[Character]) -> list[str]:
    """Ids of the characters whose name or an alias appears in `text` as whole words, ignoring case."""
    named = []
    for character in characters:
        names = "|".join(re.escape(name) for name in (character.name, *character.aliases) if name.strip())
        if names and re.search(rf"(?<!\w)(?:{names})(?!\w)", text, flags=re.IGNORECASE):
            named.append(character.id)
    return named


class Cast(Model):
    """Who is in the film: every member as a bank character, and which member each script cue names."""

    members: list[Character] = []
    cues: dict[str, Id] = Field(default={}, description="Cue as written in the script -> character id")


class SceneBrief(Model):
    scene_id: Id
    goal: str = Field(description="What the scene must achieve in the story")
    beat: str = Field(description="The turn or moment the scene is built around")


class Treatment(Model):
    """The director's reading of the script."""

    title: str
    logline: str = ""
    tone: str = ""
    style: str = Field(default="", description="Visual style guide, repeated in every shot's prompt")
    scenes: list[SceneBrief]


class SceneSetting(Model):
    scene_id: Id
    location_id: Id
    time_of_day: str = Field(default="", description="Resolved: CONTINUOUS and LATER take the previous scene's time")


class LocationBreakdown(Model):
    """The location manager's answer: one sheet per place, and where and when each scene happens."""

    sheets: list[LocationSheet]
    scenes: list[SceneSetting]


class ActionBeat(Model):
    kind: Literal["action"] = "action"
    text: str
    character_ids: list[Id] = Field(default=[], description="Cast members named in the text")


class DialogueBeat(Model):
    kind: Literal["dialogue"] = "dialogue"
    speaker_id: Id
    text: str = Field(min_length=1, description="Verbatim from a screenplay")
    parenthetical: str | None = None
    off_screen: bool = False
    voice_over: bool = Field(default=False, description="V.O. (narration); off_screen without it is O.S.")
    dual: bool = Field(default=False, description="Spoken at the same time as the previous line")


class TransitionBeat(Model):
    kind: Literal["transition"] = "transition"
    effect: Literal["cut", "fade_in", "fade_out", "dissolve"]


Beat = Annotated[Union[ActionBeat, DialogueBeat, TransitionBeat], Field(discriminator="kind")]


class SceneBeats(Model):
    """The screenwriter's scene: what happens and what is said, in order."""

    scene_id: Id
    beats: list[Beat]


class ScreenwriterTask(Model):
    """One scene to write. Carries only this scene's share of the film, so tasks stay small."""

    scene: ScriptScene
    brief: SceneBrief
    cast: Cast = Field(description="Members in this scene and the cues it uses")
    notes: list[str] = Field(default=[], description="The director's notes from the last review")


class StoryboardTask(Model):
    """One scene to break into shots."""

    brief: SceneBrief
    beats: SceneBeats
    location: LocationSheet
    interior: bool | None = None
    time_of_day: str = ""
    cast: list[Character] = Field(default=[], description="Members who appear in this scene's beats")
    style: str = ""
    previous_location_id: Id | None = Field(default=None, description="Where the previous scene was; None for the first")
    enters_with: Transition = Transition.cut
    exits_with: Transition = Transition.cut
    notes: list[str] = []


class ReviewNotes(Model):
    approved: bool
    notes: dict[str, list[str]] = Field(default={}, description="Scene id -> what to fix there")


class Crew(Protocol):
    def director(self, script: Script, cast: Cast) -> Treatment: ...

    def location_manager(self, script: Script, bank: CharacterBank, treatment: Treatment) -> LocationBreakdown: ...

    def screenwriter(self, task: ScreenwriterTask) -> SceneBeats: ...

    def storyboard_artist(self, task: StoryboardTask, pacing: PlanningSettings) -> list[Shot]: ...

    def director_review(
        self, script: Script, cast: Cast, plan: Plan, pacing: PlanningSettings, checks: dict[str, list[str]]
    ) -> ReviewNotes:
        """The director's own notes. `checks` are the automatic checks' notes (planning/review.py), which the
        review node adds whatever the director says: a director may read them, and need not repeat them."""
