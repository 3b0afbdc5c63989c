"""Issue 13, cause 2: script text is data. Dialogue that looks like markup shows as the words it is, in every output."""

from __future__ import annotations

import html
import json
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from movieagent.media import ffmpeg_exe
from tests.faults.conftest import SCRIPT, partial_files, run_cli, snapshot, write_tiny_film
from tests.media_probe import frame_at

TIMING_AND_STYLE = '00:00:00,000 --> 00:59:59,000 {\\an8}<font color="#ff0000">HACKED</font>'
TAGS = "<script>x</script> ok"
ESCAPES = "Tom & Jerry &lt;3 {braces} C:\\New --> 10:00:00.5"
HOSTILE_SCRIPT = SCRIPT.replace("Good morning.", TIMING_AND_STYLE).replace("Morning, Ann.", TAGS) + f"\nANN\n{ESCAPES}\n"
SPOKEN = [TIMING_AND_STYLE, TAGS, ESCAPES]
# movie.srt breaks markup apart with this zero-width, invisible character (movieagent.subtitles.srt_line).
WORD_JOINER = "\u2060"
WIDTH, HEIGHT = 320, 180


def outside_outdir(entries: dict) -> dict:
    """A snapshot of the film's folder without OUTDIR (and the folder's own entry, which OUTDIR's creation touches)."""
    return {path: entry for path, entry in entries.items() if path != "." and path.split("/")[0] != "out"}


def words(texts: list[str]) -> str:
    return " ".join(" ".join(texts).replace(WORD_JOINER, "").split())


@pytest.fixture(scope="module")
def hostile_film(tmp_path_factory) -> dict:
    """The film made twice into one folder: soft subtitles only, then burnt in (the clips are reused)."""
    root = tmp_path_factory.mktemp("hostile")
    script, bank = write_tiny_film(root, HOSTILE_SCRIPT)
    outdir = root / "out"
    made = {"root": root, "outdir": outdir, "script": script, "bank": bank}
    for burn in (False, True):
        profile = root / f"burn-{burn}.yaml"
        profile.write_text(f"video: {{width: {WIDTH}, height: {HEIGHT}, fps: 12, burn_subtitles: {str(burn).lower()}}}\n")
        before = snapshot(root)
        result = run_cli("make", script, "-b", bank, "-o", outdir, "-c", profile, "-q")
        made[f"result-{burn}"] = result
        made[f"outside-{burn}"] = (before, snapshot(root))
        # The picture while the cue with the colour and the position override is up.
        styled = next(event for event in pysubs2.load(str(outdir / "movie.srt"), format_="srt") if "HACKED" in event.text)
        made[f"frame-{burn}"] = frame_at(outdir / "movie.mp4", (styled.start + styled.end) / 2000, WIDTH, HEIGHT).astype(int)
        made[f"track-{burn}"] = mov_text_samples(outdir / "movie.mp4")
    return made


def vtt_words(vtt: str) -> str:
    """The words of a WebVTT file's cues, as a browser shows them: no tags, no line holding '-->', entities decoded."""
    assert vtt.startswith("WEBVTT\n")
    texts = []
    for block in vtt.split("\n\n")[1:]:
        if block.strip():
            _, timing, *lines = block.strip("\n").split("\n")
            assert "-->" in timing and not any("-->" in line or "<" in line for line in lines), block
            texts.append(html.unescape(" ".join(lines)))
    return words(texts)


def mov_text_samples(movie: Path) -> list[str]:
    """The MP4's subtitle track as stored: each sample is a 16-bit length, the UTF-8 text, then style boxes."""
    data = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(movie), "-map", "0:s:0", "-c:s", "copy", "-f", "data", "-"],
        capture_output=True,
        check=True,
    ).stdout
    texts, offset = [], 0
    while offset < len(data):
        (length,) = struct.unpack(">H", data[offset : offset + 2])
        texts.append(data[offset + 2 : offset + 2 + length].decode("utf-8"))
        offset += 2 + length
        while data[offset + 4 : offset + 8] in (b"styl", b"hlit", b"hclr", b"tbox", b"blnk", b"dlay", b"krok", b"href", b"twrp"):
            offset += struct.unpack(">I", data[offset : offset + 4])[0]
    return [text for text in texts if text]  # empty samples are the gaps between cues


def test_both_runs_succeed_cleanly(hostile_film):
    for burn in (False, True):
        result = hostile_film[f"result-{burn}"]
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        before, after = hostile_film[f"outside-{burn}"]
        assert outside_outdir(after) == outside_outdir(before)
    assert partial_files(hostile_film["outdir"]) == []


def test_srt_holds_exactly_the_spoken_words(hostile_film):
    cues = pysubs2.load(str(hostile_film["outdir"] / "movie.srt"), format_="srt", keep_html_tags=True)
    texts = [event.text.replace("\\N", " ") for event in cues]
    assert words(texts) == words(SPOKEN)
    # Every cue is one of ours: nothing in the text was read as a timing line.
    assert all(event.end - event.start < 10_000 for event in cues)
    assert [event.start for event in cues] == sorted(event.start for event in cues)


def test_mp4_subtitle_track_holds_exactly_the_spoken_words(hostile_film):
    for burn in (False, True):
        samples = hostile_film[f"track-{burn}"]
        assert words(samples) == words(SPOKEN), samples


def test_burnt_in_subtitles_stay_at_the_bottom_and_are_not_red(hostile_film):
    soft, burnt = hostile_film["frame-False"], hostile_film["frame-True"]
    changed = np.abs(burnt - soft).max(axis=2) > 80
    rows = np.nonzero(changed.any(axis=1))[0]
    assert changed.sum() > 100, "no subtitle was drawn"
    assert rows.min() > HEIGHT * 0.55, f"text drawn from row {rows.min()} of {HEIGHT}: an {{\\an8}} override was obeyed"
    red = burnt[..., 0] - burnt[..., 1:].max(axis=2) > 80
    assert (changed & red).sum() < 0.02 * changed.sum(), "a <font color> tag was obeyed"


def test_eval_report_and_webvtt_show_the_words_as_text(hostile_film):
    outdir = hostile_film["outdir"]
    before = snapshot(hostile_film["root"])

    result = run_cli("eval", outdir, "-q")

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert vtt_words((outdir / "movie.vtt").read_text()) == words(SPOKEN)
    report = (outdir / "report.html").read_text()
    assert "<script>x</script>" not in report and '<font color="#ff0000">' not in report
    assert outside_outdir(snapshot(hostile_film["root"])) == outside_outdir(before)


def test_studio_serves_the_words_as_webvtt_text(hostile_film, tmp_path):
    from fastapi.testclient import TestClient

    from movieagent.studio.app import create_app

    project = tmp_path / "projects" / "film"
    shutil.copytree(hostile_film["outdir"], project / "out", ignore=shutil.ignore_patterns("cache", "clips", "speech", "audio"))
    (project / "project.json").write_text(json.dumps({"name": "film", "title": "Film", "profile": "default", "script": "film.fountain", "created": 0}))
    client = TestClient(create_app(tmp_path / "projects"), base_url="http://127.0.0.1")

    answer = client.get("/api/projects/film/files/movie.vtt")

    assert answer.status_code == 200
    assert vtt_words(answer.text) == words(SPOKEN)
