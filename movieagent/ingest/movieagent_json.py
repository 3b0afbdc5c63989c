"""MovieAgent's script format: `script_synopsis.json` = {"MovieScript": "<prose>", "Character": ["Name", ...]}.

The prose is read as a synopsis; the character list is kept so it can be checked against the bank.
Other keys MovieAgent may write beside these two are ignored.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from movieagent.errors import InputError
from movieagent.ingest.synopsis import parse_synopsis
from movieagent.schema import Script

_SHAPE_FIX = 'write {"MovieScript": "<the story as prose>", "Character": ["Name", ...]}'
# MovieAgent names every script file the same; its folder carries the film's name.
_GENERIC_STEM = "script_synopsis"


def parse_movieagent(text: str, source: Path) -> Script:
    # 1. Check inputs: valid JSON of the expected shape.
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"invalid JSON: {error.msg} (column {error.colno})", path=source, line=error.lineno, fix=_SHAPE_FIX
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object, found {type(data).__name__}", path=source, line=1, fix=_SHAPE_FIX)
    prose = data.get("MovieScript")
    if not isinstance(prose, str) or not prose.strip():
        raise InputError(
            "'MovieScript' is missing or is not a non-empty string",
            path=source,
            line=_key_line(text, "MovieScript"),
            fix=_SHAPE_FIX,
        )
    characters = data.get("Character", [])
    if not isinstance(characters, list) or not all(isinstance(name, str) and name.strip() for name in characters):
        raise InputError("'Character' must be a list of names", path=source, line=_key_line(text, "Character"), fix=_SHAPE_FIX)

    # 2. Run: the prose is a synopsis.
    title = source.parent.name if source.stem == _GENERIC_STEM and source.parent.name else source.stem
    script = parse_synopsis(prose, source, title=title)

    # 3. Post-process: line numbers inside the prose mean nothing in the JSON file; point at the prose instead.
    prose_line = _key_line(text, "MovieScript")
    for scene in script.scenes:
        scene.line = prose_line if scene.line is not None else None
        for element in scene.elements:
            element.line = prose_line
    return script.model_copy(update={"format": "movieagent", "characters": [name.strip() for name in characters]})


def _key_line(text: str, key: str) -> int | None:
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, match.start()) + 1 if match else None
