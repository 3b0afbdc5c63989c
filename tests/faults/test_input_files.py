"""Issue 13, cause 4: inputs are asked what they are before they are read.

A named pipe would block forever, a device never ends, a link may lead back to itself, nesting may be deeper
than a parser's stack: each is refused with exit code 2, the file and a fix named, no traceback, and nothing
outside the output folder touched. Every subprocess has a deadline, so a regression fails instead of hanging.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from movieagent.config import PlanningSettings
from movieagent.ingest import check_inputs
from movieagent.planning import plan_movie
from movieagent.planning.crews.rules import Backend as RulesCrew
from tests.faults.conftest import assert_refused, run_cli, snapshot

# Generous for a CLI start on two busy cores; a read that blocks or never ends runs into it.
DEADLINE_S = 60
pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and /dev/zero are POSIX")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The user's own folder: the film, the bank and every input live here; output folders go beside it."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def refused(home: Path, outdir: Path, *args: str | Path, mentions: tuple[str, ...]) -> str:
    """Runs the CLI in `home`, asserts a clean refusal naming `mentions` and a fix, and that `home` is untouched."""
    before = snapshot(home)
    result = run_cli(*args, "-o", outdir, cwd=home, timeout_s=DEADLINE_S)
    assert_refused(result, 2, *mentions, "fix:")
    assert snapshot(home) == before, "nothing outside the output folder changes"
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    ("make_script", "what"),
    [
        (os.mkfifo, "named pipe (FIFO)"),  # would block until someone writes to it
        (lambda path: path.symlink_to("/dev/zero"), "character device"),  # size 0, and never ends
        (lambda path: path.symlink_to(path), "symbolic link loop"),
    ],
    ids=["named-pipe", "link-to-dev-zero", "symlink-loop"],
)
def test_a_script_that_is_not_a_regular_file_is_refused(tiny_film, home, tmp_path, make_script, what):
    _, bank = tiny_film(root=home)
    script = home / "odd.fountain"
    make_script(script)
    refused(home, tmp_path / "out", "plan", script, "--characters", bank, mentions=(str(script), what))


def test_a_bank_with_a_pipe_a_symlink_loop_and_yaml_nested_20000_deep_reports_them_all(tiny_film, home, tmp_path):
    script, bank = tiny_film(root=home)
    pipe = bank / "ann" / "character.yaml"
    pipe.unlink()
    os.mkfifo(pipe)
    looping_file = bank / "bob" / "character.yaml"
    looping_file.unlink()
    looping_file.symlink_to(looping_file)
    (bank / "loop").symlink_to(bank / "loop")
    deep = bank / "cy" / "character.yaml"
    deep.parent.mkdir()
    deep.write_text("name: Cy\naliases: " + "[" * 20_000 + "\n", encoding="utf-8")

    output = refused(home, tmp_path / "out", "plan", script, "--characters", bank, mentions=(str(pipe), "named pipe (FIFO)"))
    assert f"{looping_file}: this is a symbolic link loop" in output
    assert f"{bank / 'loop'}: this is a symbolic link loop" in output
    assert f"{deep}:2: values are nested too deeply to read" in output


def test_a_profile_nested_20000_deep_or_a_named_pipe_is_refused(tiny_film, home, tmp_path):
    script, bank = tiny_film(root=home)
    profile = home / "deep.yaml"
    profile.write_text("video: " + "[" * 20_000 + "\n", encoding="utf-8")
    refused(
        home,
        tmp_path / "out",
        "plan",
        script,
        "-c",
        profile,
        "--characters",
        bank,
        mentions=(f"{profile}:1:", "nested too deeply"),
    )
    pipe = home / "pipe.yaml"
    os.mkfifo(pipe)
    refused(home, tmp_path / "out", "plan", script, "-c", pipe, "--characters", bank, mentions=(str(pipe), "named pipe (FIFO)"))


def test_a_plan_nested_100000_deep_or_a_named_pipe_is_refused(tiny_film, home, tmp_path):
    script, bank = tiny_film(root=home)
    deep = home / "deep.json"
    deep.write_text("[" * 100_000, encoding="utf-8")
    refused(
        home, tmp_path / "out", "make", script, "--characters", bank, "--plan", deep, mentions=(str(deep), "nested too deeply")
    )
    pipe = home / "pipe.json"
    os.mkfifo(pipe)
    refused(
        home, tmp_path / "out", "make", script, "--characters", bank, "--plan", pipe, mentions=(str(pipe), "named pipe (FIFO)")
    )


def test_a_plan_whose_reference_image_is_a_folder_is_refused_before_rendering(tiny_film, home, tmp_path):
    script, bank = tiny_film(root=home)
    planned = plan_movie(*check_inputs(script, bank), RulesCrew(RulesCrew.Options()), PlanningSettings())
    data = planned.model_dump(mode="json")
    folder = home / "pictures"
    folder.mkdir()
    data["locations"][0]["reference_image"] = str(folder)
    plan = home / "edited.json"
    text = json.dumps(data, indent=2)
    plan.write_text(text, encoding="utf-8")
    line = next(number for number, row in enumerate(text.splitlines(), start=1) if '"reference_image"' in row)

    mentions = (f"{plan}:{line}: locations[0].reference_image", "is a folder, not an image file")
    refused(home, tmp_path / "out", "make", script, "--characters", bank, "--plan", plan, mentions=mentions)
    assert not (tmp_path / "out" / "clips").exists(), "nothing was rendered"
