"""The shipped examples: every script loads and matches its bank, the banks' images are what the docs promise,
and tools/draw_example_bank.py reproduces the committed PNGs exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from movieagent.ingest import check_inputs, load_bank
from movieagent.schema import Script, ScriptAction, ScriptDialogue, ScriptTransition
from tools.draw_example_bank import draw_images

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
BANKS = REPO / "character_bank"
SHORT = EXAMPLES / "short" / "the-lighthouse-keeper.fountain"
LONG = EXAMPLES / "long" / "borrowed-sugar.fountain"
SYNOPSIS = EXAMPLES / "synopsis" / "the-foghorn.md"
MOVIEAGENT_JSON = EXAMPLES / "movieagent" / "script_synopsis.json"
LIGHTHOUSE_BANK = BANKS / "lighthouse"
BORROWED_SUGAR_BANK = BANKS / "borrowed-sugar"

EXAMPLE_BANKS = [
    (SHORT, LIGHTHOUSE_BANK),
    (LONG, BORROWED_SUGAR_BANK),
    (SYNOPSIS, LIGHTHOUSE_BANK),
    (MOVIEAGENT_JSON, LIGHTHOUSE_BANK),
]


def elements(script: Script, kind: type) -> list:
    return [element for scene in script.scenes for element in scene.elements if isinstance(element, kind)]


def speakers(script: Script, bank) -> set[str]:
    return {bank.find_character(dialogue.cue).id for dialogue in script.dialogue()}


@pytest.mark.parametrize(("script_path", "bank_path"), EXAMPLE_BANKS, ids=lambda p: p.name)
def test_every_example_loads_and_every_place_is_in_its_bank(script_path: Path, bank_path: Path):
    script, bank = check_inputs(script_path, bank_path, max_bytes=5_000_000, max_scenes=2000)

    assert all(bank.find_character(dialogue.cue) is not None for dialogue in script.dialogue())
    for scene in script.scenes:
        if scene.location:  # MovieAgent JSON is prose without headings, so it names no place
            assert bank.find_location(scene.location) is not None, scene.heading


def test_short_example_is_a_complete_little_film():
    script, bank = check_inputs(SHORT, LIGHTHOUSE_BANK)
    dialogue = script.dialogue()

    assert script.title == "The Lighthouse Keeper"
    assert len(script.scenes) == 3
    assert all(any(isinstance(e, ScriptDialogue) for e in scene.elements) for scene in script.scenes)
    assert speakers(script, bank) == {"mara-quell", "toby-fenn"}
    assert 25 <= len(dialogue) <= 35
    assert any(line.parenthetical for line in dialogue)
    assert any({"V.O.", "O.S."} & set(line.extensions) for line in dialogue)
    transitions = [transition.text for transition in elements(script, ScriptTransition)]
    assert "CUT TO:" in transitions and transitions[-1] == "FADE OUT."


def test_long_example_has_four_speakers_in_three_places_by_day_and_night():
    script, bank = check_inputs(LONG, BORROWED_SUGAR_BANK)
    dialogue = script.dialogue()

    assert len(script.scenes) >= 8
    assert speakers(script, bank) == {character.id for character in bank.characters}
    assert len(bank.characters) == 4
    assert 50 <= len(dialogue) <= 70
    locations = {bank.find_location(scene.location).id for scene in script.scenes}
    assert len(locations) >= 3
    assert {scene.interior for scene in script.scenes} == {True, False}
    assert {"DAY", "NIGHT"} <= {scene.time_of_day for scene in script.scenes}
    assert sum(line.dual for line in dialogue) == 2
    assert any("CONT'D" in line.extensions for line in dialogue)
    last = script.scenes[-1].elements[-1]
    assert isinstance(last, ScriptAction) and last.centered and last.text == "THE END"


def test_movieagent_json_names_the_short_banks_cast():
    names = json.loads(MOVIEAGENT_JSON.read_text(encoding="utf-8"))["Character"]
    assert sorted(names) == sorted(character.name for character in load_bank(LIGHTHOUSE_BANK).characters)


@pytest.mark.parametrize("bank_path", [LIGHTHOUSE_BANK, BORROWED_SUGAR_BANK], ids=lambda p: p.name)
def test_bank_images_are_cut_outs_and_backdrops(bank_path: Path):
    bank = load_bank(bank_path)

    for character in bank.characters:
        with Image.open(character.images[0]) as cut_out:
            assert (cut_out.mode, cut_out.size) == ("RGBA", (400, 900)), character.name
            alpha = cut_out.getchannel("A")
            assert alpha.getpixel((0, 0)) == 0 and alpha.getpixel((399, 0)) == 0  # transparent around the figure
            assert alpha.getpixel((200, 450)) == 255  # opaque body
            left, top, right, bottom = alpha.getbbox()
            assert bottom - top > 500 and right - left > 150  # a full figure, not a speck
    assert len({character.color for character in bank.characters}) == len(bank.characters)
    assert len({(c.voice.variant, c.voice.pitch) for c in bank.characters}) == len(bank.characters)  # each its own espeak voice
    for location in bank.locations:
        with Image.open(location.images[0]) as backdrop:
            assert (backdrop.mode, backdrop.size) == ("RGB", (1280, 720)), location.name
    for png in bank_path.rglob("*.png"):
        assert png.stat().st_size < 150_000, png


def test_short_bank_has_a_photo_card_after_the_cut_out():
    mara = load_bank(LIGHTHOUSE_BANK).find_character("MARA")
    assert [image.name for image in mara.images] == ["mara.png", "mara-photo.png"]
    with Image.open(mara.images[1]) as card:
        assert card.mode == "RGB"
        corners = [card.getpixel(xy) for xy in ((2, 2), (card.width - 3, card.height - 3))]
        assert all(min(pixel) > 200 for pixel in corners)  # a pale print border


def test_drawing_script_reproduces_the_committed_images(tmp_path: Path):
    written = draw_images(tmp_path)

    committed = sorted(path.relative_to(BANKS) for bank in (LIGHTHOUSE_BANK, BORROWED_SUGAR_BANK) for path in bank.rglob("*.png"))
    assert sorted(path.relative_to(tmp_path) for path in written) == committed
    for relative in committed:
        with Image.open(tmp_path / relative) as fresh, Image.open(BANKS / relative) as kept:
            assert (fresh.mode, fresh.size) == (kept.mode, kept.size), relative
            difference = np.abs(np.asarray(fresh, dtype=np.int16) - np.asarray(kept, dtype=np.int16)).max(axis=-1)
        # Pillow's antialiasing of shape edges changes between releases (13.0 moves about 4 % of a figure's edge
        # pixels, 0.2 levels on average); a drawing that changed moves far more.
        assert difference.mean() < 1 and (difference > 32).mean() < 0.01, (
            f"{relative} differs from a fresh drawing: run python -m tools.draw_example_bank and commit the result"
        )
