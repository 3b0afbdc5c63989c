"""The Ray runner on a local Ray with CPU actors: both phases, the cache, a failing shot, and a worker killed mid-shot."""

from __future__ import annotations

import collections
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from movieagent.backends import load_backend
from movieagent.backends.base import RenderPhase
from movieagent.config import BackendChoice
from movieagent.errors import RenderError
from movieagent.render.phases import render_phase
from movieagent.schema import ClipResult, RenderJob
from movieagent.workspace import Workspace
from tests.media_probe import count_frames
from tests.test_render_cache import job

ray = pytest.importorskip("ray", reason="Ray is an optional dependency (pip install 'movieagent[ray]')")

KEYFRAMES = RenderPhase(family="keyframe", backend=BackendChoice(kind="preview"))
CLIPS = RenderPhase(family="video", backend=BackendChoice(kind="preview"))


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One local Ray for the module: starting it costs seconds."""
    with pytest.MonkeyPatch.context() as patch:
        # Tests only: a local Ray otherwise writes an auth token into the home folder.
        patch.setenv("RAY_AUTH_MODE", "disabled")
        ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        try:
            yield
        finally:
            ray.shutdown()


@pytest.fixture(scope="module")
def runner():
    return load_backend("runner", BackendChoice(kind="ray", cpu_actors=2))


def with_keyframe(render_job: RenderJob) -> RenderJob:
    return render_job.model_copy(
        update={"keyframe": Path(f"keyframes/{render_job.output.stem}.png"), "keyframe_key": render_job.cache_key}
    )


def test_ray_actors_render_both_phases_and_the_cache_keeps_them(runner, tmp_path):
    workspace = Workspace(tmp_path)
    jobs = [with_keyframe(job(index, name, frames=4 + index)) for index, name in enumerate("abcd", start=1)]

    keyframes = render_phase(jobs, runner, KEYFRAMES, workspace)
    clips = render_phase(jobs, runner, CLIPS, workspace)

    assert all(Image.open(keyframe.path).size == (64, 48) for keyframe in keyframes)
    assert [count_frames(clip.path) for clip in clips] == [5, 6, 7, 8]
    assert not any(result.cached for result in keyframes + clips)
    again = render_phase(jobs, runner, KEYFRAMES, workspace) + render_phase(jobs, runner, CLIPS, workspace)
    assert all(result.cached for result in again)


def test_a_failing_shot_fails_the_run_with_its_own_error_and_the_shots_in_flight_are_kept(runner, tmp_path):
    broken = job(2, "broken", image=tmp_path / "missing.png")
    done: list[ClipResult] = []
    # Two actors: "good" and "broken" start together; after the failure no new shot starts.
    with pytest.raises(RenderError, match="missing.png"):
        runner.run([job(1, "good", frames=120), broken, job(3, "never-started")], CLIPS, tmp_path, done.append)
    assert [result.shot_id for result in done] == ["good"]
    assert count_frames(tmp_path / "clips/shot_0001_good.mp4") == 120
    assert not (tmp_path / "clips/shot_0003_never-started.mp4").exists()


def kill_the_worker_rendering(marker: str, killed: list[int], give_up_at: float) -> None:
    """Kills (SIGKILL) the process whose ffmpeg child is encoding a file named with `marker`: a worker dying mid-shot."""
    while time.monotonic() < give_up_at:
        for process in Path("/proc").iterdir():
            try:
                command = (process / "cmdline").read_bytes().split(b"\0")
                if any(marker.encode() in part for part in command) and b"ffmpeg" in command[0]:
                    parent = int((process / "stat").read_text().rsplit(")", 1)[1].split()[1])
                    os.kill(parent, signal.SIGKILL)
                    killed.append(parent)
                    return
            except (OSError, ValueError, IndexError):
                continue  # the process ended while we looked
        time.sleep(0.01)


class Recording:
    """A runner that counts each shot's on_done calls and hands everything else to the runner inside it."""

    def __init__(self, runner):
        self.runner = runner
        self.finished: collections.Counter[str] = collections.Counter()

    def run(self, jobs, phase, workdir, on_done):
        def record(result: ClipResult) -> None:
            self.finished[result.shot_id] += 1
            on_done(result)

        return self.runner.run(jobs, phase, workdir, record)


def test_a_worker_killed_mid_shot_is_replaced_and_every_shot_finishes_once(runner, tmp_path):
    workspace = Workspace(tmp_path)
    slow = RenderJob.model_validate({**job(1, "slow", frames=240).model_dump(), "width": 320, "height": 240, "cache_key": "slow"})
    jobs = [slow, *(job(index, f"quick-{index}") for index in range(2, 6))]
    killed: list[int] = []
    killer = threading.Thread(target=kill_the_worker_rendering, args=("shot_0001_slow", killed, time.monotonic() + 60))
    recording = Recording(runner)
    killer.start()
    try:
        clips = render_phase(jobs, recording, CLIPS, workspace)
    finally:
        killer.join()

    assert killed, "the slow shot's worker was killed while it rendered"
    assert recording.finished == {render_job.shot_id: 1 for render_job in jobs}, "every shot finished exactly once"
    assert [count_frames(clip.path) for clip in clips] == [240, 6, 6, 6, 6]
    assert sorted(path.name for path in (workspace.cache / "clips").iterdir()) == sorted(f"{j.cache_key}.mp4" for j in jobs)
    leftovers = sorted(path.name for path in workspace.clips.iterdir())
    assert leftovers == sorted(render_job.output.name for render_job in jobs), "no partial file is left"


def test_choosing_a_runner_imports_neither_ray_nor_torch():
    code = (
        "import sys; from movieagent.backends import load_backend; from movieagent.config import BackendChoice; "
        "import movieagent.pipeline, movieagent.render.worker; load_backend('runner', BackendChoice(kind='ray')); "
        "print(sorted(name for name in ('ray', 'torch') if name in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
