"""The `rules` crew: a film crew made of deterministic film-grammar heuristics. No model, no network.

It plans any script the same way every time: an establishing shot when the place changes, one
shot per action beat or dialogue exchange, shot/reverse-shot with the 180-degree rule for two
people, group shots for three or more, sizes and camera moves chosen from the content, and
durations from the words at the planning speaking rate.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from movieagent.config import PlanningSettings
from movieagent.planning.crew import (
    ActionBeat,
    Beat,
    Cast,
    DialogueBeat,
    LocationBreakdown,
    ReviewNotes,
    SceneBeats,
    SceneBrief,
    SceneSetting,
    ScreenwriterTask,
    StoryboardTask,
    TransitionBeat,
    Treatment,
    characters_named_in,
    display_name,
    scene_id,
)
from movieagent.planning.review import check_plan, speaking_seconds, spoken_dialogue, spoken_words
from movieagent.schema import (
    Box,
    CameraAngle,
    CameraMovement,
    Character,
    CharacterBank,
    CharacterInShot,
    Line,
    LocationSheet,
    Plan,
    Script,
    ScriptAction,
    ScriptDialogue,
    ScriptScene,
    ScriptTransition,
    Shot,
    ShotSize,
    Transition,
    slugify,
)

STYLE_GUIDE = "Storyboard animatic: clear staging, soft even light, muted natural colours, 35 mm lens feel"

# The same pauses the timeline puts around speech (SpeechSettings defaults), so planned shots rarely stretch.
LEAD_IN_S = 0.4
TAIL_S = 0.5
GAP_BETWEEN_LINES_S = 0.3
# Action is read at a glance: two seconds plus a little per word, never more than four; so a beat
# of action is at most a couple of sentences.
ACTION_BASE_S, ACTION_S_PER_WORD, ACTION_MAX_S = 2.0, 0.1, 4.0
ACTION_BEAT_WORDS = 25
# Lines this short play best on a face.
SHORT_LINE_WORDS = 4
LONG_LINE_WORDS = 25

# Time-of-day words that mean "as in the scene before".
RELATIVE_TIMES = {
    "",
    "CONTINUOUS",
    "CONT",
    "CONT'D",
    "CONTINUED",
    "LATER",
    "MOMENTS LATER",
    "A MOMENT LATER",
    "SAME",
    "SAME TIME",
}
OFF_SCREEN_EXTENSIONS = {"VO", "OS", "OC"}
# Fountain only knows transitions ending in "TO:"; scripts also write FADE IN:, FADE OUT. as a line of their own.
_TRANSITION_AS_ACTION = re.compile(
    r"(FADE (IN|OUT|UP|TO [A-Z]+)|(CROSS )?DISSOLVE( TO)?|((SMASH|MATCH|JUMP|HARD) )?CUT( TO( [A-Z]+)?)?)[:.]?"
)
EMOTIONAL_DELIVERY = (
    "whisper",
    "soft",
    "quiet",
    "hush",
    "tear",
    "cry",
    "crying",
    "sob",
    "chok",
    "trembl",
    "shak",
    "angr",
    "furious",
    "shout",
    "yell",
    "scream",
    "plead",
    "desperat",
    "scared",
    "afraid",
    "terrif",
    "sad",
    "heartbr",
    "intense",
)

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
WIDE_SIZES = {ShotSize.extreme_wide, ShotSize.wide, ShotSize.full, ShotSize.medium_wide}
# The listener of an over-the-shoulder shot stands nearer the camera, half out of frame.
OVER_SHOULDER_SCALE = 1.15
OVER_SHOULDER_CENTRES = {"left": -0.02, "right": 1.02}

SIZE_WORDS = {
    ShotSize.extreme_wide: "Extreme wide shot",
    ShotSize.wide: "Wide shot",
    ShotSize.full: "Full shot",
    ShotSize.medium_wide: "Medium wide shot",
    ShotSize.medium: "Medium shot",
    ShotSize.medium_close_up: "Medium close-up",
    ShotSize.close_up: "Close-up",
    ShotSize.extreme_close_up: "Extreme close-up",
}
ANGLE_WORDS = {
    CameraAngle.eye_level: "eye level",
    CameraAngle.high: "high angle",
    CameraAngle.low: "low angle",
    CameraAngle.overhead: "overhead view",
    CameraAngle.dutch: "dutch angle",
}
MOVEMENT_WORDS = {
    CameraMovement.static: "Locked-off camera, natural subtle motion",
    CameraMovement.pan_left: "Slow pan left across the scene",
    CameraMovement.pan_right: "Slow pan right across the scene",
    CameraMovement.tilt_up: "Slow tilt up",
    CameraMovement.tilt_down: "Slow tilt down",
    CameraMovement.zoom_in: "Slow zoom in",
    CameraMovement.zoom_out: "Slow zoom out",
    CameraMovement.dolly_in: "Slow push in toward the subject",
    CameraMovement.dolly_out: "Slow pull back from the subject",
}


class Backend:
    """Implements movieagent.planning.crew.Crew."""

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, options: Options) -> None:
        self.options = options

    def director(self, script: Script, cast: Cast) -> Treatment:
        return Treatment(
            title=script.title,
            logline=next((_scene_gist(scene) for scene in script.scenes if _scene_gist(scene)), ""),
            tone="as written",
            style=STYLE_GUIDE,
            scenes=[
                SceneBrief(scene_id=scene_id(scene.index), goal=_scene_gist(scene), beat=_scene_turn(scene))
                for scene in script.scenes
            ],
        )

    def location_manager(self, script: Script, bank: CharacterBank, treatment: Treatment) -> LocationBreakdown:
        sheets: dict[str, LocationSheet] = {}
        settings: list[SceneSetting] = []
        time_of_day = ""
        for scene in script.scenes:
            heading_time = scene.time_of_day.strip().upper()
            if heading_time not in RELATIVE_TIMES:
                time_of_day = heading_time
            sheet = _location_sheet(scene, bank, time_of_day)
            sheets.setdefault(sheet.id, sheet)
            settings.append(SceneSetting(scene_id=scene_id(scene.index), location_id=sheet.id, time_of_day=time_of_day))
        return LocationBreakdown(sheets=list(sheets.values()), scenes=settings)

    def screenwriter(self, task: ScreenwriterTask) -> SceneBeats:
        beats: list[Beat] = []
        for element in task.scene.elements:
            if isinstance(element, ScriptAction) and _TRANSITION_AS_ACTION.fullmatch(element.text.strip()):
                beats.append(TransitionBeat(effect=_transition_effect(element.text)))
            elif isinstance(element, ScriptAction) and element.text.strip():
                for text in _action_beats(element.text):
                    beats.append(ActionBeat(text=text, character_ids=characters_named_in(text, task.cast.members)))
            elif isinstance(element, ScriptDialogue) and element.text.strip():
                beats.append(
                    DialogueBeat(
                        speaker_id=task.cast.cues[element.cue],
                        text=element.text,
                        parenthetical=element.parenthetical,
                        off_screen=any(
                            re.sub(r"[^A-Z]", "", extension.upper()) in OFF_SCREEN_EXTENSIONS for extension in element.extensions
                        ),
                        dual=element.dual,
                    )
                )
            elif isinstance(element, ScriptTransition):
                beats.append(TransitionBeat(effect=_transition_effect(element.text)))
        if not any(isinstance(beat, (ActionBeat, DialogueBeat)) for beat in beats) and task.scene.synopsis:
            for text in _action_beats(task.scene.synopsis):
                beats.append(ActionBeat(text=text, character_ids=characters_named_in(text, task.cast.members)))
        return SceneBeats(scene_id=task.brief.scene_id, beats=beats)

    def storyboard_artist(self, task: StoryboardTask, pacing: PlanningSettings) -> list[Shot]:
        # 1. Beats -> shot-sized units, opened by an establishing shot when the place changes.
        units = _units(task.beats.beats)
        if task.previous_location_id != task.location.id:
            establishing = _Unit("establishing", action=f"Establishing shot of {task.location.name}")
            if units:
                establishing.fade_in, units[0].fade_in = units[0].fade_in, False
            units.insert(0, establishing)
        if not units:
            units = [_Unit("place", action=task.location.name)]
        # 2. Speeches too long for one shot are split over several.
        units = [piece for unit in units for piece in _fit(unit, pacing)]
        # 3. Each unit framed, timed, moved and described.
        staging = _Staging(task)
        shots: list[Shot] = []
        for number, unit in enumerate(units, start=1):
            shots.append(staging.shot(unit, number, pacing))
        _vary_movement(shots)
        _apply_scene_transitions(shots, task.enters_with, task.exits_with)
        return [shot.model_copy(update={"motion_prompt": staging.motion_prompt(shot)}) for shot in shots]

    def director_review(self, script: Script, cast: Cast, plan: Plan, pacing: PlanningSettings) -> ReviewNotes:
        notes = check_plan(script, cast, plan, pacing)
        return ReviewNotes(approved=not notes, notes=notes)


def shot_seed(shot_id: str) -> int:
    """A seed that depends on the shot id only, so re-planning keeps every shot's look."""
    return int.from_bytes(hashlib.sha256(shot_id.encode()).digest()[:4], "big")


