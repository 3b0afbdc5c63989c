"""One shot of the animatic: its layers composed once, then any frame drawn with one warp per layer.

The layers (backdrop, one sprite per character) are drawn at the largest magnification the camera will
reach, so a frame never enlarges a sprite past its detail; a frame crops and scales each layer to the
camera's view and lays the figures over the backdrop in depth order. The per-frame work is OpenCV's warpAffine
(bilinear, SIMD) on arrays made once per shot, from a copy of the layer pre-shrunk (antialiased) to within a few per
cent of the frame's scale, so frames look as they did when Pillow resized each layer every frame, at a tenth of the
cost: drawing a frame costs less than encoding it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
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
# A layer is warped from the copy of it shrunk to at most this factor above the frame's scale: bilinear sampling
# ignores the pixels between its four taps, so shrinking further would alias where the antialiased resize did not.
MIP_STEP = 1.06

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

    def frames(self) -> Iterator[np.ndarray]:
        """Every frame in order, each a (height, width, 3) uint8 RGB array at the output size."""
        layers = _Layers(self)
        for index in range(self.num_frames):
            yield layers.frame(index)

    def frame(self, index: int) -> Image.Image:
        """Frame `index` (0-based) of the shot, RGB at the output size."""
        return Image.fromarray(_Layers(self).frame(index))

    def brightness(self, index: int) -> float:
        """1 but for the frames of a fade in or out, where it goes down to 0 at the shot's first or last frame."""
        fade_in = index / self.fade_in_frames if index < self.fade_in_frames else 1.0
        from_end = self.num_frames - 1 - index
        fade_out = from_end / self.fade_out_frames if from_end < self.fade_out_frames else 1.0
        return min(1.0, fade_in, fade_out)


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
    return Image.fromarray(cv2.multiply(np.asarray(image), cv2.merge((shade, shade, shade)), dtype=cv2.CV_8U))


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


class _Layers:
    """A shot's layers as arrays, each with copies pre-shrunk by MIP_STEP, and the drawing of one frame from them."""

    def __init__(self, shot: ComposedShot):
        self.shot = shot
        self.background = _Mipmap(shot.background)
        self.figures = [(_Mipmap(figure.sprite), figure.bob) for figure in shot.figures]
        self.label = None if shot.label is None else _premultiplied(shot.label)

    def frame(self, index: int) -> np.ndarray:
        shot = self.shot
        progress = index / (shot.num_frames - 1) if shot.num_frames > 1 else 0.0
        canvas = self.background.view(shot.camera.view(progress, foreground=False), shot.camera.frame)
        view = shot.camera.view(progress, foreground=True)
        seconds = index / shot.fps
        for layer, bob in self.figures:
            lift = bob * (1 - math.cos(2 * math.pi * seconds / BOB_PERIOD_S)) / 2
            layer.lay_over(canvas, view, lift=lift)
        if self.label is not None:
            margin = max(4, shot.camera.frame[1] // 40)
            _lay_over(canvas, self.label, margin, margin)
        brightness = shot.brightness(index)
        if brightness < 1.0:
            canvas = cv2.convertScaleAbs(canvas, alpha=brightness)
        return canvas


class _Mipmap:
    """A sprite's picture as an array (RGB, or premultiplied RGBA), and copies of it each MIP_STEP smaller than the last."""

    def __init__(self, sprite: Sprite):
        self.sprite = sprite
        self.levels = {0: np.asarray(sprite.image)}  # level k: shrunk MIP_STEP ** k times, made when first wanted

    def _level(self, shrink: float) -> tuple[np.ndarray, float]:
        """The most shrunk copy that still has at least one pixel per output pixel at `shrink`, and its shrink."""
        level = max(0, math.floor(math.log(max(shrink, 1.0)) / math.log(MIP_STEP) + 1e-9))
        if level not in self.levels:
            image = self.sprite.image
            size = (max(1, round(image.width / MIP_STEP**level)), max(1, round(image.height / MIP_STEP**level)))
            self.levels[level] = np.asarray(image.resize(size, Image.Resampling.BILINEAR))
        pixels = self.levels[level]
        return pixels, self.sprite.image.width / pixels.shape[1]

    def view(self, view: Rect, size: tuple[int, int]) -> np.ndarray:
        """The picture inside `view` (plan pixels), scaled to `size`; beyond its edges it repeats its border."""
        left, top, _, _ = self.sprite.extent
        return self._warp(
            (view.left - left, view.top - top, view.width, view.height), size, border=cv2.BORDER_REPLICATE
        )

    def lay_over(self, canvas: np.ndarray, view: Rect, *, lift: float = 0.0) -> None:
        """Lays the part of the sprite inside `view` over `canvas`, scaled to it; `lift` raises it (plan px)."""
        height, width = canvas.shape[:2]
        zoom = width / view.width
        left, top, right, bottom = self.sprite.extent
        top, bottom = top - lift, bottom - lift
        # Whole output pixels that the sprite covers entirely; the sprite's edges are transparent padding.
        x0, y0 = max(0, math.ceil((left - view.left) * zoom)), max(0, math.ceil((top - view.top) * zoom))
        x1, y1 = min(width, math.floor((right - view.left) * zoom)), min(height, math.floor((bottom - view.top) * zoom))
        if x1 <= x0 or y1 <= y0:
            return
        area = (view.left + x0 / zoom - left, view.top + y0 / zoom - top, (x1 - x0) / zoom, (y1 - y0) / zoom)
        _lay_over(canvas, self._warp(area, (x1 - x0, y1 - y0), border=cv2.BORDER_CONSTANT), x0, y0)

    def _warp(self, area: tuple[float, float, float, float], size: tuple[int, int], *, border: int) -> np.ndarray:
        """`area` (left, top, width, height in plan pixels from the sprite's corner) scaled to `size`, bilinear, from
        the smallest copy still at least as detailed as `size` needs; pixel centres map as in Image.resize."""
        left, top, width, height = area
        pixels, shrink = self._level(self.sprite.density * width / size[0])  # sprite pixels per output pixel
        density = self.sprite.density / shrink
        step_x, step_y = density * width / size[0], density * height / size[1]
        to_source = np.array(
            [[step_x, 0, left * density + step_x / 2 - 0.5], [0, step_y, top * density + step_y / 2 - 0.5]], np.float64
        )
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        return cv2.warpAffine(pixels, to_source, size, flags=flags, borderMode=border, borderValue=0)


def _premultiplied(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGBa"))


def _lay_over(canvas: np.ndarray, piece: np.ndarray, x: int, y: int) -> None:
    """Premultiplied RGBA `piece` over `canvas` (RGB) with its top-left corner at x, y: piece + canvas * (1 - alpha)."""
    region = canvas[y : y + piece.shape[0], x : x + piece.shape[1]]
    piece = piece[: region.shape[0], : region.shape[1]]
    uncovered = cv2.cvtColor(cv2.bitwise_not(cv2.extractChannel(piece, 3)), cv2.COLOR_GRAY2RGB)
    region[:] = cv2.add(cv2.multiply(region, uncovered, scale=1 / 255), cv2.cvtColor(piece, cv2.COLOR_RGBA2RGB))
