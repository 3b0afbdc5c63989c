"""report.html in a real browser (headless Chromium), served from the movie folder and opened as a file: no errors,
nothing fetched from outside the folder, the subtitles loaded into the player, pictures shown, a page not blank."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import numpy as np
import pysubs2
import pytest
from PIL import Image

from movieagent.eval import EvalReport, evaluate_movie
from tests.eval_movies import BANK, SETTINGS, clean_movie, copy_movie

SUBTITLES_LOADED = (
    "() => { const track = document.getElementById('movie').textTracks[0];"
    " track.mode = 'showing'; return track.cues !== null && track.cues.length > 0; }"
)

@pytest.fixture(scope="session")
def movie(tmp_path_factory):
    return clean_movie(tmp_path_factory)


@pytest.fixture(scope="module")
def evaluated(movie, tmp_path_factory) -> Path:
    folder = copy_movie(movie.folder, tmp_path_factory.mktemp("report") / "movie")
    evaluate_movie(folder, SETTINGS, script=movie.script, characters=BANK)
    return folder


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(evaluated):
    """The movie folder over loopback HTTP."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(evaluated)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def open_page(browser, url: str, problems: list[str], requested: list[str]):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requested.append(request.url))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}") if response.status >= 400 else None)
    page.goto(url, wait_until="load")
    page.wait_for_function(SUBTITLES_LOADED, timeout=10_000)
    return page


def test_the_served_report_loads_its_subtitles_pictures_and_plots(evaluated, served, browser, tmp_path):
    problems: list[str] = []
    requested: list[str] = []
    page = open_page(browser, f"{served}/report.html", problems, requested)
    cues = page.evaluate("[...document.getElementById('movie').textTracks[0].cues].map(cue => cue.text)")
    # The storyboard's pages load when it is opened (a feature film has dozens).
    page.click("details.storyboard summary")
    page.wait_for_function("[...document.images].every(image => image.complete)", timeout=30_000)
    broken_pictures = page.evaluate("[...document.images].filter(image => !image.complete || image.naturalWidth === 0).length")
    pictures = page.evaluate("document.images.length")
    charts = page.locator("svg.chart").count()
    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot), full_page=True)

    assert problems == []
    assert f"{served}/movie.vtt" in requested
    assert all(url.startswith((served, "data:", "blob:")) for url in requested), requested
    assert cues == [cue.plaintext for cue in pysubs2.load(str(evaluated / "movie.srt"), encoding="utf-8")]
    shots = len(EvalReport.model_validate_json((evaluated / "metrics.json").read_text(encoding="utf-8")).shots)
    pages = len(EvalReport.model_validate_json((evaluated / "metrics.json").read_text(encoding="utf-8")).storyboard_pages)
    assert pages >= 1 and broken_pictures == 0 and pictures == shots + pages  # a thumbnail per shot, and the storyboard's pages
    assert charts == 2
    with Image.open(screenshot) as picture:
        assert picture.format == "PNG" and picture.width == 1280 and picture.height > 2000
        grey = np.asarray(picture.convert("L"), dtype=np.float32)
    assert grey.std() > 20, "the page looks blank"
    assert (grey < 80).mean() > 0.02, "nothing dark on the page: header, text and pictures are missing"


def test_the_report_opened_as_a_file_has_subtitles_and_seeks_to_a_clicked_shot(evaluated, browser):
    problems: list[str] = []
    requested: list[str] = []
    page = open_page(browser, (evaluated / "report.html").as_uri(), problems, requested)
    cues = page.evaluate("document.getElementById('movie').textTracks[0].cues.length")
    page.wait_for_function("document.getElementById('movie').readyState >= 1", timeout=10_000)
    third_shot = page.locator("table.shots tbody tr").nth(2)
    third_shot.click()
    position = page.evaluate("document.getElementById('movie').currentTime")

    assert problems == []
    assert cues == len(pysubs2.load(str(evaluated / "movie.srt"), encoding="utf-8"))
    assert position == pytest.approx(float(third_shot.get_attribute("data-seek")), abs=0.05) and position > 0
