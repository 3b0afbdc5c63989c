"""Shared test fixtures: the Fountain corpus and tiny character banks drawn in tmp_path."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw


@pytest.fixture(scope="session")
def fountain_corpus() -> Path:
    """Real screenplays and expected parser outputs, kept outside the repository (copyright)."""
    candidates = [Path(__file__).resolve().parents[2] / "shared" / "corpus" / "fountain"]
    if os.environ.get("MOVIEAGENT_CORPUS"):
        candidates.append(Path(os.environ["MOVIEAGENT_CORPUS"]))
    for folder in candidates:
        if (folder / "brick-and-steel.fountain").is_file():
            return folder
    pytest.skip(f"Fountain corpus not found in {', '.join(map(str, candidates))} (set MOVIEAGENT_CORPUS)")


def draw_portrait(path: Path, color: str = "#3366cc", size: tuple[int, int] = (64, 80)) -> Path:
    """A small PNG/JPEG with a head and body, enough to be a reference image."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse([width * 0.3, height * 0.05, width * 0.7, height * 0.4], fill=color)
    draw.rectangle([width * 0.2, height * 0.45, width * 0.8, height * 0.95], fill=color)
    image.save(path)
    return path


@pytest.fixture
def portrait() -> Callable[..., Path]:
    """portrait(path) draws a small reference image there."""
    return draw_portrait


@pytest.fixture
def make_character(tmp_path: Path) -> Callable[..., Path]:
    """make_character('brick', 'name: Brick', images=['best.png']) -> the character's folder."""

    def make(
        folder: str, yaml_text: str | None = None, *, images: tuple[str, ...] = ("best.png",), root: Path | None = None
    ) -> Path:
        character_folder = (root or tmp_path / "bank") / folder
        character_folder.mkdir(parents=True, exist_ok=True)
        if yaml_text is not None:
            (character_folder / "character.yaml").write_text(yaml_text, encoding="utf-8")
        for image in images:
            draw_portrait(character_folder / image)
        return character_folder

    return make
