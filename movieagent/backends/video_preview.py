"""Video backend 'preview': the embedded animatic. No GPU, no model, no network.

Each shot is the location (its photo, or a set drawn from its name) with the characters standing in
their planned boxes (cut-outs, photo cards or silhouettes), filmed by a camera that frames, angles and
moves as the plan says. Frames are piped to ffmpeg as raw RGB and encoded to H.264 (yuv420p). Every
clip of a movie gets the same size, rate, crf and preset, so x264 picks the same profile and level for
all of them and the assembler can join them without re-encoding. Drawing lives in movieagent/preview/.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from movieagent.errors import RenderError
from movieagent.media import ffmpeg_exe
from movieagent.preview.raster import parse_colour
from movieagent.preview.shot import Look, compose_shot
from movieagent.schema import RenderJob
from movieagent.workspace import atomic_path


class Backend:
    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

        shot_label: bool = Field(default=True, description="A small top-left tag such as '12  MS  dolly in'")
        static_drift: float = Field(
            default=0.03, ge=0, le=0.05, description="Slow push-in on static shots so they do not look frozen; 0 holds still"
        )
        speaker_cue: bool = Field(default=True, description="A soft halo and a gentle bob on characters who speak in the shot")
        threads: int = Field(
            default=1, ge=1, le=16, description="x264 threads per shot; the runner already renders shots in parallel"
        )

    def __init__(self, options: Options):
        self.options = options

    def render(self, job: RenderJob, output: Path) -> None:
        # 1. Check inputs before drawing anything.
        _check_job(job)

        # 2. Compose the shot's layers once.
        look = Look(
            shot_label=self.options.shot_label, static_drift=self.options.static_drift, speaker_cue=self.options.speaker_cue
        )
        shot = compose_shot(job, look)

        # 3. Draw and encode every frame, into a temporary file renamed into place on success.
        frames = (shot.frame(index) for index in range(job.num_frames))
        with atomic_path(output) as temporary:
            _encode(frames, job, temporary, threads=self.options.threads)


def _check_job(job: RenderJob) -> None:
    if job.width % 2 or job.height % 2:
        raise RenderError(f"shot {job.index} ({job.shot_id}): H.264 in yuv420p needs an even size, got {job.width}x{job.height}")
    for character in job.characters:
        parse_colour(character.color)
    for path, what in [
        (job.location_image, "location image"),
        *((c.image, f"reference image of {c.name}") for c in job.characters),
    ]:
        if path is not None and not Path(path).is_file():
            raise RenderError(f"shot {job.index} ({job.shot_id}): {what} not found: {path}")


def _encode(frames: Iterable[Image.Image], job: RenderJob, output: Path, *, threads: int) -> None:
    """Pipes RGB frames into ffmpeg (an argument list, no shell); raises RenderError with its last words."""
    command = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", f"{job.width}x{job.height}", "-framerate", str(job.fps),
        "-i", "pipe:0",
        "-an", "-c:v", "libx264", "-preset", job.preset, "-crf", str(job.crf),
        "-pix_fmt", "yuv420p", "-r", str(job.fps), "-threads", str(threads),
        "-f", "mp4", str(output),
    ]  # fmt: skip
    # stderr goes to a file: a pipe nobody reads while we write frames could fill up and stall ffmpeg.
    with tempfile.TemporaryFile() as errors:
        encoder = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        assert encoder.stdin is not None
        try:
            for frame in frames:
                encoder.stdin.write(frame.tobytes())
        except BrokenPipeError:
            pass  # ffmpeg stopped early; its exit status and message say why
        except BaseException:
            encoder.kill()  # drawing failed: do not leave the encoder waiting for frames
            raise
        finally:
            with contextlib.suppress(BrokenPipeError):
                encoder.stdin.close()
            encoder.wait()
        if encoder.returncode != 0:
            errors.seek(0)
            tail = "\n".join(errors.read().decode(errors="replace").strip().splitlines()[-5:])
            raise RenderError(f"ffmpeg failed while encoding shot {job.index} ({job.shot_id}):\n{tail}")
