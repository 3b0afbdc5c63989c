"""A movie folder read into one model, from our output layout or from a showlab/MovieAgent results folder.

Ours (movieagent/workspace.py): plan.json, timeline.json, movie.mp4, movie.srt, storyboard/. The sound is measured
as the movie's own track (what viewers hear), not audio/mix.m4a.
MovieAgent's: see movieagent/eval/showlab.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, Field

from movieagent.errors import InputError
from movieagent.eval.probe import probe_video
from movieagent.eval.showlab import is_showlab_results, read_showlab_results
from movieagent.files import load_model
from movieagent.ingest.plan_file import MAX_PLAN_BYTES
from movieagent.media import MediaInfo
from movieagent.schema import Plan, Timeline
from movieagent.workspace import Workspace

Record = TypeVar("Record", Plan, Timeline)
NEITHER_FIX = (
    "pass a folder written by `movieagent make` (plan.json, timeline.json, movie.mp4) or a MovieAgent results folder "
    "(Results/<movie>/<models>/ with Step_3_shot_results.json and video/final_video.mp4)"
)


class MovieFolder(BaseModel):
    """A finished movie and the plan it was made from. Paths are absolute; None where the folder has no such file."""

    root: Path
    layout: Literal["movieagent", "showlab"] = Field(description="movieagent: this project's output; showlab: MovieAgent's results")
    plan: Plan
    timeline: Timeline = Field(description="Where each shot sits in the movie (for MovieAgent: from its clips' lengths)")
    movie: Path
    video: MediaInfo
    subtitles: Path | None = None
    storyboard_pages: list[Path] = []


def read_movie_folder(root: Path) -> MovieFolder:
    """The movie in `root`, whichever layout it has; an InputError saying what is missing when it has neither."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise InputError("movie folder not found" if not root.exists() else "this is a file, not a movie folder", path=root, fix=NEITHER_FIX)
    if Workspace(root).plan.exists():
        return _read_ours(Workspace(root))
    if is_showlab_results(root):
        results = read_showlab_results(root)
        return MovieFolder(
            root=results.run,
            layout="showlab",
            plan=results.plan,
            timeline=results.timeline,
            movie=results.movie,
            video=results.video,
        )
    raise InputError("neither a movieagent output folder nor a MovieAgent results folder", path=root, fix=NEITHER_FIX)


def _read_ours(workspace: Workspace) -> MovieFolder:
    timeline_path = workspace.root / "timeline.json"
    for needed in (workspace.movie, timeline_path):
        if not needed.is_file():
            raise InputError(
                f"{needed.name} is missing: the movie in this folder was not finished",
                path=workspace.root,
                fix="make the movie into this folder first: movieagent make SCRIPT --characters BANK -o FOLDER",
            )
    return MovieFolder(
        root=workspace.root,
        layout="movieagent",
        plan=_read_model(Plan, workspace.plan),
        timeline=_read_model(Timeline, timeline_path),
        movie=workspace.movie,
        video=probe_video(workspace.movie),
        subtitles=workspace.subtitles if workspace.subtitles.is_file() else None,
        storyboard_pages=workspace.storyboard_pages(),
    )


def _read_model(model: type[Record], path: Path) -> Record:
    """The folder's record as written by the pipeline; a file that no longer fits the schema is named with its problems."""
    return load_model(
        path,
        model,
        what=path.name,
        missing_fix="make the movie into this folder first",
        hint="re-make the movie with this version of movieagent (`movieagent schema` prints what plan.json holds)",
        max_bytes=MAX_PLAN_BYTES,
    )
