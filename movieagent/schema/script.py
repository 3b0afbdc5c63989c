"""A script as ingested, before planning: scenes of action, dialogue and transitions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import Field

from movieagent.schema.base import Model


class ScriptAction(Model):
    kind: Literal["action"] = "action"
    text: str
    line: int | None = None
    centered: bool = False


class ScriptDialogue(Model):
    kind: Literal["dialogue"] = "dialogue"
    cue: str = Field(description="The character cue as written, without extensions: 'BRICK'")
    extensions: list[str] = Field(default=[], description="Cue extensions without brackets: ['V.O.', \"CONT'D\"]")
    parenthetical: str | None = None
    text: str
    dual: bool = False
    line: int | None = None


class ScriptTransition(Model):
    kind: Literal["transition"] = "transition"
    text: str = Field(description="'CUT TO:', 'FADE OUT.', 'DISSOLVE TO:'")
    line: int | None = None


ScriptElement = Annotated[Union[ScriptAction, ScriptDialogue, ScriptTransition], Field(discriminator="kind")]


class ScriptScene(Model):
    index: int = Field(ge=1)
    heading: str = Field(description="The scene heading as written, or '' for a script that has none")
    location: str = Field(description="Place name from the heading: 'KITCHEN'")
    interior: bool | None = None
    time_of_day: str = Field(default="", description="'DAY', 'NIGHT', 'CONTINUOUS', ... or ''")
    synopsis: str | None = None
    line: int | None = None
    elements: list[ScriptElement] = []


class Script(Model):
    title: str
    source: Path
    format: Literal["fountain", "synopsis", "movieagent"]
    language: str = Field(default="en", description="BCP 47 tag of the language the script is written in: 'en', 'ja', 'zh'")
    title_page: dict[str, str] = {}
    characters: list[str] = Field(default=[], description="Character names the script declares (MovieAgent JSON)")
    scenes: list[ScriptScene]

    def dialogue(self) -> list[ScriptDialogue]:
        return [element for scene in self.scenes for element in scene.elements if isinstance(element, ScriptDialogue)]
