"""Stage: speech timings -> subtitle cues (SRT), broadcast style, by the rules of the film's language.

Each spoken line becomes one or more cues. A cue holds at most `max_lines` lines of at most
`max_chars_per_line` characters, starts exactly when its words are spoken, lasts between
`min_duration_s` and `max_duration_s`, and stays up long enough to be read at `max_chars_per_second`
where the silence after it allows; consecutive cues never overlap and are separated by CUE_GAP_MS.

Languages written with spaces break lines between words. Japanese, Chinese and Thai, written without them,
break between phrases found by BudouX (Google's phrase segmenter: a line never ends inside a word, nor
before a closing '。'), and take their own line length and reading speed (`subtitles.languages`).

Script text is data. Each format's writer escapes it so that readers show exactly the words, whatever they
hold: SRT (movie.srt, and through ffmpeg the MP4's mov_text track) has no escapes, so a WORD JOINER (U+2060,
zero-width and invisible) is put into anything a reader would act on (`<tag>`, `{\\override}`, `&entity;`,
`\\N`, a timing line); WebVTT escapes `&`, `<`, `>`; ASS (movie.ass, what libass burns into the picture)
escapes braces and breaks backslashes the same way.
"""

from __future__ import annotations

import functools
import html
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import budoux
import pysubs2

from movieagent.config import BurnInStyle, SubtitleSettings
from movieagent.preview.fonts import cjk_face_name
from movieagent.schema import LineTiming, Timeline
from movieagent.workspace import atomic_path

# Two frames at 25 fps: the usual minimum gap between cues, so the eye notices that the text changed.
CUE_GAP_MS = 80
# A cue that starts within this of a pause in the voice starts where the speech resumes after it.
PAUSE_SNAP_MS = 600

# How good a place is to end a cue or a subtitle line: after a sentence, after a clause, or between words.
SENTENCE, CLAUSE, WORD = 0, 1, 2
_CLOSERS = re.escape("\"'”’»)]")
_SENTENCE_END = re.compile(rf"[.!?…。！？][{_CLOSERS}]*$")
_CLAUSE_END = re.compile(rf"([,;:，、；：]|--|[—–-])[{_CLOSERS}]*$")

# Costs for choosing where a long line is cut into cues (units: one extra cue = 1).
_CUE_BREAK_COST = {SENTENCE: 0.0, CLAUSE: 0.4, WORD: 1.5}
_SHORT_CUE_COST = 2.0  # a cue shorter than the minimum duration that cannot be lengthened mid-line
_FULLNESS_COST = 0.5  # times (characters / capacity)^2: prefers cues of similar length
# Bonus for ending a subtitle line after punctuation, in squared characters of imbalance between lines.
_LINE_BREAK_BONUS = {SENTENCE: 288, CLAUSE: 162, WORD: 0}


