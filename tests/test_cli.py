"""The command line on bad input: exit code 2, one clear message naming the file and the fix, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from movieagent.cli import app

runner = CliRunner()

SCRIPT = """Title: Two Friends

INT. KITCHEN - DAY

ANN
Good morning.

BOB
Morning, Ann.
"""


def write_bank(root: Path, names=("Ann", "Bob")) -> Path:
    for name in names:
        folder = root / name.lower()
        folder.mkdir(parents=True)
        (folder / "character.yaml").write_text(f"name: {name}\n")
        Image.new("RGBA", (40, 80), (200, 50, 50, 255)).save(folder / "portrait.png")
    return root


def run_make(tmp_path: Path, script: Path, bank: Path):
    outdir = tmp_path / "out"
    result = runner.invoke(app, ["make", str(script), "--characters", str(bank), "-o", str(outdir), "--quiet"])
    return result, outdir


def assert_clean_failure(result, outdir: Path, *mentions: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "fix:" in result.output
    for mention in mentions:
        assert mention in result.output, (mention, result.output)
    leftovers = sorted(path.name for path in outdir.rglob("*")) if outdir.exists() else []
    assert leftovers in ([], [".movieagent-output", "log.txt"]), leftovers  # the folder's marker and the log only


@pytest.fixture
def bank(tmp_path):
    return write_bank(tmp_path / "bank")


def test_empty_script(tmp_path, bank):
    script = tmp_path / "empty.fountain"
    script.write_text("  \n\n")
    result, outdir = run_make(tmp_path, script, bank)
    assert_clean_failure(result, outdir, "empty.fountain")


def test_unknown_character_names_its_line(tmp_path, bank):
    script = tmp_path / "story.fountain"
    script.write_text(SCRIPT + "\nCAROL\nWho are you two?\n")
    result, outdir = run_make(tmp_path, script, bank)
    assert_clean_failure(result, outdir, "story.fountain:11", "CAROL")


def test_non_utf8_script(tmp_path, bank):
    script = tmp_path / "latin1.fountain"
    script.write_bytes(SCRIPT.replace("Good morning.", "Caf\xe9 au lait.").encode("latin-1"))
    result, outdir = run_make(tmp_path, script, bank)
    assert_clean_failure(result, outdir, "latin1.fountain", "UTF-8")


def test_corrupt_image(tmp_path, bank):
    (bank / "bob" / "portrait.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    script = tmp_path / "story.fountain"
    script.write_text(SCRIPT)
    result, outdir = run_make(tmp_path, script, bank)
    assert_clean_failure(result, outdir, "portrait.png")


def test_missing_image_listed_in_character_yaml(tmp_path, bank):
    (bank / "bob" / "character.yaml").write_text("name: Bob\nimages: [gone.png]\n")
    script = tmp_path / "story.fountain"
    script.write_text(SCRIPT)
    result, outdir = run_make(tmp_path, script, bank)
    assert_clean_failure(result, outdir, "gone.png")


def test_character_name_with_path_parts(tmp_path, bank):
    (bank / "bob" / "character.yaml").write_text("name: ../../etc/Bob\n")
    script = tmp_path / "story.fountain"
    script.write_text(SCRIPT)
    result, outdir = run_make(tmp_path, script, bank)
    assert_clean_failure(result, outdir, "character.yaml")


def test_several_problems_are_reported_together(tmp_path, bank):
    (bank / "bob" / "portrait.png").write_bytes(b"garbage")
    script = tmp_path / "story.fountain"
    script.write_text(SCRIPT + "\nCAROL\nHello?\n")
    result = runner.invoke(app, ["validate", str(script), "--characters", str(bank)])
    assert result.exit_code == 2
    assert "CAROL" in result.output and "portrait.png" in result.output


def test_validate_and_schema_succeed(tmp_path, bank):
    script = tmp_path / "story.fountain"
    script.write_text(SCRIPT)
    result = runner.invoke(app, ["validate", str(script), "--characters", str(bank)])
    assert result.exit_code == 0, result.output
    assert "1 scenes, 2 lines" in result.output
    schema = json.loads(runner.invoke(app, ["schema"]).output)
    assert "scenes" in schema["properties"] and "Shot" in schema["$defs"]


def test_plan_command_writes_a_valid_plan(tmp_path, bank):
    script = tmp_path / "story.fountain"
    script.write_text(SCRIPT)
    outdir = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(script), "--characters", str(bank), "-o", str(outdir), "--quiet"])
    assert result.exit_code == 0, result.output
    from movieagent.schema import Plan

    plan = Plan.model_validate_json((outdir / "plan.json").read_text())
    assert [line.text for line in plan.lines()] == ["Good morning.", "Morning, Ann."]


def test_help_shows_examples():
    result = runner.invoke(app, ["make", "--help"])
    assert result.exit_code == 0 and "Example" in result.output


ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script", ["examples/synopsis/the-foghorn.md", "examples/movieagent/script_synopsis.json"])
def test_synopsis_and_movieagent_scripts_plan(tmp_path, script):
    outdir = tmp_path / "out"
    result = runner.invoke(
        app, ["plan", str(ROOT / script), "--characters", str(ROOT / "character_bank/lighthouse"), "-o", str(outdir), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    from movieagent.schema import Plan

    plan = Plan.model_validate_json((outdir / "plan.json").read_text())
    assert len(plan.shots()) >= 2
    assert {member.id for member in plan.cast} >= {"mara-quell", "toby-fenn"}
