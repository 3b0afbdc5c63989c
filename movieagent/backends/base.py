"""The small protocols every backend implements. One file per backend beside this one.

A backend module is named `<family>_<kind>.py` (video_preview.py, speech_espeak.py, crew_rules.py,
runner_local.py) and defines `Backend`: a class whose nested pydantic model `Options` holds the
settings beside `kind` in the config, and whose constructor takes one `Options` instance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from movieagent.config import BackendChoice
from movieagent.schema import ClipResult, RenderJob, Voice


class VideoBackend(Protocol):
    """Draws one shot. Writes a video-only MP4 of exactly `job.num_frames` frames at `job.fps`."""

    def render(self, job: RenderJob, output: Path) -> None: ...


class SpeechBackend(Protocol):
    """Speaks one line. Writes a mono 16-bit WAV with no leading or trailing silence."""

    def synthesize(self, text: str, voice: Voice, output: Path) -> None: ...


class JobRunner(Protocol):
    """Runs render jobs (possibly in parallel, possibly remote) with a video backend built from `video`.

    Calls `on_done` once per finished job, in any order. Returns one result per job, in job order.
    """

    def run(
        self,
        jobs: Sequence[RenderJob],
        video: BackendChoice,
        workdir: Path,
        on_done: Callable[[ClipResult], None],
    ) -> list[ClipResult]: ...
