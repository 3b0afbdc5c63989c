"""Runs render phases on a Ray cluster (or a local Ray): one long-lived actor per GPU, each keeping its phase's model loaded.

Jobs go to whichever actor is idle (a queue, not a fixed split), so a slow shot does not hold up the rest.
An actor that dies mid-shot (its process killed, its node lost) is replaced by a new one and the shot goes
back to the front of the queue; a shot whose file came back is never rendered again. Out of GPU memory, a
worker retries the shot with its backend's cheaper setting (movieagent/render/worker.py).

The output folder (and the character bank's images) must be on storage every node sees, at the same path:
actors write each shot's file straight into it. Ray is imported only when this runner renders.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from movieagent.backends.base import RenderPhase
from movieagent.errors import MovieAgentError, RenderError
from movieagent.render.worker import PhaseWorker
from movieagent.schema import ClipResult, RenderJob

if TYPE_CHECKING:
    from ray.actor import ActorHandle


class PhaseActor:
    """A Ray actor's state: the current phase's worker, replaced when a job of another phase arrives."""

    def __init__(self) -> None:
        self._worker: PhaseWorker | None = None

    def render(self, phase: RenderPhase, job: RenderJob, workdir: Path) -> ClipResult:
        if self._worker is None or self._worker.phase != phase:
            self.unload()
            self._worker = PhaseWorker(phase)
        return self._worker.render(job, workdir)

    def unload(self) -> None:
        if self._worker is not None:
            self._worker.unload()
            self._worker = None


class Backend:
    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

        address: str | None = Field(
            default=None, description="None starts a Ray on this machine; 'auto' or 'ray://host:10001' joins a running cluster"
        )
        actors: int | None = Field(
            default=None, ge=1, description="Render actors; None: one per GPU of the cluster (cpu_actors when it has none)"
        )
        cpu_actors: int = Field(default=2, ge=1, description="Actors on a cluster without GPUs")
        num_gpus_per_actor: float = Field(default=1.0, ge=0, description="GPUs each actor reserves (when the cluster has GPUs)")
        num_cpus_per_actor: float = Field(default=1.0, ge=0)
        runtime_env: dict[str, Any] | None = Field(default=None, description="Ray runtime_env, e.g. env_vars for the workers")
        max_attempts: int = Field(default=3, ge=1, description="Times a shot may be started before a dying actor fails the run")

    def __init__(self, options: Options):
        self.options = options
        self._actors: list[ActorHandle] = []

    def run(
        self,
        jobs: Sequence[RenderJob],
        phase: RenderPhase,
        workdir: Path,
        on_done: Callable[[ClipResult], None],
    ) -> list[ClipResult]:
        if not jobs:
            return []
        import ray
        from ray.exceptions import RayActorError, RayTaskError

        # 1. Connect, and start the actors on the first phase (they stay for the next one).
        self._connect()
        if not self._actors:
            self._actors = [self._new_actor() for _ in range(self._actor_count())]

        # 2. Hand each idle actor the next job until every job has come back.
        queue = collections.deque(jobs)
        attempts: collections.Counter[str] = collections.Counter()
        idle = list(self._actors)
        in_flight: dict[Any, tuple[ActorHandle, RenderJob]] = {}
        results: dict[str, ClipResult] = {}
        failure: BaseException | None = None
        try:
            while in_flight or (queue and failure is None):
                while queue and idle and failure is None:
                    actor, job = idle.pop(), queue.popleft()
                    attempts[job.shot_id] += 1
                    in_flight[actor.render.remote(phase, job, workdir)] = (actor, job)
                [ready], _ = ray.wait(list(in_flight), num_returns=1)
                actor, job = in_flight.pop(ready)
                try:
                    result = ray.get(ready)
                except RayActorError as error:
                    # The actor's process or node is gone: a fresh actor takes its place and the shot goes first.
                    replacement = self._replace(actor)
                    idle.append(replacement)
                    if attempts[job.shot_id] >= self.options.max_attempts:
                        failure = failure or RenderError(
                            f"shot {job.index} ({job.shot_id}): its render worker died {attempts[job.shot_id]} times "
                            f"(killed, or the node was lost): {error}"
                        )
                    else:
                        queue.appendleft(job)
                except RayTaskError as error:
                    # One failed shot fails the run; the shots still in flight finish and are kept.
                    failure = failure or (error.cause if isinstance(error.cause, MovieAgentError) else error)
                    idle.append(actor)
                else:
                    results[job.shot_id] = result
                    on_done(result)
                    idle.append(actor)
        except BaseException:
            # Interrupted (or on_done failed): stop the actors now rather than wait for their shots.
            self._stop_all()
            raise
        # 3. The phase is over: every actor frees its model before the next phase loads another.
        self._unload_all()
        if failure is not None:
            raise failure
        return [results[job.shot_id] for job in jobs]

    def _connect(self) -> None:
        import ray

        if ray.is_initialized():
            return
        ray.init(
            address=self.options.address,
            include_dashboard=False,
            log_to_driver=False,  # the workers' output stays in Ray's log folder, not over the progress bars
            logging_level=logging.WARNING,
        )

    def _actor_count(self) -> int:
        import ray

        if self.options.actors is not None:
            return self.options.actors
        gpus = ray.cluster_resources().get("GPU", 0)
        if gpus and self.options.num_gpus_per_actor:
            return max(1, int(gpus // self.options.num_gpus_per_actor))
        return self.options.cpu_actors

    def _new_actor(self) -> ActorHandle:
        import ray

        gpus = self.options.num_gpus_per_actor if ray.cluster_resources().get("GPU", 0) else 0
        # Ray sets CUDA_VISIBLE_DEVICES in each actor to the GPUs it reserved, before any of our code runs there.
        remote = ray.remote(PhaseActor).options(
            num_gpus=gpus, num_cpus=self.options.num_cpus_per_actor, runtime_env=self.options.runtime_env, max_restarts=0
        )
        return remote.remote()

    def _replace(self, dead: ActorHandle) -> ActorHandle:
        import ray

        ray.kill(dead, no_restart=True)
        replacement = self._new_actor()
        self._actors = [replacement if actor is dead else actor for actor in self._actors]
        return replacement

    def _stop_all(self) -> None:
        import ray

        for actor in self._actors:
            ray.kill(actor, no_restart=True)
        self._actors = []

    def _unload_all(self) -> None:
        import ray
        from ray.exceptions import RayActorError

        for actor, unloaded in [(actor, actor.unload.remote()) for actor in self._actors]:
            try:
                ray.get(unloaded)
            except RayActorError:
                self._replace(actor)
