"""The drawing kit: a supersampled canvas addressed in design coordinates, colours and curves."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

from PIL import Image, ImageDraw

# Shapes are drawn this many times larger and shrunk once at the end: Pillow draws without anti-aliasing.
SUPERSAMPLE = 3
FIGURE_SIZE = (400, 900)
BACKDROP_SIZE = (1280, 720)
PHOTO_CARD_SIZE = (480, 640)
OUTLINE = 4.0  # cartoon outline width, in output pixels

Point = tuple[float, float]
RGB = tuple[int, int, int]


# --------------------------------------------------------------------------- colours


def rgb(hex_colour: str) -> RGB:
    value = hex_colour.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def mix(a: str | RGB, b: str | RGB, t: float) -> RGB:
    """The colour t of the way from a to b."""
    a, b = (rgb(c) if isinstance(c, str) else c for c in (a, b))
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def darker(colour: str | RGB, amount: float = 0.45) -> RGB:
    return mix(colour, (20, 16, 28), amount)


def lighter(colour: str | RGB, amount: float = 0.35) -> RGB:
    return mix(colour, (255, 255, 255), amount)


# --------------------------------------------------------------------------- drawing primitives


def bezier(*controls: Point, steps: int = 20) -> list[Point]:
    """Points along a Bezier curve of any degree (de Casteljau), endpoints included."""
    points = []
    for step in range(steps + 1):
        t = step / steps
        layer = list(controls)
        while len(layer) > 1:
            layer = [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for a, b in itertools.pairwise(layer)]
        points.append(layer[0])
    return points


def inside(polygon: Sequence[Point], point: Point) -> bool:
    """Whether a point lies inside a polygon (even-odd rule)."""
    x, y = point
    result = False
    for (x0, y0), (x1, y1) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            result = not result
    return result


def ellipse_points(cx: float, cy: float, rx: float, ry: float, tilt: float = 0, steps: int = 24) -> list[Point]:
    """An ellipse as a polygon, rotated by `tilt` degrees."""
    cos_tilt, sin_tilt = math.cos(math.radians(tilt)), math.sin(math.radians(tilt))
    points = []
    for step in range(steps):
        t = 2 * math.pi * step / steps
        x, y = rx * math.cos(t), ry * math.sin(t)
        points.append((cx + x * cos_tilt - y * sin_tilt, cy + x * sin_tilt + y * cos_tilt))
    return points


def mirrored(left_half: list[Point], centre_x: float) -> list[Point]:
    """A symmetric outline from its left half, drawn top-centre to bottom-centre."""
    return left_half + [(2 * centre_x - x, y) for x, y in reversed(left_half)]


class Pen:
    """ImageDraw on a supersampled canvas, addressed in design coordinates.

    A design point (x, y) lands at (origin + zoom * (x, y)) output pixels; `zoom` lets one drawing
    routine draw a child-sized figure or a figure bust without new coordinates.
    """

    def __init__(self, image: Image.Image, origin: Point = (0.0, 0.0), zoom: float = 1.0):
        self.draw = ImageDraw.Draw(image)
        self.origin = origin
        self.zoom = zoom

    def _xy(self, points: Iterable[Point]) -> list[Point]:
        ox, oy = self.origin
        return [((ox + self.zoom * x) * SUPERSAMPLE, (oy + self.zoom * y) * SUPERSAMPLE) for x, y in points]

    def _width(self, width: float) -> int:
        return max(1, round(width * self.zoom * SUPERSAMPLE))

    def polygon(self, points: Sequence[Point], fill, outline=None, width: float = OUTLINE) -> None:
        self.draw.polygon(self._xy(points), fill=fill, outline=outline, width=self._width(width) if outline else 0)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill, outline=None, width: float = OUTLINE) -> None:
        box = self._xy([(cx - rx, cy - ry), (cx + rx, cy + ry)])
        self.draw.ellipse(box, fill=fill, outline=outline, width=self._width(width) if outline else 0)

    def rect(
        self, x0: float, y0: float, x1: float, y1: float, fill, outline=None, width: float = OUTLINE, radius: float = 0
    ) -> None:
        box = self._xy([(x0, y0), (x1, y1)])
        self.draw.rounded_rectangle(
            box,
            radius=self._width(radius) if radius else 0,
            fill=fill,
            outline=outline,
            width=self._width(width) if outline else 0,
        )

    def line(self, points: Sequence[Point], fill, width: float, round_caps: bool = True) -> None:
        self.draw.line(self._xy(points), fill=fill, width=self._width(width), joint="curve")
        if round_caps:
            for x, y in (points[0], points[-1]):
                self.ellipse(x, y, width / 2, width / 2, fill=fill)

    def arc(self, cx: float, cy: float, rx: float, ry: float, start: float, end: float, fill, width: float) -> None:
        box = self._xy([(cx - rx, cy - ry), (cx + rx, cy + ry)])
        self.draw.arc(box, start, end, fill=fill, width=self._width(width))

    def chord(
        self, cx: float, cy: float, rx: float, ry: float, start: float, end: float, fill, outline=None, width: float = OUTLINE
    ) -> None:
        box = self._xy([(cx - rx, cy - ry), (cx + rx, cy + ry)])
        self.draw.chord(box, start, end, fill=fill, outline=outline, width=self._width(width) if outline else 0)

    def limb(self, points: Sequence[Point], width: float, fill, outline) -> None:
        """A sleeve, leg or strap: a thick round-capped stroke with an outline around it."""
        self.line(points, outline, width + 2 * OUTLINE)
        self.line(points, fill, width)


def shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return image.resize(size, Image.Resampling.LANCZOS)
