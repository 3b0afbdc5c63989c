"""Reading our own outputs back without ffprobe: stream info from ffmpeg's banner, frames by decoding."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from movieagent.media import ffmpeg_exe


@dataclass
class StreamInfo:
    video_codec: str = ""
    pixel_format: str = ""
    width: int = 0
    height: int = 0
    fps: float = 0.0
    audio_codec: str = ""
    subtitle_codecs: list[str] = field(default_factory=list)
    duration_s: float = 0.0


def probe(path: Path) -> StreamInfo:
    banner = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    info = StreamInfo()
    if match := re.search(r"Duration: (\d+):(\d+):([\d.]+)", banner):
        hours, minutes, seconds = match.groups()
        info.duration_s = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    for line in banner.splitlines():
        if "Video:" in line:
            info.video_codec = line.split("Video:")[1].split()[0]
            info.pixel_format = re.search(r"(yuv\w+|rgb\w+)", line).group(1)
            width, height = re.search(r" (\d{2,5})x(\d{2,5})", line).groups()
            info.width, info.height = int(width), int(height)
            info.fps = float(re.search(r"([\d.]+) fps", line).group(1))
        elif "Audio:" in line:
            info.audio_codec = line.split("Audio:")[1].split()[0]
        elif "Subtitle:" in line:
            info.subtitle_codecs.append(line.split("Subtitle:")[1].split()[0])
    return info


def count_frames(path: Path) -> int:
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"], capture_output=True, text=True
    )
    return int(re.findall(r"frame=\s*(\d+)", result.stderr)[-1])


def frame_at(path: Path, seconds: float, width: int, height: int) -> np.ndarray:
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(path), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)
