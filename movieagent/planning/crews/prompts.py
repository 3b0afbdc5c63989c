"""Prompt text for the LLM crews: templates filled in, each opening with its role card, and the film as text.

A template (prompts/<role>.md) has a '# System' and a '# User' section with {placeholders}; the crew fills the
placeholders with the inputs written out as a reader would see them (a screenplay's scenes, the cast, the beats,
a planned scene a line per shot), each input once.
"""

from __future__ import annotations

import re

from movieagent.errors import InputError
from movieagent.llm.client import Message
from movieagent.planning.crew import ActionBeat, Cast, DialogueBeat, SceneBeats, TransitionBeat, scene_id
from movieagent.planning.roles import RoleCard
from movieagent.schema import Character, Location, Scene, ScriptAction, ScriptDialogue, ScriptScene

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_SECTION = re.compile(r"^# (System|User)[ \t]*$", re.MULTILINE)


def render_prompt(template: str, values: dict[str, str], *, role: str, card: RoleCard | None = None) -> list[Message]:
    """A prompt template's '# System' and '# User' sections with their {placeholders} filled in, the system
    message opening with the role card (who the role is, its goal, its rules; the rules may use placeholders too).

    HTML comments are notes for whoever edits the template and are not sent.
    """
    text = re.sub(r"<!--.*?-->", "", template, flags=re.DOTALL)
    parts = _SECTION.split(text)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    if set(sections) != {"System", "User"}:
        raise InputError(
            f"the prompt template for '{role}' needs a '# System' and a '# User' section", fix="see the installed prompts/ folder"
        )

    def fill(match: re.Match[str]) -> str:
        if match[1] not in values:
            raise InputError(
                f"the prompt template or role card for '{role}' uses an unknown placeholder {match[0]}",
                fix=f"use only: {', '.join('{' + name + '}' for name in sorted(values))}",
            )
        return values[match[1]]

    system = sections["System"].strip()
    if card is not None:
        rules = "".join(f"\n- {rule}" for rule in card.rules)
        system = f"You are the {card.role}. {card.goal}" + (f"\n\nRules:{rules}" if rules else "") + f"\n\n{system}"
    return [
        {"role": "system", "content": _PLACEHOLDER.sub(fill, system)},
        {"role": "user", "content": _PLACEHOLDER.sub(fill, sections["User"]).strip()},
    ]



def member_line(member: Character) -> str:
    return f"- {member.id}: {member.name} - {member.description or '(no description)'}"


def place_line(place: Location) -> str:
    image = " (has a reference image)" if place.images else ""
    return f"- {place.id}: {place.name} - {place.description or '(no description)'}{image}"


def cast_text(cast: Cast) -> str:
    members = "\n".join(member_line(member) for member in cast.members) or "(nobody)"
    cues = "\n".join(f"- {cue} -> {member_id}" for cue, member_id in cast.cues.items())
    return f"{members}\nCues:\n{cues}" if cues else members


def scene_text(scene: ScriptScene) -> str:
    return f"{scene_id(scene.index)}: {scene.heading or scene.location or '(no heading)'}\n{scene_body(scene)}"


def scene_body(scene: ScriptScene) -> str:
    """The scene as a screenplay reads: action paragraphs, cues with their lines, transitions."""
    blocks = [f"Synopsis: {scene.synopsis}"] if scene.synopsis else []
    for element in scene.elements:
        if isinstance(element, ScriptDialogue):
            cue = " ".join([element.cue, *(f"({extension})" for extension in element.extensions)]) + (
                " [dual]" if element.dual else ""
            )
            parenthetical = f"\n({element.parenthetical})" if element.parenthetical else ""
            blocks.append(f"{cue}{parenthetical}\n{element.text}")
        elif isinstance(element, ScriptAction):
            blocks.append(element.text)
        else:
            blocks.append(element.text.upper())
    return "\n\n".join(blocks) or "(empty)"


def beats_text(beats: SceneBeats) -> str:
    lines = []
    for number, beat in enumerate(beats.beats, start=1):
        if isinstance(beat, DialogueBeat):
            how = ", ".join(
                part
                for part in (beat.parenthetical, "off screen" if beat.off_screen else "", "dual" if beat.dual else "")
                if part
            )
            lines.append(f"{number}. {beat.speaker_id}{f' ({how})' if how else ''}: {beat.text}")
        elif isinstance(beat, ActionBeat):
            lines.append(f"{number}. action [{', '.join(beat.character_ids)}]: {beat.text}")
        elif isinstance(beat, TransitionBeat):
            lines.append(f"{number}. transition: {beat.effect}")
    return "\n".join(lines) or "(none)"


def planned_scene_text(scene: Scene) -> str:
    """A planned scene as prompt text: its summary, then one line per shot (framing, who, action, what is said)."""
    shots = []
    for shot in scene.shots:
        who = ", ".join(placed.character_id for placed in shot.characters) or "nobody"
        said = " / ".join(f"{line.speaker_id}: {line.text}" for line in shot.lines)
        shots.append(
            f"- {shot.id}: {shot.size.value}, {shot.angle.value}, {shot.movement.value}, {shot.duration_s:g} s, {who}. "
            f"{shot.action}{f' Says: {said}' if said else ''}"
        )
    return f"{scene.id} ({scene.heading or scene.location_id}): {scene.summary}\n" + "\n".join(shots)


def bullets(notes: list[str]) -> str:
    return "\n".join(f"- {note}" for note in notes) or "(none)"