# --------------------------------------------------------------------------- director and location manager


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s+", " ".join(text.split()), maxsplit=1)[0]
    return sentence if len(sentence) <= 160 else sentence[:157].rstrip() + "..."


def _scene_gist(scene: ScriptScene) -> str:
    """What the scene is about: its synopsis, else its first line of action, else its first line."""
    if scene.synopsis:
        return _first_sentence(scene.synopsis)
    texts = [element.text for element in scene.elements if isinstance(element, ScriptAction) and element.text.strip()]
    texts += [element.text for element in spoken_dialogue(scene)]
    return _first_sentence(texts[0]) if texts else ""


def _scene_turn(scene: ScriptScene) -> str:
    """Where the scene ends up: its last action or line."""
    texts = [element.text for element in scene.elements if not isinstance(element, ScriptTransition) and element.text.strip()]
    return _first_sentence(texts[-1]) if texts else ""


def _location_sheet(scene: ScriptScene, bank: CharacterBank, time_of_day: str) -> LocationSheet:
    known = bank.find_location(scene.location) if scene.location.strip() else None
    if known:
        description = known.description or known.name
        return LocationSheet(
            id=known.id,
            name=known.name,
            description=description,
            reference_image=known.images[0] if known.images else None,
            time_of_day=time_of_day,
        )
    name = display_name(scene.location) or "An unnamed place"
    inside = {True: " (interior)", False: " (exterior)", None: ""}[scene.interior]
    return LocationSheet(id=slugify(scene.location or name), name=name, description=f"{name}{inside}", time_of_day=time_of_day)


