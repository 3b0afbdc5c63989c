"""The character bank: characters and locations, as loaded from the bank folder."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field

from movieagent.schema.base import Id, Model
from movieagent.schema.voice import Voice


class Character(Model):
    id: Id
    name: str
    aliases: list[str] = []
    description: str = ""
    voice: Voice = Voice()
    images: list[Path] = Field(default=[], description="Reference images, the preferred one first")
    color: str = Field(default="#888888", description="Accent colour for cards and subtitles, #rrggbb")
    height: float = Field(default=1.0, ge=0.3, le=1.5, description="Standing height relative to an adult's 1.0 (a child ~0.7)")
    folder: Path | None = None
    extra: bool = Field(default=False, description="A minor role the bank does not have, played by an extra (casting.unknown: extra)")


class Location(Model):
    id: Id
    name: str
    aliases: list[str] = []
    description: str = ""
    time_of_day: str = Field(default="", description="What the pictures show ('DAY'); other times are graded from it")
    images: list[Path] = []
    folder: Path | None = None


class CharacterBank(Model):
    root: Path
    characters: list[Character] = []
    locations: list[Location] = []

    def character(self, character_id: str) -> Character:
        for character in self.characters:
            if character.id == character_id:
                return character
        raise KeyError(character_id)

    def location(self, location_id: str) -> Location | None:
        for location in self.locations:
            if location.id == location_id:
                return location
        return None

    def find_character(self, cue: str) -> Character | None:
        """The character a script cue names: case-insensitive, extensions such as (V.O.) ignored, aliases too."""
        wanted = _name_key(cue)
        for character in self.characters:
            names = [character.id, character.name, *character.aliases]
            if any(_name_key(name) == wanted for name in names):
                return character
        return None

    def find_location(self, place: str) -> Location | None:
        """The location a scene heading's place names, by id, name or alias, ignoring case and punctuation."""
        wanted = _place_key(place)
        for location in self.locations:
            if wanted in {_place_key(name) for name in (location.id, location.name, *location.aliases)}:
                return location
        return None


def _place_key(place: str) -> str:
    """Letters and digits of any script, lower case: '病院' stays itself where slugify() would make it 'unnamed'."""
    return "".join(re.findall(r"[^\W_]+", place.casefold()))


def _name_key(name: str) -> str:
    without_extensions = re.sub(r"\([^)]*\)", " ", name)
    return " ".join(re.sub(r"[^\w' .-]+", " ", without_extensions).lower().replace("’", "'").split())
