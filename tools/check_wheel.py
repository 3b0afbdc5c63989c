"""Installs a built wheel into a fresh virtual environment and makes a shipped example with it, as a new user would.

    python tools/check_wheel.py dist/movieagent-0.1.0-py3-none-any.whl

Checks, in a temporary folder away from this checkout (so nothing is found here by accident):
1. `pip install WHEEL` (the core, no extras) installs none of torch, diffusers, ray, playwright;
2. `movieagent --help` works and `movieagent validate` accepts the shipped short example;
3. `movieagent make` on the shipped short example, with a shipped profile, writes a movie.
Prints each step with its time; exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

# What the extras bring and the core must not.
NOT_IN_CORE = ("torch", "diffusers", "ray", "playwright", "fastapi")
FIND_EXAMPLE = (
    "from movieagent.resources import resource_dir; "
    "print(resource_dir('examples') / 'short' / 'the-lighthouse-keeper.fountain'); print(resource_dir('character_bank') / 'lighthouse')"
)


def step(title: str, command: list[str], cwd: Path) -> str:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    print(f"{'ok ' if done.returncode == 0 else 'FAILED'} {title} ({time.perf_counter() - started:.1f} s)")
    if done.returncode != 0:
        sys.exit(f"$ {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=Path)
    wheel = parser.parse_args().wheel.resolve()

    with tempfile.TemporaryDirectory(prefix="movieagent-wheel-") as scratch:
        home = Path(scratch)
        venv.create(home / "venv", with_pip=True)
        python, movieagent = str(home / "venv" / "bin" / "python"), str(home / "venv" / "bin" / "movieagent")
        step(f"pip install {wheel.name}", [python, "-m", "pip", "install", "--quiet", str(wheel)], home)
        probe = f"import importlib.util as u; print(*[name for name in {NOT_IN_CORE!r} if u.find_spec(name)])"
        if extra := step("the core installs no extra", [python, "-c", probe], home).split():
            sys.exit(f"the core installed {', '.join(extra)}")
        step("movieagent --help", [movieagent, "--help"], home)
        script, bank = step("shipped example found", [python, "-c", FIND_EXAMPLE], home).split("\n")[:2]
        print("  ", step("movieagent validate", [movieagent, "validate", script, "-b", bank], home).strip())
        step("movieagent make", [movieagent, "make", script, "-b", bank, "-o", "out", "-c", "preview-fast", "-q"], home)
        movie = home / "out" / "movie.mp4"
        if not movie.is_file() or movie.stat().st_size < 10_000:
            sys.exit("no movie was made")
        print(f"   {movie.name}: {movie.stat().st_size // 1000} kB")


if __name__ == "__main__":
    main()
