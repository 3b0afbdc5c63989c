"""Planning and rendering in background threads, one at a time per project, with live progress.

A render is make_movie(plan_file=PROJECT/plan.json): the clip cache re-renders only the shots whose
content changed, and re-assembles. Progress comes from make_movie's on_progress: a StageUpdate per step
of each stage, naming the shot (and whether its clip was reused) when one of the render stage is ready.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Literal

from pydantic import BaseModel

from movieagent.config import Settings
from movieagent.errors import MovieAgentError
from movieagent.ingest import read_plan
from movieagent.pipeline import MovieResult, make_movie
from movieagent.progress import StageUpdate
from movieagent.studio.projects import Conflict, Project
from movieagent.workspace import write_text_atomic

log = logging.getLogger("movieagent.studio")

RunKind = Literal["plan", "render"]


class StageCount(BaseModel):
    done: int = 0
    total: int = 0


class ShotState(BaseModel):
    shot_id: str
    index: int
    state: Literal["reused", "queued", "rendered"]


class RunStatus(BaseModel):
    kind: RunKind
    state: Literal["running", "finished", "failed"] = "running"
    started: float
    finished: float | None = None
    stage: str | None = None
    stages: dict[str, StageCount] = {}
    shots: list[ShotState] = []
    summary: str = ""
    error: str | None = None


class _Tracker:
    """One run's status, written by the run's thread and read by request threads."""

    def __init__(self, kind: RunKind):
        self._lock = threading.Lock()
        self._status = RunStatus(kind=kind, started=time.time())

    def on_progress(self, update: StageUpdate) -> None:
        with self._lock:
            self._status.stage = update.stage
            self._status.stages[update.stage] = StageCount(done=update.done, total=update.total)
            if update.stage == "render" and update.shot_id is not None:
                for shot in self._status.shots:
                    if shot.shot_id == update.shot_id:
                        shot.state = "reused" if update.reused else "rendered"

    def expect_shots(self, shot_ids: list[str]) -> None:
        """The shots of this render, in plan order, each queued until its clip is ready."""
        with self._lock:
            self._status.shots = [
                ShotState(shot_id=shot_id, index=index, state="queued") for index, shot_id in enumerate(shot_ids, 1)
            ]

    def end(self, *, summary: str = "", error: str | None = None) -> None:
        with self._lock:
            self._status.state = "failed" if error else "finished"
            self._status.summary, self._status.error, self._status.finished = summary, error, time.time()

    def snapshot(self) -> RunStatus:
        with self._lock:
            return self._status.model_copy(deep=True)


class Runs:
    """The runs of every project: at most one at a time per project, each in its own thread."""

    def __init__(self) -> None:
        self._registry = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._trackers: dict[str, _Tracker] = {}

    def start(self, project: Project, kind: RunKind, settings: Settings) -> RunStatus:
        """Starts planning or rendering `project`; Conflict while another run of it is going."""
        with self._registry:
            lock = self._locks.setdefault(project.name, threading.Lock())
        if not lock.acquire(blocking=False):
            raise Conflict("this project is already being planned or rendered; wait for that run to finish (see Render)")
        try:
            if kind == "render" and project.plan_version() is None:
                raise Conflict("this project has no plan to render yet: planning is still running, or failed")
            tracker = _Tracker(kind)
            with self._registry:
                self._trackers[project.name] = tracker
            thread = threading.Thread(
                target=self._run, args=(project, kind, settings, tracker, lock), name=f"studio-{kind}-{project.name}"
            )
            thread.daemon = True  # an interrupted render leaves only finished, atomically written files behind
            thread.start()
        except BaseException:
            lock.release()
            raise
        return tracker.snapshot()

    def status(self, project: Project) -> RunStatus | None:
        with self._registry:
            tracker = self._trackers.get(project.name)
        return tracker.snapshot() if tracker else None

    def _run(self, project: Project, kind: RunKind, settings: Settings, tracker: _Tracker, lock: threading.Lock) -> None:
        try:
            if kind == "plan":
                result = make_movie(
                    project.script,
                    project.bank,
                    project.workspace.root,
                    settings,
                    stop_after="plan",
                    on_progress=tracker.on_progress,
                )
                write_text_atomic(project.plan, result.plan.read_text(encoding="utf-8"))
                tracker.end(summary=f"{result.shots} shots planned")
            else:
                tracker.expect_shots([shot.id for shot in read_plan(project.plan).shots()])
                result = make_movie(
                    project.script,
                    project.bank,
                    project.workspace.root,
                    settings,
                    plan_file=project.plan,
                    on_progress=tracker.on_progress,
                )
                tracker.end(summary=_render_summary(result))
        except MovieAgentError as error:
            tracker.end(error=str(error).replace(f"{project.root}/", ""))
        except Exception as error:  # a bug, not bad input: keep the server up and say what happened
            log.exception("studio %s of %s failed", kind, project.name)
            tracker.end(error=f"unexpected {type(error).__name__}: {error}")
        finally:
            lock.release()


def _render_summary(result: MovieResult) -> str:
    return f"{result.shots} shots: {result.clips_rendered} rendered, {result.clips_cached} reused; the movie runs {result.duration_s:.1f} s"
