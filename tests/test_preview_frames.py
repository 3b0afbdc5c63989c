"""The preview draws its frames with OpenCV warps of layers made once per shot; the pictures must stay those of the
per-frame Pillow path it replaced, which is kept here (and only here) as the reference."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from movieagent.preview.shot import BOB_PERIOD_S, ComposedShot, Look, compose_shot
from movieagent.preview.sprite import Sprite
from tests.test_video_preview import character, make_job

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "character_bank/borrowed-sugar"
WIDTH, HEIGHT = 427, 240


def reference_frame(shot: ComposedShot, index: int) -> np.ndarray:
    """Frame `index` as the preview drew it before: every layer cropped and resized with Pillow, every frame."""
    progress = index / (shot.num_frames - 1) if shot.num_frames > 1 else 0.0
    canvas = _resized(shot.background, shot.camera.view(progress, foreground=False), shot.camera.frame)
    view = shot.camera.view(progress, foreground=True)
    for figure in shot.figures:
        lift = figure.bob * (1 - math.cos(2 * math.pi * index / shot.fps / BOB_PERIOD_S)) / 2
        _paste(canvas, figure.sprite, view, lift)
    if shot.label is not None:
        margin = max(4, shot.camera.frame[1] // 40)
        canvas.paste(shot.label, (margin, margin), shot.label)
    brightness = shot.brightness(index)
    if brightness < 1.0:
        canvas = canvas.point([round(value * brightness) for value in range(256)] * 3)
    return np.asarray(canvas)


def _resized(sprite: Sprite, view, size: tuple[int, int]) -> Image.Image:
    left, top, _, _ = sprite.extent
    box = [(view.left - left), (view.top - top), (view.left + view.width - left), (view.top + view.height - top)]
    return sprite.image.resize(size, Image.Resampling.BILINEAR, box=_clamped([value * sprite.density for value in box], sprite.image))


def _paste(canvas: Image.Image, sprite: Sprite, view, lift: float) -> None:
    width, height = canvas.size
    zoom = width / view.width
    left, top, right, bottom = sprite.extent
    top, bottom = top - lift, bottom - lift
    x0, y0 = max(0, math.ceil((left - view.left) * zoom)), max(0, math.ceil((top - view.top) * zoom))
    x1, y1 = min(width, math.floor((right - view.left) * zoom)), min(height, math.floor((bottom - view.top) * zoom))
    if x1 <= x0 or y1 <= y0:
        return
    box = [view.left + x0 / zoom - left, view.top + y0 / zoom - top, view.left + x1 / zoom - left, view.top + y1 / zoom - top]
    box = _clamped([value * sprite.density for value in box], sprite.image)
    piece = sprite.image.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR, box=box).convert("RGBA")
    canvas.paste(piece, (x0, y0), piece)


def _clamped(box: list[float], image: Image.Image) -> tuple[float, float, float, float]:
    left, top, right, bottom = box
    return max(0.0, left), max(0.0, top), min(float(image.width), right), min(float(image.height), bottom)


SHOTS = {
    "static two-shot, one speaking": {"characters": "two", "movement": "static", "size": "medium_wide"},
    "pan over a photo": {"characters": "one", "movement": "pan_right", "size": "wide", "location": True},
    "zoom in on a drawn set": {"characters": "two", "movement": "zoom_in", "size": "full"},
    "dolly out, fading in and out": {"characters": "one", "movement": "dolly_out", "size": "medium", "fades": True},
    "dutch close-up tilting down": {"characters": "one", "movement": "tilt_down", "size": "close_up", "angle": "dutch"},
}


def shot_job(characters: str, movement: str, size: str, angle: str = "eye_level", location: bool = False, fades: bool = False):
    arthur = character("Arthur", "#c98a2b", (0.18, 0.12, 0.3, 0.85), image=BANK / "arthur-penhallow/arthur.png", speaking=True)
    dolores = character("Dolores", "#9b4dca", (0.55, 0.1, 0.28, 0.88), image=BANK / "dolores-vance/dolores.png")
    return make_job(
        width=WIDTH, height=HEIGHT, fps=12, num_frames=18, movement=movement, size=size, angle=angle,
        characters=[arthur, dolores] if characters == "two" else [arthur],
        location_image=BANK / "locations/maple-street/maple-street.png" if location else None,
        transition_in="fade" if fades else "cut", transition_out="fade" if fades else "cut",
    )  # fmt: skip


@pytest.mark.parametrize("name", SHOTS)
def test_frames_are_the_pictures_of_the_per_frame_path(name):
    shot = compose_shot(shot_job(**SHOTS[name]), Look())
    frames = list(shot.frames())
    assert len(frames) == shot.num_frames
    for index in (0, 1, shot.num_frames // 2, shot.num_frames - 1):
        drawn, reference = frames[index].astype(int), reference_frame(shot, index).astype(int)
        assert drawn.shape == reference.shape == (HEIGHT, WIDTH, 3)
        difference = np.abs(drawn - reference)
        # Edges are a shade softer or sharper (another antialiasing filter); nothing moves, nothing changes colour.
        assert difference.mean() < 1.0, (name, index, difference.mean())
        assert np.percentile(difference, 99) < 16, (name, index, np.percentile(difference, 99))
        assert np.abs(drawn.mean(axis=(0, 1)) - reference.mean(axis=(0, 1))).max() < 0.5, (name, index)


def test_a_still_is_the_first_frame():
    shot = compose_shot(shot_job(**SHOTS["zoom in on a drawn set"]), Look())
    assert np.array_equal(np.asarray(shot.frame(0)), next(iter(shot.frames())))
