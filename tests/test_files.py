"""movieagent.files: the one reader of the files a person gives us (YAML or JSON -> a validated model)."""

from __future__ import annotations

import json
import os

import pytest

from movieagent.config import load_settings
from movieagent.errors import InputError, InputErrors
from movieagent.files import load_model, parse, read_bytes, read_text, validate
from movieagent.planning.crew import SceneBeats
from movieagent.planning.roles import RoleCard


def test_every_mistake_in_a_profile_is_reported_at_its_line(tmp_path):
    profile = tmp_path / "mine.yaml"
    profile.write_text("video:\n  fps: 0\n  colour: red\nplanning:\n  words_per_minute: fast\n", encoding="utf-8")
    with pytest.raises(InputErrors) as raised:
        load_settings(profile)
    found = {problem.message: (problem.line, problem.fix) for problem in raised.value.problems}
    assert found["video.fps: Input should be greater than or equal to 1"][0] == 2
    assert found["unknown key 'video.colour'"][0] == 3
    assert found["unknown key 'video.colour'"][1].startswith("allowed keys: width, height, fps,")
    assert found["planning.words_per_minute: Input should be a valid integer, unable to parse string as an integer"][0] == 5
    assert all(problem.path == profile for problem in raised.value.problems)


def test_a_role_card_with_two_mistakes_names_both(tmp_path):
    card = tmp_path / "director.yaml"
    card.write_text("goal: [1, 2]\nrules: [a rule]\n", encoding="utf-8")
    with pytest.raises(InputErrors) as raised:
        load_model(card, RoleCard, what="role card", missing_fix="add it")
    assert [(problem.line, problem.message) for problem in raised.value.problems] == [
        (1, "'role' is missing"),
        (1, "goal: Input should be a valid string"),
    ]
    assert "required: role, goal" in raised.value.problems[0].fix


def test_union_members_are_named_as_the_file_writes_them(tmp_path):
    beats = [{"kind": "action", "text": "Rain."}, {"kind": "dialogue", "speaker_id": "ann", "text": "Hi.", "colour": "red"}]
    text = json.dumps({"scene_id": "scene-001", "beats": beats}, indent=2)
    with pytest.raises(InputError) as raised:
        validate(parse(text, tmp_path / "beats.json"), SceneBeats)
    assert raised.value.message == "unknown key 'beats[1].colour'"
    assert raised.value.line == next(number for number, row in enumerate(text.splitlines(), 1) if '"colour"' in row)
    assert raised.value.fix.startswith("allowed keys: kind, speaker_id, text, parenthetical, off_screen, voice_over, dual;")


def test_only_regular_files_are_read_and_never_past_the_limit(tmp_path):
    def refusal(path, max_bytes=100):
        with pytest.raises(InputError) as raised:
            read_bytes(path, what="test file", max_bytes=max_bytes, missing_fix="make it")
        assert raised.value.path == path and raised.value.fix
        return raised.value.message

    exact = tmp_path / "exact.txt"
    exact.write_bytes(b"x" * 100)
    assert read_bytes(exact, what="test file", max_bytes=100, missing_fix="") == b"x" * 100
    assert refusal(exact, max_bytes=99) == "test file is over the limit of 99 bytes"
    assert refusal(tmp_path / "nothing.txt") == "test file not found"
    assert refusal(tmp_path) == "this is a folder, not a test file"
    os.mkfifo(tmp_path / "pipe")
    assert refusal(tmp_path / "pipe") == "this is a named pipe (FIFO), not a test file"  # at once: nobody writes to it
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert "symbolic link loop" in refusal(tmp_path / "loop")


def test_text_that_is_not_utf8_is_refused_at_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("\ufeffname: Ann\n".encode() + "description: café\n".encode("latin-1"))
    with pytest.raises(InputError) as raised:
        read_text(path, what="character file", max_bytes=1000, missing_fix="")
    assert raised.value.line == 2 and raised.value.message == "not UTF-8 text: byte 0xe9 cannot be decoded"
    path.write_bytes("\ufeffname: Ann\n".encode())
    assert read_text(path, what="character file", max_bytes=1000, missing_fix="") == "name: Ann\n"
