"""A feature film against the demo, in one run: speed, peak memory and output size, side by side.

    python -m benchmarks.feature_length [--scenes N] [--workers 2] [--keep DIR]

Makes two films from scratch with the preview (854x480 at 24 fps), each in a child process of its own whose process
tree (the pipeline, its render workers, every ffmpeg) is sampled ten times a second (proportional set size, so shared
pages count once):
- the demo, examples/long/borrowed-sugar.fountain with its bank;
- Big Fish from ../shared/corpus/fountain (191 scenes, about 1 h 50 min of film) with the bank `movieagent bank init`
  drafts from it (no pictures), as a new user would start (`--scenes N` keeps its first N scenes).
Goals: peak memory under 1 GB and independent of the film's length (Big Fish about the demo's), and Big Fish made
within 20 % of the demo's speed. Wall times move with the machine's load: run it on a quiet machine, or read the
CPU seconds per film second, which move much less.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
DEMO = (ROOT / "examples/long/borrowed-sugar.fountain", ROOT / "character_bank/borrowed-sugar")
# The corpus sits beside the repository (../shared/corpus), or beside the folder of worktrees; MOVIEAGENT_CORPUS wins.
CORPUS = [ROOT.parent / "shared/corpus/fountain", ROOT.parent.parent / "shared/corpus/fountain"]
SAMPLE_S = 0.1
MEMORY_GOAL_MB = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--script", type=Path, default=None, help="The feature film's script (default: Big Fish from the corpus)")
    parser.add_argument("--scenes", type=int, default=None, help="Keep the script's first N scenes (a quicker run)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="Make the films in this folder and keep them")
    parser.add_argument("--child", nargs=4, metavar=("SCRIPT", "BANK", "OUT", "WORKERS"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        make_in_child(*arguments.child)
        return
    corpus = [Path(os.environ["MOVIEAGENT_CORPUS"])] if os.environ.get("MOVIEAGENT_CORPUS") else CORPUS
    feature = arguments.script or next((folder / "big-fish.fountain" for folder in corpus if (folder / "big-fish.fountain").is_file()), None)
    if feature is None:
        sys.exit(f"Big Fish is in none of {', '.join(map(str, corpus))}: set MOVIEAGENT_CORPUS, or pass --script")

    with tempfile.TemporaryDirectory() as scratch:
        folder = arguments.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        script, bank = drafted_bank(feature, folder, arguments.scenes)
        films = {"demo": measure(*DEMO, folder / "demo", arguments.workers)}
        films["Big Fish"] = measure(script, bank, folder / "big-fish", arguments.workers)
    report(films, load=os.getloadavg())


def drafted_bank(feature: Path, folder: Path, scenes: int | None) -> tuple[Path, Path]:
    """The script (or its first `scenes` scenes) and the bank `movieagent bank init` drafts from it."""
    from movieagent.ingest import load_script

    script = feature
    if scenes is not None:
        parsed = load_script(feature)
        if scenes < len(parsed.scenes):
            cut_at = parsed.scenes[scenes].line  # the next scene's heading, 1-based
            lines = feature.read_text(encoding="utf-8").splitlines(keepends=True)
            script = folder / f"{feature.stem}-{scenes}-scenes.fountain"
            script.write_text("".join(lines[: cut_at - 1]), encoding="utf-8")
    bank = folder / f"{feature.stem}-bank"
    subprocess.run([sys.executable, "-m", "movieagent", "bank", "init", str(script), str(bank)], check=True, stdout=subprocess.DEVNULL)
    return script, bank


def measure(script: Path, bank: Path, out: Path, workers: int) -> dict[str, Any]:
    """Makes one film in a child process; its wall time, CPU time and peak memory, per stage, and its outputs."""
    command = [sys.executable, "-m", "benchmarks.feature_length", "--child", str(script), str(bank), str(out), str(workers)]
    times_before, started = os.times(), time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    tree = psutil.Process(child.pid)
    stage, peaks, result = ["start"], {}, {}
    sampling = threading.Thread(target=_sample, args=(tree, stage, peaks, child), daemon=True)
    sampling.start()
    assert child.stdout is not None
    for line in child.stdout:
        kind, _, rest = line.strip().partition(" ")
        if kind == "stage":
            stage[0] = rest
        elif kind == "result":
            result = json.loads(rest)
    child.wait()
    wall = time.perf_counter() - started
    sampling.join()
    # The child's CPU time and that of everything it waited for (workers, ffmpeg, espeak), counted once it has ended.
    times_after = os.times()
    cpu = times_after.children_user - times_before.children_user + times_after.children_system - times_before.children_system
    if child.returncode != 0:
        sys.exit(f"making {script.name} failed (exit code {child.returncode})")
    return {**result, "wall_s": wall, "cpu_s": cpu, "peaks_mb": peaks, "output_mb": _folder_mb(out), "files_mb": _largest(out)}


def make_in_child(script: str, bank: str, out: str, workers: str) -> None:
    """In the child: make the film, telling the parent each stage as it starts, then the result as JSON."""
    from movieagent import load_settings, make_movie

    def tell(update: Any) -> None:
        print("stage", update.stage, flush=True)

    settings = load_settings(progress=False, render={"runner": {"kind": "local", "workers": int(workers)}})
    made = make_movie(Path(script), Path(bank), Path(out), settings, on_progress=tell)
    storyboard = len(list((Path(out) / "storyboard").glob("page-*.png")))
    summary = {"film_s": made.duration_s, "shots": made.shots, "stage_s": made.stage_seconds, "storyboard_pages": storyboard}
    print("result", json.dumps(summary), flush=True)


def _sample(tree: psutil.Process, stage: list[str], peaks: dict[str, float], child: subprocess.Popen[str]) -> None:
    """The memory of the child and all its descendants, every SAMPLE_S, kept as the peak per stage.

    Proportional set size: a page shared by several processes (a library, or the parent's pages in a child just
    forked to start ffmpeg or espeak) counts once in all, as it takes memory once; resident sizes would count it in each.
    """
    while child.poll() is None:
        total = 0
        try:
            processes = [tree, *tree.children(recursive=True)]
        except psutil.Error:
            break
        for process in processes:
            try:
                total += process.memory_full_info().pss
            except psutil.Error:
                pass  # ended between the listing and the reading
        peaks[stage[0]] = max(peaks.get(stage[0], 0.0), total / 1e6)
        time.sleep(SAMPLE_S)


def _folder_mb(folder: Path) -> float:
    """Bytes on disk under `folder`, each file once however many hard links it has (clips live in cache/ too)."""
    seen, total = set(), 0
    for path in folder.rglob("*"):
        status = path.lstat()
        if path.is_file() and (status.st_dev, status.st_ino) not in seen:
            seen.add((status.st_dev, status.st_ino))
            total += status.st_size
    return total / 1e6


def _largest(folder: Path) -> dict[str, float]:
    parts = {"movie.mp4": folder / "movie.mp4", "clips/": folder / "clips", "audio/": folder / "audio", "storyboard/": folder / "storyboard"}
    return {name: (_folder_mb(path) if path.is_dir() else path.stat().st_size / 1e6) for name, path in parts.items() if path.exists()}


def report(films: dict[str, dict[str, Any]], load: tuple[float, float, float]) -> None:
    demo, feature = films["demo"], films["Big Fish"]
    rows = [
        ("film", lambda f: f"{f['film_s'] / 60:.1f} min, {f['shots']} shots"),
        ("wall time", lambda f: f"{f['wall_s']:.0f} s"),
        ("film s per wall s", lambda f: f"{f['film_s'] / f['wall_s']:.2f}"),
        ("CPU s per film s", lambda f: f"{f['cpu_s'] / f['film_s']:.3f}"),
        ("peak memory", lambda f: f"{max(f['peaks_mb'].values()):.0f} MB"),
        ("output folder", lambda f: f"{f['output_mb']:.0f} MB"),
        ("storyboard pages", lambda f: f"{f['storyboard_pages']}"),
    ]
    print(f"{'':<20}{'demo':>24}{'Big Fish':>24}")
    for label, show in rows:
        print(f"{label:<20}{show(demo):>24}{show(feature):>24}")
    print("peak memory per stage (MB):")
    for stage in dict.fromkeys([*demo["peaks_mb"], *feature["peaks_mb"]]):
        print(f"  {stage:<18}{demo['peaks_mb'].get(stage, 0):>24.0f}{feature['peaks_mb'].get(stage, 0):>24.0f}")
    print("largest outputs (MB):")
    for part in dict.fromkeys([*demo["files_mb"], *feature["files_mb"]]):
        print(f"  {part:<18}{demo['files_mb'].get(part, 0):>24.1f}{feature['files_mb'].get(part, 0):>24.1f}")
    peak_demo, peak_feature = max(demo["peaks_mb"].values()), max(feature["peaks_mb"].values())
    speed = (feature["film_s"] / feature["wall_s"]) / (demo["film_s"] / demo["wall_s"])
    print(f"Big Fish's peak memory is {peak_feature / peak_demo:.2f}x the demo's (goal: about 1, under {MEMORY_GOAL_MB} MB: "
          f"{'met' if peak_feature < MEMORY_GOAL_MB else 'NOT met'})")
    print(f"Big Fish's speed is {speed:.2f} of the demo's (goal >= 0.8: {'met' if speed >= 0.8 else 'NOT met'})")
    print(f"machine load (1, 5, 15 min) at the end: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
