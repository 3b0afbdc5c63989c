"""The Fountain wrapper on real screenplays and on other parsers' expected outputs."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from movieagent.errors import InputError
from movieagent.ingest import load_script
from movieagent.ingest.fountain import is_transition_line, parse_fountain, parse_scene_heading, split_cue
from movieagent.schema import Script, ScriptAction, ScriptDialogue, ScriptTransition

# Lower bounds from reading the files (scene headings, dialogue blocks); the corpus SOURCES.md lists features.
CORPUS_COUNTS = {
    "afterwriting-cyrillic": (1, 1),
    "afterwriting-feature-test": (9, 10),
    "afterwriting-japanese": (1, 1),
    "beat-tutorial": (7, 4),
    "big-fish": (190, 760),
    "big-fish-smart-quotes": (190, 760),
    "brick-and-steel": (6, 20),
    "cyber-bob-ep1-traffic-control-dogs": (3, 30),
    "printing-trouble": (29, 60),
    "silent-as-murderers": (34, 39),
    "the-last-birthday-card": (25, 130),
    "the-library-freak-out": (3, 50),
}


def source_lines(path: Path) -> list[str]:
    return re.split(r"\r\n|\n|\r", path.read_text(encoding="utf-8-sig"))


def line_key(text: str) -> str:
    return " ".join(re.sub(r"[@^.!>#<]", " ", re.sub(r"[*_\\]", "", text)).casefold().split())


# --------------------------------------------------------------------------- the real corpus


@pytest.mark.parametrize("name", sorted(CORPUS_COUNTS))
def test_every_corpus_script_loads_and_points_at_real_lines(fountain_corpus, name):
    path = fountain_corpus / f"{name}.fountain"
    script = load_script(path)
    lines = source_lines(path)
    min_scenes, min_dialogue = CORPUS_COUNTS[name]

    assert script.format == "fountain" and script.source == path.resolve()
    assert len(script.scenes) >= min_scenes and len(script.dialogue()) >= min_dialogue
    assert [scene.index for scene in script.scenes] == list(range(1, len(script.scenes) + 1))
    for scene in script.scenes:
        if scene.heading:
            assert line_key(scene.location) in line_key(lines[scene.line - 1]), (scene.line, scene.heading)
        for element in scene.elements:
            assert element.line is not None, element
            source = lines[element.line - 1]
            if isinstance(element, ScriptDialogue):
                # A cue line, or the parenthetical that opens a later stretch of the same speech.
                assert line_key(element.cue) in line_key(source) or source.strip().startswith("("), (element, source)
            else:
                first_words = " ".join(line_key(element.text.split("\n")[0]).split()[:3])
                assert first_words in line_key(source), (element, source)
            assert "[[" not in getattr(element, "text", "") or name == "afterwriting-feature-test"


def test_brick_and_steel(fountain_corpus):
    script = load_script(fountain_corpus / "brick-and-steel.fountain")
    lines = source_lines(fountain_corpus / "brick-and-steel.fountain")

    assert script.title == "BRICK & STEEL FULL RETIRED"
    assert script.title_page["Author"] == "Stu Maschwitz"
    assert script.title_page["Contact"].splitlines() == ["Next Level Productions", "1588 Mission Dr.", "Solvang, CA 93463"]
    first = script.scenes[0]
    assert (first.heading, first.location, first.interior, first.time_of_day) == (
        "EXT. BRICK'S PATIO - DAY",
        "BRICK'S PATIO",
        False,
        "DAY",
    )
    # 'BRICK ^' is the right-hand column of the dual dialogue with STEEL.
    dual = [element for element in first.elements if isinstance(element, ScriptDialogue) and element.dual]
    assert [(d.cue, d.text) for d in dual] == [("STEEL", "Screw retirement."), ("BRICK", "Screw retirement.")]
    assert lines[dual[1].line - 1].strip() == "BRICK ^"
    toast = next(d for d in script.dialogue() if d.parenthetical == "beer raised")
    assert (toast.cue, toast.text, lines[toast.line - 1].strip()) == ("STEEL", "To retirement.", "STEEL")
    # Forced '.' headings carry no INT/EXT; centered titles and transitions survive.
    scope = script.scenes[3]
    assert (scope.heading, scope.location, scope.interior) == ("SNIPER SCOPE POV", "SNIPER SCOPE POV", None)
    titles = [e.text for e in script.scenes[4].elements if isinstance(e, ScriptAction) and e.centered]
    assert titles == ["BRICK BRADDOCK\n& DICK STEEL IN", "BRICK & STEEL\nFULL RETIRED"]
    transitions = [e.text for s in script.scenes for e in s.elements if isinstance(e, ScriptTransition)]
    assert transitions == ["SMASH CUT TO:", "CUT TO:", "CUT TO:", "SMASH CUT TO:", "CUT TO:", "CUT TO:", "BURN TO PINK."]
    # Stretches split at a parenthetical that follows speech.
    pauses = [d for d in script.scenes[2].elements if isinstance(d, ScriptDialogue)]
    assert [(d.parenthetical, d.text) for d in pauses] == [
        (None, "They're coming out of the woodwork!"),
        ("pause", "No, everybody we've put away!"),
        ("pause", "Point Blank Sniper?"),
    ]
    assert [lines[d.line - 1].strip() for d in pauses] == ["STEEL", "(pause)", "(pause)"]


def test_big_fish_extensions_are_split_off_in_both_quote_styles(fountain_corpus):
    straight = load_script(fountain_corpus / "big-fish.fountain")
    smart = load_script(fountain_corpus / "big-fish-smart-quotes.fountain")
    lines = source_lines(fountain_corpus / "big-fish-smart-quotes.fountain")

    voice_over = [d for d in smart.dialogue() if "V.O." in d.extensions]
    both = [d for d in smart.dialogue() if d.extensions == ["V.O.", "CONT'D"]]
    assert len(voice_over) >= 80 and len(both) >= 20
    assert all("(" not in d.cue and d.cue == d.cue.strip() for d in smart.dialogue())
    assert "(V.O.)(CONT’D)" in lines[both[0].line - 1].replace(" ", "")
    assert [(d.cue, d.extensions) for d in straight.dialogue()] == [
        (d.cue.replace("’", "'"), d.extensions) for d in smart.dialogue()
    ]
    # Text before the first heading (a note to the reader) is a scene of its own; '====' is not content.
    assert straight.scenes[0].heading == "" and straight.scenes[0].elements[0].text.startswith("This is a Southern story")
    assert straight.title == "Big Fish"


def test_last_birthday_card_headings_and_synopses(fountain_corpus):
    script = load_script(fountain_corpus / "the-last-birthday-card.fountain")
    by_heading = {scene.heading: scene for scene in script.scenes}

    first = script.scenes[0]
    assert (first.location, first.interior, first.time_of_day) == ("SAN FRANCISCO APARTMENT", True, "DAY")
    # Nearest section synopsis written just above the heading.
    assert first.synopsis == "And his friend Baxter."
    hallway = by_heading["INT. HALLWAY, SCOTT'S APARTMENT BUILDING, A MOMENT LATER"]
    assert (hallway.location, hallway.time_of_day) == ("HALLWAY, SCOTT'S APARTMENT BUILDING", "A MOMENT LATER")
    no_period = by_heading["INT SCOTT'S APARTMENT, SAME TIME"]
    assert (no_period.location, no_period.interior, no_period.time_of_day) == ("SCOTT'S APARTMENT", True, "SAME TIME")
    assert "INTERCUT WITH:" in [e.text for s in script.scenes for e in s.elements if isinstance(e, ScriptTransition)]
    assert script.title == "THE LAST BIRTHDAY CARD"


def test_silent_as_murderers_notes_and_trailing_spaces(fountain_corpus):
    script = load_script(fountain_corpus / "silent-as-murderers.fountain")
    assert all("[[" not in scene.heading and scene.heading == scene.heading.strip() for scene in script.scenes)
    assert {scene.time_of_day for scene in script.scenes} >= {"NIGHT", "MORNING", "DAY"}  # en-dash separators
    assert "MINNA" in {d.cue for d in script.dialogue()}


def test_printing_trouble_crlf_lines_and_bare_headings(fountain_corpus):
    path = fountain_corpus / "printing-trouble.fountain"
    script = load_script(path)
    lines = source_lines(path)
    office = next(scene for scene in script.scenes if scene.heading == "INT. OFFICE")
    assert (office.location, office.time_of_day, lines[office.line - 1]) == ("OFFICE", "", "INT. OFFICE")
    voice_over = next(d for d in script.dialogue() if "V.O." in d.extensions)
    assert voice_over.extensions == ["V.O.", "CONT'D"] and voice_over.cue in lines[voice_over.line - 1]


def test_feature_test_title_page_after_a_note_boneyard_lyrics_and_synopsis(fountain_corpus):
    script = load_script(fountain_corpus / "afterwriting-feature-test.fountain")
    assert script.title == "Screenplay title Second line"
    assert script.title_page["Author"] == "Author 1,\nAuthor 2 & Author 3"
    texts = [getattr(e, "text", "") for s in script.scenes for e in s.elements]
    assert not any("Ignored" in text and "/*" not in text for text in texts[:3])
    assert "~Happy birthday to you!" in [d.text for d in script.dialogue() if d.cue == "McCABE"]
    assert script.scenes[-1].synopsis == "Scene synopsis"
    assert {"POLISH", "GERMAN", "NORWEGIAN", "SPANISH"} <= {d.cue for d in script.dialogue()}
    formatted = next(t for t in texts if t.startswith("Normal test"))
    assert "*" not in formatted and "_" not in formatted


def test_library_freak_out_drops_a_note_read_as_title_key(fountain_corpus):
    script = load_script(fountain_corpus / "the-library-freak-out.fountain")
    assert script.title == "THE LIBRARY FREAK-OUT"
    assert not any(key.startswith("[[") for key in script.title_page)


# --------------------------------------------------------------------------- expected outputs of other parsers


def tokens(script: Script) -> list[tuple[str, str]]:
    """The script as a Jouvence-style stream.

    . heading, ! action, !>< centered action, @ cue, _ parenthetical, = speech, > transition
    """
    stream = []
    for scene in script.scenes:
        if scene.heading:
            stream.append((".", scene.heading))
        for element in scene.elements:
            if isinstance(element, ScriptAction):
                stream.append(("!><" if element.centered else "!", element.text))
            elif isinstance(element, ScriptTransition):
                stream.append((">", element.text))
            else:
                cue = " ".join([element.cue, *(f"({extension})" for extension in element.extensions)])
                stream.append(("@", cue))
                if element.parenthetical:
                    stream.append(("_", element.parenthetical))
                stream.append(("=", element.text))
    return normalise(stream)


def normalise(stream: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Differences of presentation only: emphasis, case, whitespace, action paragraphs, a repeated cue."""
    result: list[tuple[str, str]] = []
    for kind, text in stream:
        text = " ".join(re.sub(r"[*_]", "", text).strip("()").split()).upper()
        if kind == "!" and not text:
            continue
        if kind == "!" and result and result[-1][0] == "!":
            result[-1] = ("!", f"{result[-1][1]} {text}")
            continue
        if kind == "@" and _last_cue(result) == text:
            continue  # a parenthetical split the speech; the other parsers keep one block
        result.append((kind, text))
    return result


