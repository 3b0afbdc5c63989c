"""How long a shot plays: its lines at their speakers' rates with the timeline's pauses, or its action read at a glance."""

from __future__ import annotations

import math
from collections.abc import Mapping

from movieagent.config import PlanningSettings
from movieagent.planning.crew import DialogueBeat
from movieagent.planning.crews.rules.units import VIEWS, Unit
from movieagent.planning.review import speaking_seconds, spoken_words

# The same pauses the timeline puts around speech (SpeechSettings defaults), so planned shots rarely stretch.
LEAD_IN_S = 0.4
TAIL_S = 0.5
GAP_BETWEEN_LINES_S = 0.3
# Action is read at a glance, about 3.5 words a second, and held 1.5 to 3 s (within the shot limits);
# so a beat of action is at most a couple of sentences.
ACTION_WORDS_PER_S, ACTION_MIN_S, ACTION_MAX_S = 3.5, 1.5, 3.0


def speech_budget_s(pacing: PlanningSettings) -> float:
    """Speech that fits the longest shot; at least one word, whatever the limits."""
    return max(pacing.max_shot_s - LEAD_IN_S - TAIL_S, 60.0 / pacing.words_per_minute)


def speech_s(lines: list[DialogueBeat], rate: int) -> float:
    return sum(speaking_seconds(line.text, rate) for line in lines) + GAP_BETWEEN_LINES_S * (len(lines) - 1)


def shot_duration(unit: Unit, pacing: PlanningSettings, rates: Mapping[str, int]) -> float:
    """How long a unit plays: its view, or its lines at their speakers' `rates` with the pauses around them,
    or its action read at a glance; action in a shot with lines plays while they are spoken."""
    if unit.kind in VIEWS:
        wanted = pacing.establishing_shot_s
    else:
        talking = sum(speaking_seconds(line.text, rates.get(line.speaker_id, pacing.words_per_minute)) for line in unit.lines)
        talking += LEAD_IN_S + GAP_BETWEEN_LINES_S * (len(unit.lines) - 1) + TAIL_S if unit.lines else 0.0
        wanted = max(talking, reading_s(unit.action) if unit.action else 0.0)
    clamped = min(max(wanted, pacing.min_shot_s), pacing.max_shot_s)
    # Never shorter than the words at the planning rate, whatever the limits say.
    return math.ceil(max(clamped, speech_s(unit.lines, pacing.words_per_minute)) * 100) / 100


def reading_s(action: str) -> float:
    return min(max(spoken_words(action) / ACTION_WORDS_PER_S, ACTION_MIN_S), ACTION_MAX_S)
