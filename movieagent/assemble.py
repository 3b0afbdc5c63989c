"""Stage: clips + audio mix + subtitles -> movie.mp4 (H.264 + AAC + mov_text, faststart), and the storyboard."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from movieagent.cache import content_key, reuse_or_make, stored_key
from movieagent.config import VideoSettings
from movieagent.media import run_ffmpeg
from movieagent.schema import ClipResult, Plan, RenderJob, Timeline
from movieagent.storyboard import storyboard_frames, write_storyboard
from movieagent.workspace import Workspace, atomic_path, write_text_atomic


def make_movie_file(
    plan: Plan,
    timeline: Timeline,
    jobs: list[RenderJob],
    clips: list[ClipResult],
    video: VideoSettings,
    workspace: Workspace,
    on_done: Callable[[int], None] = lambda steps: None,
) -> Path:
    """movie.mp4 and storyboard.png in the workspace from its clips, mix and subtitles; reused when none of them
    changed (the clips' and the mix's content keys stand for their files) and neither did the plan or the settings.

    `on_done(1)` is called when the storyboard is drawn (the first of the stage's two steps).
    """
    subtitles = workspace.subtitles.read_text(encoding="utf-8")
    # Burnt in, the subtitles' look (movie.ass, styled by the settings) is part of the picture.
    burnt = [workspace.burnt_subtitles.read_text(encoding="utf-8")] if video.burn_subtitles else []
    key = content_key(plan, [job.cache_key for job in jobs], stored_key(workspace.mix), subtitles, video, *burnt)

    def assemble() -> None:
        with ThreadPoolExecutor(max_workers=1) as background:
            # Muxing (mostly AAC encoding) and the storyboard's frame grabs are independent ffmpeg work: overlap them.
            muxing = background.submit(assemble_movie, clips, workspace.mix, workspace.subtitles, video, workspace, title=plan.title)
            write_storyboard(storyboard_frames(plan, timeline, clips), workspace.storyboard, title=plan.title, columns=6)
            on_done(1)
            muxing.result()

    reuse_or_make(key, [workspace.movie, workspace.storyboard], assemble, marker=workspace.cache / "movie.key")
    return workspace.movie


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
