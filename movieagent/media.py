"""ffmpeg access. The binary comes from the imageio-ffmpeg wheel, so no system ffmpeg is needed."""

from __future__ import annotations

import contextlib
import functools
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from movieagent.errors import RenderError
from movieagent.schema import RenderJob


@functools.cache
def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(arguments: list[str], *, what: str, cwd: Path | None = None) -> None:
    """Runs ffmpeg with an argument list (never a shell); raises RenderError with its last words on failure."""
    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise RenderError(f"ffmpeg failed while {what}:\n{tail}")


def encode_clip(
    frames: Iterable[Any], job: RenderJob, output: Path, *, frame_size: tuple[int, int] | None = None, threads: int = 1
) -> None:
    """Pipes RGB frames (PIL images or uint8 arrays, anything with `tobytes()`) into ffmpeg as the job's clip.

    H.264 yuv420p at `job.fps` with the job's crf and preset, so every clip of a movie concatenates without
    re-encoding; frames of another `frame_size` (width, height) are scaled to the job's size. Raises
    RenderError with ffmpeg's last words.
    """
    width, height = frame_size or (job.width, job.height)
    scale = ["-vf", f"scale={job.width}:{job.height}:flags=lanczos"] if (width, height) != (job.width, job.height) else []
    command = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", f"{width}x{height}", "-framerate", str(job.fps),
        "-i", "pipe:0", *scale,
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


def read_wav_duration(path: Path) -> float:
    import wave

    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()
