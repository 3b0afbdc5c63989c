"""The `rules` crew: a film crew made of deterministic film-grammar heuristics. No model, no network.

It plans any script the same way every time: an establishing shot when the place changes, a shot
per action beat or speech (a short action beat plays over the line it leads into), shot/reverse-shot
with the 180-degree rule for two people, a group shot and singles on the speaker for three or more,
a quick exchange in one shot of both, never two shots in a row with the same framing, sizes and
camera moves chosen from the content, figures scaled by the characters' heights, and durations from
the words at the speakers' rates (never below the planning rate's).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict

from movieagent.config import PlanningSettings
from movieagent.ingest.fountain import is_transition_line
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
    shot_seed,
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
# Action is read at a glance, about 3.5 words a second, and held 1.5 to 3 s (within the shot limits);
# so a beat of action is at most a couple of sentences.
ACTION_WORDS_PER_S, ACTION_MIN_S, ACTION_MAX_S = 3.5, 1.5, 3.0
ACTION_BEAT_WORDS = 25
# An action beat this short plays over the line it leads into instead of holding a shot of its own.
SHORT_ACTION_WORDS = 20
# In a conversation of three or more, the group shot comes back after this many singles.
SINGLES_BETWEEN_GROUP_SHOTS = 2
# A line and a reply this short together (about six seconds) play in one shot of both.
EXCHANGE_WORDS = 16
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
# A closing card that says the film fades out.
THE_END = "THE END"
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
# Action needs room: a shot that carries it is no tighter than a medium close-up.
TOO_TIGHT_FOR_ACTION = {ShotSize.close_up, ShotSize.extreme_close_up}
# A cut that would repeat the framing goes in closer instead; from a close-up it goes back out.
RECUT_SIZE = {
    ShotSize.extreme_wide: ShotSize.wide,
    ShotSize.wide: ShotSize.medium_wide,
    ShotSize.full: ShotSize.medium_wide,
    ShotSize.medium_wide: ShotSize.medium,
    ShotSize.medium: ShotSize.medium_close_up,
    ShotSize.medium_close_up: ShotSize.close_up,
    ShotSize.close_up: ShotSize.medium_close_up,
    ShotSize.extreme_close_up: ShotSize.close_up,
}
# A single keeps the speaker on their side of the line-up, face well inside the frame.
SINGLE_CENTRES = (1 / 3, 2 / 3)
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
            if isinstance(element, ScriptAction) and _is_transition_text(element.text):
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
                        voice_over=any(re.sub(r"[^A-Z]", "", extension.upper()) == "VO" for extension in element.extensions),
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
            units = _established(units)
        if not units:
            units = [_Unit("place")]
        # 2. Speeches too long for one shot are split over several; a quick exchange shares one.
        units = _exchanges([piece for unit in units for piece in _fit(unit, pacing)])
        # 3. Each unit framed in order, then cut together: no jump cuts, short action over the line it leads into.
        staging = _Staging(task, pacing)
        drafts = _cut_together([staging.frame(unit) for unit in units])
        # 4. Each shot placed, timed, moved and described.
        shots = [staging.shot(draft, number) for number, draft in enumerate(drafts, start=1)]
        _vary_movement(shots)
        _apply_scene_transitions(shots, task.enters_with, task.exits_with)
        return [shot.model_copy(update={"motion_prompt": staging.motion_prompt(shot)}) for shot in shots]

    def director_review(self, script: Script, cast: Cast, plan: Plan, pacing: PlanningSettings) -> ReviewNotes:
        notes = check_plan(script, cast, plan, pacing)
        return ReviewNotes(approved=not notes, notes=notes)


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


def _is_transition_text(text: str) -> bool:
    return is_transition_line(text) or " ".join(text.split()) == THE_END


def _transition_effect(text: str) -> Literal["cut", "fade_in", "fade_out", "dissolve"]:
    words = text.upper()
    if "DISSOLVE" in words:
        return "dissolve"
    if "FADE IN" in words or "FADE UP" in words:
        return "fade_in"
    if "FADE" in words or THE_END in words:
        return "fade_out"
    return "cut"


# --------------------------------------------------------------------------- storyboard artist


# Units that show the place itself, timed as establishing shots.
VIEWS = ("establishing", "place")


@dataclass
class _Unit:
    """What one shot covers before it is framed: a view of the place, an action beat, lines, or both."""

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


def _established(units: list[_Unit]) -> list[_Unit]:
    """A view of the new place opens the scene, taking over its fade-in; the scene's opening action plays in it."""
    view = _Unit("establishing")
    if units:
        view.fade_in, units[0].fade_in = units[0].fade_in, False
    if units and units[0].kind == "action":
        opening = units.pop(0)
        view.action, view.named, view.fade_out = opening.action, opening.named, opening.fade_out
    return [view, *units]


