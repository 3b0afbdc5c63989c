"""The preview (animatic) video backend: real clips, decoded with ffmpeg, judged by their pixels."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from movieagent.errors import RenderError
from movieagent.media import ffmpeg_exe, probe
from movieagent.preview.video import Backend
from movieagent.schema import Box, JobCharacter, RenderJob

WIDTH, HEIGHT, FPS = 160, 96, 12
GREY = (128, 128, 128)


def make_job(**changes) -> RenderJob:
    fields = {
        "shot_id": "shot-1", "index": 3, "scene_heading": "INT. KITCHEN - DAY", "location_name": "KITCHEN",
        "location_image": None, "time_of_day": "DAY", "interior": True, "width": WIDTH, "height": HEIGHT, "fps": FPS,
        "num_frames": 12, "size": "extreme_wide", "angle": "eye_level", "movement": "static", "transition_in": "cut",
        "transition_out": "cut", "characters": [], "action": "", "prompt": "", "motion_prompt": "", "seed": 7, "crf": 18,
        "preset": "veryfast", "output": Path("clips/shot.mp4"), "cache_key": "key",
    }  # fmt: skip
    return RenderJob(**{**fields, **changes})


def character(name: str, colour: str, box: tuple[float, float, float, float], **changes) -> JobCharacter:
    x, y, w, h = box
    fields = {"character_id": name.lower(), "name": name, "image": None, "color": colour, "box": Box(x=x, y=y, w=w, h=h)}
    return JobCharacter(**{**fields, **changes})


def render_clip(tmp_path: Path, job: RenderJob, name: str = "clip.mp4", **options) -> Path:
    output = tmp_path / name
    Backend(Backend.Options(**options)).render(job, output)
    return output


def render(tmp_path: Path, job: RenderJob, name: str = "clip.mp4", **options) -> np.ndarray:
    return decode(render_clip(tmp_path, job, name, **options))


def decode(clip: Path) -> np.ndarray:
    """All frames of a clip as an (n, height, width, 3) array."""
    info = probe(clip)
    command = [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(clip), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, info.height, info.width, 3)


def backdrop(tmp_path: Path, draw_feature=None, name: str = "place.png") -> Path:
    """A plain grey location photo; `draw_feature(draw, size)` may add a white shape to follow on screen."""
    image = Image.new("RGB", (800, 480), GREY)
    if draw_feature is not None:
        draw_feature(ImageDraw.Draw(image), image.size)
    path = tmp_path / name
    image.save(path)
    return path


def mask_of(frame: np.ndarray, colour: str) -> np.ndarray:
    red, green, blue = (frame[..., channel].astype(int) for channel in range(3))
    return {
        "red": (red > 150) & (green < 90) & (blue < 90),
        "green": (green > 140) & (red < 90) & (blue < 90),
        "blue": (blue > 150) & (red < 90) & (green < 90),
        "yellow": (red > 170) & (green > 170) & (blue < 90),
        "magenta": (red > 150) & (blue > 150) & (green < 90),
        "white": (red > 180) & (green > 180) & (blue > 180),
    }[colour]


def centroid_x(mask: np.ndarray) -> float:
    return float(np.nonzero(mask)[1].mean())


def in_box(mask: np.ndarray, box: tuple[float, float, float, float], slack: int = 0) -> tuple[int, int]:
    """(pixels of `mask` inside the box grown by `slack` pixels, pixels outside it)."""
    x, y, w, h = box
    inside = np.zeros_like(mask)
    inside[
        max(0, round(y * HEIGHT) - slack) : round((y + h) * HEIGHT) + slack,
        max(0, round(x * WIDTH) - slack) : round((x + w) * WIDTH) + slack,
    ] = True
    return int((mask & inside).sum()), int((mask & ~inside).sum())


# --------------------------------------------------------------------------- the stream


def test_clip_has_exact_frames_size_fps_and_codec(tmp_path):
    clip = render_clip(tmp_path, make_job(num_frames=17), "clips/clip.mp4")
    info = probe(clip)
    assert (info.video_codec, info.pixel_format, info.width, info.height, info.fps) == ("h264", "yuv420p", WIDTH, HEIGHT, FPS)
    assert decode(clip).shape == (17, HEIGHT, WIDTH, 3)
    assert not [path.name for path in clip.parent.iterdir() if "partial" in path.name]


def test_realistic_size_with_two_characters_and_a_dolly(tmp_path):
    people = [
        character("BRICK", "#c0392b", (0.1, 0.12, 0.3, 0.88), speaking=True),
        character("STEEL", "#2e86c1", (0.58, 0.15, 0.3, 0.85)),
    ]
    job = make_job(width=854, height=480, fps=24, num_frames=24, size="medium", movement="dolly_in", characters=people)
    clip = render_clip(tmp_path, job)
    assert decode(clip).shape == (24, 480, 854, 3) and probe(clip).fps == 24


def test_same_job_gives_identical_frames(tmp_path):
    job = make_job(movement="pan_left", characters=[character("BRICK", "#ff0000", (0.3, 0.2, 0.2, 0.8), speaking=True)])
    first, second = render(tmp_path, job, "first.mp4"), render(tmp_path, job, "second.mp4")
    assert np.array_equal(first, second)


# --------------------------------------------------------------------------- figures


def test_character_colour_stays_in_its_box(tmp_path):
    box = (0.35, 0.2, 0.2, 0.8)
    frames = render(tmp_path, make_job(location_image=backdrop(tmp_path), characters=[character("BRICK", "#ff0000", box)]))
    for frame in frames[[0, -1]]:
        inside, outside = in_box(mask_of(frame, "red"), box, slack=4)
        assert inside > 0.3 * box[2] * box[3] * WIDTH * HEIGHT
        assert outside == 0


def test_cut_out_card_and_placeholder_all_render(tmp_path):
    cut_out = Image.new("RGBA", (100, 200), (0, 0, 0, 0))
    ImageDraw.Draw(cut_out).ellipse((10, 0, 90, 200), fill=(0, 200, 0, 255))
    cut_out.save(tmp_path / "cut_out.png")
    Image.new("RGB", (90, 120), (0, 0, 255)).save(tmp_path / "photo.jpg")
    boxes = {"cut_out": (0.04, 0.2, 0.28, 0.8), "card": (0.36, 0.2, 0.28, 0.8), "placeholder": (0.68, 0.2, 0.28, 0.8)}
    people = [
        character("CUT", "#ff00ff", boxes["cut_out"], image=tmp_path / "cut_out.png"),
        character("CARD", "#ffff00", boxes["card"], image=tmp_path / "photo.jpg"),
        character("SHADOW", "#ff0000", boxes["placeholder"]),
    ]
    frame = render(tmp_path, make_job(location_image=backdrop(tmp_path), characters=people), shot_label=False)[0]
    assert in_box(mask_of(frame, "green"), boxes["cut_out"])[0] > 200
    assert mask_of(frame, "magenta").sum() == 0  # a cut-out gets no frame in its colour
    assert in_box(mask_of(frame, "blue"), boxes["card"])[0] > 200
    assert in_box(mask_of(frame, "yellow"), boxes["card"])[0] > 40  # the card's frame
    assert in_box(mask_of(frame, "red"), boxes["placeholder"])[0] > 200


def test_facing_left_mirrors_a_cut_out(tmp_path):
    cut_out = Image.new("RGBA", (100, 200), (0, 0, 0, 0))
    ImageDraw.Draw(cut_out).rectangle((10, 0, 49, 199), fill=(0, 200, 0, 255))
    ImageDraw.Draw(cut_out).rectangle((50, 0, 89, 199), fill=(0, 0, 255, 255))
    cut_out.save(tmp_path / "cut_out.png")

    def green_minus_blue(facing: str) -> float:
        person = character("CUT", "#888888", (0.3, 0.1, 0.4, 0.9), image=tmp_path / "cut_out.png", facing=facing)
        frame = render(tmp_path, make_job(location_image=backdrop(tmp_path), characters=[person]), f"{facing}.mp4")[0]
        return centroid_x(mask_of(frame, "green")) - centroid_x(mask_of(frame, "blue"))

    assert green_minus_blue("camera") < -10
    assert green_minus_blue("left") > 10


def test_speaker_moves_and_listener_stays_still(tmp_path):
    speaker_box, listener_box = (0.08, 0.2, 0.3, 0.8), (0.62, 0.2, 0.3, 0.8)
    people = [character("TALKER", "#ff0000", speaker_box, speaking=True), character("LISTENER", "#0000ff", listener_box)]
    job = make_job(location_image=backdrop(tmp_path), characters=people, num_frames=10)
    frames = render(tmp_path, job, static_drift=0.0, shot_label=False).astype(int)

    def change(box: tuple[float, float, float, float]) -> float:
        x, y, w, _ = box
        region = frames[:, round(y * HEIGHT) :, round(x * WIDTH) : round((x + w) * WIDTH)]
        return float(np.abs(region[5] - region[0]).mean())

    assert change(speaker_box) > 1.0
    assert change(listener_box) < 0.5


# --------------------------------------------------------------------------- camera


def test_pan_right_moves_the_scene_left(tmp_path):
    place = backdrop(tmp_path, lambda draw, size: draw.rectangle((size[0] * 0.47, 0, size[0] * 0.53, size[1]), fill="white"))
    frames = render(tmp_path, make_job(location_image=place, movement="pan_right"), shot_label=False)
    shift = centroid_x(mask_of(frames[0], "white")) - centroid_x(mask_of(frames[-1], "white"))
    assert 0.08 * WIDTH < shift < 0.16 * WIDTH


def test_zoom_in_makes_the_centre_larger(tmp_path):
    place = backdrop(
        tmp_path, lambda draw, size: draw.rectangle((size[0] * 0.42, size[1] * 0.4, size[0] * 0.58, size[1] * 0.6), fill="white")
    )
    frames = render(tmp_path, make_job(location_image=place, movement="zoom_in"), shot_label=False)
    first, last = mask_of(frames[0], "white").sum(), mask_of(frames[-1], "white").sum()
    assert 1.35 < last / first < 1.8  # 1.25 times wider and taller


def test_dolly_in_grows_figures_more_than_the_backdrop(tmp_path):
    place = backdrop(
        tmp_path,
        lambda draw, size: draw.rectangle((size[0] * 0.16, size[1] * 0.42, size[0] * 0.28, size[1] * 0.58), fill="white"),
    )
    person = character("BRICK", "#ff0000", (0.42, 0.3, 0.16, 0.5))
    frames = render(tmp_path, make_job(location_image=place, movement="dolly_in", characters=[person]), shot_label=False)
    figure_growth = mask_of(frames[-1], "red").sum() / mask_of(frames[0], "red").sum()
    backdrop_growth = mask_of(frames[-1], "white").sum() / mask_of(frames[0], "white").sum()
    assert figure_growth > 1.45 and backdrop_growth < 1.35


def test_dutch_angle_tilts_the_horizon(tmp_path):
    place = backdrop(tmp_path, lambda draw, size: draw.rectangle((0, size[1] * 0.47, size[0], size[1] * 0.53), fill="white"))
    for angle, tilted in (("eye_level", False), ("dutch", True)):
        frame = render(tmp_path, make_job(location_image=place, angle=angle), f"{angle}.mp4", shot_label=False)[0]
        rows = [np.nonzero(mask_of(frame[:, columns], "white"))[0].mean() for columns in (slice(10, 30), slice(-30, -10))]
        assert bool(abs(rows[0] - rows[1]) > 5) is tilted


def test_fades_start_and_end_in_black(tmp_path):
    job = make_job(num_frames=24, transition_in="fade", transition_out="fade")
    frames = render(tmp_path, job)
    assert frames[0].mean() < 4 and frames[-1].mean() < 4
    assert frames[12].mean() > 60
    assert frames[1].mean() < frames[3].mean() < frames[12].mean()


def test_shot_label_only_touches_the_top_left(tmp_path):
    job = make_job(width=320, height=192)
    labelled, plain = (render(tmp_path, job, f"{flag}.mp4", shot_label=flag)[0].astype(int) for flag in (True, False))
    difference = np.abs(labelled - plain)
    assert difference[:30, :100].max() > 100 and difference[:30, :100].mean() > 3
    assert difference[80:, :].mean() < 1.5


# --------------------------------------------------------------------------- drawn sets


def test_drawn_set_is_the_same_place_in_every_shot(tmp_path):
    one = render(tmp_path, make_job(shot_id="a", seed=1), "a.mp4", shot_label=False)[0]
    two = render(tmp_path, make_job(shot_id="b", seed=99, index=8), "b.mp4", shot_label=False)[0]
    elsewhere = render(tmp_path, make_job(location_name="WORKSHOP"), "c.mp4", shot_label=False)[0]
    assert np.array_equal(one, two)
    assert np.abs(one.astype(int) - elsewhere.astype(int)).mean() > 5


def test_night_is_darker_than_day_and_outside_differs_from_inside(tmp_path):
    day = render(tmp_path, make_job(location_name="MAIN STREET", interior=False), "day.mp4", shot_label=False)[0]
    night = render(
        tmp_path, make_job(location_name="MAIN STREET", interior=False, time_of_day="NIGHT"), "night.mp4", shot_label=False
    )[0]
    inside = render(tmp_path, make_job(location_name="MAIN STREET", interior=True), "inside.mp4", shot_label=False)[0]
    assert night.mean() < 0.5 * day.mean()
    assert night[:, :, 2].mean() > night[:, :, 0].mean()  # night is blue
    assert np.abs(day.astype(int) - inside.astype(int)).mean() > 10


# --------------------------------------------------------------------------- errors


def test_unreadable_backdrop_raises_render_error(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"this is not a picture")
    with pytest.raises(RenderError, match="location image cannot be read"):
        Backend(Backend.Options()).render(make_job(location_image=broken), tmp_path / "clip.mp4")
    with pytest.raises(RenderError, match="location image not found"):
        Backend(Backend.Options()).render(make_job(location_image=tmp_path / "missing.png"), tmp_path / "clip.mp4")
    assert not (tmp_path / "clip.mp4").exists()


def test_bad_inputs_raise_render_error(tmp_path):
    with pytest.raises(RenderError, match="even size"):
        Backend(Backend.Options()).render(make_job(width=161), tmp_path / "clip.mp4")
    with pytest.raises(RenderError, match="not a colour"):
        Backend(Backend.Options()).render(
            make_job(characters=[character("X", "teal-ish", (0.1, 0.1, 0.2, 0.8))]), tmp_path / "clip.mp4"
        )


def test_encoder_failure_raises_render_error_and_leaves_no_file(tmp_path):
    with pytest.raises(RenderError, match="ffmpeg failed while encoding shot 3"):
        Backend(Backend.Options()).render(make_job(preset="no-such-preset"), tmp_path / "clip.mp4")
    assert list(tmp_path.iterdir()) == []


def test_a_day_photo_is_graded_for_a_night_scene_only_when_its_time_is_known(tmp_path):
    photo = backdrop(tmp_path)
    day = render(tmp_path, make_job(location_image=photo, time_of_day="DAY", location_image_time_of_day="DAY"), "day.mp4")
    night = render(tmp_path, make_job(location_image=photo, time_of_day="NIGHT", location_image_time_of_day="DAY"), "night.mp4")
    unknown = render(tmp_path, make_job(location_image=photo, time_of_day="NIGHT"), "unknown.mp4")
    exterior = render(
        tmp_path,
        make_job(location_image=photo, time_of_day="NIGHT", location_image_time_of_day="DAY", interior=False),
        "exterior.mp4",
    )
    mean = {name: frames.reshape(-1, 3).mean(axis=0) for name, frames in
            {"day": day, "night": night, "unknown": unknown, "exterior": exterior}.items()}  # fmt: skip
    assert mean["night"].sum() < 0.65 * mean["day"].sum()  # day for night: much darker
    assert np.abs(mean["unknown"] - mean["day"]).max() < 2  # an unknown photo is left as it is
    red, green, blue = mean["exterior"]
    assert blue > red + 10  # outdoors the night is blue; indoors it is lamp-warm
