"""CPU time for the benchmarks' per-CPU-second ratios."""

from __future__ import annotations

import resource


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (render workers, ffmpeg, espeak-ng)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
