"""Issue 13, cause 7: a script or a plan that is valid but absurd is refused up front, naming the limit."""

from __future__ import annotations

import json

import pytest

from movieagent import InputError, load_script, load_settings, make_movie
from movieagent.planning.limits import check_script_length
from tests.faults.conftest import SCRIPT, assert_refused, run_cli, snapshot


def test_one_enormous_line_of_dialogue_is_refused_before_planning(tmp_path, tiny_film):
    # About 330,000 words: some 34 hours of speech at the planning rate, from a script under the byte limit.
    script, bank = tiny_film(SCRIPT.replace("Good morning.", "la " * 330_000))
    before = snapshot(tmp_path)

    result = run_cli("plan", script, "-b", bank, "-o", tmp_path / "out", "-q", timeout_s=60)

    assert_refused(result, 2, f"{script}:7", "the dialogue alone lasts about 34.4 h", "limit of 4.0 h (planning.max_movie_s)")
    assert not (tmp_path / "out" / "plan.json").exists() and not (tmp_path / "out" / "planning.sqlite").exists()
    assert {path: entry for path, entry in snapshot(tmp_path).items() if path != "." and not path.startswith("out")} == {
        path: entry for path, entry in before.items() if path != "."
    }


def test_a_plan_file_of_3000_two_minute_shots_is_refused_before_rendering(tmp_path, tiny_film):
    script, bank = tiny_film()
    made = make_movie(script, bank, tmp_path / "planned", load_settings(progress=False), stop_after="plan")
    plan = json.loads(made.plan.read_text())
    shot = plan["scenes"][0]["shots"][0]
    plan["scenes"] = [dict(plan["scenes"][0], shots=[dict(shot, id=f"shot-{number}", duration_s=120) for number in range(3000)])]
    enormous = tmp_path / "enormous.json"
    enormous.write_text(json.dumps(plan))
    before = snapshot(tmp_path)

    result = run_cli("make", script, "-b", bank, "-o", tmp_path / "out", "--plan", enormous, "-q", timeout_s=60)

    assert_refused(
        result,
        2,
        f"{enormous}: the plan has 3000 shots, over the limit of 2500 (planning.max_shots)",
        f"{enormous}: the plan lasts 100.0 h, over the limit of 4.0 h (planning.max_movie_s)",
    )
    assert not (tmp_path / "out" / "plan.json").exists() and not (tmp_path / "out" / "clips").exists()
    assert {path: entry for path, entry in snapshot(tmp_path).items() if path != "." and not path.startswith("out")} == {
        path: entry for path, entry in before.items() if path != "."
    }


def test_the_limit_is_a_setting(tiny_film):
    script, _ = tiny_film()
    tight = load_settings(environ={"MOVIEAGENT_PLANNING__MAX_MOVIE_S": "1"})

    with pytest.raises(InputError, match=r"limit of 1 s \(planning.max_movie_s\)"):
        check_script_length(load_script(script), tight.planning)
    check_script_length(load_script(script), load_settings(environ={}).planning)
