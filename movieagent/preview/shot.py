"""One shot of the animatic: its layers composed once, then any frame drawn with one resize per layer.

The layers (backdrop, one sprite per character) are drawn at the largest magnification the camera will
reach, so a frame never enlarges a sprite past its detail; a frame crops and scales each layer to the
camera's view (Image.resize with a box) and pastes the figures over the backdrop in depth order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from movieagent.preview.backdrop import drawn_backdrop, is_interior, photo_backdrop, relight
from movieagent.preview.camera import MARGIN, Camera, Rect, background_window, camera_for
from movieagent.preview.figures import figure_sprite
from movieagent.preview.fonts import font
from movieagent.preview.sprite import Sprite
from movieagent.schema import CameraAngle, CameraMovement, RenderJob, ShotSize, Transition

# A drawn set is made this much wider than the frame, so wide shots show it at its own resolution.
DRAWN_SET_SCALE = 1.25
# Layers are never drawn more than this many times the frame size: memory and drawing time stay bounded.
MAX_DENSITY = 2.0
FADE_S = 0.5
VIGNETTE = 0.32  # how much darker the frame's corners are than its centre
BOB_PERIOD_S = 0.8
BOB_HEIGHT = 0.012  # of the speaker's box height

SIZE_LABELS = {
    ShotSize.extreme_wide: "EWS",
    ShotSize.wide: "WS",
    ShotSize.full: "FS",
    ShotSize.medium_wide: "MWS",
    ShotSize.medium: "MS",
    ShotSize.medium_close_up: "MCU",
    ShotSize.close_up: "CU",
    ShotSize.extreme_close_up: "ECU",
}


@dataclass(frozen=True)
class Look:
    """The backend's drawing options that shape every frame."""

    shot_label: bool = True
    static_drift: float = 0.03
    speaker_cue: bool = True


@dataclass(frozen=True)
class Figure:
    sprite: Sprite
    bob: float  # plan pixels the figure rises at the top of its bob; 0 stands still