def _fit(unit: _Unit, pacing: PlanningSettings) -> list[_Unit]:
    """A dialogue unit too long for the longest shot becomes several, split between lines or sentences."""
    if unit.kind != "dialogue":
        return [unit]
    rate = pacing.words_per_minute
    budget = _speech_budget_s(pacing)
    groups: list[list[DialogueBeat]] = [[]]
    for line in unit.lines:
        for part in _split_line(line, budget, rate):
            if groups[-1] and _speech_s([*groups[-1], part], rate) > budget:
                groups.append([])
            groups[-1].append(part)
    pieces = [_Unit("dialogue", lines=group) for group in groups]
    pieces[0].fade_in, pieces[-1].fade_out = unit.fade_in, unit.fade_out
    return pieces


def _exchanges(units: list[_Unit]) -> list[_Unit]:
    """A quick exchange, a line and someone else's reply few words between them, plays in one shot of both;
    never two exchanges in a row, so a conversation still cuts between its speakers."""
    paired: list[_Unit] = []
    for unit in units:
        previous = paired[-1] if paired else None
        earlier_talk = next((earlier for earlier in reversed(paired[:-1]) if earlier.lines), None)
        if (
            previous
            and not (earlier_talk and _is_exchange(earlier_talk))
            and _plain_line(previous)
            and _plain_line(unit)
            and previous.lines[0].speaker_id != unit.lines[0].speaker_id
            and spoken_words(f"{previous.lines[0].text} {unit.lines[0].text}") <= EXCHANGE_WORDS
            and not (previous.fade_out or unit.fade_in)
        ):
            paired[-1] = replace(previous, lines=[*previous.lines, *unit.lines], fade_out=unit.fade_out)
        else:
            paired.append(unit)
    return paired


def _is_exchange(unit: _Unit) -> bool:
    return len({line.speaker_id for line in unit.lines}) > 1


def _plain_line(unit: _Unit) -> bool:
    """One line, said on screen, alone and not for a close-up."""
    if unit.kind != "dialogue" or len(unit.lines) != 1:
        return False
    line = unit.lines[0]
    return not (line.off_screen or line.dual or _emotional([line]))


def _speech_budget_s(pacing: PlanningSettings) -> float:
    """Speech that fits the longest shot; at least one word, whatever the limits."""
    return max(pacing.max_shot_s - LEAD_IN_S - TAIL_S, 60.0 / pacing.words_per_minute)


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


def _duration(unit: _Unit, pacing: PlanningSettings, rates: Mapping[str, int]) -> float:
    """How long a unit plays: its view, or its lines at their speakers' `rates` with the pauses around them,
    or its action read at a glance; action in a shot with lines plays while they are spoken."""
    if unit.kind in VIEWS:
        wanted = pacing.establishing_shot_s
    else:
        talking = sum(speaking_seconds(line.text, rates.get(line.speaker_id, pacing.words_per_minute)) for line in unit.lines)
        talking += LEAD_IN_S + GAP_BETWEEN_LINES_S * (len(unit.lines) - 1) + TAIL_S if unit.lines else 0.0
        wanted = max(talking, _reading_s(unit.action) if unit.action else 0.0)
    clamped = min(max(wanted, pacing.min_shot_s), pacing.max_shot_s)
    # Never shorter than the words at the planning rate, whatever the limits say.
    return math.ceil(max(clamped, _speech_s(unit.lines, pacing.words_per_minute)) * 100) / 100


def _reading_s(action: str) -> float:
    return min(max(spoken_words(action) / ACTION_WORDS_PER_S, ACTION_MIN_S), ACTION_MAX_S)


def _place_view(location: LocationSheet, time_of_day: str, action: str) -> str:
    """What a view of the place shows: "Arthur's Kitchen, day: a small tidy kitchen ..." from the location
    sheet, or "Arthur's Kitchen, day. <the action in it>"."""
    place = f"{location.name}, {time_of_day.lower()}" if time_of_day else location.name
    if action:
        return f"{place}. {action}"
    description = " ".join(location.description.split())
    if description.casefold().startswith(location.name.casefold()):  # a sheet made from the heading: 'Kitchen (interior)'
        return f"{place}{description[len(location.name) :]}"
    return f"{place}: {description}"


