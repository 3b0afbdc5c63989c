"""`movieagent bank init`, extras for minor roles, and the warning for a character without a picture."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from movieagent import load_settings, make_movie
from movieagent.backends import load_backend
from movieagent.cli import app
from movieagent.config import BackendChoice
from movieagent.errors import InputError, InputErrors
from movieagent.ingest import check_inputs, input_warnings, load_bank, load_script
from movieagent.ingest.bank_init import draft_bank, init_bank
from movieagent.ingest.extras import NEUTRAL_COLOR
from movieagent.planning.bank_descriptions import describe_bank
from movieagent.schema import Plan, Timeline
from movieagent.speech.casting import cast_voices
from tests.fake_openai import FakeOpenAI
from tests.media_probe import frame_at

runner = CliRunner()

SCRIPT = """Title: Borrowed Time

INT. CLOCK SHOP - NIGHT

ARTHUR PENHALLOW (78, round glasses, mustard cardigan) winds a clock. His granddaughter MAYA, 12, a gap-toothed grin, red raincoat, leans on the counter.

ARTHUR
It's late.

MAYA (O.S.)
Grandpa?

PUSH IN ON ARTHUR AND MAYA.

EXT. HARBOUR - DAY

A VOICE
Ahoy!

MRS. QUILL
Arthur, the tide.

