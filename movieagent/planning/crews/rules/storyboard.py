"""The storyboard artist: a scene's beats cut into shots, each framed, placed, timed, moved and described."""

from __future__ import annotations

from dataclasses import replace

from movieagent.config import PlanningSettings
from movieagent.planning.crew import Beat, DialogueBeat, StoryboardTask, TransitionBeat
from movieagent.planning.crews.rules.screenwriter import ACTION_BEAT_WORDS
from movieagent.planning.crews.rules.speeches import split_to_fit
from movieagent.planning.crews.rules.staging import Staging
from movieagent.planning.crews.rules.units import VIEWS, Draft, Unit, is_emotional, unique
from movieagent.planning.review import spoken_words
from movieagent.schema import CameraMovement, Shot, ShotSize, Transition

# An action beat this short plays over the line it leads into instead of holding a shot of its own.
SHORT_ACTION_WORDS = 20

# A line and a reply this short together (about six seconds) play in one shot of both.
EXCHANGE_WORDS = 16

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


def storyboard(task: StoryboardTask, pacing: PlanningSettings) -> list[Shot]:
    # 1. Beats -> shot-sized units, opened by an establishing shot when the place changes.
    units = beat_units(task.beats.beats)
    if task.previous_location_id != task.location.id:
        units = with_establishing_shot(units)
    if not units:
        units = [Unit("place")]
    # 2. Speeches too long for one shot are split over several; a quick exchange shares one.
    units = paired_exchanges([piece for unit in units for piece in split_to_fit(unit, pacing)])
    # 3. Each unit framed in order, then cut together: no jump cuts, short action over the line it leads into.
    staging = Staging(task, pacing)
    drafts = cut_together([staging.frame(unit) for unit in units])
    # 4. Each shot placed, timed, moved and described.
    shots = [staging.shot(draft, number) for number, draft in enumerate(drafts, start=1)]
    vary_movement(shots)
    apply_scene_transitions(shots, task.enters_with, task.exits_with)
    return [shot.model_copy(update={"motion_prompt": staging.motion_prompt(shot)}) for shot in shots]


def beat_units(beats: list[Beat]) -> list[Unit]:
    """One unit per action beat; consecutive lines of one speaker, and dual dialogue, share a unit."""
    units: list[Unit] = []
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
        if (
            isinstance(beat, DialogueBeat)
            and current
            and current.kind == "dialogue"
            and (beat.dual or all(line.speaker_id == beat.speaker_id for line in current.lines))
        ):
            current.lines.append(beat)
            continue
        if isinstance(beat, DialogueBeat):
            unit = Unit("dialogue", lines=[beat])
        else:
            unit = Unit("action", action=beat.text, named=list(beat.character_ids))
        unit.fade_in, fade_next, after_transition = fade_next, False, False
        units.append(unit)
    return units


def with_establishing_shot(units: list[Unit]) -> list[Unit]:
    """A view of the new place opens the scene, taking over its fade-in; the scene's opening action plays in it."""
    view = Unit("establishing")
    if units:
        view.fade_in, units[0].fade_in = units[0].fade_in, False
    if units and units[0].kind == "action":
        opening = units.pop(0)
        view.action, view.named, view.fade_out = opening.action, opening.named, opening.fade_out
    return [view, *units]


def paired_exchanges(units: list[Unit]) -> list[Unit]:
    """A quick exchange, a line and someone else's reply few words between them, plays in one shot of both;
    never two exchanges in a row, so a conversation still cuts between its speakers."""
    paired: list[Unit] = []
    for unit in units:
        previous = paired[-1] if paired else None
        earlier_talk = next((earlier for earlier in reversed(paired[:-1]) if earlier.lines), None)
        if (
            previous
            and not (earlier_talk and is_exchange(earlier_talk))
            and plain_line(previous)
            and plain_line(unit)
            and previous.lines[0].speaker_id != unit.lines[0].speaker_id
            and spoken_words(f"{previous.lines[0].text} {unit.lines[0].text}") <= EXCHANGE_WORDS
            and not (previous.fade_out or unit.fade_in)
        ):
            paired[-1] = replace(previous, lines=[*previous.lines, *unit.lines], fade_out=unit.fade_out)
        else:
            paired.append(unit)
    return paired