@dataclass
class _Draft:
    """A unit framed: who the camera is on, how close and from where. Placed in frame once the cut is final."""

    unit: _Unit
    size: ShotSize
    subjects: list[str]
    over_shoulder_of: str | None = None  # the listener whose shoulder frames the speaker
    angle: CameraAngle = CameraAngle.eye_level
    movement: CameraMovement = CameraMovement.static
    introduced: list[str] = field(default_factory=list)  # characters the action brings on, names in capitals

    def framing(self) -> tuple[frozenset[str], ShotSize, CameraAngle]:
        """What the next shot must change or the cut jumps. A reverse shot changes whom the camera is on."""
        return frozenset(self.subjects), self.size, self.angle


def _cut_together(drafts: list[_Draft]) -> list[_Draft]:
    """Action that leads into a line plays with it, in whichever of their two shots shows everyone. A shot
    that would repeat the framing before it joins that shot when only one of the two has lines, else the
    camera moves closer (or, from a close-up, back)."""
    cut: list[_Draft] = []
    for draft in drafts:
        if cut and _leads_into(cut[-1], draft):
            action = cut.pop()
            wider = draft if set(action.subjects) <= set(draft.subjects) else action
            draft = _joined(action, draft, framed_as=wider)
            if draft.size in TOO_TIGHT_FOR_ACTION:
                draft.size = ShotSize.medium_close_up
        if cut and cut[-1].framing() == draft.framing():
            if _can_join(cut[-1], draft):
                cut[-1] = _joined(cut[-1], draft, framed_as=draft if draft.unit.lines else cut[-1])
                continue
            draft = _recut(draft)
        cut.append(draft)
    return cut


def _recut(draft: _Draft) -> _Draft:
    """The same people from closer (from a close-up, further back); a shot with action no tighter than it needs."""
    size = RECUT_SIZE[draft.size]
    return replace(draft, size=ShotSize.medium if draft.unit.action and size in TOO_TIGHT_FOR_ACTION else size)


def _leads_into(action: _Draft, talk: _Draft) -> bool:
    """A short action beat, or one that brings on the next speaker, plays with the lines that follow when
    one of their shots shows everyone: the lines' shot all the action's people, or the action's shot all who speak."""
    seen_speaking = {line.speaker_id for line in talk.unit.lines if not line.off_screen}
    return (
        action.unit.kind == "action"
        and bool(talk.unit.lines)
        and not talk.unit.action
        and not (action.unit.fade_out or talk.unit.fade_in)
        and bool(action.subjects)
        and (set(action.subjects) <= set(talk.subjects) or seen_speaking <= set(action.subjects))
        and (spoken_words(action.unit.action) <= SHORT_ACTION_WORDS or bool(seen_speaking & set(action.introduced)))
    )


def _can_join(first: _Draft, second: _Draft) -> bool:
    """Two beats with the same framing fit one shot: no transition between them, no more than a beat's worth
    of action, lines in one of them only (two speeches in one unchanging frame would drag)."""
    return (
        first.unit.kind not in VIEWS
        and second.unit.kind not in VIEWS
        and not (first.unit.fade_out or second.unit.fade_in)
        and not (first.unit.lines and second.unit.lines)
        and spoken_words(f"{first.unit.action} {second.unit.action}") <= ACTION_BEAT_WORDS
    )


def _joined(first: _Draft, second: _Draft, framed_as: _Draft) -> _Draft:
    """One shot for both beats, in order, framed as `framed_as` (one of them)."""
    unit = _Unit(
        "dialogue" if first.unit.lines or second.unit.lines else first.unit.kind,
        action=" ".join(text for text in (first.unit.action, second.unit.action) if text),
        named=_unique([*first.unit.named, *second.unit.named]),
        lines=[*first.unit.lines, *second.unit.lines],
        fade_in=first.unit.fade_in,
        fade_out=second.unit.fade_out,
    )
    return replace(framed_as, unit=unit, introduced=_unique([*first.introduced, *second.introduced]))


def _figure_box(size: ShotSize, centre: float, nearness: float = 1.0, stature: float = 1.0) -> Box:
    """Where a standing figure is in frame. `nearness` brings it toward the camera (head kept, feet lower);
    `stature` is its height relative to whom the camera frames, feet kept where they stand."""
    height, top = FIGURE_HEIGHT_AND_TOP[size]
    near_height = min(3.0, height * nearness)
    height = min(3.0, near_height * stature)
    width = height * FIGURE_WIDTH_PER_HEIGHT
    bottom = top + near_height
    return Box(x=round(centre - width / 2, 4), y=round(max(-1.0, bottom - height), 4), w=round(width, 4), h=round(height, 4))


