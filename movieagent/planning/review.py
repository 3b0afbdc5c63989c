"""The checks every plan must pass before the director approves it, whichever crew made it.

The director's review node runs them and adds their notes to the crew's own (with_checks), so no crew can
forget them; an LLM director reads them and may add its own.
"""

from __future__ import annotations

import re
from collections import defaultdict

from movieagent.config import PlanningSettings
from movieagent.planning.crew import Cast, ReviewNotes, scene_id
from movieagent.schema import Line, Plan, Script, ScriptDialogue, ScriptScene

# Chinese, Japanese and Korean are written without spaces between words; a listener hears roughly
# 2.5 of these characters in the time of one English word.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
CJK_CHARACTERS_PER_WORD = 2.5


def spoken_words(text: str) -> float:
    """Words a speaker says: tokens with a letter or digit, CJK characters counted at their spoken rate."""
    cjk_characters = len(_CJK.findall(text))
    words = sum(1 for token in _CJK.sub(" ", text).split() if any(char.isalnum() for char in token))
    return words + cjk_characters / CJK_CHARACTERS_PER_WORD


def speaking_seconds(text: str, words_per_minute: int) -> float:
    return spoken_words(text) * 60.0 / words_per_minute


def spoken_dialogue(scene: ScriptScene) -> list[ScriptDialogue]:
    """The dialogue of a scene that is actually spoken (a cue with only a parenthetical says nothing)."""
    return [element for element in scene.elements if isinstance(element, ScriptDialogue) and element.text.strip()]


def check_plan(script: Script, cast: Cast, plan: Plan, pacing: PlanningSettings) -> dict[str, list[str]]:
    """Scene id -> problems: scenes missing or out of order, dialogue not verbatim and in order,
    characters outside the cast, shots shorter than their words at the planning speaking rate."""
    notes: dict[str, list[str]] = defaultdict(list)
    planned = {scene.index: scene for scene in plan.scenes}

    # 1. Every script scene is planned, in script order.
    for scene in script.scenes:
        if scene.index not in planned:
            notes[scene_id(scene.index)].append("the scene is missing from the plan")
    if [scene.index for scene in plan.scenes] != sorted(planned):
        notes[plan.scenes[0].id].append("scenes are not in script order")

    # 2. A screenplay's dialogue is spoken verbatim, once, in order, by the right speaker.
    for scene in script.scenes:
        expected = spoken_dialogue(scene)
        if scene.index not in planned or not expected:
            continue  # a synopsis scene may gain dialogue; a scene without any keeps none
        lines = [line for shot in planned[scene.index].shots for line in shot.lines]
        problem = dialogue_problem([(cast.cues.get(line.cue), line.text) for line in expected], lines)
        if problem:
            notes[planned[scene.index].id].append(problem)

    # 3. Only cast members appear and speak; 4. every shot is long enough for its words.
    members = {member.id for member in plan.cast}
    for scene in plan.scenes:
        for shot in scene.shots:
            strangers = {placed.character_id for placed in shot.characters} | {line.speaker_id for line in shot.lines}
            for stranger in sorted(strangers - members):
                notes[scene.id].append(f"{shot.id}: '{stranger}' is not in the cast")
            needed = sum(speaking_seconds(line.text, pacing.words_per_minute) for line in shot.lines)
            if shot.duration_s + 1e-6 < needed:
                notes[scene.id].append(f"{shot.id}: {shot.duration_s:.2f} s is too short for {needed:.2f} s of speech")
    return dict(notes)


def with_checks(review: ReviewNotes, checks: dict[str, list[str]]) -> ReviewNotes:
    """The director's review with the checks' notes first in each scene: approved only when both approve."""
    notes = {key: checks.get(key, []) + review.notes.get(key, []) for key in dict.fromkeys([*checks, *review.notes])}
    return ReviewNotes(approved=review.approved and not checks, notes={key: found for key, found in notes.items() if found})


def dialogue_problem(expected: list[tuple[str | None, str]], lines: list[Line]) -> str | None:
    """Walks the planned lines against the script's; a line may be split over several planned lines."""
    position = 0
    for number, (speaker, text) in enumerate(expected, start=1):
        wanted, heard = _without_spaces(text), ""
        while position < len(lines) and len(heard) < len(wanted) and lines[position].speaker_id == speaker:
            heard += _without_spaces(lines[position].text)
            position += 1
        if heard != wanted:
            return f"dialogue line {number} ({speaker}: {text[:40]!r}) is not spoken verbatim, once and in order"
    if position < len(lines):
        return f"{len(lines) - position} planned line(s) are not in the script, starting with {lines[position].text[:40]!r}"
    return None


def _without_spaces(text: str) -> str:
    # Splitting a speech over shots may move line breaks and spaces, never words.
    return "".join(text.split())
