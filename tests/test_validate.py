"""validate() and check_inputs(): script and bank checked together, every problem at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from movieagent.errors import InputErrors
from movieagent.ingest import check_inputs, load_bank, load_script, validate

SCRIPT = """Title: Garden Party

EXT. GARDEN - DAY

ADA
Tea?

BOB (O.S.)
Coming!

ADA (CONT'D)
Milk?

CAROL
Who invited me?

CAROL
Anyone?

BOB ^
Not me.
"""


@pytest.fixture
def garden(tmp_path, make_character) -> tuple[Path, Path]:
    script = tmp_path / "garden.fountain"
    script.write_text(SCRIPT, encoding="utf-8")
    make_character("ada", "name: Ada Lovelace\naliases: [ADA]\n")
    make_character("bob", "name: Bob\n")
    return script, tmp_path / "bank"


def test_known_cues_pass_with_extensions_and_aliases(garden, make_character):
    script_path, bank_path = garden
    make_character("carol", "name: Carol\n")
    script, bank = check_inputs(script_path, bank_path, max_bytes=10_000, max_scenes=10)
    assert validate(script, bank) == []
    assert {bank.find_character(d.cue).id for d in script.dialogue()} == {"ada-lovelace", "bob", "carol"}


def test_unknown_cue_is_reported_once_at_its_first_line(garden):
    script_path, bank_path = garden
    problems = validate(load_script(script_path), load_bank(bank_path))

    assert len(problems) == 1
    problem = problems[0]
    assert (problem.path, problem.line) == (script_path.resolve(), 14)
    assert "'CAROL'" in problem.message
    assert "Ada Lovelace, Bob" in problem.fix and str(bank_path.resolve() / "carol" / "character.yaml") in problem.fix
    assert "aliases" in problem.fix
    assert "garden.fountain:14: character 'CAROL'" in problem.describe()


def test_movieagent_character_list_must_be_in_the_bank(tmp_path, make_character):
    make_character("ada", "name: Ada\n")
    script_path = tmp_path / "script_synopsis.json"
    script_path.write_text(
        json.dumps({"MovieScript": "Ada and Zed share tea.\n\nZED: Thanks.", "Character": ["Ada", "Zed", "Yan"]})
    )
    problems = validate(load_script(script_path), load_bank(tmp_path / "bank"))
    assert [problem.message for problem in problems] == [
        "character 'ZED' is not in the character bank",
        "character 'Yan' is not in the character bank",
    ]


def test_check_inputs_collects_script_bank_and_cast_problems_together(garden, make_character, tmp_path):
    script_path, bank_path = garden
    make_character("broken", "name: [unclosed\n")
    (bank_path / "empty").mkdir()

    with pytest.raises(InputErrors) as caught:
        check_inputs(script_path, bank_path, max_bytes=10_000, max_scenes=10)
    problems = caught.value.problems
    # A broken bank cannot be matched against, so its own problems come first and alone.
    assert sorted(problem.path.name for problem in problems) == ["character.yaml", "empty"]

    with pytest.raises(InputErrors) as caught:
        check_inputs(tmp_path / "missing.fountain", tmp_path / "no-bank", max_bytes=10_000, max_scenes=10)
    assert [problem.message for problem in caught.value.problems] == ["script file not found", "character bank folder not found"]
    assert "missing.fountain" in str(caught.value) and "no-bank" in str(caught.value)


def test_check_inputs_reports_limits_and_cast_in_one_error(garden):
    script_path, bank_path = garden
    with pytest.raises(InputErrors) as caught:
        check_inputs(script_path, bank_path, max_bytes=10, max_scenes=10)
    assert "planning.max_script_bytes" in str(caught.value)

    with pytest.raises(InputErrors) as caught:
        check_inputs(script_path, bank_path, max_bytes=10_000, max_scenes=10)
    assert [problem.line for problem in caught.value.problems] == [14]
