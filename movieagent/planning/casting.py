"""Casting: who each script cue is, and who each scene needs. Deterministic, whatever the crew."""

from __future__ import annotations

import hashlib

from movieagent.planning.crew import Cast, characters_named_in, display_name
from movieagent.schema import Character, CharacterBank, Script, ScriptAction, ScriptDialogue, ScriptScene, slugify


def cast_script(script: Script, bank: CharacterBank) -> Cast:
    """Every declared character and every cue as the bank character it names, or as a new member without
    images (so any script can be planned), plus the bank characters the action names, in order of appearance."""
    members: dict[str, Character] = {}
    cues: dict[str, str] = {}
    for name in script.characters:
        character = bank.find_character(name) or _new_member(name, aliases=_first_name(name))
        members.setdefault(character.id, character)
    for scene in script.scenes:
        for element in scene.elements:
            if isinstance(element, ScriptDialogue) and element.cue not in cues:
                character = bank.find_character(element.cue) or _new_member(element.cue)
                cues[element.cue] = members.setdefault(character.id, character).id
            elif isinstance(element, ScriptAction):
                # Extras ('A VOICE') appear where they speak, not wherever the action says 'a voice'.
                for character_id in characters_named_in(element.text, [member for member in bank.characters if not member.extra]):
                    members.setdefault(character_id, bank.character(character_id))
    return Cast(members=list(members.values()), cues=cues)


def scene_cast(scene: ScriptScene, cast: Cast) -> Cast:
    """The part of the cast a scene needs: who speaks in it, who its action names, and its cues."""
    cues = {element.cue: cast.cues[element.cue] for element in scene.elements if isinstance(element, ScriptDialogue)}
    texts = [element.text for element in scene.elements if isinstance(element, ScriptAction)]
    texts += [scene.synopsis] if scene.synopsis else []
    named = [member for member in cast.members if not member.extra]
    present = set(cues.values()) | {character_id for text in texts for character_id in characters_named_in(text, named)}
    return Cast(members=[member for member in cast.members if member.id in present], cues=cues)


def _new_member(name: str, aliases: list[str] | None = None) -> Character:
    # A name without Latin letters ('ИВАН') still needs a distinct, file-name-safe id.
    character_id = slugify(name)
    if character_id == "unnamed":
        character_id = f"cast-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return Character(id=character_id, name=display_name(name), aliases=aliases or [])


def _first_name(name: str) -> list[str]:
    """'Mara Quell' is also 'Mara' in a synopsis's prose."""
    words = name.split()
    return [words[0]] if len(words) > 1 and words[0].isalpha() and len(words[0]) > 2 else []
