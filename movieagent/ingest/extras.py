"""Minor roles the bank does not have (A VOICE, THE CROWD), cast as extras under `casting.unknown: extra`.

An extra is an ordinary bank character with `extra=True`: casting, speech and rendering take it like anyone
else. It looks neutral (grey, and the preview draws a silhouette without a name) and sounds unlike the cast: it names
no voice, so casting (speech/casting.py) gives it, after everyone in the bank, a voice nobody has yet.
"""

from __future__ import annotations

import hashlib
import string

from movieagent.schema import Character, CharacterBank, Script, slugify

NEUTRAL_COLOR = "#8c9099"


def with_extras(script: Script, bank: CharacterBank) -> CharacterBank:
    """The bank with an extra for every cue (and declared name) of the script that it does not know."""
    cast = bank
    ids = {character.id for character in bank.characters}
    for name in [*script.characters, *(dialogue.cue for dialogue in script.dialogue())]:
        if cast.find_character(name) is not None:
            continue
        extra = Character(
            id=_unique_id(name, ids),
            name=string.capwords(name.lower()) if name.isupper() else name,
            aliases=[name],
            color=NEUTRAL_COLOR,
            extra=True,
        )
        cast = cast.model_copy(update={"characters": [*cast.characters, extra]})
    return cast


def _unique_id(name: str, ids: set[str]) -> str:
    # A name without Latin letters ('群衆') still needs a distinct, file-name-safe id.
    base = slugify(name)
    if base == "unnamed":
        base = "extra-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    candidate, number = base, 2
    while candidate in ids:
        candidate, number = f"{base}-{number}"[:64], number + 1
    ids.add(candidate)
    return candidate