def _facing_centre(centre: float) -> Literal["left", "right", "camera"]:
    if abs(centre - 0.5) < 0.05:
        return "camera"
    return "right" if centre < 0.5 else "left"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else f"{text}."


class _Staging:
    """Frames one scene's units in order. Everyone has a place in the scene's line-up and keeps their side
    of everyone else in every shot of the scene (the 180-degree rule)."""

    def __init__(self, task: StoryboardTask, pacing: PlanningSettings) -> None:
        self.task = task
        self.pacing = pacing
        self.members: dict[str, Character] = {member.id: member for member in task.cast}
        # Lines are timed at the faster of the speaker's voice and the planning rate: a shot planned too short
        # is stretched to its real speech, one planned too long holds silence.
        self.rates = {member.id: max(member.voice.words_per_minute_spoken(), pacing.words_per_minute) for member in task.cast}
        self.lineup = _lineup(task.beats.beats)
        self.slots = {character_id: (number + 1) / (len(self.lineup) + 1) for number, character_id in enumerate(self.lineup)}
        # Who is in the scene so far, in line-up order; characters whose entrance the action describes join then.
        there = _there_from_the_start(task.beats.beats)
        self.present = [character_id for character_id in self.lineup if character_id in there]
        self.shots_since_group = SINGLES_BETWEEN_GROUP_SHOTS  # a conversation opens on the group
        self.lines_written = 0

    def frame(self, unit: _Unit) -> _Draft:
        draft = self._frame(unit)
        named = [self.members[character_id] for character_id in unit.named if character_id in self.members]
        draft.introduced = _introduced(unit.action, named)
        self.present = [character_id for character_id in self.lineup if character_id in {*self.present, *draft.subjects}]
        # A conversation's group shot (not the action before it, which may play over the first line).
        group_talks = bool(unit.lines) and len(self.present) >= 3 and set(self.present) <= set(draft.subjects)
        self.shots_since_group = 0 if group_talks else self.shots_since_group + 1
        return draft

    def shot(self, draft: _Draft, number: int) -> Shot:
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
            action=_place_view(self.task.location, self.task.time_of_day, unit.action) if unit.kind in VIEWS else unit.action,
            lines=lines,
            duration_s=_duration(unit, self.pacing, self.rates),
            transition_in=Transition.fade if unit.fade_in else Transition.cut,
            transition_out=Transition.fade if unit.fade_out else Transition.cut,
            prompt=self._prompt(draft, placed),
            seed=shot_seed(shot_id),
        )

    def motion_prompt(self, shot: Shot) -> str:
        speakers = _unique(self._name(line.speaker_id) for line in shot.lines if not line.off_screen)
        speaking = f"; {' and '.join(speakers)} speaking" if speakers else ""
        return f"{MOVEMENT_WORDS[shot.movement]}{speaking}."

    def _frame(self, unit: _Unit) -> _Draft:
        exterior = self.task.interior is False
        if unit.kind == "place":
            return _Draft(unit, ShotSize.wide, [])
        # Action that names nobody ("They drink.") shows whoever is in the scene.
        people = [character_id for character_id in self.lineup if character_id in (unit.named or self.present)]
        if unit.kind == "establishing":
            if exterior:
                return _Draft(unit, ShotSize.extreme_wide, people, angle=CameraAngle.high, movement=CameraMovement.pan_right)
            return _Draft(unit, ShotSize.wide, people, movement=CameraMovement.pan_left)
        if unit.kind == "action":
            size = {0: ShotSize.wide, 1: ShotSize.medium, 2: ShotSize.medium_wide}.get(len(people), ShotSize.wide)
            movement = CameraMovement.pan_left if len(people) >= 2 else CameraMovement.static
            return _Draft(unit, size, people, movement=movement)

        speakers = _unique(line.speaker_id for line in unit.lines if not line.off_screen)
        if not speakers:  # a voice over the listeners, or over the empty place
            heard = {line.speaker_id for line in unit.lines}
            listeners = [character_id for character_id in self.present if character_id not in heard]
            size = {0: ShotSize.wide, 1: ShotSize.medium}.get(len(listeners), ShotSize.medium_wide)
            return _Draft(unit, size, listeners)
        present = [character_id for character_id in self.lineup if character_id in {*self.present, *speakers}]
        talking = [character_id for character_id in present if character_id in speakers]  # in line-up order
        tense = _emotional(unit.lines)
        # A group talking opens on the group and comes back to it after a couple of closer shots; a tense line stays close.
        if len(present) >= 3 and not tense and self.shots_since_group >= SINGLES_BETWEEN_GROUP_SHOTS:
            return _Draft(unit, ShotSize.medium_wide, present)
        if len(talking) >= 2:  # an exchange, or lines said together: a shot of those who speak
            return _Draft(unit, ShotSize.medium if len(talking) == 2 else ShotSize.medium_wide, talking)
        size = _dialogue_size(unit.lines)
        movement = CameraMovement.dolly_in if tense else CameraMovement.static
        listeners = [character_id for character_id in present if character_id not in speakers]
        # Two people: shot/reverse-shot over the listener's shoulder. Alone, or in a group: a single on the speaker.
        over_shoulder_of = listeners[0] if len(listeners) == 1 else None
        return _Draft(unit, size, speakers, over_shoulder_of=over_shoulder_of, movement=movement)

    def _place(self, draft: _Draft) -> list[CharacterInShot]:
        """Subjects spread across the frame in line-up order; one alone keeps to their side of it. Heights
        are relative to the tallest subject, whom the shot size frames."""
        tallest = max((self._height(character_id) for character_id in draft.subjects), default=1.0)
        if draft.over_shoulder_of:
            return self._over_the_shoulder(draft, tallest)
        if len(draft.subjects) == 1:
            slot = self.slots.get(draft.subjects[0], 0.5)
            spots = [(min(max(slot, SINGLE_CENTRES[0]), SINGLE_CENTRES[1]), _facing_centre(slot))]
        else:
            centres = [(number + 1) / (len(draft.subjects) + 1) for number in range(len(draft.subjects))]
            spots = [(centre, _facing_centre(centre)) for centre in centres]
        return [
            CharacterInShot(
                character_id=character_id,
                box=_figure_box(draft.size, centre, stature=self._height(character_id) / tallest),
                facing=facing,
            )
            for character_id, (centre, facing) in zip(draft.subjects, spots, strict=True)
        ]

    def _over_the_shoulder(self, draft: _Draft, tallest: float) -> list[CharacterInShot]:
        """Shot/reverse-shot: the speaker on their side facing across, the listener's shoulder at the other edge."""
        speaker, listener = draft.subjects[0], draft.over_shoulder_of
        speaker_on_left = self.lineup.index(speaker) < self.lineup.index(listener)
        return [
            CharacterInShot(
                character_id=speaker,
                box=_figure_box(draft.size, SINGLE_CENTRES[0 if speaker_on_left else 1], stature=self._height(speaker) / tallest),
                facing="right" if speaker_on_left else "left",
            ),
            CharacterInShot(
                character_id=listener,
                box=_figure_box(
                    draft.size,
                    OVER_SHOULDER_CENTRES["right" if speaker_on_left else "left"],
                    nearness=OVER_SHOULDER_SCALE,
                    stature=self._height(listener) / tallest,
                ),
                facing="left" if speaker_on_left else "right",
            ),
        ]

    def _prompt(self, draft: _Draft, placed: list[CharacterInShot]) -> str:
        parts = [f"{SIZE_WORDS[draft.size]}, {ANGLE_WORDS[draft.angle]}", self.task.location.description]
        if self.task.time_of_day:
            parts.append(f"Time of day: {self.task.time_of_day.lower()}")
        for character in placed:
            member = self.members.get(character.character_id)
            description = member.description.strip() if member else ""
            parts.append(
                f"{self._name(character.character_id)}: {description}" if description else self._name(character.character_id)
            )
        if draft.unit.action:
            parts.append(" ".join(draft.unit.action.split()))
        parts.append(self.task.style)
        return " ".join(_sentence(part) for part in parts if part.strip())

    def _name(self, character_id: str) -> str:
        member = self.members.get(character_id)
        return member.name if member else character_id

    def _height(self, character_id: str) -> float:
        member = self.members.get(character_id)
        return member.height if member else 1.0


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _introduced(action: str, characters: list[Character]) -> list[str]:
    """Who the action introduces: screenplays write a character's name in capitals there ('LEO NAIR (9) ...')."""
    introduced = []
    for character in characters:
        names = [name.upper() for name in (character.name, *character.aliases) if name.upper() != name.lower()]
        if any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", action) for name in names):
            introduced.append(character.id)
    return introduced


def _lineup(beats: list[Beat]) -> list[str]:
    """Who is seen in the scene, in order of first appearance: on-screen speakers and characters named in action."""
    seen: list[str] = []
    for beat in beats:
        if isinstance(beat, DialogueBeat) and not beat.off_screen:
            seen.append(beat.speaker_id)
        elif isinstance(beat, ActionBeat):
            seen.extend(beat.character_ids)
    return _unique(seen)


def _there_from_the_start(beats: list[Beat]) -> set[str]:
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
