"""The small protocols the backends implement; movieagent.backends.BACKENDS says which module holds each kind.

A backend module defines `Backend`: a class whose nested pydantic model `Options` holds the settings beside
`kind` in the config, and whose constructor takes one `Options` instance. Constructors are cheap: models load
on the first render, so building a backend to check its settings costs nothing. (The crew protocol is
planning.crew.Crew, beside the graph that asks it.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel

from movieagent.config import BackendChoice
from movieagent.schema import ClipResult, RenderJob, Voice


class KeyframeBackend(Protocol):
    """Draws the still a shot starts from. Writes a PNG of exactly `job.width` x `job.height`."""

    def render(self, job: RenderJob, output: Path) -> None: ...


class VideoBackend(Protocol):
    """Draws one shot. Writes a video-only MP4 of exactly `job.num_frames` frames at `job.fps`, `job.width` x `job.height`.

    Image-to-video backends animate `job.keyframe` (and end on `job.end_keyframe` when they can);
    both paths are relative to the output folder the runner renders into, like `output`'s.
    """

    def render(self, job: RenderJob, output: Path) -> None: ...


@runtime_checkable
class LowersMemory(Protocol):
    """A render backend that can retry a shot that ran out of GPU memory with a cheaper setting."""

    def lower_memory(self) -> bool:
        """Makes the next render use less memory (offload first, then a lower resolution); False when nothing is left."""
        ...


@runtime_checkable
class ChecksWeights(Protocol):
    """A backend that needs model weights: checks them all before any GPU work starts."""

    def preflight(self) -> None:
        """Raises InputErrors naming every missing model and the exact command that fetches it."""
        ...


class SpeechBackend(Protocol):
    """Speaks one line. Writes a mono 16-bit WAV with no leading or trailing silence."""

    def synthesize(self, text: str, voice: Voice, output: Path) -> None: ...


class RenderPhase(BaseModel):
    """One pass over the shots with one model loaded: every keyframe, then every clip."""

    family: Literal["keyframe", "video"]
    backend: BackendChoice

    def output(self, job: RenderJob) -> Path:
        """Where this phase writes the job's file, relative to the output folder."""
        if self.family == "keyframe":
            if job.keyframe is None:
                raise ValueError(f"shot {job.shot_id} has no keyframe path, but a keyframe phase runs")
            return job.keyframe
        return job.output

    def frames(self, job: RenderJob) -> int:
        """Frames in the phase's file: a keyframe is one."""
        return 1 if self.family == "keyframe" else job.num_frames


class JobRunner(Protocol):
    """Runs one phase of render jobs (possibly in parallel, on several GPUs, or on a cluster).

    Each worker builds the phase's backend once and keeps it for every job it gets. Calls `on_done`
    once per finished job, in any order, as soon as its file is complete. Returns one result per job,
    in job order. A job never finishes twice.
    """

    def run(
        self,
        jobs: Sequence[RenderJob],
        phase: RenderPhase,
        workdir: Path,
        on_done: Callable[[ClipResult], None],
    ) -> list[ClipResult]: ...
