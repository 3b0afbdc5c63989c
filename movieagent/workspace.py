"""The output folder: predictable file names, atomic writes.

OUTDIR/
  plan.json, movie.mp4, movie.srt, log.txt
  storyboard.html, storyboard/page-001.png …  the storyboard's index and its pages
  clips/shot_0001_<shot-id>.mp4     one per shot, numbered in plan order
  keyframes/shot_0001_<shot-id>.png the still each clip starts from, when a keyframe backend is set
  speech/<line-id>.wav              one per spoken line
  cache/                            cache keys of finished work; cache/llm/ the LLM crews' replies
  transcript.jsonl                  every LLM call: agent, scene, model, latency, tokens, cost
  planning.sqlite                   LangGraph checkpoints
  metrics.json, report.html, movie.vtt, eval/   written by `movieagent eval`
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def plan(self) -> Path:
        return self.root / "plan.json"

    @property
    def movie(self) -> Path:
        return self.root / "movie.mp4"

    @property
    def subtitles(self) -> Path:
        return self.root / "movie.srt"

    @property
    def storyboard(self) -> Path:
        """The storyboard's index, which shows its pages."""
        return self.root / "storyboard.html"

    def storyboard_page(self, number: int) -> Path:
        return self.root / "storyboard" / f"page-{number:03d}.png"

    def storyboard_pages(self) -> list[Path]:
        """The pages there are, in order."""
        pages = (self.root / "storyboard").glob("page-*.png")
        return sorted((page for page in pages if page.stem[5:].isdigit()), key=lambda page: int(page.stem[5:]))

    @property
    def log(self) -> Path:
        return self.root / "log.txt"

    @property
    def mix(self) -> Path:
        return self.root / "audio" / "mix.m4a"

    @property
    def checkpoints(self) -> Path:
        return self.root / "planning.sqlite"

    @property
    def clips(self) -> Path:
        return self.root / "clips"

    @property
    def speech(self) -> Path:
        return self.root / "speech"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def llm_cache(self) -> Path:
        return self.cache / "llm"

    @property
    def transcript(self) -> Path:
        return self.root / "transcript.jsonl"

    def clip(self, index: int, shot_id: str) -> Path:
        # Zero-padded so that string order equals plan order for people browsing the folder.
        return self.clips / f"shot_{index:04d}_{shot_id}.mp4"

    @property
    def keyframes(self) -> Path:
        return self.root / "keyframes"

    def keyframe(self, index: int, shot_id: str) -> Path:
        return self.keyframes / f"shot_{index:04d}_{shot_id}.png"

    def line_audio(self, line_id: str) -> Path:
        return self.speech / f"{line_id}.wav"


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yields a temporary path beside `final`; renames it into place only if the block succeeds.

    The temporary name keeps the suffix so tools that guess the format from it (ffmpeg) still work.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".partial{final.suffix}", dir=final.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        # mkstemp creates owner-only files; outputs are meant to be shared like any other file.
        os.chmod(temporary, 0o644)
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_atomic(final: Path, text: str) -> None:
    with atomic_path(final) as temporary:
        temporary.write_text(text, encoding="utf-8")

