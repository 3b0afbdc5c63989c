"""Backdrop canvases and the light effects painted on them: glows, beams, translucent overlays, skies."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from .canvas import BACKDROP_SIZE, RGB, SUPERSAMPLE, Pen, Point, mix, shrink


def glow(image: Image.Image, spots: Iterable[tuple[float, float, float, RGB, int]], blur: float) -> Image.Image:
    """Soft light halos (x, y, radius, colour, opacity in output pixels) blended over a supersampled RGB canvas.

    Blurred light has no edges to anti-alias, so it is drawn and blurred at output size and blown up with
    NEAREST (blocks that the final shrink averages back exactly): a fraction of the work at full size.
    """
    layer = Image.new("RGBA", BACKDROP_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for x, y, radius, colour, opacity in spots:
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=(*colour, opacity))
    layer = layer.filter(ImageFilter.GaussianBlur(blur)).resize(image.size, Image.Resampling.NEAREST)
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def light_beam(
    image: Image.Image, points: Sequence[Point], colour: str, opacity: int, source_x: float, far_x: float
) -> Image.Image:
    """A lighthouse beam: a soft-edged wedge of light that fades from `source_x` to nothing at `far_x`."""
    wedge = Image.new("L", BACKDROP_SIZE, 0)
    ImageDraw.Draw(wedge).polygon(list(points), fill=255)
    fade = Image.new("L", BACKDROP_SIZE, 0)
    stripes = 48
    for i in range(stripes):
        x0 = far_x + (source_x - far_x) * i / stripes
        x1 = far_x + (source_x - far_x) * (i + 1) / stripes
        ImageDraw.Draw(fade).rectangle([min(x0, x1), 0, max(x0, x1), fade.height], fill=round(opacity * (i + 1) / stripes))
    mask = ImageChops.multiply(wedge, fade).filter(ImageFilter.GaussianBlur(10))
    return Image.composite(Image.new("RGB", image.size, colour), image, mask.resize(image.size, Image.Resampling.NEAREST))


def overlay(image: Image.Image, draw: Callable[[Pen], None]) -> Image.Image:
    """Draws translucent shapes (colours with alpha) over an RGB canvas."""
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw(Pen(layer))
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def backdrop_canvas() -> tuple[Image.Image, Pen]:
    image = Image.new("RGB", (BACKDROP_SIZE[0] * SUPERSAMPLE, BACKDROP_SIZE[1] * SUPERSAMPLE))
    return image, Pen(image)


def banded_gradient(pen: Pen, x0: float, y0: float, x1: float, y1: float, top: str, bottom: str, bands: int) -> None:
    """A vertical gradient in flat bands, the posterised look of a painted sky."""
    step = (y1 - y0) / bands
    for band in range(bands):
        colour = mix(top, bottom, band / max(1, bands - 1))
        pen.rect(x0, y0 + band * step, x1, y0 + (band + 1) * step + 1, fill=colour)


def stars(pen: Pen, seed: int, count: int, x0: float, y0: float, x1: float, y1: float) -> None:
    sky = random.Random(seed)
    for _ in range(count):
        x, y, r = sky.uniform(x0, x1), sky.uniform(y0, y1), sky.choice((1.2, 1.6, 2.2))
        pen.ellipse(x, y, r, r, fill=mix("#fff6d8", "#9fb6cf", sky.random() * 0.5))


def finish(image: Image.Image) -> Image.Image:
    """Shrinks a backdrop to size; 256 flat colours keep the flat look and the PNG small (glows band a little)."""
    return shrink(image, BACKDROP_SIZE).quantize(256, method=Image.Quantize.MEDIANCUT).convert("RGB")
