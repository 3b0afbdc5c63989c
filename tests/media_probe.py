"""Reading our own outputs back without ffprobe: frames counted and grabbed, chapters (streams: movieagent.media.probe)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from movieagent.media import ffmpeg_exe, grab_frame


def count_frames(path: Path) -> int:
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"], capture_output=True, text=True
    )
    return int(re.findall(r"frame=\s*(\d+)", result.stderr)[-1])


def frame_at(path: Path, seconds: float, width: int, height: int) -> np.ndarray:
    frame = np.asarray(grab_frame(path, seconds))
    assert frame.shape == (height, width, 3)
    return frame


def read_chapters(path: Path) -> list[tuple[float, float, str]]:
    """(start s, end s, title) of each chapter of a movie, as ffmpeg reads them back (its ffmetadata output)."""
    result = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-f", "ffmetadata", "-"], capture_output=True, text=True, check=True
    )
    chapters = []
    for section in result.stdout.split("[CHAPTER]")[1:]:
        fields = dict(re.findall(r"^(\w+)=((?:[^\\\n]|\\.)*)$", section, re.MULTILINE))
        numerator, denominator = (int(part) for part in fields["TIMEBASE"].split("/"))
        title = re.sub(r"\\(.)", r"\1", fields.get("title", ""))
        chapters.append((int(fields["START"]) * numerator / denominator, int(fields["END"]) * numerator / denominator, title))
    return chapters
