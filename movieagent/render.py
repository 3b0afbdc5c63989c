"""Stage: render jobs -> one clip per shot, through a job runner; finished clips are never rendered twice.

Clips are kept content-addressed in cache/clips/<cache_key>.mp4 and linked to their place in clips/,
so a shot that only moves (an insert before it, a reorder) is reused, not re-rendered.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from movieagent.backends.base import JobRunner
from movieagent.config import BackendChoice
from movieagent.schema import ClipResult, RenderJob
from movieagent.workspace import Workspace, atomic_path


def render_clips(
    jobs: list[RenderJob],
    runner: JobRunner,
    video: BackendChoice,
    workspace: Workspace,
    on_done: Callable[[int], None] = lambda steps: None,
) -> list[ClipResult]:
    cached: dict[str, ClipResult] = {}
    pending: list[RenderJob] = []
    for job in jobs:
        stored = _stored_clip(workspace, job)
        if stored.exists():
            _place(stored, workspace.root / job.output)
            cached[job.shot_id] = ClipResult(shot_id=job.shot_id, path=workspace.root / job.output, num_frames=job.num_frames, cached=True)
            on_done(1)
        else:
            pending.append(job)

    pending_by_shot = {job.shot_id: job for job in pending}

    def finished(result: ClipResult) -> None:
        job = pending_by_shot[result.shot_id]
        _place(workspace.root / job.output, _stored_clip(workspace, job))
        on_done(1)

    rendered = {result.shot_id: result for result in runner.run(pending, video, workspace.root, finished)} if pending else {}
    _remove_stale_clips(workspace, jobs)
    return [cached.get(job.shot_id) or rendered[job.shot_id] for job in jobs]


def _stored_clip(workspace: Workspace, job: RenderJob) -> Path:
    return workspace.cache / "clips" / f"{job.cache_key}.mp4"


def _place(source: Path, target: Path) -> None:
    """Hard-links `source` at `target` (copies where links are not allowed), replacing atomically."""
    with atomic_path(target) as temporary:
        temporary.unlink()
        try:
            os.link(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)


def _remove_stale_clips(workspace: Workspace, jobs: list[RenderJob]) -> None:
    # A shot deleted or renumbered since the last run leaves a clip that would confuse a reader of clips/.
    current = {workspace.root / job.output for job in jobs}
    for clip in workspace.clips.glob("shot_*.mp4"):
        if clip not in current:
            clip.unlink()
