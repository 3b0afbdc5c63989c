"""Issue 13, cause 5: settings are validated up front, with bounds and choices, and the environment is read strictly."""

from __future__ import annotations

import os

from movieagent.backends import load_backend
from movieagent.config import load_settings
from tests.faults.conftest import assert_refused, run_cli, snapshot

# Variables of the person running the tests must not decide these cases.
CLEAN = {name: "" for name in os.environ if name.startswith("MOVIEAGENT_")}


def run_with(*args, env: dict[str, str], **kwargs):
    return run_cli(*args, env={**CLEAN, **env}, **kwargs)


def test_bad_values_in_a_profile_are_all_refused_before_any_work(tmp_path, tiny_film):
    script, bank = tiny_film()
    profile = tmp_path / "mine.yaml"
    profile.write_text(
        "video: {width: 855, preset: ludicrous}\n"
        "audio: {sample_rate: 1}\n"
        "subtitles: {min_duration_s: 9, max_duration_s: 2}\n"
        "planning: {max_parallel_tasks: 0}\n"
    )
    before = snapshot(tmp_path)

    result = run_with("make", script, "-b", bank, "-o", tmp_path / "out", "-c", profile, "-q", env={})

    assert_refused(
        result,
        2,
        str(profile),
        "video.width: Input should be a multiple of 2",
        "video.preset: Input should be 'ultrafast', 'superfast', 'veryfast'",
        "audio.sample_rate: Input should be 16000, 22050, 24000, 32000, 44100 or 48000",
        "planning.max_parallel_tasks: Input should be greater than or equal to 1",
        "min_duration_s (9.0) is over max_duration_s (2.0)",
    )
    assert snapshot(tmp_path) == before


def test_a_variable_that_is_not_json_and_a_mistyped_one_are_named(tmp_path, tiny_film):
    script, bank = tiny_film()
    before = snapshot(tmp_path)
    mistakes = {"MOVIEAGENT_VIDEO": "{bad", "MOVIEAGENT_VIDOE__FPS": "30", "MOVIEAGENT_RENDER_RUNNER__WORKERS": "4"}

    result = run_with("make", script, "-b", bank, "-o", tmp_path / "out", "-q", env={**mistakes, "MOVIEAGENT_CORPUS": "/x"})

    assert_refused(
        result,
        2,
        "MOVIEAGENT_VIDEO is not valid JSON",
        "MOVIEAGENT_VIDOE__FPS is not a setting",
        "did you mean MOVIEAGENT_VIDEO__FPS?",
        "MOVIEAGENT_RENDER_RUNNER__WORKERS is not a setting",
    )
    assert "MOVIEAGENT_CORPUS" not in result.stderr  # another program's variable, not a typo of ours
    assert snapshot(tmp_path) == before


def test_a_bad_value_in_a_variable_names_the_variable(tmp_path, tiny_film):
    script, bank = tiny_film()
    before = snapshot(tmp_path)

    result = run_with("make", script, "-b", bank, "-o", tmp_path / "out", "-q", env={"MOVIEAGENT_AUDIO__SAMPLE_RATE": "1"})

    assert_refused(result, 2, "MOVIEAGENT_AUDIO__SAMPLE_RATE", "audio.sample_rate: Input should be 16000")
    assert snapshot(tmp_path) == before


def test_the_readmes_variable_sets_one_runner_option(tiny_film):
    script, bank = tiny_film()
    example = {"MOVIEAGENT_RENDER__RUNNER__WORKERS": "4"}

    assert run_with("validate", script, "-b", bank, env=example).returncode == 0
    runner = load_settings(environ=example).render.runner
    assert (runner.kind, load_backend("runner", runner).options.workers) == ("local", 4)
    # Another backend named whole replaces the profile's, options and all.
    assert load_settings(environ={"MOVIEAGENT_RENDER__RUNNER": '{"kind": "ray"}'}).render.runner.options() == {}
