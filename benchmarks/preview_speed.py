"""How fast the embedded preview makes a movie: seconds of film per second of wall time, and each stage's share.

    python benchmarks/preview_speed.py [--workers 2] [--script S --characters DIR]

Runs the whole pipeline from scratch into a temporary folder (nothing cached), then once more into the
same folder to show what a re-run costs. Goal: >= 2x real time on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from movieagent import load_settings, make_movie

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--script", type=Path, default=ROOT / "examples/long/borrowed-sugar.fountain")
    parser.add_argument("--characters", type=Path, default=ROOT / "character_bank/borrowed-sugar")
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()

    settings = load_settings(progress=False, render={"runner": {"kind": "local", "workers": arguments.workers}})
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        first = make_movie(arguments.script, arguments.characters, Path(outdir), settings)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        make_movie(arguments.script, arguments.characters, Path(outdir), settings)
        warm = time.perf_counter() - started

    print(f"film: {first.duration_s:.1f} s in {first.shots} shots; workers: {arguments.workers}")
    print(f"cold run: {cold:.1f} s wall -> {first.duration_s / cold:.2f} s of film per wall second (goal >= 2.0)")
    print(f"re-run:   {warm:.1f} s wall ({cold / warm:.1f}x faster than cold: nothing re-rendered)")
    total = sum(first.stage_seconds.values())
    for stage, seconds in first.stage_seconds.items():
        print(f"  {stage:<10} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")


if __name__ == "__main__":
    main()
