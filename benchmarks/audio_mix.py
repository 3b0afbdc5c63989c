"""How fast and how lean the audio mix is: seconds of work per minute of audio and peak memory (RSS).

    python benchmarks/audio_mix.py [--minutes 5 10] [--music] [--compare]

Builds a synthetic timeline in a temporary folder (tone-burst "lines" at 22050 Hz, one every few
seconds, no speech engine needed) and mixes it. Each mix runs in a fresh child process, so its peak
RSS is its own (the ~100 MB of imported libraries included). `--compare` also runs the last committed
movieagent/audio.py (read with `git show HEAD:...`, loaded from a temporary file) on the same timeline
and prints old/new. Goals on 2 cores: 5 min in <= 3 s, 10 min in <= 6 s, <= ~300 MB for 10 min.
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
    """A timeline of `minutes` with a 1-3 s tone-burst line starting every 2.5-5 s; returns its JSON path."""
    rng = np.random.default_rng(0)
    shots, lines, clock = [], [], 0.0
    total_s = minutes * 60
    start = 0.5
    while start < total_s - 3.5:
        seconds = rng.uniform(1.0, 3.0)
        time_axis = np.arange(round(seconds * SPEECH_RATE)) / SPEECH_RATE
        syllables = np.sin(np.pi * rng.uniform(3, 6) * time_axis) ** 2  # a speech-like rhythm
        # A pitch-gliding pulse train (in-phase harmonics): a crest factor like a voice's, so the limiter works.
        phase = 2 * np.pi * rng.uniform(110, 240) * time_axis * (1 + 0.05 * time_axis)
        voice = sum(np.cos(harmonic * phase) / harmonic**0.5 for harmonic in range(1, 16))
        burst = 0.6 * syllables * voice / np.abs(voice).max()
        path = folder / f"line-{len(lines):04d}.wav"
        wavfile.write(path, SPEECH_RATE, np.round(burst * 32767).astype(np.int16))
        lines.append(LineTiming(line_id=path.stem, speaker_id="ada", text="...", audio=path, start_s=start, end_s=start + seconds))
        start += seconds + rng.uniform(0.4, 2.0)
    index = 0
    while clock < total_s - 1e-9:
        num_frames = round(min(SHOT_S, total_s - clock) * FPS)
        inside = [line for line in lines if clock <= line.start_s < clock + num_frames / FPS]
        index += 1
        shots.append(ShotTiming(shot_id=f"shot-{index}", index=index, start_s=clock, duration_s=num_frames / FPS, num_frames=num_frames, lines=inside))
        clock += num_frames / FPS
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


def load_head_audio_module(folder: Path):
    """The committed movieagent/audio.py as a separate module, for an old/new comparison in the same run."""
    source = subprocess.run(["git", "show", "HEAD:movieagent/audio.py"], cwd=ROOT, capture_output=True, check=True).stdout
    path = folder / "audio_at_head.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("audio_at_head", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_child(timeline_path: Path, music: Path | None, implementation: str, output: Path) -> None:
    """In a fresh process: one mix; prints a JSON line with seconds, peak RSS and what the mix measured."""
    if implementation == "head":
        mix_audio = load_head_audio_module(output.parent).mix_audio
    else:
        from movieagent.audio import mix_audio
    timeline = Timeline.model_validate_json(timeline_path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    report = mix_audio(timeline, AudioSettings(music=music), output, seed=1)
    seconds = time.perf_counter() - started
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb, "lufs": report.integrated_lufs, "dbtp": report.true_peak_dbtp}))


def measure(timeline_path: Path, music: Path | None, implementation: str, folder: Path) -> dict:
    command = [sys.executable, __file__, "--child", implementation, "--timeline", str(timeline_path), "--output", str(folder / f"{implementation}.wav")]
    if music is not None:
        command += ["--music-file", str(music)]
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[5.0, 10.0])
    parser.add_argument("--music", action="store_true", help="loop a music file instead of the generated ambience")
    parser.add_argument("--compare", action="store_true", help="also run the committed audio.py and print old/new")
    parser.add_argument("--child", choices=["head", "tree"], help=argparse.SUPPRESS)
    parser.add_argument("--timeline", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--music-file", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        run_child(arguments.timeline, arguments.music_file, arguments.child, arguments.output)
        return

    implementations = ["tree", "head"] if arguments.compare else ["tree"]
    for minutes in arguments.minutes:
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            timeline_path = write_timeline(minutes, folder)
            music = write_music(folder) if arguments.music else None
            results = {name: measure(timeline_path, music, name, folder) for name in implementations}
        for name, result in results.items():
            label = "new (working tree)" if name == "tree" else "old (HEAD)"
            print(
                f"{minutes:5.1f} min  {label:<18} {result['seconds']:6.2f} s  {result['seconds'] / minutes:5.2f} s/min  "
                f"peak RSS {result['peak_rss_mb']:6.0f} MB  {result['lufs']:6.2f} LUFS  {result['dbtp']:6.2f} dBTP"
            )
        if arguments.compare:
            print(f"{minutes:5.1f} min  old/new time {results['head']['seconds'] / results['tree']['seconds']:.1f}x, "
                  f"old/new peak RSS {results['head']['peak_rss_mb'] / results['tree']['peak_rss_mb']:.1f}x")


if __name__ == "__main__":
    main()