# Languages written without spaces between words, and BudouX's phrase parser for each.
_PHRASE_PARSERS = {
    "ja": budoux.load_default_japanese_parser,
    "zh": budoux.load_default_simplified_chinese_parser,
    "zh-hans": budoux.load_default_simplified_chinese_parser,
    "zh-hant": budoux.load_default_traditional_chinese_parser,
    "th": budoux.load_default_thai_parser,
}
# Letters of the scripts written without spaces (BudouX splits only these; Latin words in them stay whole).
_UNSPACED_LETTERS = re.compile(r"[\u0e00-\u0e7f\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Zero-width and invisible: splits markup apart without changing what a reader shows.
WORD_JOINER = "\u2060"
# What an SRT reader acts on: a tag, an override block, an entity, an escape, and the arrow of a timing line.
_SRT_MARKUP = re.compile(r"([<{&\\]|--(?=>))")
# A timestamp ('00:00:01,000') in a line makes it a timing line for some readers (pysubs2): split before its comma.
_SRT_TIMESTAMP = re.compile(r"(\d{1,2}:\d{1,2}:\d{1,2})(?=[.,]\d)")


@dataclass(frozen=True)
class Subtitle:
    """One cue as it is shown: the spoken words in plain text, a line per subtitle line."""

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Cue:
    start_ms: int
    speech_end_ms: int
    lines: list[str]
    chars: int  # what a reader reads: the lines' characters, and the spaces between words


@dataclass(frozen=True)
class _Words:
    """How words join into text: with a space, or (languages without spaces) as they are, each word keeping
    the space that followed it in the script."""

    separator: str

    def join(self, words: list[str]) -> str:
        return self.separator.join(words).strip()

    def offset(self, words: list[str], first: int) -> int:
        """Characters of the text before word `first`."""
        return len(self.separator.join(words[:first])) + (len(self.separator) if first else 0)


def subtitle_rules(settings: SubtitleSettings, language: str) -> SubtitleSettings:
    """The settings with the language's own line length and reading speed, where `subtitles.languages` has them."""
    tag = language.lower()
    rules = settings.languages.get(tag) or settings.languages.get(tag.split("-")[0])
    update = rules.model_dump(exclude_none=True) if rules else {}
    if (face := cjk_face_name(tag)) is not None and settings.burn_in.font == BurnInStyle().font:
        # Burnt into the picture, the default font would draw empty boxes for these letters.
        update["burn_in"] = settings.burn_in.model_copy(update={"font": face})
    return settings.model_copy(update=update)


def build_subtitles(timeline: Timeline, settings: SubtitleSettings, language: str = "en") -> list[Subtitle]:
    """One or more cues per spoken line, timed to the speech, in movie order, by the rules of `language`."""
    # 1. cut every line into cue-sized pieces, each timed to its share of the speech
    rules = subtitle_rules(settings, language)
    lines = sorted(timeline.lines(), key=lambda line: line.start_s)
    cues = [cue for line in lines for cue in _line_cues(line, rules, language)]

    # 2. time the cues: long enough to read, never into the next cue nor past the end of the movie
    movie_end_ms = round(timeline.duration_s() * 1000)
    subtitles = []
    for index, cue in enumerate(cues):
        next_start_ms = cues[index + 1].start_ms if index + 1 < len(cues) else movie_end_ms + CUE_GAP_MS
        subtitles.append(Subtitle(cue.start_ms, _end_ms(cue, next_start_ms, rules), tuple(cue.lines)))
    return subtitles


def write_subtitles(subtitles: list[Subtitle], output: Path) -> None:
    """movie.srt. Its text is also the MP4's soft subtitle track (ffmpeg reads it as SRT)."""
    _save(_document(subtitles, srt_line), output, "srt")


def write_burn_in(subtitles: list[Subtitle], output: Path, style: BurnInStyle, *, width: int, height: int) -> None:
    """movie.ass: the subtitles styled for drawing into a `width` x `height` picture (libass, ffmpeg's subtitles filter)."""
    document = _document(subtitles, ass_line)
    document.info.update({"PlayResX": str(width), "PlayResY": str(height), "ScaledBorderAndShadow": "yes"})
    size = style.size * height
    document.styles["Default"] = pysubs2.SSAStyle(
        fontname=style.font,
        fontsize=round(size, 1),
        outline=round(style.outline * size, 1),
        shadow=0,
        alignment=pysubs2.Alignment.TOP_CENTER if style.position == "top" else pysubs2.Alignment.BOTTOM_CENTER,
        marginv=round(style.margin * height),
    )
    _save(document, output, "ass")


def webvtt(subtitles: list[Subtitle]) -> str:
    """WebVTT, what browsers read for a <track>."""
    return _document(subtitles, vtt_line).to_string("vtt", keep_ssa_tags=True)


def srt_line(text: str) -> str:
    """A line for SRT: markup characters followed by a WORD JOINER, so that no reader takes the words for markup."""
    return _SRT_TIMESTAMP.sub(rf"\1{WORD_JOINER}", _SRT_MARKUP.sub(rf"\1{WORD_JOINER}", text))


def srt_plain(text: str) -> str:
    """The words of an SRT line srt_line wrote."""
    return text.replace(WORD_JOINER, "")


def vtt_line(text: str) -> str:
    # Cue text is markup: &, < and > escaped (so no line holds '-->'); a backslash is split from what follows for
    # pysubs2's writer, which reads '\N' and '\h'.
    return html.escape(text, quote=False).replace("\\", "\\" + WORD_JOINER)


def ass_line(text: str) -> str:
    # libass reads '{...}' as override tags and '\N', '\h', '\{' as escapes: braces escaped, backslashes split first.
    return text.replace("\\", "\\" + WORD_JOINER).replace("{", "\\{").replace("}", "\\}")


def _document(subtitles: list[Subtitle], escape: Callable[[str], str]) -> pysubs2.SSAFile:
    """pysubs2's model of the cues, each line escaped for the format it will be written in (lines joined by '\\N')."""
    document = pysubs2.SSAFile()
    for subtitle in subtitles:
        text = "\\N".join(escape(line) for line in subtitle.lines)
        document.append(pysubs2.SSAEvent(start=subtitle.start_ms, end=subtitle.end_ms, text=text))
    return document


def _save(document: pysubs2.SSAFile, output: Path, format_: str) -> None:
    with atomic_path(output) as temporary:
        # keep_ssa_tags: text goes out as escaped above, not through pysubs2's ASS-to-SRT tag conversion.
        temporary.write_text(document.to_string(format_, keep_ssa_tags=True), encoding="utf-8")


def _end_ms(cue: _Cue, next_start_ms: int, settings: SubtitleSettings) -> int:
    # Whole milliseconds, rounded so that the limits hold in the written file.
    reading_ms = math.ceil(1000 * cue.chars / settings.max_chars_per_second)
    wanted = max(cue.speech_end_ms, cue.start_ms + math.ceil(1000 * settings.min_duration_s), cue.start_ms + reading_ms)
    wanted = min(wanted, cue.start_ms + math.floor(1000 * settings.max_duration_s))
    latest = next_start_ms - CUE_GAP_MS
    if latest <= cue.start_ms:
        # The next cue follows too closely for a gap: end where it starts rather than overlap it.
        latest = next_start_ms
    return min(wanted, latest)


def _line_cues(line: LineTiming, settings: SubtitleSettings, language: str) -> list[_Cue]:
    """Splits one spoken line into cues at the best sentence/clause/word boundaries; time follows characters."""
    words, joiner = _words(line.text, settings.max_chars_per_line, language)
    if not words:
        return []
    start_ms = round(line.start_s * 1000)
    end_ms = max(start_ms, round(line.end_s * 1000))
    pieces = _split_into_cues(words, joiner, (end_ms - start_ms) / 1000, settings)

    # Where each piece starts and ends in the line's text sets its time; a piece then starts where the speech
    # resumes after a pause close to that, when the voice paused there.
    total_chars = len(joiner.join(words))
    resumes = [start_ms + round(1000 * resume) for resume in line.resumes_s]
    cues: list[_Cue] = []
    for first, last in pieces:
        offset, piece_chars = joiner.offset(words, first), len(joiner.join(words[first:last]))
        piece_start = start_ms + round((end_ms - start_ms) * offset / total_chars)
        piece_end = end_ms if last == len(words) else start_ms + round((end_ms - start_ms) * (offset + piece_chars) / total_chars)
        if cues and (near := [resume for resume in resumes if abs(resume - piece_start) <= PAUSE_SNAP_MS]):
            piece_start = min(near, key=lambda resume: abs(resume - piece_start))
            cues[-1] = replace(cues[-1], speech_end_ms=min(cues[-1].speech_end_ms, piece_start))
        cues.append(_Cue(piece_start, piece_end, _break_lines(words[first:last], joiner, settings), piece_chars))
    return cues


def _words(text: str, max_chars: int, language: str) -> tuple[list[str], _Words]:
    """Words of the text (control characters dropped) and how they join; in a language without spaces, its
    phrases. A word longer than a subtitle line is cut into line-sized pieces."""
    normalized = unicodedata.normalize("NFC", text)
    printable = "".join(char for char in normalized if char.isspace() or unicodedata.category(char) != "Cc")
    parser = _phrase_parser(language)
    if parser is None:
        words, joiner = printable.split(), _Words(" ")
    else:
        # Each word keeps one following space, if it had any, so 'Hello world' inside Japanese stays two words.
        words, joiner = [], _Words("")
        for spaced in printable.split():
            phrases = parser.parse(spaced) if _UNSPACED_LETTERS.search(spaced) else [spaced]
            words += [*phrases[:-1], phrases[-1] + " "]
        if words:
            words[-1] = words[-1].rstrip()
    return [piece for word in words for piece in _pieces(word, max_chars)], joiner


def _pieces(word: str, max_chars: int) -> list[str]:
    """The word in pieces of at most max_chars characters (the space it keeps does not count)."""
    text, space = word.rstrip(), word[len(word.rstrip()) :]
    pieces = [text[index : index + max_chars] for index in range(0, len(text), max_chars)]
    pieces[-1] += space
    return pieces


def _phrase_parser(language: str) -> budoux.Parser | None:
    tag = language.lower()
    loader = _PHRASE_PARSERS.get(tag) or _PHRASE_PARSERS.get(tag.split("-")[0])
    return _loaded_parser(loader) if loader else None


@functools.cache
def _loaded_parser(loader: object) -> budoux.Parser:
    return loader()  # type: ignore[operator]


def _boundary(word: str) -> int:
    if _SENTENCE_END.search(word):
        return SENTENCE
    if _CLAUSE_END.search(word):
        return CLAUSE
    return WORD


def _split_into_cues(words: list[str], joiner: _Words, duration_s: float, settings: SubtitleSettings) -> list[tuple[int, int]]:
    """Cheapest cut of the words into cues (dynamic programming over word boundaries): [(first, end), ...]."""
    count = len(words)
    capacity = settings.max_chars_per_line * settings.max_lines
    total_chars = len(joiner.join(words))
    best_cost = [0.0] + [math.inf] * count
    best_start = [0] * (count + 1)
    for first in range(count):
        if best_cost[first] == math.inf:
            continue
        for end in range(first + 1, count + 1):
            chars = len(joiner.join(words[first:end]))
            if chars > capacity or not _fits(words[first:end], joiner, settings):
                break
            share_s = duration_s * chars / total_chars
            if share_s > settings.max_duration_s and end - first > 1:
                break
            cost = 1 + _FULLNESS_COST * (chars / capacity) ** 2
            if end < count:
                cost += _CUE_BREAK_COST[_boundary(words[end - 1].rstrip())]
            if share_s < settings.min_duration_s and not (first == 0 and end == count):
                cost += _SHORT_CUE_COST
            if best_cost[first] + cost < best_cost[end]:
                best_cost[end], best_start[end] = best_cost[first] + cost, first
    pieces, end = [], count
    while end > 0:
        pieces.append((best_start[end], end))
        end = best_start[end]
    return pieces[::-1]


def _fits(words: list[str], joiner: _Words, settings: SubtitleSettings) -> bool:
    """Whether the words fill at most max_lines lines (greedy filling uses the fewest lines)."""
    lines, first = 1, 0
    for end in range(1, len(words) + 1):
        if len(joiner.join(words[first:end])) > settings.max_chars_per_line:
            lines, first = lines + 1, end - 1
    return lines <= settings.max_lines


def _break_lines(words: list[str], joiner: _Words, settings: SubtitleSettings) -> list[str]:
    """Fewest lines that fit; among those, lines of balanced length that end after punctuation."""
    text = joiner.join(words)
    if len(text) <= settings.max_chars_per_line:
        return [text]
    # Every word fits a line on its own (see _words), so this ends at len(words) lines at the latest.
    line_count = 2
    while (layout := _balanced_layout(words, joiner, line_count, settings.max_chars_per_line)) is None:
        line_count += 1
    return layout


def _balanced_layout(words: list[str], joiner: _Words, line_count: int, max_chars: int) -> list[str] | None:
    target = len(joiner.join(words)) / line_count
    # best[k][i]: (cost, previous break) of laying out the first i words on k lines.
    best: list[dict[int, tuple[float, int]]] = [{0: (0.0, 0)}] + [{} for _ in range(line_count)]
    for lines_so_far in range(line_count):
        for start, (cost_so_far, _) in best[lines_so_far].items():
            for end in range(start + 1, len(words) + 1):
                width = len(joiner.join(words[start:end]))
                if width > max_chars:
                    break
                is_last_line = lines_so_far + 1 == line_count
                if is_last_line and end != len(words):
                    continue
                cost = cost_so_far + (width - target) ** 2
                if not is_last_line:
                    cost -= _LINE_BREAK_BONUS[_boundary(words[end - 1].rstrip())]
                if end not in best[lines_so_far + 1] or cost < best[lines_so_far + 1][end][0]:
                    best[lines_so_far + 1][end] = (cost, start)
    if len(words) not in best[line_count]:
        return None
    lines, end = [], len(words)
    for lines_left in range(line_count, 0, -1):
        start = best[lines_left][end][1]
        lines.append(joiner.join(words[start:end]))
        end = start
    return lines[::-1]