# --------------------------------------------------------------------------- screenwriter


def _action_beats(paragraph: str) -> list[str]:
    """A long paragraph of action is several beats: whole sentences, about ACTION_BEAT_WORDS words each."""
    beats: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", paragraph.strip()):
        if beats and spoken_words(beats[-1]) + spoken_words(sentence) <= ACTION_BEAT_WORDS:
            beats[-1] = f"{beats[-1]} {sentence}"
        else:
            beats.append(sentence)
    return beats


def _transition_effect(text: str) -> Literal["cut", "fade_in", "fade_out", "dissolve"]:
    words = text.upper()
    if "DISSOLVE" in words:
        return "dissolve"
    if "FADE IN" in words or "FADE UP" in words:
        return "fade_in"
    if "FADE" in words:
        return "fade_out"
    return "cut"


# --------------------------------------------------------------------------- storyboard artist


@dataclass
class _Unit:
    """What one shot covers before it is framed: an establishing view, an action beat or an exchange."""

    kind: Literal["establishing", "place", "action", "dialogue"]
    action: str = ""
    named: list[str] = field(default_factory=list)
    lines: list[DialogueBeat] = field(default_factory=list)
    fade_in: bool = False
    fade_out: bool = False


def _units(beats: list[Beat]) -> list[_Unit]:
    """One unit per action beat; consecutive lines of one speaker, and dual dialogue, share a unit."""
    units: list[_Unit] = []
    fade_next = False
    after_transition = False
    for beat in beats:
        if isinstance(beat, TransitionBeat):
            if beat.effect in ("fade_out", "dissolve") and units:
                units[-1].fade_out = True
            # After a fade to black (or into a dissolve) the next shot fades in.
            fade_next = fade_next or beat.effect != "cut"
            after_transition = True
            continue
        current = units[-1] if units and not after_transition else None
        if isinstance(beat, DialogueBeat) and current and current.kind == "dialogue":
            if beat.dual or all(line.speaker_id == beat.speaker_id for line in current.lines):
                current.lines.append(beat)
                continue
        if isinstance(beat, DialogueBeat):
            unit = _Unit("dialogue", lines=[beat])
        else:
            unit = _Unit("action", action=beat.text, named=list(beat.character_ids))
        unit.fade_in, fade_next, after_transition = fade_next, False, False
        units.append(unit)
    return units


