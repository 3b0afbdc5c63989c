"""Runs one render phase on this machine: one worker process per GPU, CPU worker processes, or this process.

Workers pull the next job from a shared queue as they finish one, and each builds the phase's backend once
(see movieagent/render/worker.py). On a machine with GPUs every worker sees exactly one of them:
CUDA_VISIBLE_DEVICES is set in the worker before anything there imports torch. A new pool per phase, so the
processes exit when the phase ends and the next phase's model starts on empty GPUs.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from movieagent.backends.base import RenderPhase
from movieagent.errors import RenderError
from movieagent.render.worker import PhaseWorker
from movieagent.schema import ClipResult, RenderJob

# Where the NVIDIA driver lists one folder per GPU it manages; read instead of importing torch or running nvidia-smi.
NVIDIA_GPU_FOLDER = Path("/proc/driver/nvidia/gpus")
# Some containers have no such folder: then nvidia-smi lists the GPUs, or torch counts them in a child process
# (this process stays free of torch and of CUDA, which its workers must start themselves, one GPU each).
GPU_COUNT_DEADLINE_S = 60
TORCH_GPU_COUNT = "import torch; print(torch.cuda.device_count())"

# The phase worker of this worker process, built by its initializer; per process, never shared.
_process_worker: PhaseWorker | None = None


def _start_worker(phase: RenderPhase, devices: Queue[str] | None) -> None:
    global _process_worker
    if devices is not None:
        # Before the backend (and so torch) is imported: CUDA reads this once, when it starts.
        os.environ["CUDA_VISIBLE_DEVICES"] = devices.get()
    _process_worker = PhaseWorker(phase)


def _render_in_worker(job: RenderJob, workdir: Path) -> ClipResult:
    assert _process_worker is not None, "the pool's initializer builds the worker"
    return _process_worker.render(job, workdir)


def visible_gpus() -> list[str]:
    """The GPUs this process may use: CUDA_VISIBLE_DEVICES when it is set, else every GPU the driver lists."""
    assigned = os.environ.get("CUDA_VISIBLE_DEVICES")
    if assigned is not None:
        # CUDA stops at the first invalid entry, and '-1' is the usual way to hide every GPU.
        entries = (entry.strip() for entry in assigned.split(","))
        return list(itertools.takewhile(lambda entry: entry != "" and not entry.startswith("-"), entries))
    if NVIDIA_GPU_FOLDER.is_dir():
        count = len(list(NVIDIA_GPU_FOLDER.iterdir()))
    else:
        count = _listed_by_nvidia_smi()
        if count is None:
            count = _counted_by_torch_elsewhere()
    return [str(index) for index in range(count)]


def _listed_by_nvidia_smi() -> int | None:
    """GPUs in `nvidia-smi -L` ("GPU 0: ..."; MIG slices are indented lines under their GPU); None without nvidia-smi."""
    program = shutil.which("nvidia-smi")
    if program is None:
        return None
    try:
        listing = subprocess.run([program, "-L"], capture_output=True, text=True, timeout=GPU_COUNT_DEADLINE_S, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return sum(1 for line in listing.stdout.splitlines() if line.startswith("GPU "))


def _counted_by_torch_elsewhere() -> int:
    """torch.cuda.device_count() in a child process; 0 without torch or a driver."""
    try:
        counted = subprocess.run(
            [sys.executable, "-c", TORCH_GPU_COUNT], capture_output=True, text=True, timeout=GPU_COUNT_DEADLINE_S, check=True
        )
        return max(0, int(counted.stdout.strip().splitlines()[-1]))
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return 0


class Backend:
    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

        workers: int = Field(default=2, ge=1, le=256, description="Worker processes when no GPU is used; 1 renders here")
        # Not auto by default: the preview renderer is CPU work, where `workers` processes beat one per GPU.
        gpus: Literal["auto"] | list[int] | None = Field(
            default=None,
            description="auto: one worker per visible GPU (CUDA_VISIBLE_DEVICES, else every GPU); a list of GPU indices; "
            "null: never pin GPUs, run `workers` processes",
        )

    def __init__(self, options: Options):
        self.options = options

    def run(
        self,
        jobs: Sequence[RenderJob],
        phase: RenderPhase,
        workdir: Path,
        on_done: Callable[[ClipResult], None],
    ) -> list[ClipResult]:
        if not jobs:
            return []
        gpus = self._gpus()
        if not gpus and min(self.options.workers, len(jobs)) == 1:
            results = self._run_here(jobs, phase, workdir, on_done)
        else:
            results = self._run_in_pool(jobs, phase, workdir, on_done, gpus)
        return [results[job.shot_id] for job in jobs]

    def _gpus(self) -> list[str]:
        if self.options.gpus is None:
            return []
        if self.options.gpus == "auto":
            return visible_gpus()
        return [str(index) for index in self.options.gpus]

    def _run_here(
        self, jobs: Sequence[RenderJob], phase: RenderPhase, workdir: Path, on_done: Callable[[ClipResult], None]
    ) -> dict[str, ClipResult]:
        worker = PhaseWorker(phase)
        results: dict[str, ClipResult] = {}
        try:
            for job in jobs:
                results[job.shot_id] = worker.render(job, workdir)
                on_done(results[job.shot_id])
        finally:
            worker.unload()
        return results

    def _run_in_pool(
        self,
        jobs: Sequence[RenderJob],
        phase: RenderPhase,
        workdir: Path,
        on_done: Callable[[ClipResult], None],
        gpus: list[str],
    ) -> dict[str, ClipResult]:
        # spawn, not fork: the parent runs progress-bar threads, and forking a threaded process can deadlock.
        context = multiprocessing.get_context("spawn")
        devices: Queue[str] | None = None
        if gpus:
            devices = context.Queue()
            for gpu in gpus:
                devices.put(gpu)
        workers = min(len(gpus) if gpus else self.options.workers, len(jobs))
        results: dict[str, ClipResult] = {}
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(phase, devices)) as pool:
            # Submitted in job order; the pool hands each idle worker the next one.
            futures: set[Future[ClipResult]] = {pool.submit(_render_in_worker, job, workdir) for job in jobs}
            failure: BaseException | None = None
            try:
                while futures and failure is None:
                    done, futures = wait(futures, return_when=FIRST_COMPLETED)
                    # Every shot that finished is kept, even one finishing beside the first failure.
                    for future in done:
                        if (error := future.exception()) is not None:
                            failure = failure or error
                        else:
                            results[future.result().shot_id] = future.result()
                            on_done(future.result())
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            if failure is not None:
                # One failed shot fails the run; shots that still finish are kept for the next attempt.
                pool.shutdown(wait=True, cancel_futures=True)
                for future in futures:
                    if not future.cancelled() and future.exception() is None:
                        on_done(future.result())
                if isinstance(failure, BrokenProcessPool):
                    raise RenderError(
                        "a render worker process died (killed, or out of memory on the machine); "
                        "the shots it finished are kept: run again to render the rest"
                    ) from failure
                raise failure
        return results
