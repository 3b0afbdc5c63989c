"""One small real movie for the eval tests, made once per test session, and copies of it with known defects.

The movie is the first two scenes of the short example (three lines each). Test modules share it through `clean_movie(tmp_path_factory)`, which caches it in the session's base
temporary folder; the defect helpers edit copies, never the clean movie.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pysubs2
from scipy.io import wavfile

from movieagent import load_settings, make_movie
from movieagent.eval.coverage import words_of
from movieagent.media import decode_audio, run_ffmpeg
from movieagent.schema import CastMember, Plan, Timeline

ROOT = Path(__file__).resolve().parents[1]
SHORT_SCRIPT = ROOT / "examples/short/the-lighthouse-keeper.fountain"
BANK = ROOT / "character_bank/lighthouse"
SCENES, PARAGRAPHS_PER_SCENE = 2, 5  # each scene: its first five paragraphs (three lines of dialogue)
# Small and at 12 fps, to be quick to make; evaluated with the same settings.
SETTINGS = load_settings(progress=False, video={"width": 256, "height": 144, "fps": 12, "preset": "ultrafast", "crf": 28})


class CleanMovie(NamedTuple):
    folder: Path
    script: Path


def clean_movie(tmp_path_factory) -> CleanMovie:
    """The movie folder and its script, made on the first call of the test session."""
    home = tmp_path_factory.getbasetemp() / "eval-movie"
    movie = CleanMovie(folder=home / "clean", script=home / "script.fountain")
    if (movie.folder / "movie.mp4").is_file():
        return movie
    home.mkdir(parents=True, exist_ok=True)
    movie.script.write_text(_first_scenes(SHORT_SCRIPT.read_text(encoding="utf-8")), encoding="utf-8")
    make_movie(movie.script, BANK, movie.folder, SETTINGS)
    return movie


def copy_movie(movie: Path, destination: Path) -> Path:
    """A copy to spoil (the planning checkpoints and caches stay behind)."""
    shutil.copytree(movie, destination, ignore=shutil.ignore_patterns("planning.sqlite", "cache", "eval", "metrics.json", "report.html"))
    return destination


def shift_cue(movie: Path, index: int, seconds: float) -> None:
    """Cue `index` (1-based) shown `seconds` later (earlier if negative), for as long as before."""
    cues = pysubs2.load(str(movie / "movie.srt"), encoding="utf-8")
    cues[index - 1].shift(ms=round(seconds * 1000))
    cues.save(str(movie / "movie.srt"), encoding="utf-8")


def clip_audio(movie: Path, start_s: float, end_s: float, gain: float) -> None:
    """The mix made `gain` times louder from start_s to end_s, hard-clipped at 16-bit full scale, and muxed again."""
    rate = 48000
    louder = decode_audio(movie / "audio" / "mix.m4a", rate, max_seconds=3600).astype(np.float64)
    louder[round(start_s * rate) : round(end_s * rate)] *= gain
    spoiled = movie / "audio" / "spoiled.wav"
    wavfile.write(spoiled, rate, np.clip(louder, -32768, 32767).astype(np.int16))
    remuxed = movie / "remuxed.mp4"
    run_ffmpeg(
        [
            "-i", str(movie / "movie.mp4"), "-i", str(spoiled),
            "-map", "0:v:0", "-map", "1:a:0", "-map", "0:s:0", "-c:v", "copy", "-c:s", "copy", "-c:a", "aac", "-b:a", "192k",
            str(remuxed),
        ],
        what="muxing the spoiled sound track",
    )
    remuxed.replace(movie / "movie.mp4")


def drop_line(movie: Path, line_id: str) -> str:
    """The line taken out of the plan and its cues out of the subtitles; returns its text."""
    plan = Plan.model_validate_json((movie / "plan.json").read_text(encoding="utf-8"))
    for shot in plan.shots():
        dropped = [line for line in shot.lines if line.id == line_id]
        shot.lines = [line for line in shot.lines if line.id != line_id]
        if dropped:
            text = dropped[0].text
    (movie / "plan.json").write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    cues = pysubs2.load(str(movie / "movie.srt"), encoding="utf-8")
    spoken = " ".join(words_of(text))
    cues.events = [cue for cue in cues if " ".join(words_of(cue.plaintext)) not in spoken]
    cues.save(str(movie / "movie.srt"), encoding="utf-8")
    return text


def swap_character(movie: Path, shot_number: int, stranger: str) -> str:
    """The first character of shot `shot_number` (1-based) replaced by `stranger`, a cast member the bank lacks."""
    plan = Plan.model_validate_json((movie / "plan.json").read_text(encoding="utf-8"))
    shot = plan.shots()[shot_number - 1]
    shot.characters[0].character_id = stranger
    plan.cast.append(CastMember(id=stranger, name=stranger.replace("-", " ").title()))
    (movie / "plan.json").write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    return shot.id


def timeline_of(movie: Path) -> Timeline:
    return Timeline.model_validate_json((movie / "timeline.json").read_text(encoding="utf-8"))


def _first_scenes(text: str) -> str:
    """The title page and the first SCENES scenes, each cut to its first PARAGRAPHS_PER_SCENE paragraphs."""
    kept, scenes, paragraphs = [], 0, 0
    for paragraph in text.split("\n\n"):
        if paragraph.startswith(("INT.", "EXT.")):
            scenes, paragraphs = scenes + 1, 0
            if scenes > SCENES:
                break
        elif scenes:
            paragraphs += 1
            if paragraphs > PARAGRAPHS_PER_SCENE:
                continue
        kept.append(paragraph)
    return "\n\n".join(kept) + "\n"