def _fit(unit: _Unit, pacing: PlanningSettings) -> list[_Unit]:
    """A dialogue unit too long for the longest shot becomes several, split between lines or sentences."""
    if unit.kind != "dialogue":
        return [unit]
    rate = pacing.words_per_minute
    budget = max(pacing.max_shot_s - LEAD_IN_S - TAIL_S, 60.0 / rate)  # at least one word per shot, whatever the limits
    groups: list[list[DialogueBeat]] = [[]]
    for line in unit.lines:
        for part in _split_line(line, budget, rate):
            if groups[-1] and _speech_s([*groups[-1], part], rate) > budget:
                groups.append([])
            groups[-1].append(part)
    pieces = [_Unit("dialogue", lines=group) for group in groups]
    pieces[0].fade_in, pieces[-1].fade_out = unit.fade_in, unit.fade_out
    return pieces


def _speech_s(lines: list[DialogueBeat], rate: int) -> float:
    return sum(speaking_seconds(line.text, rate) for line in lines) + GAP_BETWEEN_LINES_S * (len(lines) - 1)


def _split_line(line: DialogueBeat, budget_s: float, rate: int) -> list[DialogueBeat]:
    texts = [text.strip() for text in _split_text(line.text, budget_s, rate) if text.strip()]
    if len(texts) <= 1:
        return [line]
    return [line.model_copy(update={"text": text, "dual": line.dual and number == 0}) for number, text in enumerate(texts)]


def _split_text(text: str, budget_s: float, rate: int) -> list[str]:
    """Greedy pieces that each fit the budget, broken between sentences where possible, else between words."""
    chunks, current = [], ""
    for token in _fitting_tokens(text, budget_s, rate):
        if current and speaking_seconds(current + token, rate) > budget_s:
            chunks.append(current)
            current = ""
        current += token
    chunks.append(current)
    return chunks


def _fitting_tokens(text: str, budget_s: float, rate: int, level: int = 0) -> list[str]:
    """Whole sentences where they fit the budget; a sentence too long falls apart into words, then characters."""
    if speaking_seconds(text, rate) <= budget_s or level > 2:
        return [text]
    return [piece for token in _tokens(text, level) for piece in _fitting_tokens(token, budget_s, rate, level + 1)]


def _tokens(text: str, level: int) -> list[str]:
    # Each level's tokens join back into exactly `text`.
    if level == 0:
        return re.split(r"(?<=[.!?…])(?=\s)|(?<=[。！？])", text)
    if level == 1:
        return re.split(r"(?<=\s)(?=\S)", text)
    return list(text)


def _emotional(lines: list[DialogueBeat]) -> bool:
    return any(line.parenthetical and any(cue in line.parenthetical.lower() for cue in EMOTIONAL_DELIVERY) for line in lines)


def _dialogue_size(lines: list[DialogueBeat]) -> ShotSize:
    words = sum(spoken_words(line.text) for line in lines)
    if _emotional(lines) or words <= SHORT_LINE_WORDS:
        return ShotSize.close_up
    return ShotSize.medium if words > LONG_LINE_WORDS else ShotSize.medium_close_up


def _duration(unit: _Unit, pacing: PlanningSettings) -> float:
    speech = _speech_s(unit.lines, pacing.words_per_minute) if unit.lines else 0.0
    if unit.kind == "dialogue":
        wanted = LEAD_IN_S + speech + TAIL_S
    elif unit.kind == "action":
        wanted = min(ACTION_BASE_S + ACTION_S_PER_WORD * spoken_words(unit.action), ACTION_MAX_S)
    else:
        wanted = pacing.establishing_shot_s
    clamped = min(max(wanted, pacing.min_shot_s), pacing.max_shot_s)
    # Never shorter than the words themselves, whatever the limits say.
    return math.ceil(max(clamped, speech) * 100) / 100


