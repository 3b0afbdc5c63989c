"""A picture placed in the shot's plan: the frame as the plan composed it, in output pixels.

Every layer (the background, each figure) is a Sprite drawn once per shot, larger than it will be shown,
so that each frame only needs one crop-and-resize per layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image

Point = tuple[float, float]


@dataclass(frozen=True)
class Sprite:
    """`image` is premultiplied RGBa (or RGB for an opaque layer), so resizing never bleeds colour out of
    transparent pixels; its top-left corner sits at `origin` (plan pixels), `density` image pixels per plan pixel."""

    image: Image.Image
    origin: Point
    density: float

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """Left, top, right, bottom in plan pixels."""
        left, top = self.origin
        return left, top, left + self.image.width / self.density, top + self.image.height / self.density

    def rotated(self, degrees: float, about: Point) -> Sprite:
        """The same picture with the whole plan turned `degrees` counter-clockwise around `about`."""
        if degrees == 0:
            return self
        left, top, right, bottom = self.extent
        centre = rotate_point(((left + right) / 2, (top + bottom) / 2), degrees, about)
        turned = self.image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True)
        origin = (centre[0] - turned.width / self.density / 2, centre[1] - turned.height / self.density / 2)
        return Sprite(turned, origin, self.density)


def rotate_point(point: Point, degrees: float, about: Point) -> Point:
    """Counter-clockwise as seen on screen, where y grows downwards (the way PIL's Image.rotate turns)."""
    radians = math.radians(degrees)
    dx, dy = point[0] - about[0], point[1] - about[1]
    return (
        about[0] + dx * math.cos(radians) + dy * math.sin(radians),
        about[1] - dx * math.sin(radians) + dy * math.cos(radians),
    )
