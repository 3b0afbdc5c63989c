"""A speech too long for the longest shot, split over several: between lines, else sentences, else words."""

from __future__ import annotations

import re

from movieagent.config import PlanningSettings
from movieagent.planning.crew import DialogueBeat
from movieagent.planning.crews.rules.timing import speech_budget_s, speech_s
from movieagent.planning.crews.rules.units import Unit
from movieagent.planning.review import speaking_seconds


def split_to_fit(unit: Unit, pacing: PlanningSettings) -> list[Unit]:
    """A dialogue unit too long for the longest shot becomes several, split between lines or sentences."""
    if unit.kind != "dialogue":
        return [unit]
    rate = pacing.words_per_minute
    budget = speech_budget_s(pacing)
    groups: list[list[DialogueBeat]] = [[]]
    for line in unit.lines:
        for part in split_line(line, budget, rate):
            if groups[-1] and speech_s([*groups[-1], part], rate) > budget:
                groups.append([])
            groups[-1].append(part)
    pieces = [Unit("dialogue", lines=group) for group in groups]
    pieces[0].fade_in, pieces[-1].fade_out = unit.fade_in, unit.fade_out
    return pieces


def split_line(line: DialogueBeat, budget_s: float, rate: int) -> list[DialogueBeat]:
    texts = [text.strip() for text in split_text(line.text, budget_s, rate) if text.strip()]
    if len(texts) <= 1:
        return [line]
    return [line.model_copy(update={"text": text, "dual": line.dual and number == 0}) for number, text in enumerate(texts)]


def split_text(text: str, budget_s: float, rate: int) -> list[str]:
    """Greedy pieces that each fit the budget, broken between sentences where possible, else between words."""
    chunks, current = [], ""
    for token in fitting_tokens(text, budget_s, rate):
        if current and speaking_seconds(current + token, rate) > budget_s:
            chunks.append(current)
            current = ""
        current += token
    chunks.append(current)
    return chunks


def fitting_tokens(text: str, budget_s: float, rate: int, level: int = 0) -> list[str]:
    """Whole sentences where they fit the budget; a sentence too long falls apart into words, then characters."""
    if speaking_seconds(text, rate) <= budget_s or level > 2:
        return [text]
    return [piece for token in tokens_at(text, level) for piece in fitting_tokens(token, budget_s, rate, level + 1)]


def tokens_at(text: str, level: int) -> list[str]:
    # Each level's tokens join back into exactly `text`.
    if level == 0:
        return re.split(r"(?<=[.!?…])(?=\s)|(?<=[。！？])", text)
    if level == 1:
        return re.split(r"(?<=\s)(?=\S)", text)
    return list(text)
