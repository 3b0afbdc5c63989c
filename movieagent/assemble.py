"""Stage: clips + audio mix + subtitles -> movie.mp4 (H.264 + AAC + mov_text, a chapter at each scene, faststart), and
the storyboard. The clips and the mix are joined as they are (no re-encoding), so a feature film assembles in seconds
and in little memory."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from movieagent.cache import content_key, reuse_or_make, stored_key
from movieagent.config import VideoSettings
from movieagent.media import run_ffmpeg
from movieagent.preview.fonts import CJK_INSTALL_HINT, cjk_face_name, cjk_font_file
from movieagent.schema import ClipResult, Plan, RenderJob, Timeline
from movieagent.storyboard import write_storyboard
from movieagent.workspace import Workspace, atomic_path, write_text_atomic

log = logging.getLogger("movieagent")
# MP4 tags a track's language with an ISO 639-2 code; the few languages the script detection names (a
# dictionary, not a dependency: `langcodes` would be one for these lines).
ISO_639_2 = {
    "en": "eng", "ja": "jpn", "zh": "zho", "ko": "kor", "ru": "rus", "uk": "ukr", "el": "ell", "ar": "ara",
    "he": "heb", "th": "tha", "hi": "hin", "fr": "fra", "de": "deu", "es": "spa", "it": "ita", "pt": "por",
    "nl": "nld", "pl": "pol",
}  # fmt: skip
# A folder path ffmpeg's filter syntax takes without escaping.
_PLAIN_PATH = re.compile(r"^[\w/.\-]+$")


def make_movie_file(
    plan: Plan,
    timeline: Timeline,
    jobs: list[RenderJob],
    clips: list[ClipResult],
    video: VideoSettings,
    workspace: Workspace,
    on_done: Callable[[int], None] = lambda steps: None,
) -> Path:
    """movie.mp4 and the storyboard in the workspace from its clips, mix and subtitles; reused when none of them
    changed (the clips' and the mix's content keys stand for their files) and neither did the plan or the settings.

    `on_done(1)` is called when the storyboard is drawn (the first of the stage's two steps).
    """
    subtitles = workspace.subtitles.read_text(encoding="utf-8")
    # Burnt in, the subtitles' look (movie.ass, styled by the settings) is part of the picture.
    burnt = [workspace.burnt_subtitles.read_text(encoding="utf-8")] if video.burn_subtitles else []
    key = content_key(plan, [job.cache_key for job in jobs], stored_key(workspace.mix), subtitles, video, *burnt)

    def assemble() -> None:
        chapters = workspace.root / "clips" / "chapters.txt"
        write_text_atomic(chapters, scene_chapters(plan, timeline))
        with ThreadPoolExecutor(max_workers=1) as background:
            # Muxing and the storyboard's frame grabs are independent ffmpeg work: overlap them.
            muxing = background.submit(
                assemble_movie, clips, workspace.mix, workspace.subtitles, video, workspace,
                title=plan.title, language=plan.language, chapters=chapters,
            )  # fmt: skip
            write_storyboard(plan, timeline, clips, workspace)
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
    language: str = "en",
    chapters: Path | None = None,
) -> Path:
    """Joins the clips in the given (plan) order and the mix as they are, unless subtitles are burnt into the picture.

    `language` (the script's) tags the subtitle track and picks a font with its letters for burnt-in subtitles.
    `chapters`: an ffmetadata file (scene_chapters) whose chapters the movie gets.
    """
    if not clips:
        raise ValueError("no clips to assemble")
    concat_list = workspace.root / "clips" / "concat.txt"
    # The concat demuxer reads one quoted path per line; our paths are ours, but quote them properly anyway.
    write_text_atomic(concat_list, "".join(f"file '{_quote(clip.path.resolve())}'\n" for clip in clips))

    arguments = [
        "-f", "concat", "-safe", "0", "-i", str(concat_list),
        "-i", str(audio),
        "-i", str(subtitles),
        *(["-i", str(chapters), "-map_chapters", "3"] if chapters else []),
        "-map", "0:v:0", "-map", "1:a:0", "-map", "2:s:0",
    ]
    if video.burn_subtitles:
        # libass draws movie.ass (subtitles.write_burn_in: script text escaped, the profile's style). The filter
        # argument is our own fixed file name in ffmpeg's working folder, and for Japanese, Chinese or Korean the
        # installed CJK font's folder (checked to need no escaping): no script text is ever in it.
        arguments += ["-vf", f"subtitles={workspace.burnt_subtitles.name}{_cjk_fonts_folder(language)}"]
        arguments += ["-c:v", "libx264", "-crf", str(video.crf), "-preset", video.preset, "-pix_fmt", "yuv420p"]
    else:
        arguments += ["-c:v", "copy"]
    arguments += [
        "-c:a", "copy",
        "-c:s", "mov_text", "-metadata:s:s:0", f"language={ISO_639_2.get(language.split('-')[0].lower(), 'und')}",
        # The MP4 muxer times its chapter track in the least common multiple of the tracks' timescales and drops any
        # chapter longer than 2^32 of those ticks: with x264's 12288 and mov_text's 1 MHz that is 22 s, and a feature
        # film lost 65 of its 191 chapters. A frame in 1000 ticks and subtitles in milliseconds make it 48 kHz for
        # 24 fps (chapters up to 24 hours).
        "-time_base:v", f"1:{video.fps * 1000}", "-time_base:s", "1:1000",
        "-metadata", f"title={title}",
        "-movflags", "+faststart",
    ]
    with atomic_path(workspace.movie) as temporary:
        run_ffmpeg([*arguments, str(temporary)], what="assembling the movie", cwd=workspace.root)
    return workspace.movie


def _cjk_fonts_folder(language: str) -> str:
    """The subtitles filter's fontsdir option where the language's letters need Noto Sans CJK; '' for others."""
    if cjk_face_name(language) is None:
        return ""
    font = cjk_font_file()
    if font is None or not _PLAIN_PATH.match(str(font.parent)):
        log.warning("no font with %s letters for burnt-in subtitles: they show as empty boxes; fix: %s", language, CJK_INSTALL_HINT)
        return ""
    return f":fontsdir={font.parent}"


def scene_chapters(plan: Plan, timeline: Timeline) -> str:
    """An ffmetadata file with one chapter per scene, from its first shot to the next scene's, titled by its heading."""
    starts = {timing.shot_id: round(timing.start_s * 1000) for timing in timeline.shots}
    bounds = [starts[scene.shots[0].id] for scene in plan.scenes] + [round(timeline.duration_s() * 1000)]
    chapters = [";FFMETADATA1"]
    for scene, start, end in zip(plan.scenes, bounds, bounds[1:]):
        heading = " ".join((scene.heading or f"Scene {scene.index}").split())
        chapters += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}", f"title={_metadata_escape(heading)}"]
    return "\n".join(chapters) + "\n"


def _metadata_escape(text: str) -> str:
    # ffmetadata gives '=', ';', '#', '\\' and newlines a meaning; a backslash makes each plain text.
    return re.sub(r"([=;#\\\n])", r"\\\1", text)


def _quote(path: Path) -> str:
    return str(path).replace("'", "'\\''")
