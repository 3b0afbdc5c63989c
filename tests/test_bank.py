"""load_bank(): both bank layouts, locations, and every problem reported together."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from movieagent.errors import InputErrors
from movieagent.ingest import load_bank
from movieagent.schema import Voice

BRICK_YAML = """name: Brick Braddock
aliases: [BRICK]
description: retired detective, grey stubble
color: "#c0392b"
voice: {language: en-us, variant: m3, pitch: 40, words_per_minute: 150}
"""


def bank_problems(root: Path) -> list:
    with pytest.raises(InputErrors) as caught:
        load_bank(root)
    for problem in caught.value.problems:
        assert problem.path is not None and problem.fix, problem
    return caught.value.problems


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that claims a huge size: cheap to write, would be enormous to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path


# --------------------------------------------------------------------------- layouts


def test_character_yaml_layout(make_character, tmp_path):
    folder = make_character("brick", BRICK_YAML, images=("side.png", "best.jpg", "a_front.webp"))
    (folder / "notes.txt").write_text("not an image")
    bank = load_bank(tmp_path / "bank")

    brick = bank.find_character("BRICK (V.O.)")
    assert brick is not None and brick is bank.character("brick-braddock")
    assert (brick.name, brick.aliases, brick.description, brick.color) == (
        "Brick Braddock",
        ["BRICK"],
        "retired detective, grey stubble",
        "#c0392b",
    )
    assert (brick.voice.variant, brick.voice.pitch, brick.voice.words_per_minute) == ("m3", 40, 150)
    assert [image.name for image in brick.images] == ["best.jpg", "a_front.webp", "side.png"]
    assert all(image.is_absolute() and image.is_file() for image in brick.images)
    assert bank.root == (tmp_path / "bank").resolve() and brick.folder == folder.resolve()


def test_listed_images_keep_their_order_and_characters_may_have_none(make_character, tmp_path):
    make_character("steel", "name: Dick Steel\nimages: [side.png, best.png]\n", images=("best.png", "side.png", "unused.png"))
    make_character("narrator", "name: Narrator\n", images=())
    bank = load_bank(tmp_path / "bank")
    assert [image.name for image in bank.character("dick-steel").images] == ["side.png", "best.png"]
    narrator = bank.character("narrator")
    assert narrator.images == [] and narrator.color.startswith("#") and narrator.voice == Voice()  # casting chooses


def test_movieagent_layout(make_character, tmp_path):
    folder = make_character("Bob_Parr", None, images=("best.png", "shot_002.jpg", "shot_001.jpg"))
    (folder / "best.txt").write_text("A large man in a blue suit, in his fifties.\n")
    (folder / "shot_001.txt").write_text("Bob at his desk.")
    other = make_character("Helen", None, images=("shot_001.png",))
    (other / "shot_001.txt").write_text("Helen stretches.")
    bank = load_bank(tmp_path / "bank")

    bob = bank.find_character("BOB PARR")
    assert bob is not None and (bob.id, bob.name, bob.description) == ("bob-parr", "Bob_Parr", "A large man in a blue suit, in his fifties.")
    assert [image.name for image in bob.images] == ["best.png", "shot_001.jpg", "shot_002.jpg"]
    helen = bank.character("helen")
    assert helen.description == "Helen stretches."
    # Colour comes from the name through sha256, so it is the same in every process; voice words from the caption.
    assert (helen.color, helen.voice) == ("#62d9d9", Voice())
    assert bob.color != helen.color and (bob.voice.gender, bob.voice.age) == ("male", "middle-aged")
    assert load_bank(tmp_path / "bank").character("helen") == helen


def test_locations(make_character, portrait, tmp_path):
    root = tmp_path / "bank"
    make_character("ada", "name: Ada\n")
    kitchen = root / "locations" / "kitchen"
    portrait(kitchen / "wide.png")
    (kitchen / "location.yaml").write_text("name: Kitchen\naliases: [COOKHOUSE]\ndescription: copper pans\n")
    portrait(root / "locations" / "brick_patio.jpg")
    portrait(root / "locations" / "attic" / "view.png")
    bank = load_bank(root)

    assert [location.id for location in bank.locations] == ["attic", "brick-patio", "kitchen"]
    assert bank.find_location("COOKHOUSE").description == "copper pans"
    assert bank.find_location("BRICK PATIO").images == [(root / "locations" / "brick_patio.jpg").resolve()]
    assert bank.find_location("Attic").images[0].name == "view.png"


# --------------------------------------------------------------------------- problems


def test_every_problem_is_reported_at_once(make_character, tmp_path):
    root = tmp_path / "bank"
    make_character("broken_yaml", "name: Ada\naliases: [unclosed\n")
    make_character("unknown_key", "name: Bo\nhair: red\ncolor: blue\n")
    make_character("missing_image", "name: Cy\nimages: [gone.png, ../escape.png]\n")
    corrupt = make_character("corrupt", "name: Di\n", images=())
    (corrupt / "best.png").write_bytes(b"\x89PNG\r\n\x1a\nthis is not a png")
    truncated = make_character("truncated", "name: Ed\n", images=("best.png",))
    Image.effect_noise((128, 128), 60).convert("RGB").save(truncated / "best.png")
    (truncated / "best.png").write_bytes((truncated / "best.png").read_bytes()[:-400])
    truncated_jpeg = make_character("truncated_jpeg", "name: Jo\n", images=())
    Image.effect_noise((512, 512), 60).convert("RGB").save(truncated_jpeg / "best.jpg")
    (truncated_jpeg / "best.jpg").write_bytes((truncated_jpeg / "best.jpg").read_bytes()[:-3000])
    (root / "empty_folder").mkdir()
    make_character("dots..name", "name: Fi\n")
    make_character("twin_a", "name: Twin\n")
    make_character("twin_b", "name: TWIN\n")
    make_character("slashes", "name: Gus/Hal\n")
    make_character("no_name", "description: someone\n")
    bomb = make_character("bomb", "name: Ivy\n", images=())
    png_header_only(bomb / "best.png", 8000, 8000)

    problems = bank_problems(root)
    by_folder = {}
    for problem in problems:
        by_folder.setdefault(problem.path.parent.name if problem.path.is_file() else problem.path.name, []).append(problem)

    assert by_folder["broken_yaml"][0].line == 3 and "not valid YAML" in by_folder["broken_yaml"][0].message
    unknown = {problem.message: problem.line for problem in by_folder["unknown_key"]}
    assert unknown["unknown key 'hair'"] == 2 and any("color" in message for message in unknown)
    assert "allowed keys: name, aliases" in next(problem.fix for problem in by_folder["unknown_key"] if "hair" in problem.message)
    missing = sorted(problem.message for problem in by_folder["missing_image"])
    assert missing == ["image '../escape.png' is not a plain file name", "listed image 'gone.png' not found"]
    assert "cannot be decoded" in by_folder["corrupt"][0].message
    assert "cannot be decoded" in by_folder["truncated"][0].message
    assert "truncated" in by_folder["truncated_jpeg"][0].message  # caught by decoding a small draft
    assert "neither character.yaml nor reference images" in by_folder["empty_folder"][0].message
    assert "'..'" in by_folder["dots..name"][0].message
    assert "'..', '/'" in by_folder["slashes"][0].message
    assert "two characters have the id 'twin'" in by_folder["twin_b"][0].message
    assert by_folder["no_name"][0].message == "'name' is missing"
    assert "8000x8000" in by_folder["bomb"][0].message
    assert "broken_yaml/character.yaml:3:" in str(InputErrors(problems))


def test_symlinks_out_of_the_bank_are_refused(make_character, portrait, tmp_path):
    outside = tmp_path / "elsewhere"
    portrait(outside / "face.png")
    folder = make_character("ada", "name: Ada\n")
    os.symlink(outside / "face.png", folder / "stolen.png")
    os.symlink(outside, tmp_path / "bank" / "linked_folder")
    problems = bank_problems(tmp_path / "bank")
    assert sorted(problem.path.name for problem in problems) == ["linked_folder", "stolen.png"]
    assert all("outside the character bank" in problem.message for problem in problems)


def test_missing_file_or_empty_root(tmp_path):
    assert "not found" in bank_problems(tmp_path / "nowhere")[0].message
    (tmp_path / "file").write_text("x")
    assert "not a folder" in bank_problems(tmp_path / "file")[0].message
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("characters go here")
    assert "empty" in bank_problems(tmp_path / "empty")[0].message


def test_a_location_says_what_time_of_day_its_pictures_show(tmp_path):
    from PIL import Image

    folder = tmp_path / "bank" / "locations" / "kitchen"
    folder.mkdir(parents=True)
    Image.new("RGB", (64, 36), (200, 180, 150)).save(folder / "kitchen.png")
    (folder / "location.yaml").write_text("name: Kitchen\ntime_of_day: DAY\n")
    (tmp_path / "bank" / "locations" / "yard.png").parent.mkdir(exist_ok=True)
    Image.new("RGB", (64, 36), (90, 160, 90)).save(tmp_path / "bank" / "locations" / "yard.png")
    bank = load_bank(tmp_path / "bank")
    assert bank.find_location("KITCHEN").time_of_day == "DAY"
    assert bank.find_location("YARD").time_of_day == ""  # unknown: never regraded
