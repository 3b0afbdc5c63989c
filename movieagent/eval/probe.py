"""What a video file holds, read from ffmpeg's description of it (there is no ffprobe)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pydantic import BaseModel

from movieagent.errors import InputError
from movieagent.media import ffmpeg_exe

_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: .*?, (\d{2,5})x(\d{2,5})[ ,].*?([\d.]+) fps")


class VideoInfo(BaseModel):
    duration_s: float
    width: int
    height: int
    fps: float
    has_audio: bool


def probe_video(path: Path) -> VideoInfo:
    """Duration, picture size, frame rate and whether there is a sound track."""
    # With no output file ffmpeg describes the input on stderr and exits with an error; that is expected.
    banner = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True, text=True, errors="replace", check=False
    ).stderr
    duration, video = _DURATION.search(banner), _VIDEO.search(banner)
    if duration is None or video is None:
        raise InputError("not a video ffmpeg can read", path=path, fix="point at the movie folder's finished MP4")
    hours, minutes, seconds = duration.groups()
    return VideoInfo(
        duration_s=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        width=int(video.group(1)),
        height=int(video.group(2)),
        fps=float(video.group(3)),
        has_audio=re.search(r"Stream #\d+:\d+.*?: Audio: ", banner) is not None,
    )
