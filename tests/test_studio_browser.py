"""The studio driven through the system Chromium: make the short example, render, edit one line, render again.

Only the edited shot's clip may change, the new line must reach movie.srt and the player's subtitles,
a second tab must see the edit, and a malicious zip must be refused on the page.
MOVIEAGENT_WRITE_DOCS=1 also writes docs/studio.png, the README's picture of the plan page.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.conftest import served_studio

ROOT = Path(__file__).resolve().parents[1]
SHORT_SCRIPT = ROOT / "examples/short/the-lighthouse-keeper.fountain"
WRITE_DOCS = os.environ.get("MOVIEAGENT_WRITE_DOCS") == "1"
# Small and quick: the browser, not the picture quality, is under test; the README's picture gets sharper frames.
SMALL_MOVIE = {"video": {"width": 640, "height": 360, "fps": 12} if WRITE_DOCS else {"width": 320, "height": 180, "fps": 12}}
NEW_LINE = "The brass can wait until morning."
RENDER_TIMEOUT_MS = 120_000

@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    """The app served on a free loopback port: (base URL, projects folder)."""
    projects = tmp_path_factory.mktemp("projects")
    with served_studio(projects, SMALL_MOVIE) as url:
        yield url, projects


def clip_hashes(clips: Path) -> dict[str, str]:
    return {clip.name: hashlib.sha256(clip.read_bytes()).hexdigest() for clip in sorted(clips.glob("*.mp4"))}


def screenshot(page, path: Path) -> Path:
    """A screenshot that shows something: many distinct colours, not one blank fill."""
    page.screenshot(path=str(path))
    pixels = np.asarray(Image.open(path).convert("RGB"))
    assert pixels.shape[0] > 300 and pixels.shape[1] > 600
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50 and pixels.std() > 10, f"{path.name} looks blank"
    return path


def wait_until(page, expression: str, timeout_s: float = 10) -> None:
    """Polls a JavaScript expression from outside: the page's Content-Security-Policy forbids wait_for_function's eval."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def wait_for_render(page) -> None:
    page.wait_for_selector("#render-state.finished, #render-state.failed", timeout=RENDER_TIMEOUT_MS)
    assert "failed" not in page.get_attribute("#render-state", "class"), page.inner_text("#render-errors")


