"""Runs render jobs on this machine: in-process for one worker, else a pool of worker processes.

Each worker process builds the video backend once (models stay loaded between shots).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from movieagent.config import BackendChoice
from movieagent.schema import ClipResult, RenderJob

# The backend each worker process builds once in its initializer; per process, never shared.
_worker_backend: Any = None


def _start_worker(video: BackendChoice) -> None:
    global _worker_backend
    from movieagent.backends import load_backend

    _worker_backend = load_backend("video", video)


def _render_in_worker(job: RenderJob, workdir: Path) -> ClipResult:
    return _render(_worker_backend, job, workdir)


def _render(backend: Any, job: RenderJob, workdir: Path) -> ClipResult:
    output = workdir / job.output
    backend.render(job, output)
    return ClipResult(shot_id=job.shot_id, path=output, num_frames=job.num_frames, cached=False)


class Backend:
    class Options(BaseModel):
        workers: int = Field(default=2, ge=1, le=256, description="Worker processes; 1 renders in this process")

    def __init__(self, options: Options):
        self.options = options

    def run(
        self,
        jobs: Sequence[RenderJob],
        video: BackendChoice,
        workdir: Path,
        on_done: Callable[[ClipResult], None],
    ) -> list[ClipResult]:
        results: dict[str, ClipResult] = {}
        workers = min(self.options.workers, len(jobs))
        if workers <= 1:
            from movieagent.backends import load_backend

            backend = load_backend("video", video)
            for job in jobs:
                results[job.shot_id] = _render(backend, job, workdir)
                on_done(results[job.shot_id])
        else:
            # spawn, not fork: the parent runs progress-bar threads, and forking a threaded process can deadlock.
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(video,)) as pool:
                futures: set[Future[ClipResult]] = {pool.submit(_render_in_worker, job, workdir) for job in jobs}
                try:
                    while futures:
                        done, futures = wait(futures, return_when=FIRST_COMPLETED)
                        for future in done:
                            result = future.result()
                            results[result.shot_id] = result
                            on_done(result)
                except BaseException:
                    # One failed shot fails the run; shots that still finish are kept for the next attempt.
                    pool.shutdown(wait=True, cancel_futures=True)
                    for future in futures:
                        if not future.cancelled() and future.exception() is None:
                            on_done(future.result())
                    raise
        return [results[job.shot_id] for job in jobs]
