"""Fountain screenplays (.fountain, .spmd) read with the `screenplain` parser, normalised into a Script.

screenplain does the parsing. This module only reshapes its paragraphs: scene headings are split into
place / interior / time of day, character cues into name + extensions, dialogue blocks into lines with
their parentheticals. screenplain keeps no source positions, so each element's line number is found by
a cursor that scans the source forward for the element's first line.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from screenplain.parsers.fountain import linebreak_re, parse_lines
from screenplain.richstring import parse_emphasis
from screenplain.types import Action, Dialog, DualDialog, Section, Slug, Transition

from movieagent.ingest.fountain_unicode import rewrite_unicode_markup
from movieagent.schema import Script, ScriptAction, ScriptDialogue, ScriptElement, ScriptScene, ScriptTransition

# Heading prefixes, longest first so 'INT./EXT.' is not read as 'INT.'. None: both or unknown.
_HEADING_PREFIX = re.compile(
    r"^(?P<prefix>INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I/E|INT|EXT|EST|ИНТ\.?\s*/\s*НАТ|ИНТ|НАТ|ЭКСТ)\.?(?:\s+|$)", re.IGNORECASE
)
_INTERIOR_BY_PREFIX = {"INT": True, "EXT": False, "EST": False, "ИНТ": True, "НАТ": False, "ЭКСТ": False}
# Between place and time of day: ' - ', ' – ', '--', ', ' (all seen in real scripts), and in scripts without spaces
# a lone dash ('病院-日'), which only counts when a time of day follows it.
_HEADING_SEPARATOR = re.compile(r"(\s+[-–—]+\s+|\s*--\s*|\s*,\s+)")
_LAST_DASH = re.compile(r"[-–—－](?=[^-–—－]*$)")
_TIME_WORDS = frozenset(
    "DAY NIGHT MORNING EVENING AFTERNOON NOON MIDNIGHT DAWN DUSK SUNRISE SUNSET TWILIGHT DAYTIME NIGHTTIME "
    "HOUR LATER CONTINUOUS SAME MOMENT MOMENTS CONTINUED "
    "ДЕНЬ НОЧЬ УТРО ВЕЧЕР ПОЛДЕНЬ РАССВЕТ ЗАКАТ ПОЗЖЕ "
    # Japanese and Chinese headings: day, daytime, night, morning, evening, dawn, dusk, later, continuous.
    "日 昼 夜 朝 夕 夕方 早朝 深夜 夜明け 明け方 後 続き 白天 日间 夜晚 晚上 早上 清晨 黄昏 傍晚 稍后 连续".split()
)
_EXTENSION = re.compile(r"\(([^)]*)\)")
_TRAILING_EXTENSIONS = re.compile(r"(?:\s*\([^)]*\))+\s*$")
_NOTE = re.compile(r"\[\[.*?\]\]")
# What distinguishes a source line from screenplain's text of it: notes, emphasis, forcing marks.
_UNCLOSED_NOTE = re.compile(r"\[\[.*$")
_MARKUP = re.compile(r"[*_\\]")
_LEADING_MARKS = " .!@>~#"
_TRAILING_MARKS = " <^"
_SCENE_NUMBER = re.compile(r"\s*#[^#\s]+#\s*$")
# Joins lines while emphasis is re-read: a character that regex '.' matches, unlike a newline.
_LINE_JOINER = "\u2028"
# Removed before screenplain runs, as it removes /* boneyard */: a note opening the file, which would
# otherwise hide the title page below it.
_REMOVED_SPANS = re.compile(r"/\*.*?\*/|\A\s*\[\[(?:(?!\]\]).)*\]\]\s*", re.DOTALL)
# Fountain only reads lines ending in "TO:" as transitions; scripts also write these as lines of their own,
# in Japanese and Chinese too (fade in, fade out, dissolve, cut to).
_TRANSITION_LINE = re.compile(
    r"(FADE (IN|OUT|UP|TO [A-Z]+)|(CROSS )?DISSOLVE( TO)?|((SMASH|MATCH|JUMP|HARD) )?CUT( TO( [A-Z]+)?)?"
    r"|フェードイン|フェードアウト|ディゾルブ|カットイン|暗転|溶明|溶暗|淡入|淡出|切至)[:.：。]?"
)


def parse_fountain(text: str, source: Path) -> Script:
    """A Script from Fountain text. `source` names the file in the Script and in line numbers."""
    # 1. Prepare: drop boneyard comments ourselves so every remaining line knows its source line; full-width
    #    marks ('INT。', 'Title：') and cues in scripts without capitals as the ASCII Fountain screenplain reads.
    lines, source_lines = _without_removed_spans(text)
    lines = rewrite_unicode_markup(lines)
    screenplay = parse_lines(lines)

    # 2. Run: walk screenplain's paragraphs, opening a scene at each heading.
    builder = _ScriptBuilder(_LineFinder(lines, source_lines))
    for paragraph in screenplay.paragraphs:
        builder.add(paragraph)

    # 3. Post-process: title page as plain text.
    title_page = {
        key: "\n".join(_NOTE.sub("", _plain(value)) for value in screenplay.get_rich_attribute(key))
        for key in screenplay.title_page
        if not key.startswith("[[")  # a note that screenplain read as a title-page key
    }
    title = " ".join(title_page.get("Title", "").split()) or source.stem
    return Script(title=title, source=source, format="fountain", title_page=title_page, scenes=builder.scenes())


@dataclass(frozen=True)
class SceneHeading:
    location: str
    interior: bool | None
    time_of_day: str


def parse_scene_heading(heading: str) -> SceneHeading:
    """'INT. BRICK'S PATIO - DAY' -> place "BRICK'S PATIO", interior, 'DAY'.

    The time of day is the first part after a separator that names a time ('DAY', 'LATER', 'CONTINUOUS'),
    so 'EXT. PARIS, FRANCE - NIGHT' keeps 'PARIS, FRANCE' as its place.
    """
    text = _SCENE_NUMBER.sub("", heading.strip()).lstrip(".").strip()
    interior = None
    prefix = _HEADING_PREFIX.match(text)
    if prefix:
        interior = _INTERIOR_BY_PREFIX.get(prefix["prefix"].upper())
        text = text[prefix.end() :]
    pieces = _HEADING_SEPARATOR.split(text)  # place, separator, part, separator, part, ...
    for index in range(2, len(pieces), 2):
        if is_time_of_day(pieces[index]):
            return SceneHeading(_tidy("".join(pieces[: index - 1])), interior, _tidy("".join(pieces[index:])))
    dash = _LAST_DASH.search(text)
    if dash and dash.start() > 0 and text[dash.end() :].strip().upper() in _TIME_WORDS:
        return SceneHeading(_tidy(text[: dash.start()]), interior, _tidy(text[dash.end() :]))
    return SceneHeading(_tidy(text), interior, "")


def _tidy(text: str) -> str:
    return " ".join(text.split()).strip(",;: ")


def is_time_of_day(text: str) -> bool:
    return any(word in _TIME_WORDS for word in re.findall(r"[^\W\d_]+", text.upper()))


def is_transition_line(text: str) -> bool:
    """'FADE IN:', 'FADE OUT.', 'CUT TO BLACK.': a transition written in capitals as a line of its own."""
    return bool(_TRANSITION_LINE.fullmatch(" ".join(text.split())))


def split_cue(cue: str) -> tuple[str, list[str]]:
    """ "STEEL (V.O.) (CONT’D)" -> ("STEEL", ["V.O.", "CONT'D"]). Only brackets at the end are extensions."""
    trailing = _TRAILING_EXTENSIONS.search(cue)
    if trailing is None or trailing.start() == 0:
        return " ".join(cue.split()), []
    extensions = [" ".join(extension.replace("’", "'").split()) for extension in _EXTENSION.findall(trailing.group())]
    return " ".join(cue[: trailing.start()].split()), extensions


# --------------------------------------------------------------------------- building scenes


@dataclass
class _OpenScene:
    heading: str
    line: int | None
    synopsis: str | None
    elements: list[ScriptElement] = field(default_factory=list)


class _ScriptBuilder:
    def __init__(self, finder: _LineFinder):
        self.finder = finder
        # Content before the first heading lands in a scene without a heading.
        self.current = _OpenScene(heading="", line=None, synopsis=None)
        self.finished: list[_OpenScene] = []
        self.pending_sections: list[Section] = []

    def add(self, paragraph: object) -> None:
        if isinstance(paragraph, Slug):
            self._open_scene(paragraph)
        elif isinstance(paragraph, Section):
            self.finder.find([_plain(paragraph.text)])
            self.pending_sections.append(paragraph)
        elif isinstance(paragraph, Action):
            self._add_action(paragraph)
        elif isinstance(paragraph, Dialog):
            self.current.elements += self._dialogue(paragraph, dual=False)
        elif isinstance(paragraph, DualDialog):
            self.current.elements += self._dialogue(paragraph.left, dual=True)
            self.current.elements += self._dialogue(paragraph.right, dual=True)
        elif isinstance(paragraph, Transition):
            text = _plain(paragraph.line)
            self.current.elements.append(ScriptTransition(text=text, line=self.finder.find([text])))
        # PageBreak: layout only, nothing to film.

    def scenes(self) -> list[ScriptScene]:
        scenes = [*self.finished, self.current]
        prelude = scenes[0]
        # Only transitions before the first heading ('FADE IN:') open the first scene instead of being a scene.
        if prelude.heading == "" and all(_is_transition(element) for element in prelude.elements):
            scenes = scenes[1:]
            if scenes:
                scenes[0].elements[:0] = prelude.elements
        result = []
        for index, scene in enumerate(scenes, start=1):
            heading = parse_scene_heading(scene.heading)
            result.append(
                ScriptScene(
                    index=index,
                    heading=scene.heading,
                    location=heading.location,
                    interior=heading.interior,
                    time_of_day=heading.time_of_day,
                    synopsis=scene.synopsis,
                    line=scene.line,
                    elements=scene.elements,
                )
            )
        return result

    def _open_scene(self, slug: Slug) -> None:
        heading = _plain(slug.line)
        # A scene's own '= synopsis' wins; else the nearest section synopsis written just before it.
        synopsis = slug.synopsis or next(
            (section.synopsis for section in reversed(self.pending_sections) if section.synopsis), None
        )
        self.pending_sections = []
        self.finished.append(self.current)
        self.current = _OpenScene(heading=heading, line=self.finder.find([heading]), synopsis=synopsis)

    def _add_action(self, action: Action) -> None:
        lines = [_plain(line) for line in action.lines]
        text = _plain_text(lines, "\n")
        line = self.finder.find(lines)
        if text:
            self.current.elements.append(ScriptAction(text=text, line=line, centered=action.centered))

    def _dialogue(self, dialog: Dialog, *, dual: bool) -> list[ScriptDialogue]:
        """One ScriptDialogue per stretch of speech: a parenthetical after speech starts a new stretch."""
        cue, extensions = split_cue(_plain(dialog.character))
        blocks = [(is_parenthetical, _plain(text)) for is_parenthetical, text in dialog.blocks]
        cue_line = self.finder.find([_plain(dialog.character), *(text for _, text in blocks)])

        stretches = [_Speech(line=cue_line)]
        for offset, (is_parenthetical, text) in enumerate(blocks, start=1):
            if is_parenthetical and stretches[-1].speech:
                stretches.append(_Speech(line=self.finder.line_below(offset) if cue_line else None))
            (stretches[-1].parentheticals if is_parenthetical else stretches[-1].speech).append(text)
        return [
            ScriptDialogue(
                cue=cue,
                extensions=extensions,
                parenthetical=_plain_text(stretch.parentheticals, " ").strip("()").strip() or None,
                text=_plain_text(stretch.speech, " "),
                dual=dual,
                line=stretch.line,
            )
            for stretch in stretches
        ]


def _is_transition(element: ScriptElement) -> bool:
    return isinstance(element, ScriptTransition) or (isinstance(element, ScriptAction) and is_transition_line(element.text))


@dataclass
class _Speech:
    line: int | None
    parentheticals: list[str] = field(default_factory=list)
    speech: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- source lines


class _LineFinder:
    """Source line numbers for parsed elements: the first matching line at or after the last match.

    Lines are indexed by key, so even a script of 100,000 lines is placed in linear time.
    """

    def __init__(self, lines: Sequence[str], source_lines: Sequence[int]):
        self.source_lines = source_lines
        self.cursor = 0
        self.last_index: int | None = None
        self.lines_by_key: dict[str, list[int]] = {}
        # A note running on to the next lines is gone from screenplain's text: such a line matches by what precedes it.
        self.lines_by_text_before_note: dict[str, list[int]] = {}
        for index, line in enumerate(lines):
            self.lines_by_key.setdefault(_line_key(line), []).append(index)
            if "[[" in line and (before_note := _line_key(_UNCLOSED_NOTE.sub("", line))):
                self.lines_by_text_before_note.setdefault(before_note, []).append(index)
        self.longest_text_before_note = max(map(len, self.lines_by_text_before_note), default=0)

    def find(self, element_lines: Sequence[str]) -> int | None:
        """The source line of an element's first non-empty line; None if it cannot be placed."""
        keyed = [(offset, _line_key(line)) for offset, line in enumerate(element_lines)]
        offset, key = next(((offset, key) for offset, key in keyed if key), (0, ""))
        if not key:
            return None
        candidates = [self._next(self.lines_by_key.get(key, []))]
        for length in range(1, min(len(key), self.longest_text_before_note) + 1):
            candidates.append(self._next(self.lines_by_text_before_note.get(key[:length], [])))
        index = min((candidate for candidate in candidates if candidate is not None), default=None)
        if index is None:
            return None
        # An element spans at least this many lines (notes can only merge lines, never add them).
        self.cursor = index + len(element_lines) - offset
        self.last_index = index
        return self.source_lines[index]

    def _next(self, indices: list[int]) -> int | None:
        position = bisect_left(indices, self.cursor)
        return indices[position] if position < len(indices) else None

    def line_below(self, offset: int) -> int:
        """The source line `offset` lines below the element found last."""
        assert self.last_index is not None, "line_below() follows a successful find()"
        return self.source_lines[min(self.last_index + offset, len(self.source_lines) - 1)]


