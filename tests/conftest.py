"""Shared test fixtures: the Fountain corpus, tiny character banks drawn in tmp_path, one torch thread, a served studio."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny models' operations are too small to split: extra threads only wait, and stall on a busy CPU.

    A module of tiny-model tests asks for it with `pytestmark = pytest.mark.usefixtures("one_torch_thread")`.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (browsers are never downloaded); a test asking for it is skipped without them."""
    if not CHROMIUM.exists():
        pytest.skip(f"no system Chromium at {CHROMIUM} (apt install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package")
    with playwright_api.sync_playwright() as playwright:
        arguments = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=arguments)
        yield chromium
        chromium.close()


@contextlib.contextmanager
def served_studio(projects: Path, settings_overrides: dict[str, Any] | None = None) -> Iterator[str]:
    """The studio app served by uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    from movieagent.studio import create_app

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(projects, settings_overrides=settings_overrides), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the studio did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listening.close()