def is_exchange(unit: Unit) -> bool:
    return len({line.speaker_id for line in unit.lines}) > 1


def plain_line(unit: Unit) -> bool:
    """One line, said on screen, alone and not for a close-up."""
    if unit.kind != "dialogue" or len(unit.lines) != 1:
        return False
    line = unit.lines[0]
    return not (line.off_screen or line.dual or is_emotional([line]))


def cut_together(drafts: list[Draft]) -> list[Draft]:
    """Action that leads into a line plays with it, in whichever of their two shots shows everyone. A shot
    that would repeat the framing before it joins that shot when only one of the two has lines, else the
    camera moves closer (or, from a close-up, back)."""
    cut: list[Draft] = []
    for draft in drafts:
        if cut and leads_into(cut[-1], draft):
            action = cut.pop()
            wider = draft if set(action.subjects) <= set(draft.subjects) else action
            draft = joined(action, draft, framed_as=wider)
            if draft.size in TOO_TIGHT_FOR_ACTION:
                draft.size = ShotSize.medium_close_up
        if cut and cut[-1].framing() == draft.framing():
            if can_join(cut[-1], draft):
                cut[-1] = joined(cut[-1], draft, framed_as=draft if draft.unit.lines else cut[-1])
                continue
            draft = recut(draft)
        cut.append(draft)
    return cut


def recut(draft: Draft) -> Draft:
    """The same people from closer (from a close-up, further back); a shot with action no tighter than it needs."""
    size = RECUT_SIZE[draft.size]
    return replace(draft, size=ShotSize.medium if draft.unit.action and size in TOO_TIGHT_FOR_ACTION else size)


def leads_into(action: Draft, talk: Draft) -> bool:
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


def can_join(first: Draft, second: Draft) -> bool:
    """Two beats with the same framing fit one shot: no transition between them, no more than a beat's worth
    of action, lines in one of them only (two speeches in one unchanging frame would drag)."""
    return (
        first.unit.kind not in VIEWS
        and second.unit.kind not in VIEWS
        and not (first.unit.fade_out or second.unit.fade_in)
        and not (first.unit.lines and second.unit.lines)
        and spoken_words(f"{first.unit.action} {second.unit.action}") <= ACTION_BEAT_WORDS
    )


def joined(first: Draft, second: Draft, framed_as: Draft) -> Draft:
    """One shot for both beats, in order, framed as `framed_as` (one of them)."""
    unit = Unit(
        "dialogue" if first.unit.lines or second.unit.lines else first.unit.kind,
        action=" ".join(text for text in (first.unit.action, second.unit.action) if text),
        named=unique([*first.unit.named, *second.unit.named]),
        lines=[*first.unit.lines, *second.unit.lines],
        fade_in=first.unit.fade_in,
        fade_out=second.unit.fade_out,
    )
    return replace(framed_as, unit=unit, introduced=unique([*first.introduced, *second.introduced]))


def vary_movement(shots: list[Shot]) -> None:
    """Never the same movement three shots in a row. A scene's first two and last two shots differ as
    well, so no run of three forms across the cut into the next scene either."""
    for number, shot in enumerate(shots):
        before = [earlier.movement for earlier in shots[max(0, number - 2) : number]]
        third_in_a_row = len(before) == 2 and before[0] == before[1] == shot.movement
        repeats_at_edge = number in (1, len(shots) - 1) and before[-1:] == [shot.movement]
        if third_in_a_row or repeats_at_edge:
            shot.movement = change_of_movement(shot)


def change_of_movement(shot: Shot) -> CameraMovement:
    """A held camera after two moves; after two held shots a slow drift on a wide view, a push in on a closer one."""
    if shot.movement != CameraMovement.static:
        return CameraMovement.static
    return CameraMovement.pan_right if shot.size in WIDE_SIZES else CameraMovement.dolly_in


def apply_scene_transitions(shots: list[Shot], enters_with: Transition, exits_with: Transition) -> None:
    if enters_with == Transition.fade:
        shots[0].transition_in = Transition.fade
    if exits_with == Transition.fade:
        shots[-1].transition_out = Transition.fade
