"""Batch: several movies from one JOBS.yaml, one after another; a movie that fails is reported and the rest still render.

JOBS.yaml (paths relative to its own folder):

    defaults:                          # optional: config and overrides of every movie that sets none of its own
      config: preview-fast
    movies:
      - script: examples/short/the-lighthouse-keeper.fountain
        characters: character_bank/lighthouse
        out: out/lighthouse
      - name: foghorn                  # optional; the out folder's name otherwise
        script: examples/synopsis/the-foghorn.md
        characters: character_bank/lighthouse
        out: out/foghorn
        config: preview-hd             # optional: a profile file or a shipped profile's name
        overrides:                     # optional: settings over the profile, shaped like a profile
          video: {fps: 12}
    summary: out/batch-summary.json    # optional; JOBS.summary.json beside JOBS.yaml otherwise

A movie's own `config` or `overrides` replaces the default one whole (nothing is merged key by key).
The summary (per movie: status, error, outputs, durations, shots rendered and reused) is written atomically.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from movieagent.config import deep_merge, load_settings, with_speech
from movieagent.errors import InputError, MovieAgentError
from movieagent.files import MAX_YAML_BYTES, Document, parse, read_text, validate
from movieagent.pipeline import make_movie
from movieagent.workspace import write_text_atomic

log = logging.getLogger("movieagent")

# What a movie's outcome copies from its MovieResult.
COUNTED = {"stage_seconds", "duration_s", "shots", "clips_rendered", "clips_cached", "keyframes_rendered", "keyframes_cached"}


class MovieSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: Path | None = Field(default=None, description="A profile file, or a shipped profile's name")
    overrides: dict[str, Any] | None = Field(default=None, description="Settings over the profile, shaped like a profile")


class MovieJob(MovieSettings):
    """One movie of a batch, as JOBS.yaml lists it."""

    script: Path
    characters: Path
    out: Path
    name: str | None = None

    @property
    def title(self) -> str:
        return self.name or self.out.name


class BatchFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defaults: MovieSettings = MovieSettings()
    movies: list[MovieJob] = Field(min_length=1)
    summary: Path | None = None


class MovieOutcome(BaseModel):
    name: str
    status: Literal["ok", "failed"]
    error: str | None = None
    outdir: Path
    outputs: dict[str, Path] = Field(default={}, description="movie, subtitles, storyboard, plan: the files made")
    seconds: float = Field(description="Wall time to make this movie")
    stage_seconds: dict[str, float] = {}
    duration_s: float = Field(default=0.0, description="Length of the movie")
    shots: int = 0
    clips_rendered: int = 0
    clips_cached: int = 0
    keyframes_rendered: int = 0
    keyframes_cached: int = 0


class BatchSummary(BaseModel):
    jobs_file: Path
    ok: int
    failed: int
    seconds: float
    movies: list[MovieOutcome]


def run_batch(
    jobs_file: Path,
    *,
    summary: Path | None = None,
    on_movie: Callable[[MovieOutcome], None] = lambda outcome: None,
    overrides: dict[str, Any] | None = None,
    speech: str | None = None,
) -> tuple[BatchSummary, Path]:
    """Makes every movie of `jobs_file` in order and writes the summary; returns it and where it was written.

    `overrides` (shaped like a profile) go over every movie's own settings, e.g. the command line's --set;
    `speech` names a speech backend for every movie instead of their profiles' (`--speech`).

    Raises InputError(s) only for a JOBS.yaml that cannot be run at all; a movie's own failure is in its outcome.
    """
    # 1. Check the whole file before making anything.
    jobs_file = Path(jobs_file)
    batch = read_batch(jobs_file)
    folder = jobs_file.resolve().parent
    summary_path = summary or ((folder / batch.summary).resolve() if batch.summary else jobs_file.with_suffix(".summary.json"))

    # 2. Each movie in turn; a failure is recorded and the next one starts.
    started = time.perf_counter()
    outcomes = []
    for movie in batch.movies:
        outcomes.append(_make_one(movie, batch.defaults, folder, overrides or {}, speech))
        on_movie(outcomes[-1])

    # 3. The summary.
    result = BatchSummary(
        jobs_file=jobs_file,
        ok=sum(outcome.status == "ok" for outcome in outcomes),
        failed=sum(outcome.status == "failed" for outcome in outcomes),
        seconds=round(time.perf_counter() - started, 3),
        movies=outcomes,
    )
    write_text_atomic(summary_path, result.model_dump_json(indent=2))
    return result, summary_path


def _make_one(movie: MovieJob, defaults: MovieSettings, folder: Path, forced: dict[str, Any], speech: str | None) -> MovieOutcome:
    """Makes one movie of a batch; any error becomes a failed outcome carrying its message."""
    outdir = folder / movie.out
    config = movie.config if movie.config is not None else defaults.config
    overrides = movie.overrides if movie.overrides is not None else defaults.overrides or {}
    started = time.perf_counter()
    try:
        # A shipped profile's name ('preview-hd') is not a file beside JOBS.yaml; load_settings finds it.
        profile = folder / config if config and (folder / config).exists() else config
        settings = with_speech(load_settings(profile, **deep_merge(overrides, {**forced, "progress": False})), speech)
        result = make_movie(folder / movie.script, folder / movie.characters, outdir, settings)
    except Exception as error:  # one movie's failure, whatever it is, must not stop the batch
        if not isinstance(error, MovieAgentError):
            log.exception("batch: %s failed", movie.title)
        message = str(error) if isinstance(error, MovieAgentError) else f"{type(error).__name__}: {error}"
        return MovieOutcome(
            name=movie.title, status="failed", error=message, outdir=outdir, seconds=round(time.perf_counter() - started, 3)
        )
    outputs = {"movie": result.movie, "subtitles": result.subtitles, "storyboard": result.storyboard, "plan": result.plan}
    return MovieOutcome(
        name=movie.title,
        status="ok",
        outdir=result.outdir,
        outputs={name: path for name, path in outputs.items() if path is not None},
        seconds=round(time.perf_counter() - started, 3),
        **result.model_dump(include=COUNTED),
    )


def read_batch(path: Path) -> BatchFile:
    """JOBS.yaml checked against BatchFile; every problem carries its line and a fix."""
    text = read_text(path, what="jobs file", max_bytes=MAX_YAML_BYTES, missing_fix="pass a YAML file that lists the movies")
    hint = "one '- script: ...' entry per movie under 'movies:'"
    document = parse(text, path, format="yaml", hint=hint)
    batch = validate(document, BatchFile, hint=hint)
    _check_distinct_outputs(batch, document)
    return batch


def _check_distinct_outputs(batch: BatchFile, document: Document) -> None:
    # Two movies made into one folder would overwrite each other's files.
    first_of: dict[Path, int] = {}
    for position, movie in enumerate(batch.movies):
        earlier = first_of.setdefault(movie.out, position)
        if earlier != position:
            raise InputError(
                f"movies {earlier + 1} and {position + 1} both write to '{movie.out}'",
                path=document.path,
                line=document.line_of(("movies", position, "out")),
                fix="give every movie its own out folder",
            )