MRS QUILL
Hurry.
"""


def write_script(tmp_path: Path, text: str = SCRIPT, name: str = "film.fountain") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def yaml_of(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- drafting


def test_each_role_gets_its_introduction_and_cue_variants(tmp_path):
    draft = draft_bank(load_script(write_script(tmp_path)))
    by_folder = {character.folder: character for character in draft.characters}

    assert list(by_folder) == ["arthur-penhallow", "maya", "a-voice", "mrs-quill"]
    arthur = by_folder["arthur-penhallow"]
    assert (arthur.name, arthur.aliases, arthur.description, arthur.age, arthur.introduced_at) == (
        "Arthur Penhallow", ["ARTHUR"], "78, round glasses, mustard cardigan", 78, 5
    )
    maya = by_folder["maya"]  # 'PUSH IN ON ARTHUR AND MAYA' is a camera direction, not a name
    assert (maya.name, maya.description, maya.age) == ("Maya", "12, a gap-toothed grin, red raincoat", 12)
    quill = by_folder["mrs-quill"]  # the name answers 'MRS. QUILL' already; the other spelling is an alias
    assert (quill.name, quill.aliases) == ("Mrs. Quill", ["MRS QUILL"])
    assert [(location.folder, location.description) for location in draft.locations] == [
        ("clock-shop", "Clock Shop (interior)"),
        ("harbour", "Harbour (exterior)"),
    ]


def test_the_written_bank_loads_and_knows_every_cue(tmp_path):
    script = write_script(tmp_path)
    draft, report = init_bank(script, tmp_path / "bank")

    bank = load_bank(tmp_path / "bank")
    loaded, checked = check_inputs(script, tmp_path / "bank")
    assert {character.name for character in checked.characters} == {c.name for c in draft.characters}
    assert all(bank.find_character(cue.cue) for cue in loaded.dialogue())
    assert all(bank.find_location(scene.location) for scene in loaded.scenes)
    assert len(report.written) == 6 and not report.kept
    assert sorted(report.need_pictures) == sorted(path.parent for path in report.written)
    assert yaml_of(tmp_path / "bank" / "arthur-penhallow" / "character.yaml")["description"] == "78, round glasses, mustard cardigan"


def test_nothing_already_there_is_replaced(tmp_path):
    script = write_script(tmp_path)
    mine = tmp_path / "bank" / "maya" / "character.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("name: Maya\ndescription: my own words\n", encoding="utf-8")
    clash = tmp_path / "bank" / "locations" / "harbour" / "location.yaml"
    clash.parent.mkdir(parents=True)
    clash.write_text("name: Old Harbour\naliases: [THE PORT]\n", encoding="utf-8")

    draft, report = init_bank(script, tmp_path / "bank")
    assert "maya" not in {character.folder for character in draft.characters}  # the bank knows her already
    assert report.kept == [clash]  # 'Harbour' is not known by that name, but its folder's file stays
    assert mine.read_text(encoding="utf-8") == "name: Maya\ndescription: my own words\n"
    assert clash.read_text(encoding="utf-8") == "name: Old Harbour\naliases: [THE PORT]\n"
    assert not list((tmp_path / "bank").rglob(".*partial*"))

    again, second = init_bank(script, tmp_path / "bank")
    assert not again.characters and not second.written


def test_scripts_without_capitals_get_folders_named_in_their_own_letters(tmp_path):
    script = write_script(tmp_path, "INT。 病院-日\n\nジョン（20）が入院。\n\nジョン\n（失われた）\nこの場所は何ですか？\n\nINT。 屋上-夜\n\n看護師\n静かに。\n")
    draft, _ = init_bank(script, tmp_path / "bank")

    assert [(c.folder, c.name, c.description, c.age) for c in draft.characters] == [("ジョン", "ジョン", "20", 20), ("看護師", "看護師", "", None)]
    bank = load_bank(tmp_path / "bank")
    assert len({location.id for location in bank.locations}) == 2
    assert bank.find_location("屋上").name == "屋上" and bank.find_location("病院").name == "病院"


def test_a_bank_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "bank").write_text("not a folder")
    with pytest.raises(InputErrors, match="a file, not a folder"):
        init_bank(write_script(tmp_path), tmp_path / "bank")


# --------------------------------------------------------------------------- the command line


def test_bank_init_then_make_needs_no_hand_written_bank(tmp_path):
    script = write_script(tmp_path)
    result = runner.invoke(app, ["bank", "init", str(script), str(tmp_path / "bank")])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "add a picture" in result.output

    validated = runner.invoke(app, ["validate", str(script), "-b", str(tmp_path / "bank")])
    assert validated.exit_code == 0, validated.output
    assert validated.output.count("has no picture") == 4 and str(tmp_path / "bank" / "maya") in validated.output


def test_missing_characters_point_at_bank_init(tmp_path):
    script = write_script(tmp_path)
    (tmp_path / "bank" / "arthur").mkdir(parents=True)
    (tmp_path / "bank" / "arthur" / "character.yaml").write_text("name: Arthur\n")
    result = runner.invoke(app, ["validate", str(script), "-b", str(tmp_path / "bank")])
    assert result.exit_code == 2
    assert result.output.count("movieagent bank init") == 1 and "casting.unknown: extra" in result.output


def test_llm_descriptions_come_from_the_crews_model(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-bank")
    script = write_script(tmp_path)
    with FakeOpenAI() as server:

        def answer(call) -> str:
            prompt = call.body["messages"][-1]["content"]
            assert "78, round glasses, mustard cardigan" in prompt and "red raincoat" in prompt
            folders = [line.split(":")[0].strip("- ") for line in prompt.splitlines() if line.startswith("- ")]
            characters = [{"folder": f, "description": f"A drawn {f}."} for f in folders[:4]]
            places = [{"folder": f, "description": f"The {f}, lamplit."} for f in folders[4:]]
            return json.dumps({"characters": characters, "locations": places})

        server.answer = answer
        crew = BackendChoice(kind="openai", base_url=server.base_url, model="m", backoff_s=0.01, timeout_s=5.0, budget_s=10.0)
        draft, _ = init_bank(script, tmp_path / "bank", describe=lambda s, d: describe_bank(s, d, crew))

    assert server.count() == 1
    assert yaml_of(tmp_path / "bank" / "maya" / "character.yaml")["description"] == "A drawn maya."
    assert yaml_of(tmp_path / "bank" / "locations" / "harbour" / "location.yaml")["description"] == "The harbour, lamplit."
    assert "sk-test-bank" not in "".join(path.read_text(encoding="utf-8") for path in (tmp_path / "bank").rglob("*.yaml"))


def test_llm_descriptions_need_a_language_model(tmp_path):
    with pytest.raises(InputError, match="no language model"):
        init_bank(write_script(tmp_path), tmp_path / "bank", describe=lambda s, d: describe_bank(s, d, BackendChoice(kind="rules")))
    assert not (tmp_path / "bank").exists()


# --------------------------------------------------------------------------- extras and missing pictures


def test_unknown_cues_are_refused_unless_extras_play_them(tmp_path, make_character):
    script = write_script(tmp_path)
    for folder, name in (("arthur", "name: Arthur\naliases: [ARTHUR PENHALLOW]"), ("maya", "name: Maya"), ("quill", "name: Mrs. Quill\naliases: [MRS QUILL]")):
        make_character(folder, name)
    with pytest.raises(InputErrors, match="'A VOICE' is not in the character bank"):
        check_inputs(script, tmp_path / "bank")

    _, bank = check_inputs(script, tmp_path / "bank", unknown="extra")
    extra = bank.find_character("A VOICE")
    assert extra.extra and extra.color == NEUTRAL_COLOR and not extra.images
    # The extra names no voice; casting gives it, after the cast, one nobody else has.
    casting = cast_voices(bank.characters, load_backend("speech", BackendChoice(kind="espeak")), "espeak")
    others = {voice.voice for voice in casting.voices if voice.character_id != extra.id}
    assert casting.voice(extra.id).voice not in others


def test_an_extra_is_a_grey_figure_in_the_plan_and_the_log(tmp_path, make_character):
    script = write_script(tmp_path, "INT. HALL - DAY\n\nANN\nWho's there?\n\nA VOICE\nOnly me.\n")
    make_character("ann", "name: Ann")
    settings = load_settings(progress=False, video={"width": 320, "height": 180, "fps": 12}, casting={"unknown": "extra"})
    result = make_movie(script, tmp_path / "bank", tmp_path / "out", settings)

    plan = Plan.model_validate_json(result.plan.read_text(encoding="utf-8"))
    assert [(member.name, member.extra) for member in plan.cast] == [("Ann", False), ("A Voice", True)]
    assert "played by extras (casting.unknown: extra): A Voice" in (result.outdir / "log.txt").read_text(encoding="utf-8")
    assert not result.warnings  # Ann has a picture; an extra is meant to have none
    # The shot where the voice speaks shows a neutral grey figure: no pixel of it has colour.
    voice_shot = next(shot for shot in plan.shots() if any(line.speaker_id == "a-voice" for line in shot.lines))
    timing = next(t for t in Timeline.model_validate_json((result.outdir / "timeline.json").read_text()).shots if t.shot_id == voice_shot.id)
    frame = frame_at(result.movie, timing.start_s + timing.duration_s / 2, 320, 180).astype(int)
    box = next(placed.box for placed in voice_shot.characters if placed.character_id == "a-voice")
    left, top = int(box.x * 320) + 2, int(box.y * 180) + 2
    figure = frame[max(top, 0) : min(int((box.y + box.h) * 180) - 2, 180), max(left, 0) : min(int((box.x + box.w) * 320) - 2, 320)]
    grey = np.abs(figure - np.array([140, 144, 153])).max(axis=2) < 40
    assert grey.mean() > 0.1


def test_a_character_without_a_picture_is_a_warning_naming_its_folder(tmp_path, make_character):
    script = write_script(tmp_path, "INT. HALL - DAY\n\nANN\nHello.\n\nBOB\nHi.\n")
    make_character("ann", "name: Ann")
    make_character("bob", "name: Bob", images=())
    make_character("cy", "name: Cy", images=())  # in the bank, not in this script: no warning
    loaded, bank = check_inputs(script, tmp_path / "bank")
    warnings = input_warnings(loaded, bank)
    assert [(w.path.name, "silhouette" in w.message) for w in warnings] == [("bob", True)]

    settings = load_settings(progress=False, video={"width": 160, "height": 96, "fps": 8})
    result = runner.invoke(app, ["make", str(script), "-b", str(tmp_path / "bank"), "-o", str(tmp_path / "out"), "--stop-after", "plan", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and str(tmp_path / "bank" / "bob") in result.output
    assert make_movie(script, tmp_path / "bank", tmp_path / "out2", settings, stop_after="plan").warnings[0].startswith(str(tmp_path / "bank" / "bob"))