def _without_removed_spans(text: str) -> tuple[list[str], list[int]]:
    """Source lines without boneyard and hidden notes, and each remaining line's 1-based source line."""
    kept: list[str] = []
    line_number = 1
    source_lines = [1]
    position = 0
    for match in [*_REMOVED_SPANS.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[position:end]
        for _ in linebreak_re.finditer(chunk):
            line_number += 1
            source_lines.append(line_number)
        kept.append(chunk)
        if match:
            line_number += len(linebreak_re.findall(match.group()))
            position = match.end()
    lines = linebreak_re.split("".join(kept))
    return lines, source_lines[: len(lines)]


def _line_key(line: str) -> str:
    """A source line and screenplain's text of it compare equal under this key."""
    text = _NOTE.sub("", line.expandtabs(4))
    text = _SCENE_NUMBER.sub("", _MARKUP.sub("", text)).lstrip(_LEADING_MARKS).rstrip(_TRAILING_MARKS)
    return " ".join(text.casefold().split())


def _plain(rich: object) -> str:
    return str(rich)


def _plain_text(lines: Sequence[str], separator: str) -> str:
    """Plain text from screenplain's lines, whitespace tidied.

    screenplain removes emphasis markers line by line; a pair that spans lines ('**Hold\nit!**') is left
    in, so multi-line text is read once more as a whole. Single lines are not, to keep escaped '\\*'.
    """
    text = _LINE_JOINER.join(lines)
    if len(lines) > 1 and any(mark in text for mark in "*_"):
        text = str(parse_emphasis(text))
    tidied = [" ".join(line.split()) for line in text.split(_LINE_JOINER)]
    return separator.join(line for line in tidied if line)
