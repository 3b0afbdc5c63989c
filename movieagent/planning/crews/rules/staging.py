"""Staging: who the camera is on, how close and from where, and where each figure stands in frame.

Everyone has a place in the scene's line-up and keeps their side of everyone else in every shot (the
180-degree rule); figures are scaled by the shot size and by the characters' heights.
"""

from __future__ import annotations

import re
from typing import Literal

from movieagent.config import PlanningSettings
from movieagent.planning.crew import ActionBeat, Beat, DialogueBeat, StoryboardTask, shot_seed
from movieagent.planning.crews.rules.prompts import motion_prompt, place_view, shot_prompt
from movieagent.planning.crews.rules.timing import shot_duration
from movieagent.planning.crews.rules.units import VIEWS, Draft, Unit, is_emotional, unique
from movieagent.planning.review import spoken_words
from movieagent.schema import Box, CameraAngle, CameraMovement, Character, CharacterInShot, Line, Shot, ShotSize, Transition

# In a conversation of three or more, the group shot comes back after this many singles.
SINGLES_BETWEEN_GROUP_SHOTS = 2

# Lines this short play best on a face.
SHORT_LINE_WORDS = 4
LONG_LINE_WORDS = 25

# Figure height in frame heights and where the head sits, per shot size: a figure taller than the
# frame is cut at the waist or chest. Width follows from the height of a standing person.
FIGURE_HEIGHT_AND_TOP = {
    ShotSize.extreme_wide: (0.22, 0.62),
    ShotSize.wide: (0.42, 0.45),
    ShotSize.full: (0.8, 0.12),
    ShotSize.medium_wide: (1.05, 0.1),
    ShotSize.medium: (1.5, 0.08),
    ShotSize.medium_close_up: (2.0, 0.06),
    ShotSize.close_up: (2.8, 0.04),
    ShotSize.extreme_close_up: (3.0, -0.3),
}
FIGURE_WIDTH_PER_HEIGHT = 0.18

SINGLE_CENTRES = (1 / 3, 2 / 3)
# The listener of an over-the-shoulder shot stands nearer the camera, half out of frame.
OVER_SHOULDER_SCALE = 1.15
OVER_SHOULDER_CENTRES = {"left": -0.02, "right": 1.02}


def dialogue_size(lines: list[DialogueBeat]) -> ShotSize:
    words = sum(spoken_words(line.text) for line in lines)
    if is_emotional(lines) or words <= SHORT_LINE_WORDS:
        return ShotSize.close_up
    return ShotSize.medium if words > LONG_LINE_WORDS else ShotSize.medium_close_up


def figure_box(size: ShotSize, centre: float, nearness: float = 1.0, stature: float = 1.0) -> Box:
    """Where a standing figure is in frame. `nearness` brings it toward the camera (head kept, feet lower);
    `stature` is its height relative to whom the camera frames, feet kept where they stand."""
    height, top = FIGURE_HEIGHT_AND_TOP[size]
    near_height = min(3.0, height * nearness)
    height = min(3.0, near_height * stature)
    width = height * FIGURE_WIDTH_PER_HEIGHT
    bottom = top + near_height
    return Box(x=round(centre - width / 2, 4), y=round(max(-1.0, bottom - height), 4), w=round(width, 4), h=round(height, 4))


def facing_centre(centre: float) -> Literal["left", "right", "camera"]:
    if abs(centre - 0.5) < 0.05:
        return "camera"
    return "right" if centre < 0.5 else "left"


