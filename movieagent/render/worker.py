"""What every runner's worker does with one render phase, in one place.

A worker builds the phase's backend once and keeps it for every job it gets (models stay loaded), renders
each job into `workdir / phase.output(job)`, retries a shot that ran out of GPU memory with the backend's
cheaper setting, and frees the model when the phase ends. Backends write their file atomically
(workspace.atomic_path), and a file counts as done only once its worker has returned it and the runner
has reported it (render.py caches it then): a worker killed mid-shot leaves nothing a later run reuses.
Torch is never imported here: the preview mode and the runners' parent processes do without it.
"""

from __future__ import annotations

import gc
import logging
import sys
import traceback
from pathlib import Path
from typing import Any

from movieagent.backends import load_backend
from movieagent.backends.base import LowersMemory, RenderPhase
from movieagent.errors import RenderError
from movieagent.schema import ClipResult, RenderJob

log = logging.getLogger("movieagent")


class PhaseWorker:
    """One worker's backend for one phase: built on the first job, kept until `unload()`."""

    def __init__(self, phase: RenderPhase):
        self.phase = phase
        self._backend: Any = None

    def render(self, job: RenderJob, workdir: Path) -> ClipResult:
        if self._backend is None:
            self._backend = load_backend(self.phase.family, self.phase.backend)
        return render_job(self._backend, job, self.phase, workdir)

    def unload(self) -> None:
        self._backend = None
        release_memory()


def render_job(backend: Any, job: RenderJob, phase: RenderPhase, workdir: Path) -> ClipResult:
    """Renders `job` into `workdir / phase.output(job)`; out of GPU memory, lowers the backend's cost and tries again."""
    output = workdir / phase.output(job)
    # A file left there by an earlier version of the shot is not this job's; neither is one a failed try leaves.
    output.unlink(missing_ok=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    while (out_of_memory := _render_once(backend, job, output)) is not None:
        # Out here the failed try's frames are gone: what they held (the pipeline, activations) can be freed now,
        # and must be, before lowering the cost loads or moves anything.
        release_memory()
        if not (isinstance(backend, LowersMemory) and backend.lower_memory()):
            raise RenderError(
                f"shot {job.index} ({job.shot_id}): out of GPU memory in the {phase.family} backend '{phase.backend.kind}', "
                "even at its cheapest setting; render fewer or smaller frames, or use a GPU with more memory"
            ) from out_of_memory
        log.warning("shot %s: out of GPU memory, retrying with a cheaper setting", job.shot_id)
        # What the backend dropped (a pipeline it will load again) goes before the retry loads its replacement.
        release_memory()
    if not output.is_file() or output.stat().st_size == 0:
        raise RenderError(f"shot {job.index} ({job.shot_id}): the {phase.family} backend '{phase.backend.kind}' wrote nothing")
    return ClipResult(shot_id=job.shot_id, path=output, num_frames=phase.frames(job), cached=False)


def _render_once(backend: Any, job: RenderJob, output: Path) -> BaseException | None:
    """None when the job rendered; the out-of-memory error, without its traceback, when it ran out of memory."""
    try:
        backend.render(job, output)
    except Exception as error:
        output.unlink(missing_ok=True)
        if not is_out_of_memory(error):
            raise
        # The traceback's frames (and the closures they run) hold the pipeline and the activations of the failed
        # call: they go, the message stays (for the error raised when nothing cheaper is left).
        for link in _chain(error):
            traceback.clear_frames(link.__traceback__)
            link.__traceback__ = None
        return error
    return None


def is_out_of_memory(error: BaseException) -> bool:
    """torch.OutOfMemoryError (or a wrapper of it) told apart without importing torch."""
    return any(type(link).__name__ == "OutOfMemoryError" or "out of memory" in str(link).lower() for link in _chain(error))


def _chain(error: BaseException) -> list[BaseException]:
    """The error and its causes and contexts, each once (a chain can loop back on itself)."""
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or link.__context__
    return chain


def release_memory() -> None:
    """Collects dropped models; returns cached GPU blocks to the driver if torch is already loaded."""
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