def _last_cue(stream: list[tuple[str, str]]) -> str | None:
    for kind, text in reversed(stream):
        if kind == "@":
            return text
        if kind not in "_=":
            return None
    return None


def jouvence_expected(case: dict) -> list[tuple[str, str]]:
    stream = []
    for item in case["out"] or []:
        if item == "<pagebreak>" or item[0] in "#+":
            continue  # page breaks, sections and synopses are not script elements here
        kind = "!><" if item.startswith("!><") else item[0]
        text = item[len(kind) :]
        stream.append(("!", item) if kind == "~" else (kind, text))  # screenplain keeps lyrics as action text
    return normalise(without_bare_prelude(stream))


def without_bare_prelude(stream: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Our rule: what comes before the first heading is a scene only if it has action or dialogue; transitions
    alone ('FADE IN:') open the first scene, after its heading."""
    first_heading = next((i for i, (kind, _) in enumerate(stream) if kind == "."), len(stream))
    prelude, scenes = stream[:first_heading], stream[first_heading:]
    if any(kind[0] in "!@" and text.strip() and not is_transition_line(text) for kind, text in prelude):
        return stream
    return scenes[:1] + prelude + scenes[1:] if scenes else []


JOUVENCE_FILES = [
    "test_sceneheading",
    "test_character",
    "test_dialogue",
    "test_parenthetical",
    "test_transitions",
    "test_centered",
    "test_boneyard",
    "test_pagebreak",
    "test_titlepage",
    "test_scripts",
    "test_action",
    "test_lyrics",
]


# Where screenplain reads the Fountain spec differently from Jouvence.
JOUVENCE_DIFFERENCES = {
    ">**THE END**<\n    \n": "a line of spaces is not blank to screenplain, so this is a cue with empty speech",
}


@pytest.mark.parametrize("name", JOUVENCE_FILES)
def test_jouvence_element_streams(fountain_corpus, name):
    cases = list(yaml.safe_load_all((fountain_corpus / "expected" / "jouvence" / f"{name}.yaml").read_text(encoding="utf-8")))
    assert cases
    for case in cases:
        if case["in"] in JOUVENCE_DIFFERENCES:
            continue
        script = parse_fountain(case["in"], Path(f"{name}.fountain"))
        assert tokens(script) == jouvence_expected(case), case["in"]
        if case.get("title"):
            expected_title = {key.casefold(): re.sub(r"[*_]", "", value) for key, value in case["title"].items()}
            assert {key.casefold(): value for key, value in script.title_page.items()} == expected_title


class _ScreenplainHtml(HTMLParser):
    """screenplain's --bare HTML as a token stream."""

    def __init__(self):
        super().__init__()
        self.stream: list[tuple[str, str]] = []
        self.kind: str | None = None
        self.text = ""
        self.in_action = False
        self.in_scene_number = False

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class", "") or ""
        if tag == "div" and classes == "action":
            self.in_action = True
        if tag == "div" and classes == "transition":
            self._start(">")
        elif tag == "h6":
            self._start(".")
        elif tag == "span" and classes.startswith("scnum"):
            self.in_scene_number = True
        elif tag == "p":
            kind = {"character": "@", "parenthetical": "_"}.get(classes, "!" if self.in_action else "=")
            self._start(kind)
        elif tag == "br":
            self.text += " "

    def handle_endtag(self, tag):
        if tag == "span":
            self.in_scene_number = False
        elif tag in ("p", "h6") or (tag == "div" and self.kind == ">"):
            self._finish()
        if tag == "div":
            self.in_action = False

    def handle_data(self, data):
        if self.kind and not self.in_scene_number:
            self.text += data

    def _start(self, kind):
        self.kind, self.text = kind, ""

    def _finish(self):
        if self.kind:
            self.stream.append((self.kind, self.text.replace("\xa0", " ")))
        self.kind = None


def screenplain_expected(html: str) -> list[tuple[str, str]]:
    parser = _ScreenplainHtml()
    parser.feed(html)
    merged: list[tuple[str, str]] = []
    for kind, text in parser.stream:
        if kind == "=" and merged and merged[-1][0] == "=":
            merged[-1] = ("=", f"{merged[-1][1]} {text}")  # one <p> per dialogue line
        elif kind == "_" and merged and merged[-1][0] == "=":
            merged.append(("_", text))
        else:
            merged.append((kind, text))
    return normalise(without_bare_prelude(merged))


SCREENPLAIN_CASES = [
    "boneyard",
    "dialogue",
    "dialogue-character-extension",
    "dual-dialogue",
    "extended-characters",
    "forced-action",
    "forced-transition",
    "notes",
    "page-break",
    "parenthetical",
    "scene-numbers",
    "sections",
    "simple",
    "utf-8-bom",
]


@pytest.mark.parametrize("name", SCREENPLAIN_CASES)
def test_screenplain_expected_html(fountain_corpus, name):
    folder = fountain_corpus / "expected" / "screenplain-tests"
    script = parse_fountain((folder / f"{name}.fountain").read_text(encoding="utf-8-sig"), folder / f"{name}.fountain")
    assert tokens(script) == screenplain_expected((folder / f"{name}.html").read_text(encoding="utf-8"))


def test_screenplain_cases_details(fountain_corpus):
    folder = fountain_corpus / "expected" / "screenplain-tests"
    numbered = load_script(folder / "scene-numbers.fountain")
    assert [(s.heading, s.location, s.time_of_day) for s in numbered.scenes][4] == (
        "INT. A FIFTH PLACE - DAY",
        "A FIFTH PLACE",
        "DAY",
    )
    dual = load_script(folder / "dual-dialogue.fountain").dialogue()
    assert [(d.cue, d.dual, d.line) for d in dual] == [("GIRL", True, 1), ("GUY", True, 4)]
    bom = load_script(folder / "utf-8-bom.fountain")
    assert bom.scenes[0].heading == "EXT. SOMEWHERE - DAY" and bom.scenes[0].line == 1
    assert [d.text for d in bom.dialogue()][1] == "Nothing much. Just thinking. And you?"
    boneyard = load_script(folder / "boneyard.fountain")
    assert [s.heading for s in boneyard.scenes] == ["", "EXT. PALATIAL MANSION - DAY"]
    assert boneyard.scenes[1].line == 20  # counted in the file, boneyard lines included
    notes = load_script(folder / "notes.fountain").scenes[0].elements
    assert [(e.line, e.text) for e in notes][:4] == [
        (1, "Before1 After1"),
        (3, "Before2 After2"),
        (7, "Before3 After3"),
        (12, "Multiple on one"),
    ]
    assert [e.line for e in notes][4:] == [14, 17, 20, 24, 26, 32]  # a note across a blank line is not a note
    sections = load_script(folder / "sections.fountain")
    assert [s.synopsis for s in sections.scenes] == ["Synopsis for the street scene", None]


def test_screenplay_tools_scene_headings(fountain_corpus):
    folder = fountain_corpus / "expected" / "screenplay-tools"
    script = load_script(folder / "SceneHeading.fountain")
    expected = [
        line.split(":", 1)[1].split('"')[1]
        for line in (folder / "SceneHeading.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("HEADING")
    ]
    # screenplain upper-cases headings and reads '. NOT A HEADER' as a forced heading (a '.' then a space).
    assert [scene.heading for scene in script.scenes] == [heading.upper() for heading in expected] + ["NOT A HEADER"]
    est = script.scenes[4]
    assert (est.heading, est.interior, est.location) == ("EST BUCKET LIST", False, "BUCKET LIST")
    both = script.scenes[3]
    assert (both.interior, both.location) == (None, "HEADER WITH SCENENUM")


# --------------------------------------------------------------------------- normalisation helpers


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("INT. KITCHEN - NIGHT", ("KITCHEN", True, "NIGHT")),
        ("EXT. PARK--DAY", ("PARK", False, "DAY")),
        ("INT./EXT. CAR - MOVING - DAY", ("CAR - MOVING", None, "DAY")),
        ("I/E SUBMARINE - CONTINUOUS", ("SUBMARINE", None, "CONTINUOUS")),
        ("INT. HOUSE - KITCHEN", ("HOUSE - KITCHEN", True, "")),
        ("EXT. PARIS, FRANCE – NIGHT", ("PARIS, FRANCE", False, "NIGHT")),
        ("INT. BAR #12A#", ("BAR", True, "")),
        (".FLASHBACK", ("FLASHBACK", None, "")),
        ("EXT. SPECTRE - MAGIC HOUR", ("SPECTRE", False, "MAGIC HOUR")),
    ],
)
def test_parse_scene_heading(heading, expected):
    parsed = parse_scene_heading(heading)
    assert (parsed.location, parsed.interior, parsed.time_of_day) == expected


