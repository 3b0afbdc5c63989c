"""Stage: clips + audio mix + subtitles -> movie.mp4 (H.264 + AAC + mov_text, faststart)."""

from __future__ import annotations

from pathlib import Path

from movieagent.config import VideoSettings
from movieagent.media import run_ffmpeg
from movieagent.schema import ClipResult
from movieagent.workspace import Workspace, atomic_path, write_text_atomic


def assemble_movie(
    clips: list[ClipResult],
    audio: Path,
    subtitles: Path,
    video: VideoSettings,
    workspace: Workspace,
    *,
    title: str,
) -> Path:
    """Joins the clips in the given (plan) order without re-encoding, unless subtitles are burnt in."""
    if not clips:
        raise ValueError("no clips to assemble")
    concat_list = workspace.root / "clips" / "concat.txt"
    # The concat demuxer reads one quoted path per line; our paths are ours, but quote them properly anyway.
    write_text_atomic(concat_list, "".join(f"file '{_quote(clip.path.resolve())}'\n" for clip in clips))

    arguments = [
        "-f", "concat", "-safe", "0", "-i", str(concat_list),
        "-i", str(audio),
        "-i", str(subtitles),
        "-map", "0:v:0", "-map", "1:a:0", "-map", "2:s:0",
    ]
    if video.burn_subtitles:
        # libass draws movie.ass (subtitles.write_burn_in: script text escaped, the profile's style). The filter
        # argument is our own fixed file name in ffmpeg's working folder: no path or script text is ever in it.
        arguments += ["-vf", f"subtitles={workspace.burnt_subtitles.name}"]
        arguments += ["-c:v", "libx264", "-crf", str(video.crf), "-preset", video.preset, "-pix_fmt", "yuv420p"]
    else:
        arguments += ["-c:v", "copy"]
    arguments += [
        "-c:a", "aac", "-b:a", "192k",
        "-c:s", "mov_text", "-metadata:s:s:0", "language=eng",
        "-metadata", f"title={title}",
        "-movflags", "+faststart",
    ]
    with atomic_path(workspace.movie) as temporary:
        run_ffmpeg([*arguments, str(temporary)], what="assembling the movie", cwd=workspace.root)
    return workspace.movie


def _quote(path: Path) -> str:
    return str(path).replace("'", "'\\''")
