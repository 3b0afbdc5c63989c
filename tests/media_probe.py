"""Reading our own outputs back without ffprobe: frames counted and grabbed (streams: movieagent.media.probe)."""

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
