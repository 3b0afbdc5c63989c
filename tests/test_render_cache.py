"""Render stage: the shot cache and the local runner, with a tiny video backend of the real preview kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from movieagent.backends import load_backend
from movieagent.backends.base import RenderPhase
from movieagent.config import BackendChoice
from movieagent.errors import RenderError
from movieagent.render.phases import render_phase
from movieagent.schema import Box, JobCharacter, RenderJob
from movieagent.workspace import Workspace
from tests.media_probe import count_frames


def job(index: int, shot_id: str, *, frames: int = 6, color: str = "#cc3333", image: Path | None = None) -> RenderJob:
    return RenderJob(
        shot_id=shot_id, index=index, scene_heading="INT. ROOM - DAY", location_name="Room", location_image=None,
        time_of_day="DAY", interior=True, width=64, height=48, fps=12, num_frames=frames, size="medium",
        angle="eye_level", movement="static", transition_in="cut", transition_out="cut",
        characters=[JobCharacter(character_id="ann", name="Ann", image=image, color=color, box=Box(x=0.3, y=0.2, w=0.4, h=0.8))],
        action="", prompt="", motion_prompt="", seed=index, crf=30, preset="ultrafast",
        output=Path(f"clips/shot_{index:04d}_{shot_id}.mp4"), cache_key=f"{shot_id}-{frames}-{color}",
    )


VIDEO = RenderPhase(family="video", backend=BackendChoice(kind="preview"))


@pytest.mark.parametrize("workers", [1, 2])
def test_clips_render_once_then_come_from_the_cache(tmp_path, workers):
    workspace = Workspace(tmp_path)
    runner = load_backend("runner", BackendChoice(kind="local", workers=workers))
    jobs = [job(1, "a"), job(2, "b", frames=9), job(3, "c")]
    first = render_phase(jobs, runner, VIDEO, workspace)
    assert [clip.cached for clip in first] == [False, False, False]
    assert [count_frames(clip.path) for clip in first] == [6, 9, 6]

    second = render_phase(jobs, runner, VIDEO, workspace)
    assert [clip.cached for clip in second] == [True, True, True]


def test_a_moved_shot_is_reused_and_stale_clips_are_removed(tmp_path):
    workspace = Workspace(tmp_path)
    runner = load_backend("runner", BackendChoice(kind="local", workers=1))
    render_phase([job(1, "a"), job(2, "b")], runner, VIDEO, workspace)
    # A new shot is inserted first: "a" and "b" move to new numbers but keep their content.
    results = render_phase([job(1, "new", color="#3333cc"), job(2, "a"), job(3, "b")], runner, VIDEO, workspace)
    assert [clip.cached for clip in results] == [False, True, True]
    assert sorted(path.name for path in workspace.clips.glob("shot_*.mp4")) == ["shot_0001_new.mp4", "shot_0002_a.mp4", "shot_0003_b.mp4"]


def test_a_failing_shot_fails_the_run_and_keeps_finished_clips(tmp_path):
    workspace = Workspace(tmp_path)
    runner = load_backend("runner", BackendChoice(kind="local", workers=2))
    broken = job(2, "broken", image=tmp_path / "missing.png")
    with pytest.raises(RenderError):
        render_phase([job(1, "good"), broken], runner, VIDEO, workspace)
    assert not (workspace.root / broken.output).exists()
    retry = render_phase([job(1, "good")], runner, VIDEO, workspace)
    assert retry[0].cached
