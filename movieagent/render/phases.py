"""Stage: render jobs -> a keyframe and a clip per shot, a phase at a time, through a job runner; nothing finished is made twice.

Each phase's files are kept content-addressed in the cache (cache/keyframes/<keyframe_key>.png,
cache/clips/<cache_key>.mp4) and linked to their place in keyframes/ and clips/, so a shot that only
moves (an insert before it, a reorder) is reused, not re-rendered.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from movieagent.backends import load_backend
from movieagent.backends.base import ChecksWeights, JobRunner, RenderPhase
from movieagent.config import RenderSettings
from movieagent.errors import InputError, InputErrors
from movieagent.schema import ClipResult, RenderJob
from movieagent.workspace import Workspace, atomic_path


def render_phases(settings: RenderSettings) -> list[RenderPhase]:
    """The phases the settings ask for, in order: every keyframe (with a keyframe backend) while the image model is
    loaded, then every clip, so the video model has the GPU to itself."""
    keyframes = [RenderPhase(family="keyframe", backend=settings.keyframe)] if settings.keyframe is not None else []
    return [*keyframes, RenderPhase(family="video", backend=settings.video)]


def preflight(settings: RenderSettings) -> None:
    """Builds every render backend (cheap: no model loads) and checks the weights of those that need some.

    Raises InputErrors naming every missing model of every phase at once, before any planning or GPU work.
    """
    problems: list[InputError] = []
    for phase in render_phases(settings):
        backend = load_backend(phase.family, phase.backend)
        if isinstance(backend, ChecksWeights):
            try:
                backend.preflight()
            except InputErrors as errors:
                problems.extend(errors.problems)
            except InputError as error:
                problems.append(error)
    if problems:
        raise InputErrors(problems)


def render_phase(
    jobs: list[RenderJob],
    runner: JobRunner,
    phase: RenderPhase,
    workspace: Workspace,
    on_done: Callable[[ClipResult], None] = lambda result: None,
) -> list[ClipResult]:
    """Renders the phase's file of every job that is not in the cache yet; one result per job, in job order.

    `on_done` is called once per job as its file is ready: first the cached ones, then each rendered one.
    """
    # 1. Files already made (by this run's shots or any earlier run's) are linked into place.
    cached: dict[str, ClipResult] = {}
    pending: list[RenderJob] = []
    for job in jobs:
        stored = _stored(workspace, phase, job)
        if stored.exists():
            target = workspace.root / phase.output(job)
            _place(stored, target)
            cached[job.shot_id] = ClipResult(shot_id=job.shot_id, path=target, num_frames=phase.frames(job), cached=True)
            on_done(cached[job.shot_id])
        else:
            pending.append(job)

    # 2. The rest go to the runner, longest first: the last to finish are short, so no worker waits long for the
    # others at the end. Each finished file enters the cache at once, so a failed run keeps it.
    pending.sort(key=lambda job: job.num_frames, reverse=True)
    pending_by_shot = {job.shot_id: job for job in pending}

    def finished(result: ClipResult) -> None:
        job = pending_by_shot[result.shot_id]
        _place(workspace.root / phase.output(job), _stored(workspace, phase, job))
        on_done(result)

    try:
        rendered = {result.shot_id: result for result in runner.run(pending, phase, workspace.root, finished)} if pending else {}
    finally:
        # A worker killed mid-shot (in this run or an earlier one) leaves its hidden temporary file.
        _remove_partial_files(workspace, phase)

    # 3. Files of shots that no longer exist go.
    _remove_stale_files(workspace, phase, jobs)
    return [cached.get(job.shot_id) or rendered[job.shot_id] for job in jobs]


def _stored(workspace: Workspace, phase: RenderPhase, job: RenderJob) -> Path:
    if phase.family == "keyframe":
        return workspace.cache / "keyframes" / f"{job.keyframe_key}.png"
    return workspace.cache / "clips" / f"{job.cache_key}.mp4"


def _place(source: Path, target: Path) -> None:
    """Hard-links `source` at `target` (copies where links are not allowed), replacing atomically."""
    with atomic_path(target) as temporary:
        temporary.unlink()
        try:
            os.link(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)


def _folder(workspace: Workspace, phase: RenderPhase) -> tuple[Path, str]:
    """The folder a phase renders into, and the pattern of its shots' files there."""
    return (workspace.keyframes, "shot_*.png") if phase.family == "keyframe" else (workspace.clips, "shot_*.mp4")


def _remove_partial_files(workspace: Workspace, phase: RenderPhase) -> None:
    # The temporary names of workspace.atomic_path: nothing reads them.
    folder, _ = _folder(workspace, phase)
    for partial in folder.glob(".*.partial*"):
        partial.unlink(missing_ok=True)


def _remove_stale_files(workspace: Workspace, phase: RenderPhase, jobs: list[RenderJob]) -> None:
    # A shot deleted or renumbered since the last run leaves a file that would confuse a reader of the folder.
    current = {workspace.root / phase.output(job) for job in jobs}
    folder, pattern = _folder(workspace, phase)
    for path in folder.glob(pattern):
        if path not in current:
            path.unlink()
