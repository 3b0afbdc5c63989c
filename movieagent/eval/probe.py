"""The movie to evaluate, probed (movieagent.media): a file that is no video is the user's mistake, said so."""

from __future__ import annotations

from pathlib import Path

from movieagent.errors import InputError, RenderError
from movieagent.media import MediaInfo, probe

NOT_A_VIDEO_FIX = "point at the movie folder's finished MP4"


def probe_video(path: Path) -> MediaInfo:
    """Duration, picture size, frame rate and whether there is a sound track; InputError when it has no picture."""
    try:
        info = probe(path)
    except RenderError:
        info = None
    if info is None or not info.has_video:
        raise InputError("not a video ffmpeg can read", path=path, fix=NOT_A_VIDEO_FIX)
    return info
