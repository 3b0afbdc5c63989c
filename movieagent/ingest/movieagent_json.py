"""MovieAgent's script format: `script_synopsis.json` = {"MovieScript": "<prose>", "Character": ["Name", ...]}.

The prose is read as a synopsis; the character list is kept so it can be checked against the bank.
Other keys MovieAgent may write beside these two are ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from movieagent.files import parse, validate
from movieagent.ingest.synopsis import parse_synopsis
from movieagent.schema import Script

_SHAPE_FIX = 'write {"MovieScript": "<the story as prose>", "Character": ["Name", ...]}'
# MovieAgent names every script file the same; its folder carries the film's name.
_GENERIC_STEM = "script_synopsis"


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("it is empty")
    return text


Text = Annotated[str, AfterValidator(_not_blank)]


class MovieAgentScript(BaseModel):
    """The two keys read from script_synopsis.json."""

    model_config = ConfigDict(extra="ignore")

    story: Text = Field(alias="MovieScript")
    characters: list[Text] = Field(default=[], alias="Character")


def parse_movieagent(text: str, source: Path) -> Script:
    # 1. Check inputs: valid JSON of the expected shape.
    document = parse(text, source, format="json", hint=_SHAPE_FIX)
    shape = validate(document, MovieAgentScript, hint=_SHAPE_FIX)

    # 2. Run: the prose is a synopsis.
    title = source.parent.name if source.stem == _GENERIC_STEM and source.parent.name else source.stem
    script = parse_synopsis(shape.story, source, title=title)

    # 3. Post-process: line numbers inside the prose mean nothing in the JSON file; point at the prose instead.
    prose_line = document.line_of(("MovieScript",))
    for scene in script.scenes:
        scene.line = prose_line if scene.line is not None else None
        for element in scene.elements:
            element.line = prose_line
    return script.model_copy(update={"format": "movieagent", "characters": [name.strip() for name in shape.characters]})
