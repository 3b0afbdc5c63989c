"""load_script(): prose synopses, MovieAgent JSON, and every way a script file can be refused."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from movieagent.errors import InputError
from movieagent.ingest import load_script
from movieagent.schema import ScriptAction, ScriptDialogue

MARKDOWN = """# The Lighthouse

## Scene 1: The cliff at night

Waves crash below. **ANNA** climbs the stairs.

ANNA: "Is anyone there?"
OLD TOM (O.S.): (gruff) Go home, girl.

## INT. LAMP ROOM - CONTINUOUS

The lamp turns.
"""

FIVE_PARAGRAPHS = """Anna is a young keeper who arrives at a remote lighthouse on a stormy evening. She has never seen the sea before and everything about the place frightens her. The old keeper, Tom, barely speaks to her.

Over the following weeks Anna learns the routines: trimming wicks, polishing the great lens, logging the ships. Tom watches her work and slowly begins to trust her.

One night a ship founders on the rocks. Anna and Tom row out into the storm.
TOM: Hold the lantern higher!
ANNA: “I can't see them!”

They rescue three sailors. At dawn the storm clears and the sailors are taken to the village by the morning boat.

Anna stays on at the lighthouse, and Tom finally tells her his story: his daughter was lost at sea thirty years ago, and he has kept the light burning ever since so that no other father would lose a child.
"""


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def fountain_scenes(count: int) -> str:
    return "".join(f"INT. ROOM {n} - DAY\n\nALICE\nLine {n}.\n\n" for n in range(1, count + 1))


# --------------------------------------------------------------------------- prose synopsis


def test_markdown_headings_make_scenes_and_name_lines_are_dialogue(tmp_path):
    script = load_script(write(tmp_path / "lighthouse.md", MARKDOWN))

    assert (script.title, script.format) == ("The Lighthouse", "synopsis")
    cliff, lamp = script.scenes
    assert (cliff.heading, cliff.location, cliff.time_of_day, cliff.line) == (
        "Scene 1: The cliff at night",
        "The cliff at night",
        "NIGHT",
        3,
    )
    action, anna, tom = cliff.elements
    assert (action.text, action.line) == ("Waves crash below. ANNA climbs the stairs.", 5)
    assert (anna.cue, anna.text, anna.line) == ("ANNA", "Is anyone there?", 7)
    assert (tom.cue, tom.extensions, tom.parenthetical, tom.text) == ("OLD TOM", ["O.S."], "gruff", "Go home, girl.")
    assert (lamp.location, lamp.interior, lamp.time_of_day) == ("LAMP ROOM", True, "CONTINUOUS")


def test_paragraphs_without_headings_merge_into_a_few_scenes(tmp_path):
    script = load_script(write(tmp_path / "lighthouse.txt", FIVE_PARAGRAPHS))

    assert script.title == "lighthouse"
    assert 2 <= len(script.scenes) <= 3
    assert all(scene.heading == "" for scene in script.scenes)
    assert script.scenes[0].time_of_day == "EVENING"  # the first time word in the scene
    assert [(d.cue, d.text, d.line) for d in script.dialogue()] == [
        ("TOM", "Hold the lantern higher!", 6),
        ("ANNA", "I can't see them!", 7),
    ]
    first_action = script.scenes[0].elements[0]
    assert isinstance(first_action, ScriptAction) and first_action.text.startswith("Anna is a young keeper")
    assert "Tom finally tells her his story" in script.scenes[-1].elements[-1].text  # not dialogue: lower-case words


def test_fountain_style_headings_in_a_text_file(tmp_path):
    script = load_script(write(tmp_path / "outline.txt", "INT. KITCHEN - NIGHT\nAda cooks.\n\nEXT. GARDEN - DAY\nADA: Lovely.\n"))
    assert [(s.location, s.interior, s.time_of_day) for s in script.scenes] == [
        ("KITCHEN", True, "NIGHT"),
        ("GARDEN", False, "DAY"),
    ]
    assert isinstance(script.scenes[1].elements[0], ScriptDialogue)


# --------------------------------------------------------------------------- MovieAgent JSON


def test_movieagent_script_synopsis(tmp_path):
    folder = tmp_path / "Frozen"
    folder.mkdir()
    data = {"MovieScript": FIVE_PARAGRAPHS, "Character": ["Anna", "Tom"], "Relationships": {}}
    script = load_script(write(folder / "script_synopsis.json", json.dumps(data, indent=2)))

    assert (script.format, script.title, script.characters) == ("movieagent", "Frozen", ["Anna", "Tom"])
    assert len(script.scenes) >= 2 and len(script.dialogue()) == 2
    assert {element.line for scene in script.scenes for element in scene.elements} == {2}  # the "MovieScript" line


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{"MovieScript": "A story.",\n  "Character": ["Anna",]\n}', 2, "not valid JSON"),
        ('["MovieScript"]', 1, "expected a JSON object"),
        ('{\n"Character": ["Anna"]}', 1, "'MovieScript' is missing"),
        ('{"MovieScript": "A story.",\n"Character": "Anna"}', 2, "Character: Input should be a valid list"),
        ('{"MovieScript": " \\n ",\n"Character": []}', 1, "MovieScript: Value error, it is empty"),
    ],
)
def test_movieagent_json_errors(tmp_path, text, line, words):
    with pytest.raises(InputError) as caught:
        load_script(write(tmp_path / "script_synopsis.json", text))
    assert words in caught.value.message and caught.value.line == line
    assert "MovieScript" in caught.value.fix and "script_synopsis.json" in str(caught.value)


# --------------------------------------------------------------------------- refusals


def refusal(path: Path, **limits) -> InputError:
    with pytest.raises(InputError) as caught:
        load_script(path, **limits)
    assert caught.value.path == path and caught.value.fix
    assert str(path) in str(caught.value) and "fix:" in str(caught.value)
    return caught.value


def test_missing_file_directory_and_unknown_suffix(tmp_path):
    assert "not found" in refusal(tmp_path / "nope.fountain").message
    folder = tmp_path / "scripts.fountain"
    folder.mkdir()
    assert "folder" in refusal(folder).message
    error = refusal(write(tmp_path / "script.docx", "INT. A - DAY"))
    assert "'.docx'" in error.message and all(suffix in error.fix for suffix in (".fountain", ".spmd", ".txt", ".md", ".json"))


@pytest.mark.parametrize("content", ["", "   \n\t\n  ", "\ufeff\n\n"])
def test_empty_or_whitespace_script(tmp_path, content):
    assert "empty" in refusal(write(tmp_path / "blank.fountain", content)).message


def test_only_a_title_page_has_no_scenes(tmp_path):
    assert "no scenes" in refusal(write(tmp_path / "title.fountain", "Title: Nothing Yet\nAuthor: Me\n")).message


def test_non_utf8_names_the_line_of_the_first_bad_byte(tmp_path):
    path = write(tmp_path / "latin1.fountain", "INT. CAFE - DAY\n\nZOE\nUn caf\xe9, s'il vous pla\xeet.\n".encode("latin-1"))
    error = refusal(path)
    assert error.line == 4 and "0xe9" in error.message and "UTF-8" in error.fix
    assert f"{path}:4:" in str(error)


def test_utf8_bom_is_accepted(tmp_path):
    script = load_script(write(tmp_path / "bom.fountain", b"\xef\xbb\xbfINT. CAFE - DAY\r\n\r\nZOE\r\nCaf\xc3\xa9?\r\n"))
    assert script.scenes[0].heading == "INT. CAFE - DAY" and script.dialogue()[0].text == "Café?"


def test_size_limit_names_the_setting(tmp_path):
    path = write(tmp_path / "big.fountain", fountain_scenes(50))
    error = refusal(path, max_bytes=100)
    assert "100 bytes" in error.message and "planning.max_script_bytes" in error.fix


def test_too_many_scenes_is_refused_and_1500_load_quickly(tmp_path):
    error = refusal(write(tmp_path / "huge.fountain", fountain_scenes(3000)), max_scenes=2000)
    assert "3000 scene" in error.message and "2000" in error.message and "planning.max_scenes" in error.fix

    started = time.perf_counter()
    script = load_script(write(tmp_path / "long.fountain", fountain_scenes(1500)), max_scenes=2000)
    assert time.perf_counter() - started < 5
    assert len(script.scenes) == 1500 and script.scenes[-1].elements[0].line == 5 * 1499 + 3
