"""How fast the command line starts: CPU time of `movieagent --help` against `python -c pass`. Goal < 0.4 s of CPU.

    python benchmarks/cli_start.py [--runs 10]

CPU time (user + system, from the operating system's accounting of each finished child) rather than wall
time, so that a busy machine does not count other people's work. Both commands alternate, and the medians
are compared: `movieagent --help` imports only the command line (typer, rich), never the pipeline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

GOAL_S = 0.4


def child_cpu_s(command: list[str]) -> float:
    """User + system CPU seconds of one run of `command`, its own children included."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="Runs of each command (medians are compared)")
    arguments = parser.parse_args()

    # The installed entry point beside this interpreter, as a user runs it; `python -m movieagent` otherwise.
    script = Path(sys.executable).with_name("movieagent")
    help_command = [str(script), "--help"] if script.exists() else [sys.executable, "-m", "movieagent", "--help"]
    baseline_command = [sys.executable, "-c", "pass"]
    child_cpu_s(help_command)  # the first run fills the file cache and writes the .pyc files

    help_s, baseline_s = [], []
    for _ in range(arguments.runs):
        help_s.append(child_cpu_s(help_command))
        baseline_s.append(child_cpu_s(baseline_command))
    help_median, baseline_median = statistics.median(help_s), statistics.median(baseline_s)
    print(f"movieagent --help: {help_median:.3f} s CPU (median of {arguments.runs}; min {min(help_s):.3f}, max {max(help_s):.3f})")
    print(f"python -c pass:    {baseline_median:.3f} s CPU")
    print(f"ratio {help_median / baseline_median:.1f}x the bare interpreter; goal < {GOAL_S} s CPU: {'met' if help_median < GOAL_S else 'NOT met'}")


if __name__ == "__main__":
    main()
