"""The command line as a user meets it: choices listed in --help, --set, exit codes, and a start with no heavy imports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import typing
from pathlib import Path

import pytest
from typer.testing import CliRunner

import movieagent.pipeline
from movieagent.backends import available
from movieagent.cli import Crew, StopAfter, app, build_settings
from movieagent.errors import RenderError
from movieagent.schema import Plan
from tests.faults.conftest import assert_refused, run_cli

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ["examples/short/the-lighthouse-keeper.fountain", "--characters", "character_bank/lighthouse"]
# Libraries the pipeline needs and the command line's start must not pay for (typer itself brings pydantic).
HEAVY = ["numpy", "scipy", "langgraph", "torch", "diffusers", "openai", "fastapi", "PIL"]


def help_text(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # rich wraps and pads; words are what matter


def test_help_lists_exit_codes_and_every_choice():
    assert "Exit codes: 0 done, 1 failed while working (a render, a model, a server), 2 bad input or usage, 130 interrupted" in help_text()
    make_help = help_text("make")
    assert "<plan|speech|render|assemble>" in make_help
    assert f"<{'|'.join(available('crew'))}>" in make_help
    shipped = sorted(path.stem for path in (ROOT / "configs").glob("*.yaml"))
    assert len(shipped) >= 8
    assert ", ".join(shipped) in make_help
    assert "--install-completion" in help_text()


def test_enums_match_what_the_pipeline_and_the_backend_table_accept():
    assert [stage.value for stage in StopAfter] == list(typing.get_args(movieagent.pipeline.Stage))
    assert [crew.value for crew in Crew] == available("crew")


def test_a_choice_outside_the_list_is_a_usage_error():
    result = runner.invoke(app, ["make", *LIGHTHOUSE, "--stop-after", "mix"])
    assert result.exit_code == 2
    assert "mix" in result.output and "plan" in result.output


def imports_after(*args: str) -> set[str]:
    """The top-level modules loaded by running the command line with `args` in a fresh interpreter."""
    code = (
        "import sys\nfrom movieagent.cli import app\n"
        f"try:\n    app({list(args)!r}, prog_name='movieagent')\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        f"print('loaded:', *sorted({{name.split('.')[0] for name in sys.modules}} & {set(HEAVY)!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    return set(done.stdout.splitlines()[-1].split()[1:])


def test_help_imports_nothing_heavy():
    assert imports_after("--help") == set()
    assert imports_after("make", "--help") == set()


def test_validate_imports_no_pipeline_library():
    # Reading a bank needs Pillow; planning, speech and rendering libraries stay unloaded.
    assert imports_after("validate", *LIGHTHOUSE) == {"PIL"}


def test_set_overrides_one_setting_over_the_profile():
    settings = build_settings(
        Path("preview-fast"),
        assignments=["video.fps=12", "planning.crew.kind=openai", "planning.crew.model=tiny", "audio.music=null"],
    )
    assert settings.video.fps == 12
    assert settings.video.width == build_settings(Path("preview-fast")).video.width  # the rest of the profile stays
    assert settings.planning.crew.kind == "openai" and settings.planning.crew.options() == {"model": "tiny"}
    assert settings.audio.music is None


def test_set_reaches_the_plan(tmp_path):
    outdir = tmp_path / "out"
    result = runner.invoke(
        app, ["plan", *LIGHTHOUSE, "-o", str(outdir), "-q", "--set", "planning.words_per_minute=100"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    slow = Plan.model_validate_json((outdir / "plan.json").read_text()).duration_s()
    runner.invoke(app, ["plan", *LIGHTHOUSE, "-o", str(tmp_path / "fast"), "-q", "--set", "planning.words_per_minute=300"])
    fast = Plan.model_validate_json((tmp_path / "fast" / "plan.json").read_text()).duration_s()
    assert slow > fast


@pytest.mark.parametrize(
    ("assignment", "mention"),
    [
        ("vidoe.fps=30", "vidoe"),  # no such section
        ("video.fsp=30", "video.fsp"),  # no such setting
        ("video.fps=fast", "video.fps"),  # not a number
        ("video.fps=1000", "video.fps"),  # out of bounds
        ("video.fps", "expected KEY=VALUE"),
        ("video..fps=3", "expected KEY=VALUE"),
        ("video.fps=[1", "video.fps"),  # not YAML
    ],
)
def test_bad_set_is_refused_naming_its_key(tmp_path, assignment, mention):
    outdir = tmp_path / "out"
    result = runner.invoke(app, ["make", *LIGHTHOUSE, "-o", str(outdir), "--set", assignment])
    assert result.exit_code == 2, result.output
    assert "--set" in result.output and mention in result.output
    assert "Traceback" not in result.output
    assert not outdir.exists()


def test_bad_set_stops_a_batch_before_its_first_movie(tmp_path):
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(f"movies:\n  - script: {ROOT / LIGHTHOUSE[0]}\n    characters: {ROOT / LIGHTHOUSE[2]}\n    out: out\n")
    result = runner.invoke(app, ["batch", str(jobs), "--set", "video.fps=0"])
    assert result.exit_code == 2, result.output
    assert "video.fps" in result.output
    assert not (tmp_path / "out").exists()


def test_a_failure_while_working_exits_1_and_ctrl_c_exits_130(monkeypatch, tmp_path):
    def fail(*args, **kwargs):
        raise RenderError("the video backend crashed on shot 3")

    monkeypatch.setattr(movieagent.pipeline, "make_movie", fail)
    result = runner.invoke(app, ["make", *LIGHTHOUSE, "-o", str(tmp_path)])
    assert result.exit_code == 1 and "shot 3" in result.output

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(movieagent.pipeline, "make_movie", interrupted)
    result = runner.invoke(app, ["make", *LIGHTHOUSE, "-o", str(tmp_path)])
    assert result.exit_code == 130 and "interrupted" in result.output


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_a_server_that_is_down_exits_1(tmp_path):
    crew = ["planning.crew.kind=openai", f"planning.crew.base_url=http://127.0.0.1:{closed_port()}/v1", "planning.crew.max_retries=0"]
    crew.append("planning.fallback=none")  # with the fallback (the default), the rules crew would plan the film instead
    result = run_cli("plan", *LIGHTHOUSE, "-o", tmp_path / "out", "-q", *[part for item in crew for part in ("--set", item)], cwd=ROOT)
    assert_refused(result, 1, "director")


@pytest.mark.slow
def test_ctrl_c_while_waiting_on_a_server_exits_130(tmp_path):
    # A server that takes the connection and never answers: the command waits on it until it is interrupted.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        command = [sys.executable, "-m", "movieagent", "plan", *LIGHTHOUSE, "-o", str(tmp_path / "out"), "-q"]
        crew = ["kind=openai", f"base_url=http://127.0.0.1:{server.getsockname()[1]}/v1", "max_retries=0"]
        # A call in flight on a worker thread ends at its own timeout before the process can exit: keep that short.
        crew.append("timeout_s=5")
        command += [part for setting in crew for part in ("--set", f"planning.crew.{setting}")]
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "200"},
            # A suite started in the background by a shell inherits SIGINT ignored, and so would the command: Ctrl-C
            # at a terminal reaches it with the default action, which is what this test is about.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        server.settimeout(120)
        connection, _ = server.accept()
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        try:
            stdout, stderr = process.communicate(timeout=60)
        finally:
            process.kill()
            connection.close()
    assert process.returncode == 130, stdout + stderr
    assert "interrupted" in stderr and "Traceback" not in stderr


def test_version_and_schema():
    from movieagent import __version__

    assert runner.invoke(app, ["--version"]).output.strip() == __version__
    assert "Shot" in json.loads(runner.invoke(app, ["schema"]).output)["$defs"]
