"""How fast the embedded preview makes a movie: seconds of film per second of wall time, each stage's share, and how
near that is to the floor set by encoding the picture alone.

    python -m benchmarks.preview_speed [--workers 2] [--script S --characters DIR]

Runs the whole pipeline from scratch into a temporary folder (nothing cached), then once more into the same folder to
show what a re-run costs, then re-encodes the finished movie's picture with the same x264 settings (ffmpeg's own
decoder and threads): the encode floor, a speed no renderer that encodes with x264 can pass. Goals: >= 8x real time on
2 cores, and the ratio to the floor as near 1 as drawing allows. On a shared machine wall times move with the load;
the ratio to the floor, measured in the same run, and the CPU seconds per film second move much less.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.cpu import cpu_seconds

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    # Imported here, not at the top: render workers start by importing this module, and need none of it.
    from movieagent import load_settings, make_movie
    from movieagent.media import ffmpeg_command
    from movieagent.preview.video import Backend as Preview

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--script", type=Path, default=ROOT / "examples/long/borrowed-sugar.fountain")
    parser.add_argument("--characters", type=Path, default=ROOT / "character_bank/borrowed-sugar")
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()

    settings = load_settings(progress=False, render={"runner": {"kind": "local", "workers": arguments.workers}})
    with tempfile.TemporaryDirectory() as outdir:
        cpu_before, started = cpu_seconds(), time.perf_counter()
        first = make_movie(arguments.script, arguments.characters, Path(outdir), settings)
        cold, cold_cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
        started = time.perf_counter()
        make_movie(arguments.script, arguments.characters, Path(outdir), settings)
        warm = time.perf_counter() - started
        # The floor: the finished picture decoded and encoded again, as x264 encodes it in the clips.
        video = settings.video
        encode = ["-i", str(first.movie), "-map", "0:v:0", "-c:v", "libx264", "-preset", video.preset, "-crf", str(video.crf)]
        subme = Preview.Options(**settings.render.video.options()).x264_subme
        encode += ["-x264-params", f"subme={subme}"] if subme is not None else []
        cpu_before, started = cpu_seconds(), time.perf_counter()
        subprocess.run(ffmpeg_command(*encode, "-pix_fmt", "yuv420p", "-f", "null", "-"), check=True)
        floor, floor_cpu = time.perf_counter() - started, cpu_seconds() - cpu_before

    film = first.duration_s
    print(f"film: {film:.1f} s in {first.shots} shots, {video.width}x{video.height} @ {video.fps} fps; workers: {arguments.workers}")
    print(f"cold run: {cold:.1f} s wall -> {film / cold:.2f} s of film per wall second (goal >= 8.0)")
    print(f"          {cold_cpu:.1f} s of CPU -> {cold_cpu / film:.3f} CPU seconds per film second")
    print(f"encode floor: {floor:.1f} s wall -> {film / floor:.2f}x real time; the preview runs at {floor / cold:.2f} of it")
    print(f"          {floor_cpu:.1f} s of CPU; the preview's CPU is {cold_cpu / floor_cpu:.2f}x the floor's")
    print(f"re-run:   {warm:.1f} s wall ({cold / warm:.1f}x faster than cold: nothing re-rendered)")
    total = sum(first.stage_seconds.values())
    for stage, seconds in first.stage_seconds.items():
        print(f"  {stage:<10} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")


if __name__ == "__main__":
    main()