def _figure_box(size: ShotSize, centre: float, scale: float = 1.0) -> Box:
    height, top = FIGURE_HEIGHT_AND_TOP[size]
    height = min(3.0, height * scale)
    width = height * FIGURE_WIDTH_PER_HEIGHT
    return Box(x=round(centre - width / 2, 4), y=top, w=round(width, 4), h=round(height, 4))


def _facing_centre(centre: float) -> Literal["left", "right", "camera"]:
    if abs(centre - 0.5) < 0.05:
        return "camera"
    return "right" if centre < 0.5 else "left"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else f"{text}."


class _Staging:
    """Frames one scene's units. Everyone gets a place in the scene's line-up on first appearance
    and keeps that side of frame in every shot of the scene (the 180-degree rule)."""

    def __init__(self, task: StoryboardTask) -> None:
        self.task = task
        self.members: dict[str, Character] = {member.id: member for member in task.cast}
        lineup = _lineup(task.beats.beats)
        self.slots = {character_id: (number + 1) / (len(lineup) + 1) for number, character_id in enumerate(lineup)}
        self.lineup = lineup
        self.appeared: list[str] = []
        self.lines_written = 0

    def shot(self, unit: _Unit, number: int, pacing: PlanningSettings) -> Shot:
        shot_id = f"{self.task.beats.scene_id}-shot-{number:02d}"
        size, angle, movement, placed = self._frame(unit)
        self.appeared = _unique([*self.appeared, *(character.character_id for character in placed)])
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
                )
            )
        return Shot(
            id=shot_id,
            scene_id=self.task.beats.scene_id,
            size=size,
            angle=angle,
            movement=movement,
            characters=placed,
            action=unit.action,
            lines=lines,
            duration_s=_duration(unit, pacing),
            transition_in=Transition.fade if unit.fade_in else Transition.cut,
            transition_out=Transition.fade if unit.fade_out else Transition.cut,
            prompt=self._prompt(size, angle, placed, unit),
            seed=shot_seed(shot_id),
        )

    def motion_prompt(self, shot: Shot) -> str:
        speakers = _unique(self._name(line.speaker_id) for line in shot.lines if not line.off_screen)
        speaking = f"; {' and '.join(speakers)} speaking" if speakers else ""
        return f"{MOVEMENT_WORDS[shot.movement]}{speaking}."

    def _frame(self, unit: _Unit) -> tuple[ShotSize, CameraAngle, CameraMovement, list[CharacterInShot]]:
        exterior = self.task.interior is False
        if unit.kind == "establishing":
            if exterior:
                return ShotSize.extreme_wide, CameraAngle.high, CameraMovement.pan_right, []
            return ShotSize.wide, CameraAngle.eye_level, CameraMovement.pan_left, []
        if unit.kind == "place":
            return ShotSize.wide, CameraAngle.eye_level, CameraMovement.static, []
        if unit.kind == "action":
            # Action that names nobody ("They drink.") shows whoever the scene has shown so far.
            people = [character_id for character_id in self.lineup if character_id in (unit.named or self.appeared)]
            size = {0: ShotSize.wide, 1: ShotSize.medium, 2: ShotSize.medium_wide}.get(len(people), ShotSize.wide)
            movement = CameraMovement.pan_left if len(people) >= 2 else CameraMovement.static
            return size, CameraAngle.eye_level, movement, self._place(people, size)

        speakers = _unique(line.speaker_id for line in unit.lines if not line.off_screen)
        heard_only = {line.speaker_id for line in unit.lines if line.off_screen} - set(speakers)
        size = _dialogue_size(unit.lines)
        tense = _emotional(unit.lines)
        movement = CameraMovement.dolly_in if tense else CameraMovement.static
        if not speakers:  # a voice over the listeners, or over the empty place
            listeners = [character_id for character_id in self.lineup if character_id not in heard_only]
            size = {0: ShotSize.wide, 1: ShotSize.medium}.get(len(listeners), ShotSize.medium_wide)
            return size, CameraAngle.eye_level, CameraMovement.static, self._place(listeners, size)
        # A listener not yet seen (still behind the door) leaves the speaker the frame, facing across.
        if len(speakers) == 1 and len(self.lineup) == 2 and set(self.lineup) - set(speakers) <= set(self.appeared):
            return size, CameraAngle.eye_level, movement, self._over_the_shoulder(speakers[0], size)
        if len(self.lineup) >= 3 and not (len(speakers) == 1 and tense):
            return (
                ShotSize.medium_wide,
                CameraAngle.eye_level,
                CameraMovement.static,
                self._place(self.lineup, ShotSize.medium_wide),
            )
        if len(speakers) >= 2:
            return ShotSize.medium, CameraAngle.eye_level, CameraMovement.static, self._place(speakers, ShotSize.medium)
        return size, CameraAngle.eye_level, movement, self._place(speakers, size)

    def _place(self, character_ids: list[str], size: ShotSize) -> list[CharacterInShot]:
        placed = []
        for character_id in character_ids:
            centre = self.slots.get(character_id, 0.5)
            placed.append(
                CharacterInShot(character_id=character_id, box=_figure_box(size, centre), facing=_facing_centre(centre))
            )
        return placed

    def _over_the_shoulder(self, speaker: str, size: ShotSize) -> list[CharacterInShot]:
        """Shot/reverse-shot: the speaker on their side facing across, the listener's shoulder at the other edge."""
        listener = next(character_id for character_id in self.lineup if character_id != speaker)
        speaker_on_left = self.slots[speaker] < 0.5
        listener_edge = OVER_SHOULDER_CENTRES["right" if speaker_on_left else "left"]
        return [
            CharacterInShot(
                character_id=speaker, box=_figure_box(size, self.slots[speaker]), facing="right" if speaker_on_left else "left"
            ),
            CharacterInShot(
                character_id=listener,
                box=_figure_box(size, listener_edge, OVER_SHOULDER_SCALE),
                facing="left" if speaker_on_left else "right",
            ),
        ]

    def _prompt(self, size: ShotSize, angle: CameraAngle, placed: list[CharacterInShot], unit: _Unit) -> str:
        parts = [f"{SIZE_WORDS[size]}, {ANGLE_WORDS[angle]}", self.task.location.description]
        if self.task.time_of_day:
            parts.append(f"Time of day: {self.task.time_of_day.lower()}")
        for character in placed:
            member = self.members.get(character.character_id)
            description = member.description.strip() if member else ""
            parts.append(
                f"{self._name(character.character_id)}: {description}" if description else self._name(character.character_id)
            )
        if unit.kind == "action":
            parts.append(" ".join(unit.action.split()))
        parts.append(self.task.style)
        return " ".join(_sentence(part) for part in parts if part.strip())

    def _name(self, character_id: str) -> str:
        member = self.members.get(character_id)
        return member.name if member else character_id


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _lineup(beats: list[Beat]) -> list[str]:
    """Who is seen in the scene, in order of first appearance: on-screen speakers and characters named in action."""
    seen: list[str] = []
    for beat in beats:
        if isinstance(beat, DialogueBeat) and not beat.off_screen:
            seen.append(beat.speaker_id)
        elif isinstance(beat, ActionBeat):
            seen.extend(beat.character_ids)
    return _unique(seen)


def _vary_movement(shots: list[Shot]) -> None:
    """Never the same movement three shots in a row. A scene's first two and last two shots differ as
    well, so no run of three forms across the cut into the next scene either."""
    for number, shot in enumerate(shots):
        before = [earlier.movement for earlier in shots[max(0, number - 2) : number]]
        third_in_a_row = len(before) == 2 and before[0] == before[1] == shot.movement
        repeats_at_edge = number in (1, len(shots) - 1) and before[-1:] == [shot.movement]
        if third_in_a_row or repeats_at_edge:
            shot.movement = _change_of_movement(shot)


def _change_of_movement(shot: Shot) -> CameraMovement:
    """A held camera after two moves; after two held shots a slow drift on a wide view, a push in on a closer one."""
    if shot.movement != CameraMovement.static:
        return CameraMovement.static
    return CameraMovement.pan_right if shot.size in WIDE_SIZES else CameraMovement.dolly_in


def _apply_scene_transitions(shots: list[Shot], enters_with: Transition, exits_with: Transition) -> None:
    if enters_with == Transition.fade:
        shots[0].transition_in = Transition.fade
    if exits_with == Transition.fade:
        shots[-1].transition_out = Transition.fade
