"""Coverage: is every scene and line of the script in the plan, on screen as a subtitle and heard, in order?
And is every character a shot names someone the bank (or at least the plan's cast) knows?

Lines are compared as words (case, punctuation and spacing ignored), so a line split over several plan lines or
subtitle cues still counts. Without a script, the plan's own lines are the reference.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from movieagent.eval.speech_activity import SpeechActivity
from movieagent.schema import CharacterBank, Plan, Script, Timeline

HEARD_SHARE = 0.5  # a line counts as heard when speech fills at least this share of its time in the timeline
_WORD = re.compile(r"[\w']+")


class LineCoverage(BaseModel):
    speaker: str
    text: str
    in_plan: bool
    in_order: bool = Field(description="Found in the plan after the lines before it")
    in_subtitles: bool | None = None
    heard: bool | None = None


class UnknownCharacter(BaseModel):
    shot_id: str
    character_id: str


class CoverageMetrics(BaseModel):
    reference: Literal["script", "plan"]
    script_scenes: int | None = None
    scenes_in_plan: int | None = None
    lines: int
    lines_in_plan: int
    lines_in_order: int
    lines_in_subtitles: int | None = None
    lines_heard: int | None = None
    missing: list[LineCoverage] = Field(default=[], description="Lines missing anywhere or out of order")
    characters_checked_against: Literal["bank", "cast"]
    character_mentions: int
    unknown_characters: list[UnknownCharacter] = []

    @computed_field
    @property
    def plan_share(self) -> float | None:
        return _share(self.lines_in_plan, self.lines)

    @computed_field
    @property
    def subtitle_share(self) -> float | None:
        return None if self.lines_in_subtitles is None else _share(self.lines_in_subtitles, self.lines)

    @computed_field
    @property
    def audio_share(self) -> float | None:
        return None if self.lines_heard is None else _share(self.lines_heard, self.lines)


def measure_coverage(
    plan: Plan,
    *,
    script: Script | None = None,
    subtitle_texts: Sequence[str] | None = None,
    timeline: Timeline | None = None,
    speech: SpeechActivity | None = None,
    bank: CharacterBank | None = None,
) -> CoverageMetrics:
    """Each argument left out leaves its part unmeasured (None)."""
    # 1. The reference lines, and the plan's lines as one run of words with the plan line each word came from.
    reference = [(line.cue, line.text) for line in script.dialogue()] if script else [(line.speaker_id, line.text) for line in plan.lines()]
    plan_words = [word for line in plan.lines() for word in words_of(line.text)]
    plan_word_lines = [line.id for line in plan.lines() for _ in words_of(line.text)]
    subtitle_words = [word for text in subtitle_texts for word in words_of(text)] if subtitle_texts is not None else None
    line_times = {line.line_id: (line.start_s, line.end_s) for line in timeline.lines()} if timeline else {}

    # 2. Find each line in the plan, in the subtitles and in the audio, in order.
    coverage = []
    plan_cursor = subtitle_cursor = 0
    for speaker, text in reference:
        wanted = words_of(text)
        found_at = _find(wanted, plan_words, plan_cursor)
        anywhere = found_at is not None or _find(wanted, plan_words, 0) is not None
        if found_at is not None:
            plan_cursor = found_at + len(wanted)
        in_subtitles = None
        if subtitle_words is not None:
            subtitle_at = _find(wanted, subtitle_words, subtitle_cursor)
            in_subtitles = subtitle_at is not None
            subtitle_cursor = subtitle_at + len(wanted) if subtitle_at is not None else subtitle_cursor
        heard = None
        if speech is not None and timeline is not None:
            spoken_in = set(plan_word_lines[found_at : found_at + len(wanted)]) if found_at is not None else set()
            heard = bool(spoken_in) and all(_heard(line_times.get(line_id), speech) for line_id in spoken_in)
        coverage.append(
            LineCoverage(speaker=speaker, text=text, in_plan=anywhere, in_order=found_at is not None, in_subtitles=in_subtitles, heard=heard)
        )

    # 3. Scenes (by heading, in order) and characters.
    scenes_in_plan = _scenes_in_plan(script, plan) if script else None
    unknown, mentions = _unknown_characters(plan, bank)
    return CoverageMetrics(
        reference="script" if script else "plan",
        script_scenes=len(script.scenes) if script else None,
        scenes_in_plan=scenes_in_plan,
        lines=len(coverage),
        lines_in_plan=sum(line.in_plan for line in coverage),
        lines_in_order=sum(line.in_order for line in coverage),
        lines_in_subtitles=None if subtitle_words is None else sum(bool(line.in_subtitles) for line in coverage),
        lines_heard=None if speech is None or timeline is None else sum(bool(line.heard) for line in coverage),
        missing=[line for line in coverage if not line.in_order or line.in_subtitles is False or line.heard is False],
        characters_checked_against="bank" if bank else "cast",
        character_mentions=mentions,
        unknown_characters=unknown,
    )


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation: how lines are compared."""
    normal = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return [word.strip("'") for word in _WORD.findall(normal) if word.strip("'")]


def _find(wanted: list[str], words: list[str], start: int) -> int | None:
    """Where the run `wanted` first occurs in `words` at or after `start`."""
    if not wanted:
        return start
    for index in range(start, len(words) - len(wanted) + 1):
        if words[index] == wanted[0] and words[index : index + len(wanted)] == wanted:
            return index
    return None


def _heard(span: tuple[float, float] | None, speech: SpeechActivity) -> bool:
    if span is None or span[1] <= span[0]:
        return False
    return speech.seconds_within(*span) >= HEARD_SHARE * (span[1] - span[0])


def _scenes_in_plan(script: Script, plan: Plan) -> int:
    """Script scenes found among the plan's scene headings, in order (by position where the script has no headings)."""
    headings = [" ".join(words_of(scene.heading)) for scene in plan.scenes]
    found, cursor = 0, 0
    for number, scene in enumerate(script.scenes):
        wanted = " ".join(words_of(scene.heading))
        if not wanted:
            found += number < len(plan.scenes)
            continue
        if wanted in headings[cursor:]:
            cursor = headings.index(wanted, cursor) + 1
            found += 1
    return found


def _unknown_characters(plan: Plan, bank: CharacterBank | None) -> tuple[list[UnknownCharacter], int]:
    names = {member.id: member.name for member in plan.cast}
    unknown, mentions = [], 0
    for shot in plan.shots():
        named = dict.fromkeys([placed.character_id for placed in shot.characters] + [line.speaker_id for line in shot.lines])
        for character_id in named:
            mentions += 1
            if bank is not None:
                known = bank.find_character(character_id) or (character_id in names and bank.find_character(names[character_id]))
            else:
                known = character_id in names
            if not known:
                unknown.append(UnknownCharacter(shot_id=shot.id, character_id=character_id))
    return unknown, mentions


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
