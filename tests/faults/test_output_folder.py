"""Issue 13, cause 1: the output folder is checked before any work, and only movieagent's own folders are used."""

from __future__ import annotations

import errno
import fcntl
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults.conftest import assert_refused, partial_files, run_cli, snapshot

MARKER = ".movieagent-output"  # the README's name for the marker of movieagent's folders
LOG_LINE = "2026-11-20 09:14:03,512 INFO movieagent: loaded film.fountain: 1 scenes; bank bank: 2 characters\n"


def someone_elses_folder(folder: Path) -> Path:
    """The red team's case: a movie, a plan and a clip of the user's own, with names movieagent also writes."""
    (folder / "clips").mkdir(parents=True)
    (folder / "movie.mp4").write_bytes(b"my own movie")
    (folder / "plan.json").write_text('{"mine": true}')
    (folder / "timeline.json").write_text("{}")
    (folder / "clips" / "shot_0009_old.mp4").write_bytes(b"my own clip")
    return folder


def test_make_into_someone_elses_folder_refuses_and_touches_nothing(tmp_path, tiny_film):
    script, bank = tiny_film()
    outdir = someone_elses_folder(tmp_path / "holiday")
    before = snapshot(tmp_path)

    result = run_cli("make", script, "-b", bank, "-o", outdir, "-q")

    assert_refused(result, 2, str(outdir), "holds files movieagent did not make", "clips, movie.mp4, plan.json", "--force")
    assert snapshot(tmp_path) == before


def test_force_uses_the_folder_and_marks_it(tmp_path, tiny_film):
    script, bank = tiny_film()
    outdir = someone_elses_folder(tmp_path / "holiday")

    result = run_cli("plan", script, "-b", bank, "-o", outdir, "-q", "--force")

    assert result.returncode == 0, result.stderr
    assert (outdir / MARKER).is_file()
    assert '"scenes"' in (outdir / "plan.json").read_text()


def test_a_folder_made_before_the_marker_is_used_as_before(tmp_path, tiny_film):
    # `make demo` into an out/demo that an earlier version made: only movieagent's names, and its log.txt.
    script, bank = tiny_film()
    outdir = tmp_path / "out" / "demo"
    (outdir / "cache" / "llm").mkdir(parents=True)
    (outdir / "log.txt").write_text(LOG_LINE)
    (outdir / "plan.json").write_text("{}")
    (outdir / ".movie.a1b2c3d4.partial.mp4").write_bytes(b"half")

    result = run_cli("plan", script, "-b", bank, "-o", outdir, "-q")

    assert result.returncode == 0, result.stderr
    assert (outdir / MARKER).is_file() and partial_files(outdir) == []
    assert (outdir / "log.txt").read_text().startswith(LOG_LINE)


def test_a_log_txt_of_someone_elses_is_not_taken_for_ours(tmp_path, tiny_film):
    script, bank = tiny_film()
    outdir = tmp_path / "notes"
    outdir.mkdir()
    (outdir / "log.txt").write_text("Monday: wrote the plan\n")
    (outdir / "plan.json").write_text('{"mine": true}')
    before = snapshot(tmp_path)

    assert_refused(run_cli("plan", script, "-b", bank, "-o", outdir, "-q"), 2, "log.txt, plan.json")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("inside", ["bank/ann/out", "bank"])
def test_output_inside_the_bank_is_refused(tmp_path, tiny_film, inside):
    script, bank = tiny_film()
    before = snapshot(tmp_path)

    result = run_cli("make", script, "-b", bank, "-o", tmp_path / inside, "-q", "--force")

    assert_refused(result, 2, "inside the character bank", str(bank))
    assert snapshot(tmp_path) == before


def test_output_around_the_bank_is_refused(tmp_path, tiny_film):
    script, bank = tiny_film()
    before = snapshot(tmp_path)

    assert_refused(run_cli("make", script, "-b", bank, "-o", tmp_path, "-q", "--force"), 2, "holds the character bank")
    assert snapshot(tmp_path) == before


def test_empty_output_name_is_the_current_folder_and_refused_there(tmp_path, tiny_film):
    script, bank = tiny_film()
    project = tmp_path / "project"
    project.mkdir()
    (project / "draft.txt").write_text("my draft")
    before = snapshot(tmp_path)

    result = run_cli("make", script, "-b", bank, "-o", "", "-q", cwd=project)

    assert_refused(result, 2, str(project), "holds files movieagent did not make")
    assert snapshot(tmp_path) == before


def test_output_naming_a_file_is_refused(tmp_path, tiny_film):
    script, bank = tiny_film()
    before = snapshot(tmp_path)

    assert_refused(run_cli("make", script, "-b", bank, "-o", script, "-q"), 2, str(script), "is a file, not a folder")
    assert snapshot(tmp_path) == before


def test_output_name_with_a_newline_is_refused(tmp_path, tiny_film):
    script, bank = tiny_film()
    before = snapshot(tmp_path)

    result = run_cli("make", script, "-b", bank, "-o", tmp_path / "out\nmovie", "-q")

    assert_refused(result, 2, "out\\nmovie", "control character")
    assert snapshot(tmp_path) == before