class Staging:
    """Frames one scene's units in order. Everyone has a place in the scene's line-up and keeps their side
    of everyone else in every shot of the scene (the 180-degree rule)."""

    def __init__(self, task: StoryboardTask, pacing: PlanningSettings) -> None:
        self.task = task
        self.pacing = pacing
        self.members: dict[str, Character] = {member.id: member for member in task.cast}
        # Lines are timed at the faster of the speaker's voice and the planning rate: a shot planned too short
        # is stretched to its real speech, one planned too long holds silence.
        self.rates = {member.id: max(member.voice.words_per_minute_spoken(), pacing.words_per_minute) for member in task.cast}
        self.lineup = lineup_of(task.beats.beats)
        self.slots = {character_id: (number + 1) / (len(self.lineup) + 1) for number, character_id in enumerate(self.lineup)}
        # Who is in the scene so far, in line-up order; characters whose entrance the action describes join then.
        there = there_from_the_start(task.beats.beats)
        self.present = [character_id for character_id in self.lineup if character_id in there]
        self.shots_since_group = SINGLES_BETWEEN_GROUP_SHOTS  # a conversation opens on the group
        self.lines_written = 0

    def frame(self, unit: Unit) -> Draft:
        draft = self._frame(unit)
        named = [self.members[character_id] for character_id in unit.named if character_id in self.members]
        draft.introduced = introduced_in(unit.action, named)
        self.present = [character_id for character_id in self.lineup if character_id in {*self.present, *draft.subjects}]
        # A conversation's group shot (not the action before it, which may play over the first line).
        group_talks = bool(unit.lines) and len(self.present) >= 3 and set(self.present) <= set(draft.subjects)
        self.shots_since_group = 0 if group_talks else self.shots_since_group + 1
        return draft

    def shot(self, draft: Draft, number: int) -> Shot:
        unit, shot_id = draft.unit, f"{self.task.beats.scene_id}-shot-{number:02d}"
        placed = self._place(draft)
        lines = []
        for beat in unit.lines:
            self.lines_written += 1
            lines.append(
                Line(
                    id=f"{self.task.beats.scene_id}-line-{self.lines_written:03d}",
                    speaker_id=beat.speaker_id,
                    text=beat.text,
                    parenthetical=beat.parenthetical,
                    off_screen=beat.off_screen,
                    voice_over=beat.voice_over,
                )
            )
        return Shot(
            id=shot_id,
            scene_id=self.task.beats.scene_id,
            size=draft.size,
            angle=draft.angle,
            movement=draft.movement,
            characters=placed,
            action=place_view(self.task.location, self.task.time_of_day, unit.action) if unit.kind in VIEWS else unit.action,
            lines=lines,
            duration_s=shot_duration(unit, self.pacing, self.rates),
            transition_in=Transition.fade if unit.fade_in else Transition.cut,
            transition_out=Transition.fade if unit.fade_out else Transition.cut,
            prompt=self._prompt(draft, placed),
            seed=shot_seed(shot_id),
        )

    def motion_prompt(self, shot: Shot) -> str:
        return motion_prompt(shot.movement, unique(self._name(line.speaker_id) for line in shot.lines if not line.off_screen))

    def _frame(self, unit: Unit) -> Draft:
        exterior = self.task.interior is False
        if unit.kind == "place":
            return Draft(unit, ShotSize.wide, [])
        # Action that names nobody ("They drink.") shows whoever is in the scene.
        people = [character_id for character_id in self.lineup if character_id in (unit.named or self.present)]
        if unit.kind == "establishing":
            if exterior:
                return Draft(unit, ShotSize.extreme_wide, people, angle=CameraAngle.high, movement=CameraMovement.pan_right)
            return Draft(unit, ShotSize.wide, people, movement=CameraMovement.pan_left)
        if unit.kind == "action":
            size = {0: ShotSize.wide, 1: ShotSize.medium, 2: ShotSize.medium_wide}.get(len(people), ShotSize.wide)
            movement = CameraMovement.pan_left if len(people) >= 2 else CameraMovement.static
            return Draft(unit, size, people, movement=movement)

        speakers = unique(line.speaker_id for line in unit.lines if not line.off_screen)
        if not speakers:  # a voice over the listeners, or over the empty place
            heard = {line.speaker_id for line in unit.lines}
            listeners = [character_id for character_id in self.present if character_id not in heard]
            size = {0: ShotSize.wide, 1: ShotSize.medium}.get(len(listeners), ShotSize.medium_wide)
            return Draft(unit, size, listeners)
        present = [character_id for character_id in self.lineup if character_id in {*self.present, *speakers}]
        talking = [character_id for character_id in present if character_id in speakers]  # in line-up order
        tense = is_emotional(unit.lines)
        # A group talking opens on the group and comes back to it after a couple of closer shots; a tense line stays close.
        if len(present) >= 3 and not tense and self.shots_since_group >= SINGLES_BETWEEN_GROUP_SHOTS:
            return Draft(unit, ShotSize.medium_wide, present)
        if len(talking) >= 2:  # an exchange, or lines said together: a shot of those who speak
            return Draft(unit, ShotSize.medium if len(talking) == 2 else ShotSize.medium_wide, talking)
        size = dialogue_size(unit.lines)
        movement = CameraMovement.dolly_in if tense else CameraMovement.static
        listeners = [character_id for character_id in present if character_id not in speakers]
        # Two people: shot/reverse-shot over the listener's shoulder. Alone, or in a group: a single on the speaker.
        over_shoulder_of = listeners[0] if len(listeners) == 1 else None
        return Draft(unit, size, speakers, over_shoulder_of=over_shoulder_of, movement=movement)

    def _place(self, draft: Draft) -> list[CharacterInShot]:
        """Subjects spread across the frame in line-up order; one alone keeps to their side of it. Heights
        are relative to the tallest subject, whom the shot size frames."""
        tallest = max((self._height(character_id) for character_id in draft.subjects), default=1.0)
        if draft.over_shoulder_of:
            return self._over_the_shoulder(draft, tallest)
        if len(draft.subjects) == 1:
            slot = self.slots.get(draft.subjects[0], 0.5)
            spots = [(min(max(slot, SINGLE_CENTRES[0]), SINGLE_CENTRES[1]), facing_centre(slot))]
        else:
            centres = [(number + 1) / (len(draft.subjects) + 1) for number in range(len(draft.subjects))]
            spots = [(centre, facing_centre(centre)) for centre in centres]
        return [
            CharacterInShot(
                character_id=character_id,
                box=figure_box(draft.size, centre, stature=self._height(character_id) / tallest),
                facing=facing,
            )
            for character_id, (centre, facing) in zip(draft.subjects, spots, strict=True)
        ]

    def _over_the_shoulder(self, draft: Draft, tallest: float) -> list[CharacterInShot]:
        """Shot/reverse-shot: the speaker on their side facing across, the listener's shoulder at the other edge."""
        speaker, listener = draft.subjects[0], draft.over_shoulder_of
        speaker_on_left = self.lineup.index(speaker) < self.lineup.index(listener)
        return [
            CharacterInShot(
                character_id=speaker,
                box=figure_box(draft.size, SINGLE_CENTRES[0 if speaker_on_left else 1], stature=self._height(speaker) / tallest),
                facing="right" if speaker_on_left else "left",
            ),
            CharacterInShot(
                character_id=listener,
                box=figure_box(
                    draft.size,
                    OVER_SHOULDER_CENTRES["right" if speaker_on_left else "left"],
                    nearness=OVER_SHOULDER_SCALE,
                    stature=self._height(listener) / tallest,
                ),
                facing="left" if speaker_on_left else "right",
            ),
        ]

    def _prompt(self, draft: Draft, placed: list[CharacterInShot]) -> str:
        people = []
        for character in placed:
            member = self.members.get(character.character_id)
            people.append((self._name(character.character_id), member.description.strip() if member else ""))
        return shot_prompt(
            draft.size, draft.angle, self.task.location, self.task.time_of_day, people, draft.unit.action, self.task.style
        )

    def _name(self, character_id: str) -> str:
        member = self.members.get(character_id)
        return member.name if member else character_id

    def _height(self, character_id: str) -> float:
        member = self.members.get(character_id)
        return member.height if member else 1.0


