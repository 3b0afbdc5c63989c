"""The rules crew's cutting, pacing and stature: scenes storyboarded alone, and the long example planned whole."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from movieagent.config import PlanningSettings
from movieagent.errors import InputErrors
from movieagent.ingest import check_inputs, load_bank, load_script
from movieagent.planning import plan_movie
from movieagent.planning.crew import ActionBeat, Cast, DialogueBeat, SceneBeats, SceneBrief, ScreenwriterTask, StoryboardTask
from movieagent.planning.crews.rules import Backend
from movieagent.schema import (
    CameraAngle,
    Character,
    CharacterBank,
    LocationSheet,
    Plan,
    Script,
    ScriptAction,
    ScriptDialogue,
    ScriptScene,
    Shot,
    ShotSize,
    Transition,
    Voice,
)

SETTINGS = PlanningSettings()
REPO = Path(__file__).resolve().parents[1]
HALL = LocationSheet(id="hall", name="Hall", description="A hall.")


def in_frame(shot: Shot) -> frozenset[str]:
    """Who the camera is on: characters whose figure is centred inside the frame (not a shoulder at its edge)."""
    return frozenset(placed.character_id for placed in shot.characters if 0.05 < placed.box.x + placed.box.w / 2 < 0.95)


def framing(shot: Shot) -> tuple[frozenset[str], ShotSize, CameraAngle]:
    return in_frame(shot), shot.size, shot.angle


def board(beats: list, cast: list[Character], pacing: PlanningSettings = SETTINGS) -> list[Shot]:
    """One scene storyboarded in a place the film is already in (so no establishing shot)."""
    brief = SceneBrief(scene_id="scene-001", goal="", beat="")
    task = StoryboardTask(
        brief=brief, beats=SceneBeats(scene_id="scene-001", beats=beats), location=HALL, cast=cast, previous_location_id="hall"
    )
    return Backend(Backend.Options()).storyboard_artist(task, pacing)


def said(shot: Shot) -> list[str]:
    return [line.speaker_id for line in shot.lines]


ADA, BEN, CY = (Character(id=name.lower(), name=name) for name in ("Ada", "Ben", "Cy"))


@pytest.fixture(scope="module")
def long_example() -> tuple[Script, Plan]:
    script, bank = check_inputs(REPO / "examples/long/borrowed-sugar.fountain", REPO / "character_bank/borrowed-sugar")
    return script, plan_movie(script, bank, Backend(Backend.Options()), SETTINGS)


def test_the_long_example_never_jump_cuts_and_keeps_every_line(long_example):
    script, plan = long_example
    for scene in plan.scenes:
        for before, after in pairwise(scene.shots):
            assert framing(before) != framing(after), (before.id, after.id)
    spoken = [" ".join(element.text.split()) for element in script.dialogue() if element.text.strip()]
    assert [" ".join(line.text.split()) for line in plan.lines()] == spoken  # verbatim, once, in order
    assert all("END" not in shot.action for shot in plan.shots()) and plan.shots()[-1].transition_out == Transition.fade
    assert all(shot.action and "unnamed" not in shot.action.lower() for scene in plan.scenes for shot in scene.shots[:1])


def test_the_long_example_plays_at_a_brisk_pace(long_example):
    _, plan = long_example
    # Before: 84 shots and 278 s planned for about 120 s of speech.
    assert len(plan.shots()) <= 55
    assert 150 <= plan.duration_s() <= 205
    actionless = [shot for shot in plan.shots() if not shot.lines]
    assert all(shot.duration_s <= max(SETTINGS.establishing_shot_s, 3.0) for shot in actionless)


def test_a_group_conversation_alternates_the_group_with_singles_on_the_speaker(long_example):
    _, plan = long_example
    baking = plan.scenes[4]  # Arthur, Priya and Leo bake
    talking = [shot for shot in baking.shots if shot.lines]
    singles = [shot for shot in talking if len(in_frame(shot)) == 1]
    groups = [shot for shot in talking if len(in_frame(shot)) == 3]
    assert singles and groups
    assert all(
        in_frame(shot) == set(said(shot)) and shot.size in (ShotSize.medium_close_up, ShotSize.close_up) for shot in singles
    )
    assert all(shot.size == ShotSize.medium_wide for shot in groups)


def test_conversations_cut_between_group_and_singles():
    lines = [
        (ADA, "I have been thinking about the garden all week long."),
        (BEN, "The roses again, or the old wall by the gate?"),
        (CY, "Whatever it is, it can wait until after the rain stops."),
        (ADA, "It cannot wait, the frost comes tonight and takes everything."),
        (BEN, "Then we cover the roses with the sheets from the attic."),
        (CY, "And I will make the tea while you two are out there."),
    ]
    beats = [ActionBeat(text="Ada, Ben and Cy sit down.", character_ids=["ada", "ben", "cy"])]
    beats += [DialogueBeat(speaker_id=person.id, text=text) for person, text in lines]
    shots = board(beats, [ADA, BEN, CY])
    assert [said(shot) for shot in shots] == [["ada"], ["ben"], ["cy"], ["ada"], ["ben"], ["cy"]]
    assert shots[0].action == "Ada, Ben and Cy sit down."  # the action plays over the first line, in the group
    group = frozenset({"ada", "ben", "cy"})
    assert [in_frame(shot) == group for shot in shots] == [True, False, False, True, False, False]
    assert all(in_frame(shot) == set(said(shot)) for shot in shots if in_frame(shot) != group)
    assert all(framing(before) != framing(after) for before, after in pairwise(shots))


def test_a_lone_characters_action_and_lines_merge_or_change_size():
    mara = Character(id="mara", name="Mara")
    beats = [
        ActionBeat(text="Mara polishes the brass.", character_ids=["mara"]),
        DialogueBeat(speaker_id="mara", text="Two hundred and thirteen steps."),
        ActionBeat(
            text="Mara stands, crosses the lamp room to the great window and looks out over the black water toward "
            "the point, where the rocks are.",
            character_ids=["mara"],
        ),
        ActionBeat(text="She waits."),
        DialogueBeat(speaker_id="mara", text="Nothing."),
    ]
    shots = board(beats, [mara])
    assert [(shot.action.split()[:2], [line.text for line in shot.lines], shot.size) for shot in shots] == [
        (["Mara", "polishes"], ["Two hundred and thirteen steps."], ShotSize.medium_close_up),
        (["Mara", "stands,"], [], ShotSize.medium),
        (["She", "waits."], ["Nothing."], ShotSize.medium_close_up),  # a close-up line, opened up for the action
    ]
    assert [shot.duration_s for shot in shots] == [2.78, 3.0, 2.0]


def test_a_speech_split_over_shots_cuts_closer_rather_than_jumping():
    speech = " ".join(f"Sentence number {n} is here." for n in range(1, 13))
    shots = board([DialogueBeat(speaker_id="ada", text=speech)], [ADA], SETTINGS.model_copy(update={"max_shot_s": 6.0}))
    assert len(shots) >= 3
    assert all(framing(before) != framing(after) for before, after in pairwise(shots))


def test_an_introduction_in_capitals_plays_over_the_first_line():
    entrance = "hauls himself up through the hatch, out of breath, and drops a heavy yellow toolbox on the iron floor."
    line = DialogueBeat(speaker_id="toby", text="I'm Toby. From the Coastal Authority.")
    toby = Character(id="toby", name="Toby Fenn", aliases=["TOBY"])
    introduced = board([ActionBeat(text=f"TOBY FENN (20s, ginger hair) {entrance}", character_ids=["toby"]), line], [toby])
    assert len(introduced) == 1 and introduced[0].action.startswith("TOBY FENN") and said(introduced[0]) == ["toby"]
    seen_again = board([ActionBeat(text=f"Toby, twenty minutes later, {entrance}", character_ids=["toby"]), line], [toby])
    assert [said(shot) for shot in seen_again] == [[], ["toby"]]  # a long action that introduces nobody keeps its shot


def test_a_quick_exchange_shares_a_two_shot_but_never_twice_in_a_row():
    lines = [(ADA, "Tea?"), (BEN, "Please."), (ADA, "Milk?"), (BEN, "No."), (ADA, "Sugar?"), (BEN, "Two.")]
    beats = [ActionBeat(text="Ada and Ben at the table.", character_ids=["ada", "ben"])]
    beats += [DialogueBeat(speaker_id=person.id, text=text) for person, text in lines]
    shots = board(beats, [ADA, BEN])
    assert [said(shot) for shot in shots] == [["ada", "ben"], ["ada"], ["ben", "ada"], ["ben"]]
    assert [len(in_frame(shot)) for shot in shots] == [2, 1, 2, 1]  # two-shots, and singles over the other's shoulder
    assert all(len(shot.characters) == 2 for shot in shots)


def test_action_is_held_by_its_words_and_lines_at_the_faster_of_voice_and_planning_rate():
    quick = SETTINGS.model_copy(update={"min_shot_s": 1.0})
    fast = Character(id="fast", name="Fast", voice=Voice(words_per_minute=200))
    slow = Character(id="slow", name="Slow", voice=Voice(words_per_minute=100))
    beats = [
        ActionBeat(text="Fast nods.", character_ids=["fast"]),  # 2 words: the shortest hold
        ActionBeat(text="Slow walks the whole length of the long hall to the very last window.", character_ids=["slow"]),
        ActionBeat(text="Fast and Slow meet in the middle.", character_ids=["fast", "slow"]),  # 7 words at 3.5 a second
    ]
    assert [shot.duration_s for shot in board(beats, [fast, slow], quick)] == [1.5, 3.0, 2.0]
    nine_words = "One two three four five six seven eight nine."
    talk = [DialogueBeat(speaker_id="fast", text=nine_words), DialogueBeat(speaker_id="slow", text=nine_words)]
    fast_shot, slow_shot = board(talk, [fast, slow], quick)
    assert fast_shot.duration_s == 3.6  # 0.4 + 9 words at 200 a minute + 0.5
    assert slow_shot.duration_s == 4.28  # a slow voice is timed at the planning rate and stretched by the timeline


def test_the_end_fades_the_film_out_instead_of_holding_a_shot():
    ada = Character(id="ada", name="Ada")
    scene = ScriptScene(
        index=1,
        heading="INT. HALL - DAY",
        location="HALL",
        elements=[ScriptDialogue(cue="ADA", text="Goodbye."), ScriptAction(text="THE END", centered=True)],
    )
    crew, brief = Backend(Backend.Options()), SceneBrief(scene_id="scene-001", goal="", beat="")
    beats = crew.screenwriter(ScreenwriterTask(scene=scene, brief=brief, cast=Cast(members=[ada], cues={"ADA": "ada"})))
    assert [beat.kind for beat in beats.beats] == ["dialogue", "transition"] and beats.beats[1].effect == "fade_out"


def test_a_leading_fade_in_opens_the_first_scene(tmp_path):
    path = tmp_path / "fade.fountain"
    path.write_text("Title: Fade\n\nFADE IN:\n\nINT. HALL - DAY\n\nADA\nHello.\n", encoding="utf-8")
    plan = plan_movie(load_script(path), CharacterBank(root=tmp_path), Backend(Backend.Options()), SETTINGS)
    (scene,) = plan.scenes
    assert scene.heading == "INT. HALL - DAY" and scene.shots[0].transition_in == Transition.fade
    assert scene.shots[0].action == "Hall, day (interior)" and said(scene.shots[1]) == ["ada"]


def write_character(folder: Path, name: str, extra: str = "") -> None:
    folder.mkdir(parents=True)
    (folder / "character.yaml").write_text(f"name: {name}\ndescription: someone\n{extra}", encoding="utf-8")


def test_a_child_stands_shorter_beside_adults_with_feet_where_they_were(tmp_path):
    write_character(tmp_path / "bank" / "ada", "Ada")
    write_character(tmp_path / "bank" / "kit", "Kit", "height: 0.72\n")
    bank = load_bank(tmp_path / "bank")
    assert bank.find_character("KIT").height == 0.72 and bank.find_character("ADA").height == 1.0
    script_path = tmp_path / "yard.fountain"
    script_path.write_text(
        "INT. YARD - DAY\n\nAda and Kit stand by the wall.\n\nKIT\nCan we go in now, please, before it rains?\n\n"
        "ADA\nNot yet. We wait for your father here.\n",
        encoding="utf-8",
    )
    plan = plan_movie(load_script(script_path), bank, Backend(Backend.Options()), SETTINGS)
    together = [shot for shot in plan.shots() if in_frame(shot) == {"ada", "kit"}]
    assert together
    for shot in together:
        ada, kit = sorted(shot.characters, key=lambda placed: placed.character_id)
        assert kit.box.h == pytest.approx(0.72 * ada.box.h, abs=1e-3)
        assert kit.box.y + kit.box.h == pytest.approx(ada.box.y + ada.box.h, abs=1e-3)  # feet on the same floor
    # Framed on their own, the child fills the frame as an adult would at that size.
    kit_alone = next(shot for shot in plan.shots() if in_frame(shot) == {"kit"})
    kit_box = next(placed.box for placed in kit_alone.characters if placed.character_id == "kit")
    adult_alone = board([DialogueBeat(speaker_id="ada", text=kit_alone.lines[0].text)], [bank.find_character("ADA")])
    assert (kit_box.y, kit_box.h) == (adult_alone[0].characters[0].box.y, adult_alone[0].characters[0].box.h)


def test_a_height_out_of_range_is_refused_with_file_and_line(tmp_path):
    write_character(tmp_path / "bank" / "giant", "Giant", "height: 2.5\n")
    with pytest.raises(InputErrors) as refused:
        load_bank(tmp_path / "bank")
    (problem,) = refused.value.problems
    assert problem.path == (tmp_path / "bank" / "giant" / "character.yaml").resolve() and problem.line == 3
    assert "height" in problem.message


def test_the_long_examples_child_is_shorter_in_group_shots(long_example):
    _, plan = long_example
    shared = [shot for shot in plan.shots() if {"leo-nair", "arthur-penhallow"} <= in_frame(shot)]
    assert shared
    for shot in shared:
        boxes = {placed.character_id: placed.box for placed in shot.characters}
        assert boxes["leo-nair"].h == pytest.approx(0.72 * boxes["arthur-penhallow"].h, abs=1e-3)
