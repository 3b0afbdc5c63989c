"""Limits on the size of a movie: a script or a plan that is valid but absurd is refused before any work.

One 5 MB line of dialogue would plan tens of thousands of shots; a hand-made plan of 3000 two-minute shots
would render for days. The limits are settings (planning.max_movie_s, planning.max_shots) that can be raised.
"""

from __future__ import annotations

from pathlib import Path

from movieagent.config import PlanningSettings
from movieagent.errors import InputError, InputErrors
from movieagent.planning.review import speaking_seconds
from movieagent.schema import Plan, Script


def check_script_length(script: Script, pacing: PlanningSettings) -> None:
    """Refuses a script whose dialogue alone, at the planning speaking rate, lasts longer than the movie may."""
    lines = script.dialogue()
    seconds = [speaking_seconds(line.text, pacing.words_per_minute) for line in lines]
    if sum(seconds) <= pacing.max_movie_s:
        return
    longest = max(range(len(lines)), key=seconds.__getitem__)
    raise InputError(
        f"the dialogue alone lasts about {_duration(sum(seconds))} at {pacing.words_per_minute} words a minute, over the "
        f"limit of {_duration(pacing.max_movie_s)} (planning.max_movie_s); its longest line, here, lasts {_duration(seconds[longest])}",
        path=script.source,
        line=lines[longest].line,
        fix="split the script into parts, or raise planning.max_movie_s in your settings",
    )


def check_plan_size(plan: Plan, pacing: PlanningSettings, source: Path) -> None:
    """Refuses a plan with more shots, or a longer running time, than the settings allow."""
    problems = []
    if (shots := len(plan.shots())) > pacing.max_shots:
        problems.append(
            InputError(
                f"the plan has {shots} shots, over the limit of {pacing.max_shots} (planning.max_shots)",
                path=source,
                fix="split the movie into parts, or raise planning.max_shots in your settings",
            )
        )
    if (seconds := plan.duration_s()) > pacing.max_movie_s:
        problems.append(
            InputError(
                f"the plan lasts {_duration(seconds)}, over the limit of {_duration(pacing.max_movie_s)} (planning.max_movie_s)",
                path=source,
                fix="split the movie into parts, or raise planning.max_movie_s in your settings",
            )
        )
    if problems:
        raise problems[0] if len(problems) == 1 else InputErrors(problems)


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds:.0f} s"
