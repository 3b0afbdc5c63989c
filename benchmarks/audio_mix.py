"""How fast and how lean the audio mix is: seconds per minute of audio and peak memory (RSS).

    python benchmarks/audio_mix.py [--minutes 5 10] [--music] [--compare [REV]]

Builds a synthetic timeline in a temporary folder (tone-burst "lines" at 22050 Hz, one every few seconds,
no speech engine needed) and mixes it. Each mix runs in a fresh child process, so its peak RSS is its own;
"before" is the RSS once everything is imported (movieagent pulls in ~160 MB of libraries), so the difference
is what the mix itself needs. CPU seconds are printed beside wall seconds: on a shared machine they are the
steadier number. `--compare REV` also runs the mix module as of git revision REV (default HEAD; movieagent/mix.py,
or movieagent/audio.py before it was split from the loudness library; read with `git show`, loaded from a
temporary file) on the same timeline and prints old/new.
Goals on 2 cores: 5 min in <= 3 s, 10 min in <= 6 s, <= ~300 MB for 10 min.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.io import wavfile

from movieagent.config import AudioSettings
from movieagent.schema import LineTiming, ShotTiming, Timeline

ROOT = Path(__file__).resolve().parents[1]
SPEECH_RATE = 22050  # what espeak-ng writes
SHOT_S = 6.0
FPS = 24


def write_timeline(minutes: float, folder: Path) -> Path:
    """A timeline of `minutes` with a 1-3 s tone-burst line starting every 1.4-5 s; returns its JSON path."""
    rng = np.random.default_rng(0)
    lines: list[LineTiming] = []
    total_s, start = minutes * 60, 0.5
    while start < total_s - 3.5:
        seconds = rng.uniform(1.0, 3.0)
        time_axis = np.arange(round(seconds * SPEECH_RATE)) / SPEECH_RATE
        syllables = np.sin(np.pi * rng.uniform(3, 6) * time_axis) ** 2  # a speech-like rhythm
        # A pitch-gliding pulse train (in-phase harmonics): a crest factor like a voice's, so the limiter works.
        phase = 2 * np.pi * rng.uniform(110, 240) * time_axis * (1 + 0.05 * time_axis)
        voice = sum(np.cos(harmonic * phase) / harmonic**0.5 for harmonic in range(1, 16))
        path = folder / f"line-{len(lines):04d}.wav"
        wavfile.write(path, SPEECH_RATE, np.round(0.6 * syllables * voice / np.abs(voice).max() * 32767).astype(np.int16))
        lines.append(LineTiming(line_id=path.stem, speaker_id="ada", text="...", audio=path, start_s=start, end_s=start + seconds))
        start += seconds + rng.uniform(0.4, 2.0)
    shots, clock = [], 0.0
    while clock < total_s - 1e-9:
        num_frames = round(min(SHOT_S, total_s - clock) * FPS)
        duration_s = num_frames / FPS
        inside = [line for line in lines if clock <= line.start_s < clock + duration_s]
        index = len(shots) + 1
        shots.append(ShotTiming(shot_id=f"shot-{index}", index=index, start_s=clock, duration_s=duration_s, num_frames=num_frames, lines=inside))
        clock += duration_s
    path = folder / "timeline.json"
    path.write_text(Timeline(fps=FPS, shots=shots).model_dump_json(), encoding="utf-8")
    return path


def write_music(folder: Path) -> Path:
    """A 20 s stereo chord at 44100 Hz, so the mix exercises decoding, resampling and looping."""
    time_axis = np.arange(20 * 44100) / 44100
    chord = sum(np.sin(2 * np.pi * frequency * time_axis) for frequency in (220.0, 277.18, 329.63)) / 4
    path = folder / "music.wav"
    wavfile.write(path, 44100, np.round(np.stack([chord, chord[::-1]], axis=1) * 32767).astype(np.int16))
    return path


def load_mix_module_at(revision: str, folder: Path):
    """The mix module as of a git revision, as a separate module (nothing of it is kept in the tree)."""
    for name in ("mix.py", "audio.py"):  # the mix was movieagent/audio.py until the loudness library left it
        shown = subprocess.run(["git", "show", f"{revision}:movieagent/{name}"], cwd=ROOT, capture_output=True, check=False)
        if shown.returncode == 0:
            break
    shown.check_returncode()
    source = shown.stdout
    path = folder / "mix_at_revision.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("mix_at_revision", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def run_child(timeline_path: Path, music: Path | None, revision: str | None, output: Path) -> None:
    """In a fresh process: one mix; prints a JSON line with times, RSS and what the mix measured."""
    if revision is None:
        from movieagent.mix import mix_audio
    else:
        mix_audio = load_mix_module_at(revision, output.parent).mix_audio
    timeline = Timeline.model_validate_json(timeline_path.read_text(encoding="utf-8"))
    rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu = time.perf_counter(), time.process_time()
    report = mix_audio(timeline, AudioSettings(music=music), output, seed=1)
    result = {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "rss_before_mb": rss_before_mb,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "lufs": report.integrated_lufs,
        "dbtp": report.true_peak_dbtp,
    }
    print(json.dumps(result))


def measure(timeline_path: Path, music: Path | None, revision: str | None, folder: Path) -> dict:
    command = [sys.executable, __file__, "--child", "--timeline", str(timeline_path), "--output", str(folder / "mix.wav")]
    command += ["--revision", revision] if revision else []
    command += ["--music-file", str(music)] if music else []
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[5.0, 10.0])
    parser.add_argument("--music", action="store_true", help="loop a music file instead of the generated ambience")
    parser.add_argument("--compare", nargs="?", const="HEAD", metavar="REV", help="also run the mix as of REV (default HEAD)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--revision", help=argparse.SUPPRESS)
    parser.add_argument("--timeline", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--music-file", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        run_child(arguments.timeline, arguments.music_file, arguments.revision, arguments.output)
        return

    labels = {None: "working tree"} | ({arguments.compare: arguments.compare} if arguments.compare else {})
    for minutes in arguments.minutes:
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            timeline_path = write_timeline(minutes, folder)
            music = write_music(folder) if arguments.music else None
            results = {revision: measure(timeline_path, music, revision, folder) for revision in labels}
        for revision, result in results.items():
            print(
                f"{minutes:5.1f} min  {labels[revision]:<12} {result['wall_s']:6.2f} s wall ({result['wall_s'] / minutes:.2f} s/min), "
                f"{result['cpu_s']:6.2f} s CPU  peak RSS {result['peak_rss_mb']:5.0f} MB (before {result['rss_before_mb']:.0f})  "
                f"{result['lufs']:6.2f} LUFS {result['dbtp']:6.2f} dBTP"
            )
        if arguments.compare:
            new, old = results[None], results[arguments.compare]
            print(
                f"{minutes:5.1f} min  old/new: wall {old['wall_s'] / new['wall_s']:.1f}x, CPU {old['cpu_s'] / new['cpu_s']:.1f}x, "
                f"peak RSS {old['peak_rss_mb'] / new['peak_rss_mb']:.1f}x"
            )


if __name__ == "__main__":
    main()
