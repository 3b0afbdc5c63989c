"""The small protocols the backends implement; movieagent.backends.BACKENDS says which module holds each kind.

A backend module defines `Backend`: a class whose nested pydantic model `Options` holds the settings beside
`kind` in the config, and whose constructor takes one `Options` instance. Constructors are cheap: models load
on the first render, so building a backend to check its settings costs nothing. (The crew protocol is
planning.crew.Crew, beside the graph that asks it.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from pydantic import BaseModel

from movieagent.config import BackendChoice
from movieagent.schema import CastVoice, ClipResult, Delivery, RenderJob, Voice

if TYPE_CHECKING:  # `validate` casts voices through these protocols without loading numpy
    import numpy as np


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


@dataclass(frozen=True)
class VoiceOption:
    """One voice a speech backend can speak with, and what is known of it, for casting."""

    voice: str
    speaker: int | None = None
    gender: str | None = None
    age: str | None = None
    accent: str | None = None
    language: str | None = None  # 'en-us'; None: speaks any language


@dataclass(frozen=True)
class VoiceRequest:
    """What a character's own words ask of one backend (voice.piper, voice.espeak, ...); None: casting chooses."""

    voice: str | None = None
    speaker: int | None = None
    language: str | None = None
    pitch_semitones: float | None = None
    speed: float | None = None
    instructions: str | None = None


@dataclass(frozen=True)
class Speech:
    """A backend's raw speech for one line: mono float samples in -1..1 (the stage trims and levels them)."""

    samples: np.ndarray
    sample_rate: int


class SpeechBackend(Protocol):
    """Speaks lines in the voices casting gave the characters (speech/casting.py). Cheap to build: models load on
    the first line, and `voices` reads no weights, so `validate` can show the cast."""

    parallel_lines: int  # how many lines the speech stage may have it speak at once, each on a thread of its own

    def voices(self) -> list[VoiceOption]:
        """Every voice it can speak with here."""
        ...

    def requested(self, voice: Voice) -> VoiceRequest | None:
        """The part of a character's voice words meant for this backend alone (voice.piper for piper, ...)."""
        ...

    def synthesize(self, text: str, voice: CastVoice, delivery: Delivery) -> Speech: ...


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
