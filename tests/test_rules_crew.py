"""The rules crew's film grammar, on a three-scene screenplay planned through the whole graph."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

from movieagent.backends import load_backend
from movieagent.config import PlanningSettings
from movieagent.errors import InputErrors
from movieagent.ingest import check_inputs, load_bank, load_script
from movieagent.planning import plan_movie
from movieagent.planning.casting import cast_script
from movieagent.planning.crew import ActionBeat, Cast, DialogueBeat, SceneBeats, SceneBrief, ScreenwriterTask, StoryboardTask
from movieagent.planning.crews.rules import Backend
from movieagent.planning.review import check_plan
from movieagent.schema import (
    ID_PATTERN,
    CameraAngle,
    CameraMovement,
    Character,
    CharacterBank,
    Location,
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

SPARE_KEY = """\
Title: The Spare Key

EXT. GARDEN - DAY

Anna waters the roses. BEN watches her from the gate.

ANNA
You're late.

BEN
The bus broke down. I walked the last two miles in the rain, past the mill and the old church, and I thought about what I would say to you the whole way there, and I still do not know what it is.

ANNA
(whispering)
Then don't say anything.

BEN
I brought the key.

ANNA
Keep it.

DISSOLVE TO:

INT. KITCHEN - NIGHT

Anna, Ben and CLARA sit around the table.

CLARA
So who is going to tell me what happened?

ANNA
Nothing happened.

BEN
Everything happened.

NARRATOR (V.O.)
They never spoke of the garden again.

CUT TO:

INT. KITCHEN - CONTINUOUS

Clara pours the tea.

CLARA
More?