def test_split_cue():
    assert split_cue("STEEL (V.O.) (CONT’D)") == ("STEEL", ["V.O.", "CONT'D"])
    assert split_cue("MOM (O. S.)") == ("MOM", ["O. S."])
    assert split_cue("DR. BENNET") == ("DR. BENNET", [])


def test_spoken_text_has_no_markup_and_lines_survive_boneyard_and_notes(tmp_path):
    path = tmp_path / "marks.fountain"
    path.write_text(
        "INT. LAB - NIGHT\n\n/* an old\nversion of\nthe scene */\n\nADA (V.O.)\n**Hold** it, *right*\n_there_. [[check]]\n\n"
        "BOB\n**Two-line\nbold** words.\n\n[[a note]]\n\n> THE END <\n",
        encoding="utf-8",
    )
    script = load_script(path)
    ada, bob = script.dialogue()
    assert (ada.cue, ada.extensions, ada.text, ada.line) == ("ADA", ["V.O."], "Hold it, right there.", 7)
    assert (bob.text, bob.line) == ("Two-line bold words.", 11)
    end = script.scenes[0].elements[-1]
    assert (end.text, end.centered, end.line) == ("THE END", True, 17)


@pytest.mark.parametrize("opening", ["FADE IN:", "> FADE IN:", "FADE IN:\n\n> CUT TO:"])
def test_transitions_before_the_first_heading_open_the_first_scene(tmp_path, opening):
    path = tmp_path / "fade.fountain"
    path.write_text(f"Title: Fade\n\n{opening}\n\nINT. HALL - DAY\n\nAda waits.\n\nADA\nHello.\n", encoding="utf-8")
    script = load_script(path)
    (scene,) = script.scenes  # no heading-less scene of its own
    assert (scene.heading, scene.line) == ("INT. HALL - DAY", 5 + opening.count("\n"))
    leading = scene.elements[: len(opening.split("\n\n"))]
    assert [element.text for element in leading] == [text.lstrip("> ") for text in opening.split("\n\n")]
    assert [element.line for element in leading] == [3 + 2 * number for number in range(len(leading))]
    assert isinstance(scene.elements[-2], ScriptAction) and scene.elements[-2].text == "Ada waits."


def test_a_prelude_with_real_action_stays_a_scene_and_transitions_alone_are_no_script(tmp_path):
    path = tmp_path / "prelude.fountain"
    path.write_text("FADE IN:\n\nA river at dawn.\n\nINT. HALL - DAY\n\nADA\nHello.\n", encoding="utf-8")
    first, hall = load_script(path).scenes
    assert first.heading == "" and [element.text for element in first.elements] == ["FADE IN:", "A river at dawn."]
    assert hall.heading == "INT. HALL - DAY"
    path.write_text("FADE IN:\n\nFADE OUT.\n", encoding="utf-8")
    with pytest.raises(InputError, match="no scenes"):
        load_script(path)