@dataclass(frozen=True)
class ComposedShot:
    num_frames: int
    fps: int
    camera: Camera
    background: Sprite
    figures: list[Figure]
    label: Image.Image | None
    fade_in_frames: int
    fade_out_frames: int

    def frame(self, index: int) -> Image.Image:
        """Frame `index` (0-based) of the shot, RGB at the output size."""
        progress = index / (self.num_frames - 1) if self.num_frames > 1 else 0.0
        canvas = _backdrop_view(self.background, self.camera.view(progress, foreground=False), self.camera.frame)
        view = self.camera.view(progress, foreground=True)
        seconds = index / self.fps
        for figure in self.figures:
            lift = figure.bob * (1 - math.cos(2 * math.pi * seconds / BOB_PERIOD_S)) / 2
            _draw(canvas, figure.sprite, view, lift=lift)
        if self.label is not None:
            margin = max(4, self.camera.frame[1] // 40)
            canvas.paste(self.label, (margin, margin), self.label)
        brightness = min(1.0, *self._fades(index))
        if brightness < 1.0:
            canvas = canvas.point([round(value * brightness) for value in range(256)] * 3)
        return canvas

    def _fades(self, index: int) -> tuple[float, float]:
        fade_in = index / self.fade_in_frames if index < self.fade_in_frames else 1.0
        from_end = self.num_frames - 1 - index
        fade_out = from_end / self.fade_out_frames if from_end < self.fade_out_frames else 1.0
        return fade_in, fade_out


def compose_shot(job: RenderJob, look: Look) -> ComposedShot:
    """Draws every layer of `job` once; see ComposedShot.frame for the per-frame work."""
    frame = (job.width, job.height)
    camera = camera_for(job.size, job.angle, job.movement, job.characters, frame, static_drift=look.static_drift)
    turn = camera.tilt_degrees

    # 1. The backdrop behind the planned frame, vignetted, at the largest magnification the shot reaches.
    background = _background(job, camera).rotated(turn, camera.centre)

    # 2. The figures, the ones nearer the camera (lower feet) drawn last.
    density = min(MAX_DENSITY, camera.largest_scale(foreground=True))
    figures = []
    for character in sorted(job.characters, key=lambda c: (c.box.y + c.box.h, c.box.x)):
        cue = look.speaker_cue and character.speaking
        sprite = figure_sprite(character, frame, density, halo=cue).rotated(turn, camera.centre)
        figures.append(Figure(sprite, bob=BOB_HEIGHT * character.box.h * job.height if cue else 0.0))

    # 3. The label and the fades.
    fade_frames = min(round(FADE_S * job.fps), job.num_frames // 3)
    return ComposedShot(
        num_frames=job.num_frames,
        fps=job.fps,
        camera=camera,
        background=background,
        figures=figures,
        label=_label(job) if look.shot_label else None,
        fade_in_frames=fade_frames if job.transition_in is Transition.fade else 0,
        fade_out_frames=fade_frames if job.transition_out is Transition.fade else 0,
    )


def _background(job: RenderJob, camera: Camera) -> Sprite:
    width, height = camera.frame
    if job.location_image is not None:
        photo = photo_backdrop(Path(job.location_image), camera.frame)
        indoors = is_interior(job.location_name, job.interior)
        backdrop = relight(photo, job.location_image_time_of_day, job.time_of_day, interior=indoors)
    else:
        size = (round(width * DRAWN_SET_SCALE), round(height * DRAWN_SET_SCALE))
        backdrop = drawn_backdrop(job.location_name, job.interior, job.time_of_day, size)
    left, top, right, bottom = background_window(job.size, job.angle, job.characters)
    density = min(MAX_DENSITY, camera.largest_scale(foreground=False))
    size = (round(width * (1 + 2 * MARGIN) * density), round(height * (1 + 2 * MARGIN) * density))
    box = (left * backdrop.width, top * backdrop.height, right * backdrop.width, bottom * backdrop.height)
    layer = _vignette(backdrop.resize(size, Image.Resampling.BICUBIC, box=box))
    return Sprite(layer, (-MARGIN * width, -MARGIN * height), size[0] / (width * (1 + 2 * MARGIN)))


def _vignette(image: Image.Image) -> Image.Image:
    """Darkens towards the corners of the planned frame (the layer's margins are beyond them)."""
    width, height = image.size
    inner = 1 / (1 + 2 * MARGIN)
    xs = np.linspace(-1, 1, width, dtype=np.float32)[None, :] / inner
    ys = np.linspace(-1, 1, height, dtype=np.float32)[:, None] / inner
    shade = 1 - VIGNETTE * np.clip(np.sqrt(xs * xs + ys * ys) / math.sqrt(2), 0, 1.2) ** 2.2
    return Image.fromarray(np.clip(np.asarray(image, np.float32) * shade[:, :, None], 0, 255).astype(np.uint8))


def _label(job: RenderJob) -> Image.Image:
    """A small translucent tag, e.g. '12  MS  dolly in', so a reviewer can name the shot."""
    parts = [str(job.index), SIZE_LABELS[job.size]]
    if job.angle is not CameraAngle.eye_level:
        parts.append(job.angle.value.replace("_", " "))
    if job.movement is not CameraMovement.static:
        parts.append(job.movement.value.replace("_", " "))
    text = "  ".join(parts)
    size = max(9, round(job.height / 34))
    typeface = font(size)
    pad_x, pad_y = round(size * 0.6), round(size * 0.35)
    left, top, right, bottom = typeface.getbbox(text)
    label = Image.new("RGBA", (right - left + 2 * pad_x, bottom - top + 2 * pad_y), (0, 0, 0, 0))
    draw = ImageDraw.Draw(label)
    draw.rounded_rectangle((0, 0, label.width - 1, label.height - 1), radius=label.height // 2, fill=(10, 12, 16, 120))
    draw.text((pad_x - left, pad_y - top), text, font=typeface, fill=(255, 255, 255, 225))
    return label


def _backdrop_view(background: Sprite, view: Rect, size: tuple[int, int]) -> Image.Image:
    """The backdrop inside `view`, scaled to the frame; the camera never looks past the backdrop's margins."""
    left, top, _, _ = background.extent
    density = background.density
    box = _clamped_box(
        background.image,
        (
            (view.left - left) * density,
            (view.top - top) * density,
            (view.left + view.width - left) * density,
            (view.top + view.height - top) * density,
        ),
    )
    return background.image.resize(size, Image.Resampling.BILINEAR, box=box)


def _draw(canvas: Image.Image, sprite: Sprite, view: Rect, *, lift: float = 0.0) -> None:
    """Pastes the part of `sprite` inside `view` onto `canvas`, scaled to the canvas; `lift` raises it (plan px)."""
    width, height = canvas.size
    zoom = width / view.width
    left, top, right, bottom = sprite.extent
    top, bottom = top - lift, bottom - lift
    # Whole output pixels that the sprite covers entirely; the sprite's edges are transparent padding.
    x0, y0 = max(0, math.ceil((left - view.left) * zoom)), max(0, math.ceil((top - view.top) * zoom))
    x1, y1 = min(width, math.floor((right - view.left) * zoom)), min(height, math.floor((bottom - view.top) * zoom))
    if x1 <= x0 or y1 <= y0:
        return
    density = sprite.density
    box = _clamped_box(
        sprite.image,
        (
            (view.left + x0 / zoom - left) * density,
            (view.top + y0 / zoom - top) * density,
            (view.left + x1 / zoom - left) * density,
            (view.top + y1 / zoom - top) * density,
        ),
    )
    piece = sprite.image.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR, box=box).convert("RGBA")
    canvas.paste(piece, (x0, y0), piece)


def _clamped_box(image: Image.Image, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    # Rounding can put a box edge a hair outside the image, which Image.resize refuses.
    left, top, right, bottom = box
    return max(0.0, left), max(0.0, top), min(float(image.width), right), min(float(image.height), bottom)
