"""The whole pipeline on the short example, checked on the real outputs: decoded MP4, parsed SRT, pixels, loudness."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from movieagent import load_settings, make_movie, storyboard
from movieagent.loudness import measure_audio
from movieagent.media import probe
from movieagent.schema import ClipResult, Plan, Timeline
from movieagent.workspace import Workspace
from tests.media_probe import count_frames, frame_at, read_chapters

ROOT = Path(__file__).resolve().parents[1]
SHORT_SCRIPT = ROOT / "examples/short/the-lighthouse-keeper.fountain"
SHORT_BANK = ROOT / "character_bank/lighthouse"
WIDTH, HEIGHT, FPS = 320, 180, 12

pytestmark = pytest.mark.slow  # the module's movie takes a minute or two on busy cores


@pytest.fixture(scope="module")
def movie(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("movie")
    settings = load_settings(progress=False, video={"width": WIDTH, "height": HEIGHT, "fps": FPS, "preset": "ultrafast"})
    result = make_movie(SHORT_SCRIPT, SHORT_BANK, outdir, settings)
    return result, settings


def spoken_text(text: str) -> str:
    return " ".join(text.split())


def test_movie_has_the_planned_streams_size_and_length(movie):
    result, _ = movie
    info = probe(result.movie)
    assert (info.video_codec, info.pixel_format, info.width, info.height) == ("h264", "yuv420p", WIDTH, HEIGHT)
    assert info.fps == FPS
    assert info.audio_codec == "aac"
    assert info.subtitle_codecs == ["mov_text"]
    timeline = Timeline.model_validate_json((result.outdir / "timeline.json").read_text())
    expected_frames = sum(shot.num_frames for shot in timeline.shots)
    assert count_frames(result.movie) == expected_frames
    assert abs(info.duration_s - expected_frames / FPS) <= 1 / FPS + 0.05  # the container's duration includes AAC priming
    head = result.movie.read_bytes()[: 1 << 20]
    assert 0 <= head.find(b"moov") < head.find(b"mdat"), "faststart: the index must come before the media"


def test_every_line_is_subtitled_in_order_inside_its_speech(movie):
    result, settings = movie
    plan = Plan.model_validate_json(result.plan.read_text())
    timeline = Timeline.model_validate_json((result.outdir / "timeline.json").read_text())
    cues = pysubs2.load(str(result.subtitles), encoding="utf-8")
    assert len(cues) >= len(plan.lines())

    remaining = [(spoken_text(line.text), line) for line in timeline.lines()]
    position = 0
    for cue in cues:
        text = spoken_text(cue.plaintext)
        # The cue belongs to the first line (from where we are) whose text contains it.
        while text not in remaining[position][0]:
            position += 1
        line = remaining[position][1]
        start = cue.start / 1000
        assert line.start_s - 0.1 <= start <= line.end_s + 0.1, (cue.plaintext, start, line)
    assert position == len(remaining) - 1, "every line must be reached, in order"

    rules = settings.subtitles
    for previous, cue in zip(cues, cues[1:]):
        assert previous.end <= cue.start, "cues overlap"
    for cue in cues:
        lines = cue.plaintext.split("\n")
        seconds = (cue.end - cue.start) / 1000
        assert len(lines) <= rules.max_lines and all(len(part) <= rules.max_chars_per_line for part in lines), cue.plaintext
        assert rules.min_duration_s - 0.001 <= seconds <= rules.max_duration_s + 0.001, (cue.plaintext, seconds)
        assert len(cue.plaintext.replace("\n", " ")) / seconds <= rules.max_chars_per_second + 0.01, cue.plaintext


def test_shots_look_different_and_follow_plan_order(movie):
    result, _ = movie
    plan = Plan.model_validate_json(result.plan.read_text())
    clips = sorted((result.outdir / "clips").glob("shot_*.mp4"))
    assert [int(re.match(r"shot_(\d+)_", clip.name).group(1)) for clip in clips] == list(range(1, len(plan.shots()) + 1))
    assert [clip.name.split("_", 2)[2][:-4] for clip in clips] == [shot.id for shot in plan.shots()]
    timeline = Timeline.model_validate_json((result.outdir / "timeline.json").read_text())
    middles = [frame_at(result.movie, shot.start_s + shot.duration_s / 2, WIDTH, HEIGHT).astype(int) for shot in timeline.shots]
    differences = [np.abs(a - b).mean() for a, b in zip(middles, middles[1:])]
    assert min(differences) > 2.0, differences
    assert all(frame.std() > 10 for frame in middles), "frames must show a picture, not a flat colour"


def test_audio_is_normalised_without_clipping(movie):
    result, settings = movie
    measured = measure_audio(result.movie)
    assert abs(measured.integrated_lufs - settings.audio.target_lufs) <= 1.0
    assert measured.true_peak_dbtp <= settings.audio.true_peak_dbtp + 0.3  # AAC may overshoot the mix's ceiling slightly
    assert measured.clipped_samples == 0


def test_storyboard_is_pages_of_shots_and_an_index_of_scenes(movie, monkeypatch, tmp_path):
    from PIL import Image

    result, _ = movie
    plan = Plan.model_validate_json(result.plan.read_text())
    timeline = Timeline.model_validate_json((result.outdir / "timeline.json").read_text())
    workspace = Workspace(result.outdir)
    assert result.storyboard == workspace.storyboard
    assert [page.name for page in workspace.storyboard_pages()] == ["page-001.png"]  # fewer shots than a page holds

    # Four shots a page: the shots in order, page after page, and the index naming every scene and page.
    monkeypatch.setattr(storyboard, "SHOTS_PER_PAGE", 4)
    elsewhere = Workspace(tmp_path)
    clips = [ClipResult(shot_id=shot.id, path=workspace.clip(index, shot.id), num_frames=1, cached=True) for index, shot in enumerate(plan.shots(), 1)]
    pages = storyboard.write_storyboard(plan, timeline, clips, elsewhere)
    assert pages == elsewhere.storyboard_pages() and len(pages) == -(-len(clips) // 4)
    for page in pages:
        with Image.open(page) as picture:
            assert picture.format == "PNG" and picture.width > 1000 and picture.height > 300
    index = elsewhere.storyboard.read_text(encoding="utf-8")
    assert [f"storyboard/{page.name}" for page in pages] == re.findall(r'<img src="([^"]+)"', index)
    assert [html.escape(scene.heading) for scene in plan.scenes] == re.findall(r'<li><a href="#page-\d+">([^<]+)</a>', index)

    # A shorter film leaves no page of the longer one behind.
    monkeypatch.setattr(storyboard, "SHOTS_PER_PAGE", 100)
    assert storyboard.write_storyboard(plan, timeline, clips, elsewhere) == elsewhere.storyboard_pages() == [pages[0]]


def test_movie_has_a_chapter_at_each_scene(movie):
    result, _ = movie
    plan = Plan.model_validate_json(result.plan.read_text())
    timeline = Timeline.model_validate_json((result.outdir / "timeline.json").read_text())
    starts = {shot.shot_id: shot.start_s for shot in timeline.shots}
    chapters = read_chapters(result.movie)
    assert [title for _, _, title in chapters] == [scene.heading for scene in plan.scenes]
    assert [start for start, _, _ in chapters] == pytest.approx([starts[scene.shots[0].id] for scene in plan.scenes], abs=0.002)
    assert [end for _, end, _ in chapters[:-1]] == [start for start, _, _ in chapters[1:]]
    assert chapters[-1][1] == pytest.approx(timeline.duration_s(), abs=0.002)


def test_rerun_renders_nothing_and_gives_the_same_movie(movie, tmp_path):
    result, settings = movie
    before = {clip.name: clip.stat().st_mtime_ns for clip in (result.outdir / "clips").glob("shot_*.mp4")}
    finished = {path: path.stat().st_mtime_ns for path in (result.movie, result.storyboard, result.outdir / "audio" / "mix.m4a")}
    again = make_movie(SHORT_SCRIPT, SHORT_BANK, result.outdir, settings)
    assert {path: path.stat().st_mtime_ns for path in finished} == finished, "nothing changed, so nothing is remade"
    assert again.audio == result.audio
    assert again.clips_rendered == 0 and again.clips_cached == result.shots
    after = {clip.name: clip.stat().st_mtime_ns for clip in (result.outdir / "clips").glob("shot_*.mp4")}
    assert before.keys() == after.keys()
    assert count_frames(again.movie) == count_frames(result.movie)


def test_editing_one_line_rerenders_only_that_shot(movie, tmp_path):
    result, settings = movie
    outdir = tmp_path / "edited"
    shutil.copytree(result.outdir, outdir)
    plan = Plan.model_validate_json((outdir / "plan.json").read_text())
    target = next(shot for shot in plan.shots() if shot.lines)
    # Long enough that the shot must grow to fit it, whatever the original line was.
    target.lines[0].text = "A completely different line, spoken now, " + "and it goes on for a good while longer, " * 4 + "until the end."
    edited = tmp_path / "plan.json"
    edited.write_text(plan.model_dump_json())
    movie_before = (outdir / "movie.mp4").stat().st_mtime_ns
    again = make_movie(SHORT_SCRIPT, SHORT_BANK, outdir, settings, plan_file=edited)
    assert again.movie.stat().st_mtime_ns != movie_before, "a changed plan makes a new movie"
    # The edited line changes its shot's speech, hence that shot's length; every other shot is reused.
    assert again.clips_rendered == 1
    assert "completely different line" in " ".join(" ".join(cue.plaintext for cue in pysubs2.load(str(again.subtitles))).split())
