"""Prose synopses (.txt, .md) as a Script.

Scenes start at Markdown headings (#, ##, ###) or at Fountain-style lines such as 'INT. KITCHEN - NIGHT'.
Without any, blank-line-separated paragraphs are grouped into scenes of a readable length. A line
`NAME: text` or `NAME: "text"` (NAME is one to four capitalised words) is dialogue; other text is action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from screenplain.richstring import parse_emphasis

from movieagent.ingest.fountain import parse_scene_heading, split_cue
from movieagent.schema import Script, ScriptAction, ScriptDialogue, ScriptElement, ScriptScene

_MARKDOWN_HEADING = re.compile(r"^(#{1,3})\s+(.+?)[\s#]*$")
_FOUNTAIN_HEADING = re.compile(r"^(?:INT|EXT|EST|INT\.?/EXT|I/E)[. ]")
_SCENE_NUMBER_PREFIX = re.compile(r"^(?:scene|chapter|part|act)\s*\d+\s*[:.)\-–—]?\s*", re.IGNORECASE)
_DIALOGUE = re.compile(r"^(?P<cue>[^\W\d_][\w'’.\-]*(?:\s+[^\W\d_][\w'’.\-]*){0,3}(?:\s*\([^)]*\))*)\s*:\s+(?P<text>\S.*)$")
_LEADING_PARENTHETICAL = re.compile(r"^\(([^)]*)\)\s*")
_LIST_MARKER = re.compile(r"^\s*(?:>\s*|[-*+]\s+|\d+[.)]\s+)")
_RULE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$")
_QUOTES = ('""', "“”", "''", "‘’")
# Words that set a scene's time of day when a synopsis mentions them.
_PROSE_TIMES = frozenset("NIGHT MIDNIGHT DAWN SUNRISE MORNING NOON AFTERNOON SUNSET DUSK EVENING TWILIGHT DAY".split())
# Without headings, paragraphs are merged until a scene has this many words: a five-paragraph synopsis
# becomes a few scenes, not one per paragraph.
MIN_SCENE_WORDS = 80


def parse_synopsis(text: str, source: Path, *, title: str | None = None) -> Script:
    """A Script from prose. `title` defaults to a lone top-level Markdown heading, else the file name."""
    # 1. Prepare: numbered lines and the headings among them.
    lines = list(enumerate(text.splitlines(), start=1))
    headings = [heading for number, line in lines if (heading := _heading(number, line))]
    title_heading = _title_heading(headings)
    if title_heading is not None:
        headings.remove(title_heading)
        lines = [(number, line) for number, line in lines if number != title_heading.line]
        title = title or title_heading.text

    # 2. Run: one scene per heading (text before the first one is a scene of its own), or per group of paragraphs.
    if headings:
        heading_at = {heading.line: heading for heading in headings}
        sections: list[tuple[_Heading | None, list[tuple[int, str]]]] = [(None, [])]
        for number, line in lines:
            if number in heading_at:
                sections.append((heading_at[number], []))
            else:
                sections[-1][1].append((number, line))
        scenes = []
        for heading, body in sections:
            paragraphs = _paragraphs(body)
            if heading or paragraphs:
                scenes.append(_scene(heading, paragraphs))
    else:
        scenes = [_scene(None, group) for group in _merge_short(_paragraphs(lines))]

    # 3. Post-process: number the scenes.
    for index, scene in enumerate(scenes, start=1):
        scene.index = index
    return Script(title=title or source.stem, source=source, format="synopsis", scenes=scenes)


@dataclass(frozen=True)
class _Heading:
    line: int
    level: int  # 1-3 for Markdown '#'s, 0 for an 'INT. ...' line
    text: str


def _heading(number: int, line: str) -> _Heading | None:
    if match := _MARKDOWN_HEADING.match(line):
        return _Heading(number, len(match.group(1)), _plain(match.group(2)))
    if _FOUNTAIN_HEADING.match(line.strip()):
        return _Heading(number, 0, " ".join(line.split()))
    return None


def _title_heading(headings: list[_Heading]) -> _Heading | None:
    """A single '# Title' that opens the document above deeper scene headings is the title, not a scene."""
    top_level = [heading for heading in headings if heading.level == 1]
    if len(top_level) == 1 and headings[0] is top_level[0] and len(headings) > 1:
        return top_level[0]
    return None


@dataclass
class _Paragraph:
    lines: list[tuple[int, str]] = field(default_factory=list)

    def words(self) -> int:
        return sum(len(line.split()) for _, line in self.lines)


def _paragraphs(lines: list[tuple[int, str]]) -> list[_Paragraph]:
    paragraphs = [_Paragraph()]
    for number, line in lines:
        if not line.strip() or _RULE.match(line):
            if paragraphs[-1].lines:
                paragraphs.append(_Paragraph())
            continue
        paragraphs[-1].lines.append((number, line))
    return [paragraph for paragraph in paragraphs if paragraph.lines]


def _merge_short(paragraphs: list[_Paragraph]) -> list[list[_Paragraph]]:
    groups: list[list[_Paragraph]] = []
    current: list[_Paragraph] = []
    for paragraph in paragraphs:
        current.append(paragraph)
        if sum(p.words() for p in current) >= MIN_SCENE_WORDS:
            groups.append(current)
            current = []
    if current:
        # A short tail joins the scene before it rather than standing alone.
        if groups and sum(p.words() for p in current) < MIN_SCENE_WORDS // 2:
            groups[-1] += current
        else:
            groups.append(current)
    return groups


def _scene(heading: _Heading | None, body: list[_Paragraph]) -> ScriptScene:
    elements = [element for paragraph in body for element in _elements(paragraph)]
    text = heading.text if heading else ""
    place = _SCENE_NUMBER_PREFIX.sub("", text) or text
    parsed = parse_scene_heading(place)
    action_text = " ".join(element.text for element in elements if isinstance(element, ScriptAction))
    return ScriptScene(
        index=1,  # numbered by the caller
        heading=text,
        location=parsed.location,
        interior=parsed.interior,
        time_of_day=parsed.time_of_day.upper() or _time_word(place) or _time_word(action_text),
        line=heading.line if heading else None,
        elements=elements,
    )


def _elements(paragraph: _Paragraph) -> list[ScriptElement]:
    """Dialogue lines as they come; the action lines between them joined into one action each."""
    elements: list[ScriptElement] = []
    action: list[tuple[int, str]] = []

    def flush_action() -> None:
        if action:
            elements.append(ScriptAction(text=" ".join(text for _, text in action), line=action[0][0]))
            action.clear()

    for number, raw in paragraph.lines:
        line = _plain(_LIST_MARKER.sub("", raw))
        if not line:
            continue
        dialogue = _dialogue(line, number)
        if dialogue is None:
            action.append((number, line))
        else:
            flush_action()
            elements.append(dialogue)
    flush_action()
    return elements


def _dialogue(line: str, number: int) -> ScriptDialogue | None:
    match = _DIALOGUE.match(line)
    if not match:
        return None
    cue, extensions = split_cue(match["cue"])
    if not all(word[0].isupper() for word in cue.split()):
        return None
    text = match["text"].strip()
    parenthetical = None
    if paren := _LEADING_PARENTHETICAL.match(text):
        parenthetical, text = paren.group(1).strip(), text[paren.end() :]
    for opening, closing in _QUOTES:
        if len(text) >= 2 and text[0] == opening and text[-1] == closing:
            text = text[1:-1].strip()
    if not text:
        return None
    return ScriptDialogue(cue=cue, extensions=extensions, parenthetical=parenthetical, text=text, line=number)


def _time_word(text: str) -> str:
    """The first time-of-day word in `text`, upper case: 'on a stormy evening' -> 'EVENING'."""
    return next((word for word in re.findall(r"[A-Z]+", text.upper()) if word in _PROSE_TIMES), "")


def _plain(text: str) -> str:
    return " ".join(str(parse_emphasis(text)).split())