def introduced_in(action: str, characters: list[Character]) -> list[str]:
    """Who the action introduces: screenplays write a character's name in capitals there ('LEO NAIR (9) ...')."""
    introduced = []
    for character in characters:
        names = [name.upper() for name in (character.name, *character.aliases) if name.upper() != name.lower()]
        if any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", action) for name in names):
            introduced.append(character.id)
    return introduced


def lineup_of(beats: list[Beat]) -> list[str]:
    """Who is seen in the scene, in order of first appearance: on-screen speakers and characters named in action."""
    seen: list[str] = []
    for beat in beats:
        if isinstance(beat, DialogueBeat) and not beat.off_screen:
            seen.append(beat.speaker_id)
        elif isinstance(beat, ActionBeat):
            seen.extend(beat.character_ids)
    return unique(seen)


def there_from_the_start(beats: list[Beat]) -> set[str]:
    """Who is in the scene before its first beat: everyone seen whose first appearance is not an action beat
    naming them (an entrance, such as 'Leo runs up')."""
    entering: set[str] = set()
    speaking: set[str] = set()
    for beat in beats:
        if isinstance(beat, ActionBeat):
            entering |= set(beat.character_ids) - speaking
        elif isinstance(beat, DialogueBeat) and not beat.off_screen and beat.speaker_id not in entering:
            speaking.add(beat.speaker_id)
    return speaking
