"""ffmpeg access. The binary comes from the imageio-ffmpeg wheel, so no system ffmpeg is needed."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import imageio_ffmpeg

from movieagent.errors import RenderError


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


def read_wav_duration(path: Path) -> float:
    import wave

    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()