def test_read_only_output_folder_is_refused_before_any_work(tmp_path, tiny_film):
    script, bank = tiny_film()
    outdir = tmp_path / "shelf"
    outdir.mkdir()
    command = [sys.executable, "-m", "movieagent", "make", str(script), "-b", str(bank), "-o", str(outdir / "movie"), "-q"]
    if os.geteuid() == 0:
        # Permissions do not stop root: a read-only bind mount in a private mount namespace does.
        if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"], check=False).returncode != 0:
            pytest.skip("running as root without unshare: no way to make a read-only folder")
        mount = f"mount --bind {outdir} {outdir} && mount -o remount,ro,bind {outdir} && exec \"$@\""
        command = ["unshare", "-rm", "sh", "-c", mount, "sh", *command]
        expected = "Read-only file system"
    else:
        outdir.chmod(0o555)
        expected = "Permission denied"
    before = snapshot(tmp_path)

    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env={**os.environ, "COLUMNS": "200"})

    outdir.chmod(0o755)
    assert_refused(result, 2, str(outdir / "movie"), expected)
    assert snapshot(tmp_path) == before


def test_full_disk_while_planning_names_the_file(tmp_path, tiny_film):
    # RLIMIT_FSIZE stands in for a full disk: a write past it fails (EFBIG) as one past the free space would.
    script, bank = tiny_film()
    outdir = tmp_path / "out"
    limit = 40_000  # above the marker, the log and plan.json; below the planning checkpoints
    command = [sys.executable, "-m", "movieagent", "plan", str(script), "-b", str(bank), "-o", str(outdir), "-q"]

    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
    )

    # Exit 1: the run failed while working, on a file it names.
    assert_refused(result, 1, str(outdir / "planning.sqlite"), "could not write", "fix: free some space")
    assert partial_files(outdir) == [] and not (outdir / "plan.json").exists()


def test_every_write_that_fails_for_want_of_space_names_its_file(tmp_path, monkeypatch):
    # In process, for the writes of Python itself (the mix, plan.json, timeline.json, the summary of a batch).
    from movieagent.errors import WriteError
    from movieagent.workspace import write_text_atomic

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("movieagent.workspace.os.replace", full_disk)
    with pytest.raises(WriteError) as raised:
        write_text_atomic(tmp_path / "plan.json", "{}")

    assert str(raised.value).startswith(f"{tmp_path / 'plan.json'}: could not write: No space left on device")
    assert raised.value.exit_code == 1 and partial_files(tmp_path) == [] and not (tmp_path / "plan.json").exists()


def test_a_second_run_into_a_folder_in_use_is_refused(tmp_path, tiny_film):
    script, bank = tiny_film()
    outdir = tmp_path / "out"
    outdir.mkdir()
    (outdir / MARKER).write_text("made by movieagent\n")
    before = snapshot(tmp_path)

    with open(outdir / MARKER, "rb") as marker:
        fcntl.flock(marker, fcntl.LOCK_EX)  # what a running `movieagent make` holds
        result = run_cli("plan", script, "-b", bank, "-o", outdir, "-q")

    assert_refused(result, 2, "another movieagent run is using this output folder")
    assert snapshot(tmp_path) == before


def test_leftovers_of_a_run_killed_during_assembly_are_swept(tmp_path, tiny_film):
    script, bank = tiny_film()
    outdir = tmp_path / "out"
    profile = tmp_path / "small.yaml"
    # Burnt-in subtitles re-encode the picture: assembly lasts long enough to be caught in the act.
    profile.write_text("video: {width: 320, height: 180, fps: 12, burn_subtitles: true}\n")
    command = [sys.executable, "-m", "movieagent", "make", str(script), "-b", str(bank), "-o", str(outdir), "-c", str(profile), "-q"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list(outdir.glob(".movie.*.partial.mp4")) and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert run.poll() is None, "the run ended before assembly was caught"
        os.killpg(run.pid, signal.SIGKILL)  # the run and its ffmpeg
    finally:
        run.wait()
    assert [path.name for path in partial_files(outdir) if path.name.startswith(".movie.")], "nothing left to sweep"

    again = run_cli("make", script, "-b", bank, "-o", outdir, "-c", profile, "-q")

    assert again.returncode == 0, again.stderr
    assert partial_files(outdir) == []
    assert (outdir / "movie.mp4").stat().st_size > 10_000


def test_batch_and_make_plan_apply_the_same_guard(tmp_path, tiny_film):
    from movieagent import InputError, load_bank, load_script, load_settings, make_plan
    from movieagent.workspace import Workspace

    script, bank = tiny_film()
    outdir = someone_elses_folder(tmp_path / "holiday")
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(f"movies:\n  - {{script: {script.name}, characters: {bank.name}, out: {outdir.name}}}\n")
    before = snapshot(outdir)

    result = run_cli("batch", jobs, "--summary", tmp_path / "summary.json")

    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert "holds files movieagent did not make" in (tmp_path / "summary.json").read_text()
    with pytest.raises(InputError, match="holds files movieagent did not make"):
        make_plan(load_script(script), load_bank(bank), load_settings(environ={}), Workspace(outdir))
    assert snapshot(outdir) == before
