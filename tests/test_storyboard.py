"""The storyboard: pages as real PNGs, judged by their pixels."""

from __future__ import annotations

import re
import weakref
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from movieagent import storyboard
from movieagent.schema import ClipResult, LocationSheet, Plan, Scene, Shot, ShotTiming, Timeline
from movieagent.storyboard import StoryboardFrame, write_page
from movieagent.workspace import Workspace

COLOURS = [
    (220, 40, 40),
    (40, 180, 60),
    (40, 80, 220),
    (230, 200, 30),
    (160, 60, 200),
    (30, 200, 200),
    (240, 130, 20),
    (120, 120, 40),
    (200, 90, 140),
]


def solid_frames(count: int) -> list[StoryboardFrame]:
    return [
        StoryboardFrame(image=Image.new("RGB", (160, 90), COLOURS[index]), number=index + 1,
                        caption=f"MS  BRICK, STEEL\nLine {index + 1}: " + "a rather long line of dialogue " * 4)
        for index in range(count)
    ]  # fmt: skip


def sheet_of(tmp_path: Path, frames: list[StoryboardFrame], name: str = "board.png", **options) -> np.ndarray:
    output = tmp_path / name
    write_page(frames, output, title="The Test Picture", **options)
    with Image.open(output) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB")).astype(int)


def colour_positions(sheet: np.ndarray) -> list[tuple[float, float, int]]:
    """(centre y, centre x, area) of each test colour's pixels on the sheet, in frame order."""
    positions = []
    for colour in COLOURS:
        ys, xs = np.nonzero(np.abs(sheet - np.asarray(colour)).sum(axis=2) < 12)
        positions.append((ys.mean(), xs.mean(), len(ys)) if len(ys) else (np.nan, np.nan, 0))
    return positions


def test_sheet_grows_with_the_number_of_shots(tmp_path):
    small, large = sheet_of(tmp_path, solid_frames(2), "small.png"), sheet_of(tmp_path, solid_frames(9), "large.png")
    assert large.shape[0] > small.shape[0] and large.shape[1] > small.shape[1]
    assert sheet_of(tmp_path, solid_frames(9), "narrow.png", columns=2).shape[0] > large.shape[0]


def test_thumbnails_are_in_order_left_to_right_then_down(tmp_path):
    sheet = sheet_of(tmp_path, solid_frames(7), columns=3)
    positions = colour_positions(sheet)[:7]
    assert all(area > 250 * 130 for _, _, area in positions)  # about 320 px wide thumbnails
    rows = [round(y) for y, _, _ in positions]
    assert rows[0] == rows[1] == rows[2] < rows[3] == rows[4] == rows[5] < rows[6]
    assert positions[0][1] < positions[1][1] < positions[2][1]
    assert abs(positions[6][1] - positions[0][1]) < 1


def test_captions_are_written_under_each_thumbnail(tmp_path):
    sheet = sheet_of(tmp_path, solid_frames(3))
    paper = sheet[-2, -2]
    for y, x, area in colour_positions(sheet)[:3]:
        half_height, half_width = area / 320 / 2, 160
        caption = sheet[round(y + half_height + 8) : round(y + half_height + 70), round(x - half_width) : round(x + half_width)]
        inked = (np.abs(caption - paper).sum(axis=2) > 120).sum()
        assert inked > 300


def test_title_bar_is_dark_with_light_text(tmp_path):
    bar = sheet_of(tmp_path, solid_frames(2))[:60]
    assert np.median(bar) < 60
    assert (bar.min(axis=2) > 200).sum() > 200


def test_frames_can_be_image_files(tmp_path):
    Image.new("RGB", (64, 36), COLOURS[1]).save(tmp_path / "frame.png")
    sheet = sheet_of(tmp_path, [StoryboardFrame(image=tmp_path / "frame.png", number=1, caption="WS\nA field.")])
    assert colour_positions(sheet)[1][2] > 250 * 130


def test_no_frames_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="at least one frame"):
        write_page([], tmp_path / "board.png", title="Empty")
    assert not (tmp_path / "board.png").exists()


def film_of(shots: int, tmp_path: Path) -> tuple[Plan, Timeline, list[ClipResult]]:
    """A plan of `shots` one-second shots, six to a scene, with a timeline and (unread) clips."""
    scenes = [
        Scene(id=f"scene-{first // 6 + 1}", index=first // 6 + 1, heading=f"INT. ROOM {first // 6 + 1} <&> - DAY", location_id="room",
              shots=[Shot(id=f"shot-{number}", scene_id=f"scene-{first // 6 + 1}", duration_s=1.0, action=f"Shot {number}.")
                     for number in range(first + 1, min(first + 6, shots) + 1)])
        for first in range(0, shots, 6)
    ]  # fmt: skip
    plan = Plan(title="Long <Film>", source=Path("film.fountain"), cast=[], locations=[LocationSheet(id="room", name="Room", description="")], scenes=scenes)
    timings = [ShotTiming(shot_id=shot.id, index=index, start_s=index - 1, duration_s=1.0, num_frames=24) for index, shot in enumerate(plan.shots(), 1)]
    clips = [ClipResult(shot_id=shot.id, path=tmp_path / f"{shot.id}.mp4", num_frames=24, cached=True) for shot in plan.shots()]
    return plan, Timeline(fps=24, shots=timings), clips


def test_a_longer_film_gets_more_pages_not_more_pictures_in_memory(tmp_path, monkeypatch):
    grabbed: list[weakref.ref[Image.Image]] = []
    most_alive = 0

    def grab(path: Path, *, duration_s: float, width: int) -> Image.Image:
        nonlocal most_alive
        picture = Image.new("RGB", (width, width * 9 // 16), COLOURS[len(grabbed) % len(COLOURS)])
        grabbed.append(weakref.ref(picture))
        most_alive = max(most_alive, sum(ref() is not None for ref in grabbed))
        return picture

    monkeypatch.setattr(storyboard, "frame_from_clip", grab)
    for pages in (2, 4):
        most_alive = 0
        workspace = Workspace(tmp_path / f"{pages}-pages")
        plan, timeline, clips = film_of(pages * storyboard.SHOTS_PER_PAGE - 3, tmp_path)
        written = storyboard.write_storyboard(plan, timeline, clips, workspace)
        assert written == workspace.storyboard_pages() and len(written) == pages
        assert most_alive <= storyboard.SHOTS_PER_PAGE  # one page's pictures at a time

    index = workspace.storyboard.read_text(encoding="utf-8")
    assert "<title>Long &lt;Film&gt;: storyboard</title>" in index and "INT. ROOM 1 &lt;&amp;&gt; - DAY" in index
    assert index.count("<img ") == 4 and index.count("<li>") == len(plan.scenes)
    # The last scene starts on the last page; its link goes there.
    assert re.search(rf'<li><a href="#page-4">INT\. ROOM {len(plan.scenes)} ', index)
