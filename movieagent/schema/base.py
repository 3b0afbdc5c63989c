"""What every model shares: ids that are safe in file names, and the strict base model.

script + character bank -> Plan -> RenderJob per shot -> clips + speech + subtitles -> movie.
Every model here is plain data: no I/O, no backend objects.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Ids appear in file names (clips/shot_0001_<id>.mp4), so they are restricted to a safe alphabet.
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]


def slugify(text: str) -> str:
    """A safe id from free text: 'Dr. Ada Lovelace' -> 'dr-ada-lovelace'."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:64] or "unnamed"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)
