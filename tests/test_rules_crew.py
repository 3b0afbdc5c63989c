"""The rules crew's film grammar, on a three-scene screenplay planned through the whole graph."""

from __future__ import annotations

import re

import pytest

from movieagent.backends import load_backend
from movieagent.config import PlanningSettings
from movieagent.ingest import load_script
from movieagent.planning import plan_movie
from movieagent.planning.casting import cast_script
from movieagent.planning.crews.rules import Backend
from movieagent.planning.review import check_plan
from movieagent.schema import (
    ID_PATTERN,
    CameraMovement,
    Character,
    CharacterBank,
    Location,
    Plan,
    ShotSize,
    Transition,
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
