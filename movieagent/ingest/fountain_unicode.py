"""Fountain written outside ASCII and capitals, rewritten line by line into the ASCII Fountain screenplain reads.

Japanese and Chinese screenplays write Fountain's marks with full-width punctuation ('Title：', 'INT。',
'（V.O.）'), and their character cues cannot be capitals: the scripts have no case. Fountain's own answer to
a cue without capitals is a leading '@', so an uncased line that reads like a cue gets one. Only marks
change, never the words: dialogue keeps its '？' and '。'. Every line stays on its line, so line numbers hold.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Full-width forms of the marks Fountain's structure uses, and their ASCII form.
_MARKS = str.maketrans({"：": ":", "（": "(", "）": ")", "。": ".", "．": "."})
# A heading prefix with an ASCII or full-width stop ('INT。'), or a localised one ('ИНТ.', which Fountain
# does not know and so must be forced with a leading '.').
_HEADING = re.compile(r"^\s*(?:INT\.?/EXT|EXT\.?/INT|I/E|INT|EXT|EST)[.。．]", re.IGNORECASE)
_LOCAL_HEADING = re.compile(r"^\s*(?:ИНТ|НАТ|ЭКСТ|ИНТ\./НАТ)[.。．]\s", re.IGNORECASE)
_TITLE_KEY = re.compile(r"^[^\s:：][^:：]*：")
# Lines starting with these are Fountain's other elements (forced action, heading, lyric, section, note...).
_OTHER_ELEMENT = ("!", ".", "~", "#", "=", ">", "[[", "@")
# Punctuation that ends or breaks a sentence: a cue (a name) has none.
_SENTENCE_MARKS = re.compile(r"[。、，．！？!?,;；…]")
_PARENTHETICAL = re.compile(r"^\s*[（(].*[）)]\s*$")
# A cue is a name, maybe with extensions: longer lines are action.
_MAX_CUE_CHARS = 24
# A name this short without hiragana (which writes the particles and verb endings of Japanese sentences) is a
# cue even when the script never names it again: 看護師 (nurse), 护士.
_SHORT_NAME_CHARS = 6
_HIRAGANA = re.compile(r"[\u3040-\u309f]")


def rewrite_unicode_markup(lines: Sequence[str]) -> list[str]:
    """The lines with full-width marks and uncased cues rewritten as ASCII Fountain; as many lines as given."""
    rewritten = list(lines)
    body_start = _rewrite_title_page(rewritten)
    candidates = {index: _name(rewritten[index]) for index in _cue_candidates(rewritten, body_start)}
    for index, name in candidates.items():
        if _reads_as_cue(index, name, rewritten, candidates):
            rewritten[index] = "@" + rewritten[index].strip().translate(_MARKS)
    for start, end in _paragraphs(rewritten, body_start):
        _rewrite_paragraph(rewritten, start, end)
    return rewritten


def _rewrite_title_page(lines: list[str]) -> int:
    """'Title：映画' -> 'Title: 映画' in the first block; returns the index where the body starts."""
    if not lines or not _TITLE_KEY.match(lines[0]):
        return 0
    index = 0
    while index < len(lines) and lines[index].strip():
        if _TITLE_KEY.match(lines[index]):
            lines[index] = lines[index].replace("：", ": ", 1)
        index += 1
    return index


def _paragraphs(lines: list[str], start: int) -> list[tuple[int, int]]:
    """(first, end) of each run of non-blank lines from `start`."""
    runs, first = [], None
    for index in range(start, len(lines) + 1):
        blank = index == len(lines) or not lines[index].strip()
        if not blank and first is None:
            first = index
        elif blank and first is not None:
            runs.append((first, index))
            first = None
    return runs


def _rewrite_paragraph(lines: list[str], start: int, end: int) -> None:
    first = lines[start]
    heading = _HEADING.match(first) if end - start == 1 else None
    if end - start == 1 and _LOCAL_HEADING.match(first):
        lines[start] = "." + first.strip()
    elif heading is not None:
        lines[start] = heading.group().translate(_MARKS) + first[heading.end() :]
    elif end - start > 1 and _is_cue(first):
        # A dialogue block: the cue's extensions and the parentheticals in ASCII brackets.
        lines[start] = first.translate(str.maketrans({"（": "(", "）": ")"}))
        for index in range(start + 1, end):
            if _PARENTHETICAL.match(lines[index]):
                lines[index] = lines[index].translate(str.maketrans({"（": "(", "）": ")"}))


def _is_cue(line: str) -> bool:
    """screenplain's rule for a cue (capitals before any bracket, or forced with '@'), with full-width brackets."""
    if line.startswith("@"):
        return True
    before_bracket = re.split(r"[(（]", line, maxsplit=1)[0]
    return before_bracket.isupper() and not line.endswith("  ")


def _cue_candidates(lines: list[str], start: int) -> list[int]:
    """Lines that open a block of two or more lines and read like a name written without capitals."""
    candidates = []
    for first, end in _paragraphs(lines, start):
        line = lines[first].strip()
        name = _name(line)
        if (
            end - first > 1
            and name
            and not line.startswith(_OTHER_ELEMENT)
            and len(name) <= _MAX_CUE_CHARS
            and not _SENTENCE_MARKS.search(name)
            and not line.endswith((":", "："))
            and any(unicodedata.category(char).startswith("L") for char in name)
            and not any(char.isupper() or char.islower() for char in name)
        ):
            candidates.append(first)
    return candidates


def _name(line: str) -> str:
    """The cue's name: the line without its bracketed extensions."""
    return re.split(r"[(（]", line.strip(), maxsplit=1)[0].strip()


def _reads_as_cue(index: int, name: str, lines: list[str], candidates: dict[int, str]) -> bool:
    """An uncased line over a block is a cue when it is a short name, when a parenthetical follows it, or when the
    name comes back: as another cue, or in the action (characters are introduced there). Otherwise it opens an
    action paragraph written over two lines."""
    if len(name) <= _SHORT_NAME_CHARS and not _HIRAGANA.search(name):
        return True
    if index + 1 < len(lines) and _PARENTHETICAL.match(lines[index + 1]):
        return True
    if sum(other == name for other in candidates.values()) > 1:
        return True
    return any(name in line for position, line in enumerate(lines) if position not in candidates)