FADE OUT.
"""
BEN_SPEECH = (
    "The bus broke down. I walked the last two miles in the rain, past the mill and the old church, and I thought "
    "about what I would say to you the whole way there, and I still do not know what it is."
)
GARDEN = "A walled cottage garden with climbing roses and a white wooden gate."
ANNA = "a woman in her sixties with silver hair and a green raincoat"
SETTINGS = PlanningSettings()


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> tuple[CharacterBank, Plan]:
    folder = tmp_path_factory.mktemp("spare-key")
    (folder / "spare-key.fountain").write_text(SPARE_KEY, encoding="utf-8")
    bank = CharacterBank(
        root=folder,
        characters=[
            Character(id="anna", name="Anna Weiss", aliases=["Anna"], description=ANNA),
            Character(id="ben", name="Ben", description="a tall young man in a wet denim jacket"),
        ],
        locations=[Location(id="garden", name="Garden", description=GARDEN, images=[folder / "garden.png"])],
    )
    script = load_script(folder / "spare-key.fountain")
    return bank, plan_movie(script, bank, Backend(Backend.Options()), SETTINGS)


def test_the_crew_is_found_by_its_config_name():
    assert isinstance(load_backend("crew", SETTINGS.crew), Backend)


def test_an_establishing_shot_opens_each_new_location_only_with_the_opening_action_in_it(planned):
    _, plan = planned
    garden, kitchen, kitchen_again = plan.scenes
    for opening in (garden.shots[0], kitchen.shots[0]):
        assert opening.size in (ShotSize.wide, ShotSize.extreme_wide)
        assert opening.movement in (CameraMovement.pan_left, CameraMovement.pan_right, CameraMovement.static)
        assert opening.lines == [] and opening.duration_s == SETTINGS.establishing_shot_s
    assert garden.shots[0].action == "Garden, day. Anna waters the roses. BEN watches her from the gate."
    assert [placed.character_id for placed in garden.shots[0].characters] == ["anna", "ben"]
    assert kitchen.shots[0].action == "Kitchen, night. Anna, Ben and CLARA sit around the table."
    assert {placed.character_id for placed in kitchen.shots[0].characters} == {"anna", "ben", "clara"}
    assert kitchen_again.location_id == kitchen.location_id
    assert kitchen_again.shots[0].size not in (ShotSize.wide, ShotSize.extreme_wide), "same place: no new establishing shot"
    assert sum(shot.size in (ShotSize.wide, ShotSize.extreme_wide) for shot in plan.shots()) == 2


def test_an_establishing_shot_without_action_describes_the_place_from_its_sheet():
    from movieagent.planning.crew import DialogueBeat, LocationSheet, SceneBeats, SceneBrief, StoryboardTask

    shots = Backend(Backend.Options()).storyboard_artist(
        StoryboardTask(
            brief=SceneBrief(scene_id="scene-001", goal="", beat=""),
            beats=SceneBeats(scene_id="scene-001", beats=[DialogueBeat(speaker_id="ada", text="Hello, hall.")]),
            location=LocationSheet(id="hall", name="Great Hall", description="A vaulted hall hung with banners."),
            time_of_day="NIGHT",
            cast=[Character(id="ada", name="Ada")],
        ),
        SETTINGS,
    )
    assert shots[0].action == "Great Hall, night: A vaulted hall hung with banners."
    assert shots[0].lines == [] and shots[1].lines[0].text == "Hello, hall."


def test_two_people_talk_in_shot_reverse_shot_keeping_their_sides(planned):
    _, plan = planned
    garden = plan.scenes[0]
    talking = [shot for shot in garden.shots if shot.lines]
    speakers = [[line.speaker_id for line in shot.lines] for shot in talking]
    # Ben's long speech takes two shots; the quick "I brought the key." / "Keep it." plays in one two-shot.
    assert speakers == [["anna"], ["ben"], ["ben"], ["anna"], ["ben", "anna"]]
    for shot in talking:
        framed = [placed.character_id for placed in shot.characters]
        assert set(framed) == {"anna", "ben"}
        if len(shot.lines) == 1:
            assert framed[0] == shot.lines[0].speaker_id  # over the listener's shoulder
    # The 180-degree rule: each keeps one side of frame all scene long, facing the other.
    on_left = {}
    for character_id in ("anna", "ben"):
        placements = [placed for shot in garden.shots for placed in shot.characters if placed.character_id == character_id]
        sides = {placed.box.x + placed.box.w / 2 < 0.5 for placed in placements}
        assert len(sides) == 1, f"{character_id} crosses the line"
        on_left[character_id] = sides.pop()
        assert all(placed.facing == ("right" if on_left[character_id] else "left") for placed in placements)
    assert on_left["anna"] != on_left["ben"]


def test_the_listener_shows_at_the_frame_edge_and_an_exchange_in_a_two_shot(planned):
    _, plan = planned
    for shot in (shot for shot in plan.scenes[0].shots if shot.lines):
        first, second = (placed.box.x + placed.box.w / 2 for placed in shot.characters)
        if len(shot.lines) == 1:  # the speaker well inside the frame, the listener's shoulder at its edge
            assert 0.2 < first < 0.8 and (second < 0.05 or second > 0.95)
        else:
            assert 0.2 < first < 0.5 < second < 0.8


def test_three_people_get_group_and_closer_shots_and_voice_over_is_not_in_frame(planned):
    _, plan = planned
    kitchen = plan.scenes[1]
    framed = [[placed.character_id for placed in shot.characters] for shot in kitchen.shots]
    speaking = [[line.speaker_id for line in shot.lines] for shot in kitchen.shots]
    assert framed[0] == ["anna", "ben", "clara"] and speaking[0] == []  # the group around the table
    assert framed[1] == ["anna", "ben", "clara"] and speaking[1] == ["clara", "anna"]  # the conversation opens on the group
    assert framed[2] == ["ben"] and speaking[2] == ["ben"] and kitchen.shots[2].size == ShotSize.close_up
    assert framed[3] == ["anna", "ben", "clara"] and speaking[3] == ["narrator"]  # the voice over the group
    narration = [line for line in plan.lines() if line.speaker_id == "narrator"]
    assert len(narration) == 1 and narration[0].off_screen and narration[0].voice_over  # heard close and dry
    assert not any(line.voice_over for line in plan.lines() if line.speaker_id != "narrator")
    assert all(placed.character_id != "narrator" for shot in plan.shots() for placed in shot.characters)


def test_shot_sizes_follow_the_content(planned):
    _, plan = planned
    by_text = {line.text: shot for shot in plan.shots() for line in shot.lines}
    assert by_text["Then don't say anything."].size == ShotSize.close_up  # (whispering)
    assert by_text["Then don't say anything."].movement == CameraMovement.dolly_in  # push in on the emotion
    assert by_text["Everything happened."].size == ShotSize.close_up  # a short line
    ben_speech = [shot for shot in plan.scenes[0].shots if shot.lines and shot.lines[0].speaker_id == "ben"][:2]
    assert ben_speech[0].size == ShotSize.medium  # a long speech, then closer on its second half
    assert ben_speech[1].size == ShotSize.medium_close_up
    # "Clara pours the tea." plays over her line, in a shot wide enough for the action.
    (pouring,) = plan.scenes[2].shots
    assert pouring.action == "Clara pours the tea." and [line.text for line in pouring.lines] == ["More?"]
    assert pouring.size == ShotSize.medium_close_up and [placed.character_id for placed in pouring.characters] == ["clara"]


def test_the_camera_never_repeats_a_movement_three_times_running(planned):
    _, plan = planned
    movements = [shot.movement for shot in plan.shots()]
    assert len(set(movements)) >= 3
    assert all(len(set(movements[start : start + 3])) > 1 for start in range(len(movements) - 2))


def test_durations_cover_the_words_at_the_speaking_rate(planned):
    _, plan = planned
    for shot in plan.shots():
        words = sum(len(re.findall(r"\w+(?:'\w+)?", line.text)) for line in shot.lines)
        speech_s = words * 60 / SETTINGS.words_per_minute
        assert shot.duration_s >= speech_s + (0.5 if shot.lines else 0.0)  # words plus a lead and a tail
        assert SETTINGS.min_shot_s <= shot.duration_s <= SETTINGS.max_shot_s
    action = [shot for shot in plan.shots() if shot.action and not shot.lines and shot.characters]
    assert all(2.0 <= shot.duration_s <= 4.0 for shot in action)


def test_a_long_speech_is_split_over_shots_verbatim(planned):
    _, plan = planned
    pieces = [line.text for shot in plan.shots() for line in shot.lines if line.speaker_id == "ben"][:2]
    shots_with_ben_speech = [shot for shot in plan.shots() if any(line.text in pieces for line in shot.lines)]
    assert len(shots_with_ben_speech) == 2
    assert " ".join(pieces) == BEN_SPEECH


def test_every_line_is_spoken_once_in_order_with_global_ids(planned):
    _, plan = planned
    lines = plan.lines()
    texts = [line.text for line in lines]
    merged = [texts[0], texts[1] + " " + texts[2], *texts[3:]]
    assert merged == [
        "You're late.",
        BEN_SPEECH,
        "Then don't say anything.",
        "I brought the key.",
        "Keep it.",
        "So who is going to tell me what happened?",
        "Nothing happened.",
        "Everything happened.",
        "They never spoke of the garden again.",
        "More?",
    ]
    assert [line.id for line in lines] == [f"line-{number:04d}" for number in range(1, len(lines) + 1)]
    assert lines[3].parenthetical == "whispering"


def test_ids_are_unique_valid_and_seeds_stable(planned):
    _, plan = planned
    ids = [scene.id for scene in plan.scenes] + [shot.id for shot in plan.shots()] + [line.id for line in plan.lines()]
    assert len(ids) == len(set(ids)) and all(re.match(ID_PATTERN, value) for value in ids)
    assert [scene.id for scene in plan.scenes] == ["scene-001", "scene-002", "scene-003"]
    assert plan.scenes[0].shots[0].id == "scene-001-shot-01"
    assert all(shot.id.startswith(f"{shot.scene_id}-shot-") for shot in plan.shots())
    assert len({shot.seed for shot in plan.shots()}) == len(plan.shots())


def test_fades_at_start_end_and_dissolve(planned):
    _, plan = planned
    shots = plan.shots()
    garden, kitchen, kitchen_again = plan.scenes
    assert shots[0].transition_in == Transition.fade and shots[-1].transition_out == Transition.fade
    assert garden.shots[-1].transition_out == Transition.fade and kitchen.shots[0].transition_in == Transition.fade  # DISSOLVE TO
    assert kitchen.shots[-1].transition_out == Transition.cut and kitchen_again.shots[0].transition_in == Transition.cut  # CUT TO
    inner = [shot for shot in shots if shot not in (shots[0], shots[-1], garden.shots[-1], kitchen.shots[0])]
    assert all(shot.transition_in == shot.transition_out == Transition.cut for shot in inner)


def test_cast_and_locations_come_from_the_bank_or_the_script(planned):
    bank, plan = planned
    cast = {member.id: member for member in plan.cast}
    assert set(cast) == {"anna", "ben", "clara", "narrator"}
    assert cast["anna"].description == ANNA and cast["clara"].name == "Clara"
    sheets = {sheet.id: sheet for sheet in plan.locations}
    assert set(sheets) == {"garden", "kitchen"}
    assert sheets["garden"].description == GARDEN and sheets["garden"].reference_image == bank.locations[0].images[0]
    assert [scene.time_of_day for scene in plan.scenes] == ["DAY", "NIGHT", "NIGHT"]  # CONTINUOUS keeps the night


def test_prompts_reuse_the_sheet_and_character_descriptions(planned):
    _, plan = planned
    for shot in plan.shots():
        assert GARDEN in shot.prompt if shot.scene_id == "scene-001" else "Kitchen" in shot.prompt
        assert shot.motion_prompt
    anna_close = next(shot for shot in plan.shots() if shot.lines and shot.lines[0].text == "Then don't say anything.")
    assert anna_close.prompt.startswith("Close-up, eye level.") and ANNA in anna_close.prompt
    assert "Time of day: day" in anna_close.prompt
    assert "push in" in next(shot for shot in plan.shots() if shot.movement == CameraMovement.dolly_in).motion_prompt


def test_planning_is_deterministic(planned, tmp_path):
    bank, plan = planned
    (tmp_path / "spare-key.fountain").write_text(SPARE_KEY, encoding="utf-8")
    again = plan_movie(load_script(tmp_path / "spare-key.fountain"), bank, Backend(Backend.Options()), SETTINGS)
    assert again.model_dump(exclude={"source"}) == plan.model_dump(exclude={"source"})


def test_the_plan_checks_pass_the_plan_and_catch_a_broken_one(planned, tmp_path):
    bank, plan = planned
    (tmp_path / "spare-key.fountain").write_text(SPARE_KEY, encoding="utf-8")
    script = load_script(tmp_path / "spare-key.fountain")
    crew, cast = Backend(Backend.Options()), cast_script(script, bank)
    assert check_plan(script, cast, plan, SETTINGS) == {}
    assert crew.director_review(script, cast, plan, SETTINGS, {}).approved, "the review node adds the checks"

    broken = plan.model_copy(deep=True)
    kitchen_shots = broken.scenes[1].shots
    talking = next(shot for shot in kitchen_shots if shot.lines)
    talking.duration_s = 0.5
    dropped = next(shot for shot in broken.scenes[2].shots if shot.lines)
    dropped.lines = []
    broken.scenes[0].shots[1].characters[0].character_id = "stranger"
    notes = check_plan(script, cast, broken, SETTINGS)
    assert set(notes) == {"scene-001", "scene-002", "scene-003"}
    assert "not in the cast" in notes["scene-001"][0]
    assert "too short" in notes["scene-002"][0]
    assert "not spoken verbatim" in notes["scene-003"][0]


def test_long_speeches_split_to_fit_the_longest_shot():
    from movieagent.planning.crew import DialogueBeat, LocationSheet, SceneBeats, SceneBrief, StoryboardTask

    speech = " ".join(f"Sentence number {n} is here." for n in range(1, 30))
    task = StoryboardTask(
        brief=SceneBrief(scene_id="scene-001", goal="", beat=""),
        beats=SceneBeats(scene_id="scene-001", beats=[DialogueBeat(speaker_id="ada", text=speech)]),
        location=LocationSheet(id="hall", name="Hall", description="A hall."),
        cast=[Character(id="ada", name="Ada")],
        previous_location_id="hall",
    )
    short = SETTINGS.model_copy(update={"max_shot_s": 6.0})
    shots = Backend(Backend.Options()).storyboard_artist(task, short)
    assert len(shots) >= 5 and all(shot.duration_s <= 6.0 for shot in shots)
    assert " ".join(line.text for shot in shots for line in shot.lines) == speech
    assert all(line.text.endswith(".") for shot in shots for line in shot.lines)  # split between sentences


def test_transitions_inside_a_scene_fade_out_and_in():
    from movieagent.planning.crew import Cast, SceneBrief, ScreenwriterTask, StoryboardTask
    from movieagent.schema import LocationSheet, ScriptAction, ScriptDialogue, ScriptScene, ScriptTransition

    ada = Character(id="ada", name="Ada")
    scene = ScriptScene(
        index=1,
        heading="INT. HALL - DAY",
        location="HALL",
        elements=[
            ScriptDialogue(cue="ADA", text="One."),
            ScriptTransition(text="DISSOLVE TO:"),
            ScriptDialogue(cue="ADA", text="Two."),
            ScriptTransition(text="CUT TO:"),
            ScriptDialogue(cue="ADA", text="Three."),
            ScriptAction(text="FADE OUT."),
            ScriptDialogue(cue="ADA", text="Four."),
        ],
    )
    crew, brief = Backend(Backend.Options()), SceneBrief(scene_id="scene-001", goal="", beat="")
    beats = crew.screenwriter(ScreenwriterTask(scene=scene, brief=brief, cast=Cast(members=[ada], cues={"ADA": "ada"})))
    assert [beat.kind for beat in beats.beats] == ["dialogue", "transition"] * 3 + ["dialogue"]
    hall = LocationSheet(id="hall", name="Hall", description="A hall.")
    task = StoryboardTask(brief=brief, beats=beats, location=hall, cast=[ada], previous_location_id="hall")
    shots = crew.storyboard_artist(task, SETTINGS)
    assert [line.text for shot in shots for line in shot.lines] == ["One.", "Two.", "Three.", "Four."]
    assert len(shots) == 4, "a transition always starts a new shot"
    fade, cut = Transition.fade, Transition.cut
    assert [(shot.transition_in, shot.transition_out) for shot in shots] == [(cut, fade), (fade, cut), (cut, fade), (fade, cut)]


# --------------------------------------------------------------------------- cutting, pacing and stature

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
