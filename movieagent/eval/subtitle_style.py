"""Subtitle style: can the cues be read? Reading speed, line length, lines per cue, time on screen, gaps.

The limits are the ones `build_subtitles` works to (SubtitleSettings), checked on the file as it is.
"""

from __future__ import annotations

import itertools

from pydantic import BaseModel

from movieagent.config import SubtitleSettings
from movieagent.eval.cues import Cue
from movieagent.subtitles import CUE_GAP_MS

ROUNDING_S = 0.0005  # cue times are whole milliseconds: a limit met to the millisecond is met


class StyleViolation(BaseModel):
    index: int
    rule: str
    value: float
    limit: float


class SubtitleStyleMetrics(BaseModel):
    limits: SubtitleSettings
    min_gap_ms: float = CUE_GAP_MS
    cues: int
    chars_per_second_mean: float | None
    chars_per_second_max: float | None
    longest_line_chars: int
    most_lines_in_a_cue: int
    duration_min_s: float | None
    duration_mean_s: float | None
    duration_max_s: float | None
    smallest_gap_ms: float | None
    overlaps: int
    violations: list[StyleViolation]


def measure_subtitle_style(cues: list[Cue], limits: SubtitleSettings) -> SubtitleStyleMetrics:
    # 1. Per cue: reading speed, lines, time on screen.
    violations: list[StyleViolation] = []
    speeds, durations = [], []
    for cue in cues:
        duration = cue.end_s - cue.start_s
        characters = len(" ".join(cue.lines))  # spaces count, as they do for readers
        speed = characters / duration if duration > 0 else float("inf")
        speeds.append(speed)
        durations.append(duration)
        checks = [
            ("reading speed (characters/s)", speed, limits.max_chars_per_second, speed > limits.max_chars_per_second + 0.05),
            ("lines", len(cue.lines), limits.max_lines, len(cue.lines) > limits.max_lines),
            ("shortest time on screen (s)", duration, limits.min_duration_s, duration < limits.min_duration_s - ROUNDING_S),
            ("longest time on screen (s)", duration, limits.max_duration_s, duration > limits.max_duration_s + ROUNDING_S),
        ]
        checks += [
            ("line length (characters)", len(line), limits.max_chars_per_line, len(line) > limits.max_chars_per_line) for line in cue.lines
        ]
        violations += [StyleViolation(index=cue.index, rule=rule, value=round(value, 3), limit=round(limit, 3)) for rule, value, limit, broken in checks if broken]

    # 2. Between cues: overlaps and gaps too short for the eye to notice the change.
    gaps = [round((after.start_s - before.end_s) * 1000, 1) for before, after in itertools.pairwise(cues)]
    for after, gap in zip(cues[1:], gaps):
        if gap < 0:
            violations.append(StyleViolation(index=after.index, rule="overlaps the cue before (ms)", value=gap, limit=0))
        elif gap < CUE_GAP_MS - 1:
            violations.append(StyleViolation(index=after.index, rule="gap after the cue before (ms)", value=gap, limit=CUE_GAP_MS))
    return SubtitleStyleMetrics(
        limits=limits,
        cues=len(cues),
        chars_per_second_mean=round(sum(speeds) / len(speeds), 2) if speeds else None,
        chars_per_second_max=round(max(speeds), 2) if speeds else None,
        longest_line_chars=max((len(line) for cue in cues for line in cue.lines), default=0),
        most_lines_in_a_cue=max((len(cue.lines) for cue in cues), default=0),
        duration_min_s=round(min(durations), 3) if durations else None,
        duration_mean_s=round(sum(durations) / len(durations), 3) if durations else None,
        duration_max_s=round(max(durations), 3) if durations else None,
        smallest_gap_ms=min(gaps) if gaps else None,
        overlaps=sum(gap < 0 for gap in gaps),
        violations=violations,
    )