@pytest.mark.slow
def test_make_edit_one_line_and_rerender_only_that_shot(studio, browser, tmp_path):
    url, projects = studio
    page = browser.new_page(viewport={"width": 1360, "height": 860})
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # 1. New project from the short example; planning fills the Plan tab with one card per shot.
    page.goto(f"{url}/#/new")
    page.select_option("#example-select", "the-lighthouse-keeper")
    page.select_option("#example-form .profile-select", "preview-fast")
    page.click("#example-form button[type=submit]")
    page.wait_for_url("**/#/the-lighthouse-keeper/plan")
    project = projects / "the-lighthouse-keeper"
    page.wait_for_selector("article.card")
    shots = page.locator("article.card").count()
    assert shots == 23 and page.locator(".frame img").count() == 0, "nothing is rendered yet"

    # 2. Render; a second render request meanwhile is refused with 409.
    page.click(".tabs a[data-tab=render]")
    page.click("#render-button")
    page.wait_for_selector("#render-state.running", timeout=10_000)
    second = httpx.post(f"{url}/api/projects/the-lighthouse-keeper/render", headers={"X-MovieAgent-Studio": "1"})
    assert second.status_code == 409 and "already being planned or rendered" in second.json()["error"]
    wait_for_render(page)
    assert page.locator(".chip[data-state=rendered]").count() == shots
    before = clip_hashes(project / "out" / "clips")
    assert len(before) == shots

    # 3. A second tab on the same plan.
    other_tab = browser.new_page(viewport={"width": 1200, "height": 800})
    other_tab.goto(f"{url}/#/the-lighthouse-keeper/plan")
    other_tab.wait_for_selector("article.card")

    # 4. Edit the first line of the first shot that has dialogue, then save and render.
    page.click(".tabs a[data-tab=plan]")
    wait_until(page, f"document.querySelectorAll('.frame img').length === {shots}")
    target = page.locator("article.card:has(textarea.line-text)").first
    shot_id = target.get_attribute("data-shot")
    target.locator("textarea.line-text").first.fill(NEW_LINE)
    assert page.inner_text("#save-state") == "unsaved changes"
    page.click("#save-render")
    page.wait_for_url("**/#/the-lighthouse-keeper/render")
    page.wait_for_selector("#render-state.running", timeout=10_000)
    wait_for_render(page)

    # 5. Only that shot was rendered again, and only its clip changed on disk.
    assert page.locator(".chip[data-state=rendered]").count() == 1
    assert page.get_attribute(".chip[data-state=rendered]", "data-shot") == shot_id
    assert page.locator(".chip[data-state=reused]").count() == shots - 1
    after = clip_hashes(project / "out" / "clips")
    assert before.keys() == after.keys()
    changed = [name for name in before if before[name] != after[name]]
    assert len(changed) == 1 and changed[0].endswith(f"_{shot_id}.mp4")
    assert NEW_LINE in " ".join((project / "out" / "movie.srt").read_text(encoding="utf-8").split())
    screenshot(page, tmp_path / "render.png")

    # 6. The other tab shows the edit without being reloaded.
    wait_until(
        other_tab,
        f"[...document.querySelectorAll('[data-shot=\"{shot_id}\"] textarea.line-text')].some(box => box.value === {NEW_LINE!r})",
    )

    # 7. Watch: the movie plays with the new line among its subtitles (WebVTT made from movie.srt).
    page.click(".tabs a[data-tab=watch]")
    wait_until(page, "document.querySelector('#movie').readyState >= 1 && document.querySelector('#movie').duration > 60")
    page.evaluate("document.querySelector('#movie').textTracks[0].mode = 'hidden'")
    wait_until(page, "document.querySelector('#movie').textTracks[0].cues?.length > 20")
    cues = page.evaluate("[...document.querySelector('#movie').textTracks[0].cues].map(cue => cue.text).join(' ')")
    assert NEW_LINE in " ".join(cues.split())
    for link, name in [("#download-mp4", "movie.mp4"), ("#download-srt", "movie.srt"), ("#download-plan", "plan.json")]:
        answer = httpx.get(url + page.get_attribute(link, "href"))
        assert answer.status_code == 200 and f'filename="{name}"' in answer.headers["content-disposition"]
    screenshot(page, tmp_path / "watch.png")

    # 8. Pictures of the plan page; the README's when asked for.
    page.click(".tabs a[data-tab=plan]")
    wait_until(
        page,
        f"[...document.querySelectorAll('.frame img')].filter(img => img.complete && img.naturalWidth > 0).length === {shots}",
    )
    plan_picture = screenshot(page, tmp_path / "plan.png")
    if WRITE_DOCS:
        Image.open(plan_picture).save(ROOT / "docs" / "studio.png", optimize=True)
    assert not page_errors, page_errors


def test_a_malicious_zip_is_refused_on_the_page(studio, browser, tmp_path):
    url, projects = studio
    existing = sorted(folder.name for folder in projects.iterdir())
    bank = io.BytesIO()
    with zipfile.ZipFile(bank, "w") as bundle:
        bundle.writestr("mara/character.yaml", "name: Mara\n")
        bundle.writestr("../../../escape.yaml", "name: Escaped\n")
    (tmp_path / "bank.zip").write_bytes(bank.getvalue())

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{url}/#/new")
    page.set_input_files("#upload-form input[name=script]", str(SHORT_SCRIPT))
    page.set_input_files("#upload-form input[name=bank]", str(tmp_path / "bank.zip"))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#new-errors:not([hidden])")

    message = page.inner_text("#new-errors")
    assert "'../../../escape.yaml' climbs out with '..': it would be written outside the bank folder" in message
    assert "fix:" in message
    assert page.url.endswith("#/new"), "the page stays on the form"
    assert sorted(folder.name for folder in projects.iterdir()) == existing, "nothing is created"
    screenshot(page, tmp_path / "refused.png")
