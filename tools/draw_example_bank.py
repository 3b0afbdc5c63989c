"""Draw every image of the example character banks with Pillow.

    .venv/bin/python tools/draw_example_bank.py [OUTPUT_ROOT]     # default: character_bank/

Characters are full-body, front-facing cut-outs (RGBA, transparent background); locations are flat-colour
backdrops (RGB) with the lower middle kept quiet so that figures stand out in front of them. Everything is
drawn from fixed shapes and fixed seeds, so a re-run reproduces the committed PNGs pixel for pixel.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from movieagent.workspace import atomic_path

REPO_ROOT = Path(__file__).resolve().parent.parent

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


# --------------------------------------------------------------------------- figure parts

# The standing adult in design coordinates (a 400 x 900 canvas, feet on GROUND).
CENTRE_X = 200
GROUND = 884


def draw_face(
    pen: Pen,
    cx: float,
    cy: float,
    skin: str,
    *,
    eyes: str = "#3a2a20",
    brows: str = "#3a2a20",
    mouth: str = "smile",
    lips: str = "#a8463c",
    brow_tilt: float = 0.0,
    age_lines: bool = False,
) -> None:
    """Eyes, brows, nose, mouth and cheeks centred on the head at (cx, cy)."""
    for side in (-1, 1):
        ex = cx + side * 21
        pen.ellipse(ex, cy + 2, 10, 12, fill="#ffffff", outline=darker(skin, 0.55), width=2)
        pen.ellipse(ex + side * -1, cy + 4, 6.5, 7.5, fill=eyes)
        pen.ellipse(ex + side * -1 - 2, cy + 1, 2.2, 2.2, fill="#ffffff")
        inner, outer = (ex - side * 11, cy - 17 + brow_tilt), (ex + side * 11, cy - 19 - brow_tilt)
        pen.line([inner, (ex, cy - 21), outer], fill=brows, width=4.5)
        pen.ellipse(cx + side * 31, cy + 24, 10, 6, fill=mix(skin, "#e8707a", 0.35))
        if age_lines:
            pen.line([(ex + side * 14, cy + 1), (ex + side * 19, cy - 2)], fill=darker(skin, 0.35), width=1.6)
            pen.line([(ex + side * 14, cy + 6), (ex + side * 19, cy + 8)], fill=darker(skin, 0.35), width=1.6)
    pen.line([(cx - 2, cy + 8), (cx - 5, cy + 23), (cx + 3, cy + 25)], fill=darker(skin, 0.3), width=3)
    if mouth == "grin":  # open smile with teeth
        pen.chord(cx, cy + 32, 17, 13, 0, 180, fill="#7a2a2a", outline=darker(skin, 0.6), width=2.5)
        pen.rect(cx - 12, cy + 32, cx + 12, cy + 37, fill="#ffffff")
    elif mouth == "lipstick":
        pen.chord(cx, cy + 33, 13, 7, 0, 180, fill=lips)
        pen.chord(cx, cy + 34, 13, 5, 180, 360, fill=lips)
    else:
        pen.arc(cx, cy + 28, 14, 9, 20, 160, fill=darker(skin, 0.6), width=3.5)


def draw_head(pen: Pen, cx: float, cy: float, skin: str, rx: float = 54, ry: float = 64) -> None:
    """Ears, neck and head; hair and face go on top."""
    outline = darker(skin, 0.5)
    pen.rect(cx - 18, cy + ry - 24, cx + 18, cy + ry + 32, fill=darker(skin, 0.12), outline=outline)
    for side in (-1, 1):
        pen.ellipse(cx + side * (rx - 2), cy + 8, 11, 16, fill=skin, outline=outline)
    pen.ellipse(cx, cy, rx, ry, fill=skin, outline=outline)


def draw_hair_cap(
    pen: Pen,
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    colour: str,
    *,
    temple: float,
    hairline: float,
    parting: float = 0,
    puff: float = 6,
) -> None:
    """Hair over the top of the head down to the temples, leaving the forehead bare below `hairline`.

    `temple` and `hairline` are heights relative to the head centre; `parting` moves the parting sideways.
    """
    outer = [
        (cx + (rx + puff) * math.cos(math.radians(t)), cy + (ry + puff) * math.sin(math.radians(t))) for t in range(180, 361, 6)
    ]
    outer = [(cx - rx - puff, cy + temple)] + outer + [(cx + rx + puff, cy + temple)]
    hairline_points = bezier((cx + rx - 6, cy + temple), (cx + rx * 0.8, cy + hairline + 8), (cx + parting, cy + hairline))
    hairline_points += bezier((cx + parting, cy + hairline), (cx - rx * 0.8, cy + hairline + 8), (cx - rx + 6, cy + temple))
    pen.polygon(outer + hairline_points, fill=colour, outline=darker(colour, 0.35))


def torso_outline(
    cx: float, top: float, bottom: float, shoulder: float, waist: float, hem: float, neck: float = 24
) -> list[Point]:
    """A garment's silhouette: rounded shoulders, a waist two thirds down, a hem at the bottom."""
    waist_y = top + (bottom - top) * 0.66
    left = [(cx, top - 2), (cx - neck, top - 4)]
    left += bezier((cx - neck, top - 4), (cx - shoulder + 14, top), (cx - shoulder, top + 10), (cx - shoulder, top + 46))
    left += bezier((cx - shoulder, top + 46), (cx - shoulder + 6, waist_y - 60), (cx - waist, waist_y))
    left += bezier((cx - waist, waist_y), (cx - hem, bottom - 20), (cx - hem, bottom))
    left.append((cx, bottom))
    return mirrored(left, cx)


def draw_legs(pen: Pen, cx: float, hip_y: float, ankle_y: float, colour: str, gap: float = 28, width: float = 54) -> None:
    for side in (-1, 1):
        pen.limb([(cx + side * gap, hip_y), (cx + side * (gap + 2), ankle_y)], width, colour, darker(colour))


def draw_shoes(
    pen: Pen, cx: float, colour: str, gap: float = 34, sole: str | None = None, rx: float = 36, ground: float = GROUND
) -> None:
    for side in (-1, 1):
        x = cx + side * gap
        if sole:
            pen.rect(x - rx, ground - 12, x + rx, ground, fill=sole, outline=darker(sole, 0.5), radius=6)
        pen.chord(x, ground - 10, rx, 26, 180, 360, fill=colour, outline=darker(colour))


def draw_arm(
    pen: Pen, points: Sequence[Point], sleeve: str, skin: str, cuff: str | None = None, sleeve_width: float = 38, hand: float = 17
) -> Point:
    """A sleeved arm along shoulder -> elbow -> wrist; returns where the hand is."""
    pen.limb(points, sleeve_width, sleeve, darker(sleeve))
    wrist = points[-1]
    if cuff:
        pen.ellipse(wrist[0], wrist[1], sleeve_width / 2 + 2, 9, fill=cuff, outline=darker(cuff), width=3)
    hand_at = (wrist[0] + (wrist[0] - points[-2][0]) * 0.12, wrist[1] + hand * 0.9)
    draw_hand(pen, hand_at, skin, hand)
    return hand_at


def draw_hand(pen: Pen, at: Point, skin: str, radius: float = 17) -> None:
    """A mitten-like fist; drawn again over a prop's handle so the hand holds it."""
    pen.ellipse(at[0], at[1], radius, radius * 1.08, fill=skin, outline=darker(skin, 0.5))


def hanging_arms(cx: float, shoulder: float, top: float, length: float = 236, spread: float = 10) -> list[list[Point]]:
    """Both arms hanging relaxed at the sides: viewer's left first."""
    arms = []
    for side in (-1, 1):
        x = cx + side * (shoulder - 16)
        arms.append([(x, top + 30), (x + side * spread, top + length * 0.5), (x + side * (spread - 4), top + length)])
    return arms


def figure_canvas() -> Image.Image:
    return Image.new("RGBA", (FIGURE_SIZE[0] * SUPERSAMPLE, FIGURE_SIZE[1] * SUPERSAMPLE), (0, 0, 0, 0))


# --------------------------------------------------------------------------- the lighthouse cast


def draw_mara(pen: Pen) -> None:
    """Mara Quell: tall, wiry, grey braid, navy fisherman's sweater, red scarf, storm lantern."""
    cx, skin, navy, red = CENTRE_X, "#e6b994", "#27385a", "#d04a3a"
    hair, hair_dark = "#c9ccd3", "#8d929c"
    top, hem = 222, 520
    draw_legs(pen, cx, 500, 838, "#3b3f46", gap=26, width=50)
    draw_shoes(pen, cx, "#6b4a2f", gap=32, sole="#3a2a1f", rx=34)
    left_arm, right_arm = hanging_arms(cx, 80, top, length=246, spread=12)
    hand = draw_arm(pen, left_arm, navy, skin, cuff=lighter(navy, 0.15), sleeve_width=36)
    draw_arm(pen, right_arm, navy, skin, cuff=lighter(navy, 0.15), sleeve_width=36)
    pen.polygon(torso_outline(cx, top, hem, 80, 62, 66), fill=navy, outline=darker(navy, 0.55))
    # Cable knit: a column of chevrons down the front and two plain ribs beside it.
    knit = lighter(navy, 0.16)
    for y in range(272, hem - 40, 26):
        pen.line([(cx - 14, y), (cx, y + 12), (cx + 14, y)], fill=knit, width=4)
    for side in (-1, 1):
        pen.line([(cx + side * 36, 262), (cx + side * 40, hem - 36)], fill=knit, width=4, round_caps=False)
    pen.rect(cx - 64, hem - 26, cx + 64, hem, fill=lighter(navy, 0.1), outline=darker(navy, 0.55), radius=6)
    draw_head(pen, cx, 130, skin, rx=50, ry=62)
    # Hair pulled back, a long braid over her left shoulder.
    draw_hair_cap(pen, cx, 130, 50, 62, hair, temple=-2, hairline=-40, puff=5)
    pen.line([(cx, 68), (cx, 90)], fill=hair_dark, width=3)
    braid = bezier((cx + 44, 168), (cx + 66, 230), (cx + 44, 330), (cx + 56, 400), steps=9)
    for i, (x, y) in enumerate(braid):  # plaits leaning left and right in turn
        pen.polygon(ellipse_points(x, y, 19, 12, tilt=30 if i % 2 else -30), fill=hair, outline=hair_dark, width=3)
    pen.rect(braid[-1][0] - 12, braid[-1][1] + 10, braid[-1][0] + 12, braid[-1][1] + 20, fill=red, radius=4)
    pen.polygon(
        [
            (braid[-1][0] - 10, braid[-1][1] + 20),
            (braid[-1][0] + 10, braid[-1][1] + 20),
            (braid[-1][0] + 14, braid[-1][1] + 44),
            (braid[-1][0] - 14, braid[-1][1] + 44),
        ],
        fill=hair,
        outline=hair_dark,
        width=3,
    )
    draw_face(pen, cx, 132, skin, eyes="#4a6b8a", brows="#9aa0aa", age_lines=True)
    # Red scarf wrapped at the neck, one fringed tail down the front.
    pen.rect(cx - 48, 186, cx + 48, 226, fill=red, outline=darker(red), radius=18)
    pen.polygon([(cx - 36, 212), (cx - 6, 214), (cx - 14, 372), (cx - 44, 368)], fill=red, outline=darker(red))
    for x in range(-42, -12, 7):
        pen.line([(cx + x, 372), (cx + x - 1, 388)], fill=red, width=4, round_caps=False)
    # Brass storm lantern in her right hand.
    lx, ly = hand[0], hand[1] + 10
    brass, brass_dark = "#c9a04a", "#7a5a1c"
    pen.arc(lx, ly - 6, 22, 26, 180, 360, fill=brass_dark, width=5)
    pen.rect(lx - 30, ly + 16, lx + 30, ly + 30, fill=brass, outline=brass_dark, radius=6)
    pen.rect(lx - 24, ly + 30, lx + 24, ly + 96, fill="#ffe9a6", outline=brass_dark, radius=10)
    pen.ellipse(lx, ly + 66, 9, 16, fill="#ffb733")
    pen.ellipse(lx, ly + 70, 4, 8, fill="#fff3c4")
    for x in (lx - 12, lx + 12):
        pen.line([(x, ly + 32), (x, ly + 94)], fill=brass_dark, width=3, round_caps=False)
    pen.rect(lx - 30, ly + 96, lx + 30, ly + 110, fill=brass, outline=brass_dark, radius=6)
    draw_hand(pen, hand, skin)


def draw_toby(pen: Pen) -> None:
    """Toby Fenn: stocky, messy ginger hair, freckles, teal work jacket with reflective bands, yellow toolbox."""
    cx, skin, teal, jeans = CENTRE_X, "#f2c9a8", "#2a9d8f", "#3d5a80"
    hair, stripe = "#d9702b", "#e9f0c9"
    top, hem = 226, 512
    draw_legs(pen, cx, 492, 836, jeans, gap=30, width=58)
    for side in (-1, 1):  # turned-up hems
        pen.rect(cx + side * 32 - 31, 808, cx + side * 32 + 31, 826, fill=lighter(jeans, 0.15), outline=darker(jeans))
    draw_shoes(pen, cx, "#c77d2e", gap=36, sole="#4a3020", rx=38)
    left_arm, right_arm = hanging_arms(cx, 94, top, length=238, spread=12)
    for arm in (left_arm, right_arm):
        hand = draw_arm(pen, arm, teal, skin, cuff=darker(teal, 0.2), sleeve_width=42, hand=18)
        (x0, y0), (x1, y1) = arm[1], arm[2]
        pen.line(
            [(x0 + (x1 - x0) * 0.3 - 20, y0 + (y1 - y0) * 0.3), (x0 + (x1 - x0) * 0.3 + 20, y0 + (y1 - y0) * 0.3 + 2)],
            fill=stripe,
            width=10,
            round_caps=False,
        )
    pen.polygon(torso_outline(cx, top, hem, 94, 80, 82, neck=30), fill=teal, outline=darker(teal, 0.55))
    for y in (396, 430):
        pen.rect(cx - 80, y, cx + 80, y + 13, fill=stripe, outline=darker(stripe, 0.3), width=2)
    pen.line([(cx, 250), (cx, hem - 4)], fill=darker(teal, 0.35), width=4, round_caps=False)
    for side in (-1, 1):  # chest pockets
        pen.rect(cx + side * 48 - 22, 290, cx + side * 48 + 22, 336, fill=lighter(teal, 0.1), outline=darker(teal))
    # Grey hoodie collar showing at the neck.
    pen.chord(cx, 222, 46, 30, 180, 360, fill="#8f98a3", outline=darker("#8f98a3"))
    draw_head(pen, cx, 136, skin, rx=56, ry=62)
    pen.polygon([(cx - 30, 226), (cx, 262), (cx + 30, 226)], fill="#8f98a3", outline=darker("#8f98a3"))
    # Messy ginger tufts.
    tufts = [
        (cx - 60, 128),
        (cx - 66, 88),
        (cx - 44, 92),
        (cx - 48, 58),
        (cx - 20, 70),
        (cx - 12, 42),
        (cx + 8, 64),
        (cx + 28, 40),
        (cx + 34, 70),
        (cx + 62, 56),
        (cx + 52, 90),
        (cx + 68, 96),
        (cx + 58, 128),
        (cx + 40, 100),
        (cx + 10, 96),
        (cx - 20, 104),
        (cx - 42, 104),
    ]
    pen.polygon(tufts, fill=hair, outline=darker(hair))
    draw_face(pen, cx, 140, skin, eyes="#3c6e47", brows=darker(hair, 0.2), mouth="grin")
    freckles = random.Random(7)
    for side in (-1, 1):
        for _ in range(6):
            pen.ellipse(cx + side * freckles.uniform(18, 40), 158 + freckles.uniform(0, 14), 2, 2, fill="#c9825a")
    # Yellow toolbox in his left hand.
    bx, by = hand[0] + 6, hand[1] + 4
    yellow = "#f2c230"
    pen.arc(bx, by, 22, 18, 180, 360, fill="#3b3f46", width=6)
    pen.rect(bx - 56, by + 4, bx + 56, by + 74, fill=yellow, outline=darker(yellow), radius=8)
    pen.rect(bx - 56, by + 4, bx + 56, by + 22, fill=darker(yellow, 0.15), outline=darker(yellow), radius=8)
    pen.rect(bx - 9, by + 16, bx + 9, by + 30, fill="#8f98a3", outline="#4b5058", width=2, radius=3)
    draw_hand(pen, hand, skin, 18)


# --------------------------------------------------------------------------- the Borrowed Sugar cast


def draw_arthur(pen: Pen) -> None:
    """Arthur Penhallow: short, round-shouldered, bald with white tufts, round glasses, mustard cardigan, teacup."""
    cx, skin, cardigan, shirt = CENTRE_X, "#f0c8a8", "#c98a2b", "#b9d3ea"
    corduroy = "#6b5a48"
    top, hem = 258, 540
    draw_legs(pen, cx, 520, 844, corduroy, gap=28, width=52)
    for side in (-1, 1):
        for offset in (-10, 10):
            x = cx + side * 29 + offset
            pen.line([(x, 530), (x, 836)], fill=darker(corduroy, 0.1), width=2, round_caps=False)
    draw_shoes(pen, cx, "#9b2d30", gap=33, sole="#2f2a26", rx=36)  # tartan slippers
    for side in (-1, 1):
        pen.line([(cx + side * 33 - 18, 864), (cx + side * 33 + 18, 864)], fill="#e0b04a", width=2.5)
    _, right_arm = hanging_arms(cx, 84, top, length=230, spread=10)  # his right arm holds the teacup
    draw_arm(pen, right_arm, cardigan, skin, cuff=darker(cardigan, 0.15), sleeve_width=38)
    # Shirt and knitted tie, then the open cardigan over them.
    pen.polygon(torso_outline(cx, top, hem, 84, 70, 76), fill=cardigan, outline=darker(cardigan, 0.55))
    pen.polygon(
        [(cx - 30, top - 4), (cx + 30, top - 4), (cx + 22, hem - 6), (cx - 22, hem - 6)], fill=shirt, outline=darker(shirt, 0.4)
    )
    pen.polygon(
        [(cx - 9, top + 14), (cx + 9, top + 14), (cx + 13, top + 150), (cx, top + 168), (cx - 13, top + 150)],
        fill="#7a3b2e",
        outline=darker("#7a3b2e"),
    )
    for side in (-1, 1):
        pen.polygon(
            [(cx + side * 30, top - 4), (cx + side * 22, hem - 6), (cx + side * 40, hem - 6), (cx + side * 48, top + 4)],
            fill=cardigan,
            outline=darker(cardigan, 0.55),
        )
        pen.rect(
            cx + side * 50 - 20, 430, cx + side * 50 + 20, 470, fill=darker(cardigan, 0.1), outline=darker(cardigan, 0.5)
        )  # pockets
    for y in range(300, 520, 46):
        pen.ellipse(cx - 34, y, 6, 6, fill="#5a3a1e")
    pen.rect(cx - 76, hem - 22, cx + 76, hem, fill=darker(cardigan, 0.1), outline=darker(cardigan, 0.55), radius=6)
    pen.polygon([(cx - 22, top - 6), (cx, top + 16), (cx + 22, top - 6)], fill=shirt, outline=darker(shirt, 0.4))
    draw_head(pen, cx, 172, skin, rx=54, ry=62)
    # Bald on top with cloud-like white tufts above the ears and a white moustache.
    white, white_dark = "#f4f4f2", "#b9b9b4"
    for side in (-1, 1):
        for dx, dy, r in ((52, 150, 16), (60, 170, 15), (46, 132, 13), (58, 190, 12)):
            pen.ellipse(cx + side * dx, dy, r, r, fill=white, outline=white_dark, width=3)
    pen.arc(cx - 18, 124, 12, 8, 200, 330, fill=darker(skin, 0.25), width=2.5)  # a wrinkle or two
    draw_face(pen, cx, 174, skin, eyes="#5a4a3a", brows="#e8e8e4", brow_tilt=-4, mouth="smile", age_lines=True)
    for side in (-1, 1):  # bushy brows over the line brows
        pen.ellipse(cx + side * 22, 154, 15, 6, fill=white, outline=white_dark, width=2)
    pen.polygon(
        [(cx - 30, 204), (cx - 6, 194), (cx, 198), (cx + 6, 194), (cx + 30, 204), (cx + 14, 210), (cx, 205), (cx - 14, 210)],
        fill=white,
        outline=white_dark,
        width=2.5,
    )
    for side in (-1, 1):  # round glasses
        pen.ellipse(cx + side * 22, 176, 17, 17, fill=None, outline="#3b3b3b", width=3.5)
    pen.line([(cx - 5, 174), (cx + 5, 174)], fill="#3b3b3b", width=3)
    # His right arm bent, holding a teacup and saucer at his chest.
    hand = draw_arm(
        pen,
        [(cx - 68, top + 30), (cx - 86, top + 150), (cx - 24, top + 190)],
        cardigan,
        skin,
        cuff=darker(cardigan, 0.15),
        sleeve_width=38,
    )
    tx, ty = hand[0] + 22, hand[1] - 20
    pen.ellipse(tx, ty + 30, 40, 9, fill="#ffffff", outline="#6f8fb0", width=3)
    pen.polygon(
        [(tx - 26, ty - 6), (tx + 26, ty - 6), (tx + 18, ty + 26), (tx - 18, ty + 26)], fill="#ffffff", outline="#6f8fb0", width=3
    )
    pen.rect(tx - 24, ty + 2, tx + 24, ty + 9, fill="#3f6fb5")
    pen.arc(tx + 28, ty + 8, 10, 10, 270, 90, fill="#6f8fb0", width=4)
    draw_hand(pen, hand, skin, 17)


def draw_priya(pen: Pen) -> None:
    """Priya Nair: black hair in a messy bun with a pencil, coral shirt, green apron, flour smudges, whisk."""
    cx, skin, coral, apron = CENTRE_X, "#b97a56", "#e76f51", "#3fa34d"
    hair, jeans = "#2b1d16", "#34495e"
    top, hem = 226, 500
    draw_legs(pen, cx, 480, 836, jeans, gap=26, width=50)
    draw_shoes(pen, cx, "#d7263d", gap=32, sole="#f4f1ea", rx=34)
    left_arm, _ = hanging_arms(cx, 78, top, length=232, spread=10)  # her left arm holds up the whisk
    draw_arm(pen, left_arm, coral, skin, cuff=lighter(coral, 0.25), sleeve_width=34)
    pen.polygon(torso_outline(cx, top, hem, 78, 58, 70), fill=coral, outline=darker(coral, 0.55))
    for y in range(258, hem - 10, 34):  # thin stripes on the shirt
        pen.line([(cx - 66, y), (cx + 66, y)], fill=lighter(coral, 0.35), width=4, round_caps=False)
    # Green apron from chest to knee, neck strap, a pocket, flour.
    pen.limb([(cx - 34, 262), (cx, 216), (cx + 34, 262)], 8, apron, darker(apron))
    pen.polygon(
        [(cx - 46, 262), (cx + 46, 262), (cx + 50, 400), (cx + 78, 640), (cx - 78, 640), (cx - 50, 400)],
        fill=apron,
        outline=darker(apron, 0.55),
    )
    pen.rect(cx - 56, 396, cx + 56, 408, fill=darker(apron, 0.2))
    pen.rect(cx - 40, 470, cx + 40, 530, fill=lighter(apron, 0.1), outline=darker(apron, 0.5), radius=6)
    for x, y, r in ((cx + 30, 310, 9), (cx + 40, 322, 6), (cx - 28, 560, 11), (cx - 14, 572, 6)):
        pen.ellipse(x, y, r, r * 0.8, fill=mix(apron, "#ffffff", 0.75))
    draw_head(pen, cx, 132, skin, rx=52, ry=62)
    # Hair: side-swept fringe, a high bun with a pencil through it, a loose strand.
    pen.line([(cx + 14, 22), (cx + 64, 58)], fill="#f2c230", width=7)
    pen.ellipse(cx + 6, 44, 34, 28, fill=hair, outline=darker(hair, 0.2))
    draw_hair_cap(pen, cx, 132, 52, 62, hair, temple=-4, hairline=-40, parting=22, puff=7)
    pen.line([(cx - 54, 116), (cx - 60, 170), (cx - 52, 196)], fill=hair, width=7)
    draw_face(pen, cx, 136, skin, eyes="#2b1d16", brows=hair, mouth="grin")
    pen.ellipse(cx + 30, 166, 9, 5, fill=mix(skin, "#ffffff", 0.7))  # flour on her cheek
    for side in (-1, 1):  # gold hoops
        pen.ellipse(cx + side * 52, 160, 7, 9, fill=None, outline="#e0b04a", width=3)
    # Her left arm raised, a whisk in her fist.
    hand = draw_arm(
        pen,
        [(cx + 62, top + 30), (cx + 104, top + 120), (cx + 96, top + 44)],
        coral,
        skin,
        cuff=lighter(coral, 0.25),
        sleeve_width=34,
    )
    wx, wy = hand[0] + 2, hand[1] - 20
    pen.line([(wx, wy + 36), (wx, wy - 18)], fill="#6b4a2f", width=9)
    for rx in (6, 12, 18):
        pen.ellipse(wx, wy - 56, rx, 40, fill=None, outline="#9aa3ad", width=2.5)
    draw_hand(pen, hand, skin, 17)


def draw_leo(pen: Pen) -> None:
    """Leo Nair, aged nine (drawn adult-sized and shrunk): curly hair, blue star hoodie, a cup of sugar."""
    cx, skin, hoodie, shorts = CENTRE_X, "#b97a56", "#2f6fdf", "#c2a36b"
    hair = "#24160f"
    top, hem = 300, 580
    draw_legs(pen, cx, 560, 830, skin, gap=26, width=40)
    for side in (-1, 1):  # striped knee socks
        x = cx + side * 27
        pen.limb([(x, 750), (x, 830)], 42, "#f4f1ea", "#9aa3ad")
        for y in (762, 776):
            pen.line([(x - 20, y), (x + 20, y)], fill="#d7263d", width=5, round_caps=False)
    draw_shoes(pen, cx, "#3fa34d", gap=32, sole="#f4f1ea", rx=36)
    for side in (-1, 1):
        pen.polygon(
            [(cx + side * 2, 560), (cx + side * 62, 560), (cx + side * 66, 680), (cx + side * 4, 680)],
            fill=shorts,
            outline=darker(shorts),
        )
    _, right_arm = hanging_arms(cx, 86, top, length=220, spread=10)  # his right arm holds out the cup
    draw_arm(pen, right_arm, hoodie, skin, cuff=darker(hoodie, 0.2), sleeve_width=40, hand=19)
    pen.polygon(torso_outline(cx, top, hem, 86, 80, 84, neck=34), fill=hoodie, outline=darker(hoodie, 0.55))
    pen.rect(cx - 80, hem - 26, cx + 80, hem, fill=darker(hoodie, 0.15), outline=darker(hoodie, 0.55), radius=6)
    pen.polygon(
        [(cx - 50, 470), (cx + 50, 470), (cx + 62, 540), (cx - 62, 540)], fill=darker(hoodie, 0.1), outline=darker(hoodie, 0.5)
    )
    star = [
        (
            cx + math.cos(math.radians(-90 + i * 36)) * (30 if i % 2 == 0 else 13),
            400 + math.sin(math.radians(-90 + i * 36)) * (30 if i % 2 == 0 else 13),
        )
        for i in range(10)
    ]
    pen.polygon(star, fill="#f2c230", outline=darker("#f2c230"), width=3)
    draw_head(pen, cx, 196, skin, rx=66, ry=72)
    # Hood behind the neck and its strings.
    pen.chord(cx, 298, 60, 30, 180, 360, fill=darker(hoodie, 0.1), outline=darker(hoodie, 0.55))
    for side in (-1, 1):
        pen.line([(cx + side * 16, 300), (cx + side * 18, 370)], fill="#f4f1ea", width=5)
    # A mop of dark curls.
    curls = [
        (-62, 150),
        (-44, 128),
        (-20, 118),
        (6, 114),
        (32, 118),
        (54, 130),
        (66, 154),
        (-68, 180),
        (70, 182),
        (-30, 142),
        (0, 140),
        (28, 144),
    ]
    for dx, dy in curls:
        pen.ellipse(cx + dx, dy, 26, 24, fill=hair, outline=lighter(hair, 0.2), width=3)
    draw_face(pen, cx, 206, skin, eyes="#2b1d16", brows=hair, mouth="grin")
    pen.rect(cx - 2, 238, cx + 3, 244, fill="#7a2a2a")  # the gap in his teeth
    # His right hand holds out a measuring cup of sugar.
    hand = draw_arm(
        pen,
        [(cx - 70, top + 30), (cx - 96, top + 140), (cx - 60, top + 190)],
        hoodie,
        skin,
        cuff=darker(hoodie, 0.2),
        sleeve_width=40,
        hand=19,
    )
    mx, my = hand[0] + 6, hand[1] - 70
    pen.polygon(
        [(mx - 34, my), (mx + 34, my), (mx + 28, my + 78), (mx - 28, my + 78)], fill="#e4f1f7", outline="#7fa5b8", width=3
    )
    pen.polygon([(mx - 31, my + 22), (mx + 31, my + 22), (mx + 28, my + 76), (mx - 28, my + 76)], fill="#ffffff")
    pen.ellipse(mx, my + 22, 31, 7, fill="#fbfbf6", outline="#d8d8cc", width=2)
    for y in (my + 32, my + 50):
        pen.line([(mx + 14, y), (mx + 26, y)], fill="#d7263d", width=3, round_caps=False)
    pen.arc(mx + 36, my + 34, 14, 18, 270, 90, fill="#7fa5b8", width=6)
    draw_hand(pen, hand, skin, 19)


def draw_dolores(pen: Pen) -> None:
    """Dolores Vance: round, lilac polka-dot dress, pink curlers, cat-eye glasses, pearls, a clipboard."""
    cx, skin, dress, hair = CENTRE_X, "#f3cfb3", "#9b4dca", "#b7a8c9"
    stockings, shoes = "#e2b79e", "#5a2a75"
    top = 230
    draw_legs(pen, cx, 640, 836, stockings, gap=30, width=40)
    draw_shoes(pen, cx, shoes, gap=34, rx=32)
    left_arm, _ = hanging_arms(cx, 96, top, length=228, spread=18)
    # A-line dress: round body, flared skirt to below the knee.
    body = torso_outline(cx, top, 470, 96, 90, 98, neck=30)
    pen.polygon(body, fill=dress, outline=darker(dress, 0.55))
    skirt = (
        [(cx - 96, 440)]
        + bezier((cx - 96, 440), (cx - 118, 560), (cx - 132, 720))
        + bezier((cx + 132, 720), (cx + 118, 560), (cx + 96, 440))
    )
    pen.polygon(skirt, fill=dress, outline=darker(dress, 0.55))
    pen.polygon(body[len(body) // 2 - 8 : len(body) // 2 + 8] + [(cx, 300)], fill=dress)
    pen.rect(cx - 94, 436, cx + 94, 456, fill=darker(dress, 0.3), outline=darker(dress, 0.55), radius=6)
    draw_arm(pen, left_arm, dress, skin, sleeve_width=44, hand=18)  # over the full skirt, hand at her hip
    for row, y in enumerate(range(270, 712, 36)):  # polka dots, kept clear of the outline and the belt
        for x in range(cx - 140 + (row % 2) * 18, cx + 141, 36):
            clear = [(x + dx, y + dy) for dx, dy in ((-12, 0), (12, 0), (0, -12), (0, 12))]
            if abs(y - 446) > 20 and all(inside(body, p) or inside(skirt, p) for p in clear):
                pen.ellipse(x, y, 6, 6, fill="#f4eefa")
    draw_head(pen, cx, 136, skin, rx=58, ry=64)
    draw_hair_cap(pen, cx, 136, 58, 64, hair, temple=-6, hairline=-36, puff=12)
    for dx, dy in ((-50, 96), (-18, 78), (18, 78), (50, 96), (-66, 122), (66, 122)):  # curlers
        pen.rect(cx + dx - 20, dy - 12, cx + dx + 20, dy + 12, fill="#f28fb1", outline=darker("#f28fb1"), radius=10)
        pen.line([(cx + dx - 8, dy - 10), (cx + dx - 8, dy + 10)], fill=darker("#f28fb1", 0.2), width=2.5)
        pen.line([(cx + dx + 8, dy - 10), (cx + dx + 8, dy + 10)], fill=darker("#f28fb1", 0.2), width=2.5)
    draw_face(pen, cx, 142, skin, eyes="#5a3a6a", brows="#8a7a9a", mouth="lipstick", lips="#c2185b", brow_tilt=-3)
    for side in (-1, 1):  # cat-eye glasses
        pen.polygon(
            [
                (cx + side * 6, 136),
                (cx + side * 6, 152),
                (cx + side * 20, 160),
                (cx + side * 36, 152),
                (cx + side * 42, 134),
                (cx + side * 30, 134),
            ],
            fill=None,
            outline="#c2185b",
            width=4,
        )
    pen.line([(cx - 6, 140), (cx + 6, 140)], fill="#c2185b", width=3.5)
    for i in range(9):  # pearls hanging in a U below the neck
        angle = math.radians(15 + i * 18.75)
        pen.ellipse(cx + math.cos(angle) * 36, 204 + math.sin(angle) * 24, 6, 6, fill="#fbf8f0", outline="#b8b0a0", width=2)
    # Her left arm bent, holding a clipboard against her chest.
    hand = draw_arm(
        pen, [(cx + 80, top + 30), (cx + 108, top + 150), (cx + 40, top + 200)], dress, skin, sleeve_width=44, hand=18
    )
    bx, by = hand[0] + 6, hand[1] - 80
    pen.rect(bx - 50, by - 60, bx + 50, by + 76, fill="#a0703f", outline="#5e3f1e", radius=6)
    pen.rect(bx - 40, by - 46, bx + 40, by + 66, fill="#fbfbf6", outline="#b8b0a0", width=2)
    for y in range(int(by - 26), int(by + 60), 14):
        pen.line([(bx - 30, y), (bx + 30, y)], fill="#9fb6cf", width=2.5, round_caps=False)
    pen.rect(bx - 20, by - 68, bx + 20, by - 48, fill="#c0c4cc", outline="#6a6e76", width=3, radius=4)
    draw_hand(pen, hand, skin, 18)


def cut_out(draw: Callable[[Pen], None], zoom: float = 1.0) -> Image.Image:
    """A character figure on a transparent canvas; zoom < 1 draws a shorter figure standing on the same ground."""
    image = figure_canvas()
    origin = (CENTRE_X * (1 - zoom), GROUND * (1 - zoom))
    draw(Pen(image, origin=origin, zoom=zoom))
    return shrink(image, FIGURE_SIZE)


def photo_card(draw: Callable[[Pen], None], backdrop: Callable[[], Image.Image]) -> Image.Image:
    """A portrait photo (RGB, no alpha): the figure's head and shoulders in front of a blurred location."""
    width, height = PHOTO_CARD_SIZE
    background = backdrop().crop((700, 0, 700 + 540, 720)).resize((width, height), Image.Resampling.LANCZOS)
    background = background.filter(ImageFilter.GaussianBlur(6))
    zoom = 2.0  # show the bust: design point (200, 60) lands at the card's top-centre
    figure = Image.new("RGBA", (width * SUPERSAMPLE, height * SUPERSAMPLE), (0, 0, 0, 0))
    draw(Pen(figure, origin=(width / 2 - CENTRE_X * zoom, 40 - 60 * zoom), zoom=zoom))
    portrait = Image.alpha_composite(background.convert("RGBA"), shrink(figure, (width, height))).convert("RGB")
    # A thin white print border, like a photo pinned to a board.
    framed = Image.new("RGB", (width, height), "#f7f4ec")
    border = 16
    framed.paste(portrait.crop((border, border, width - border, height - border)), (border, border))
    return framed


# --------------------------------------------------------------------------- backdrops


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


def draw_lamp_room() -> Image.Image:
    """Inside the lamp room at night: a ring of windows on a dark sea, the great lens glowing on the right."""
    image, pen = backdrop_canvas()
    # 1. Sky and sea through the windows.
    banded_gradient(pen, 0, 0, 1280, 392, "#0b1733", "#2a4f80", 9)
    stars(pen, 11, 70, 0, 0, 1280, 300)
    banded_gradient(pen, 0, 392, 1280, 480, "#173a5e", "#0e2540", 4)
    for x, y, w in ((120, 420, 90), (330, 440, 60), (520, 414, 120), (760, 452, 70), (210, 462, 50)):
        pen.rect(x, y, x + w, y + 3, fill="#3f6b96")
    # 2. The beam leaving through the glass, and reflections on the panes.
    image = light_beam(image, [(1040, 250), (0, 70), (0, 320)], "#ffe9a6", 150, source_x=1040, far_x=0)

    def reflections(layer: Pen) -> None:
        for x in range(40, 1240, 200):
            layer.polygon([(x + 40, 110), (x + 70, 110), (x + 20, 470), (x + 10, 470)], fill=(255, 255, 255, 14))
            layer.polygon([(x + 90, 110), (x + 100, 110), (x + 60, 470), (x + 55, 470)], fill=(255, 255, 255, 10))

    image = overlay(image, reflections)
    pen = Pen(image)
    # 3. Window frames: iron mullions, a transom and a sill.
    iron = "#1f2a36"
    for x in range(40, 1281, 200):
        pen.rect(x - 9, 0, x + 9, 480, fill=iron)
    pen.rect(0, 96, 1280, 110, fill=iron)
    pen.rect(0, 470, 1280, 492, fill=iron)
    # 4. The painted wall below the windows, a brass rail, the wooden floor and a rag rug.
    banded_gradient(pen, 0, 492, 1280, 585, "#2f5450", "#24403d", 3)
    pen.rect(0, 520, 1280, 530, fill="#c9a04a")
    for x in range(100, 1281, 200):
        pen.rect(x - 4, 530, x + 4, 585, fill="#8a6b2a")
    banded_gradient(pen, 0, 585, 1280, 720, "#5a4536", "#3a2c24", 5)
    for x in range(-600, 1900, 150):  # floor boards converging on the centre
        pen.line([(640 + (x - 640) * 0.35, 585), (x, 720)], fill="#46362b", width=3, round_caps=False)
    for rx, ry, colour in (
        (300, 52, "#7a3b2e"),
        (262, 44, "#c9a04a"),
        (226, 37, "#2f5450"),
        (186, 30, "#7a3b2e"),
        (140, 22, "#b56a4a"),
    ):
        pen.ellipse(640, 662, rx, ry, fill=colour)
    # 5. The floor hatch to the stairs, bottom left, with its rail and the top steps.
    pen.polygon([(60, 640), (290, 640), (320, 720), (30, 720)], fill="#15100d", outline="#8a6b2a", width=5)
    for y in (668, 696):
        pen.line([(60 - (y - 640) * 0.4, y), (290 + (y - 640) * 0.4, y)], fill="#3a2d26", width=5, round_caps=False)
    pen.line([(60, 640), (60, 560), (290, 560), (290, 640)], fill="#c9a04a", width=7)
    pen.line([(60, 600), (290, 600)], fill="#c9a04a", width=4)
    # 6. The great lens on its pedestal, right, and the warm light it throws.
    lx = 1060
    pen.rect(lx - 60, 440, lx + 60, 600, fill="#2a3440", outline="#121820", width=5)
    pen.rect(lx - 90, 590, lx + 90, 620, fill="#1d252e", outline="#121820", width=5)
    for i, (half, y) in enumerate(((70, 110), (104, 150), (124, 200), (130, 255), (124, 310), (104, 360), (70, 400))):
        colour = mix("#fff3c4", "#e2b550", abs(i - 3) / 3)
        pen.ellipse(lx, y, half, 30, fill=colour, outline="#b38a2e", width=3)
    pen.rect(lx - 16, 60, lx + 16, 430, fill="#c9a04a", outline="#7a5a1c", width=3)
    pen.ellipse(lx, 255, 36, 36, fill="#fffbe8")
    return finish(
        glow(
            image,
            [(lx, 255, 170, rgb("#ffe9a0"), 120), (lx, 255, 60, rgb("#ffffff"), 150), (lx, 640, 260, rgb("#ffcf7a"), 40)],
            blur=40,
        )
    )


def draw_rocky_shore() -> Image.Image:
    """The shore below the lighthouse at night: moon, sea, a beam sweeping overhead, black rocks either side."""
    image, pen = backdrop_canvas()
    # 1. Night sky and the moon.
    banded_gradient(pen, 0, 0, 1280, 400, "#0a1430", "#2d5079", 8)
    stars(pen, 23, 90, 0, 0, 1280, 330)
    image = glow(image, [(250, 130, 110, rgb("#cfd8e8"), 90)], blur=30)
    pen = Pen(image)
    pen.ellipse(250, 130, 46, 46, fill="#f2ecd0")
    pen.ellipse(236, 120, 9, 9, fill="#e2dcbc")
    pen.ellipse(262, 146, 6, 6, fill="#e2dcbc")
    # 2. The sea: the moon's path on it, wave crests, a fishing boat's light far out.
    banded_gradient(pen, 0, 400, 1280, 600, "#1d3f66", "#10263f", 6)
    sea = random.Random(5)
    for row in range(14):
        y = 406 + row * 13
        half = 14 + row * 8
        x = 250 + sea.uniform(-12, 12)
        pen.rect(
            x - half * sea.uniform(0.3, 1.0),
            y,
            x + half * sea.uniform(0.3, 1.0),
            y + 3 + row * 0.2,
            fill=mix("#b8c6da", "#1d3f66", sea.uniform(0, 0.4)),
        )
    for _ in range(40):
        x, y = sea.uniform(380, 1240), sea.uniform(420, 590)
        width = 10 + (y - 400) * 0.12
        pen.arc(x, y, width, 4, 200, 340, fill=mix("#6f8fb8", "#1d3f66", sea.uniform(0, 0.5)), width=2)
    pen.ellipse(600, 408, 4, 4, fill="#ffd27a")
    image = glow(image, [(600, 408, 14, rgb("#ffd27a"), 140)], blur=6)
    pen = Pen(image)
    # 3. The headland and the lighthouse on it, its beam crossing the sky.
    pen.polygon([(860, 400)] + bezier((860, 400), (960, 330), (1060, 300), (1280, 290)) + [(1280, 400)], fill="#101a28")
    tx = 1130
    pen.polygon([(tx - 30, 305), (tx + 30, 305), (tx + 20, 130), (tx - 20, 130)], fill="#e8e4da", outline="#101a28", width=3)
    for y0, y1 in ((250, 280), (180, 210)):
        pen.polygon(
            [
                (tx - 30 + (305 - y1) * 0.057, y1),
                (tx + 30 - (305 - y1) * 0.057, y1),
                (tx + 30 - (305 - y0) * 0.057, y0),
                (tx - 30 + (305 - y0) * 0.057, y0),
            ],
            fill="#c0392b",
        )
    pen.rect(tx - 26, 116, tx + 26, 132, fill="#2a2a2a")
    pen.rect(tx - 16, 96, tx + 16, 116, fill="#fff3c4")
    pen.chord(tx, 96, 18, 14, 180, 360, fill="#2a2a2a")
    image = light_beam(image, [(tx, 106), (300, -60), (0, 40), (0, 190)], "#fff0c0", 120, source_x=tx, far_x=0)
    image = glow(image, [(tx, 106, 60, rgb("#fff0b0"), 170)], blur=18)
    pen = Pen(image)
    # 4. Wet sand and foam in the middle, a few pebbles, rocks either side.
    banded_gradient(pen, 0, 600, 1280, 720, "#2a3a52", "#1a2536", 4)
    for y, x0, x1 in ((600, 0, 1280), (612, 180, 980), (628, 320, 760)):
        pen.line(bezier((x0, y), ((x0 + x1) / 2, y + 10), (x1, y)), fill="#9fb6cf", width=3)
    for _ in range(30):
        x = sea.choice((sea.uniform(330, 480), sea.uniform(820, 1000)))
        y = sea.uniform(640, 715)
        pen.ellipse(x, y, sea.uniform(4, 9), sea.uniform(3, 5), fill=mix("#3a4a64", "#1a2536", sea.random()))
    rock, rock_lit, crack = "#161e2b", "#2e3c52", "#0c111a"
    for outline, lit in (
        (
            [(0, 440), (70, 420), (150, 440), (230, 490), (300, 560), (350, 640), (370, 720), (0, 720)],
            [(0, 440), (70, 420), (150, 440), (120, 470), (40, 482), (0, 500)],
        ),
        (
            [(130, 580), (210, 545), (290, 560), (340, 620), (330, 720), (110, 720)],
            [(130, 580), (210, 545), (290, 560), (250, 586), (170, 600)],
        ),
        (
            [(1280, 410), (1200, 425), (1110, 480), (1040, 560), (1000, 640), (985, 720), (1280, 720)],
            [(1280, 410), (1200, 425), (1110, 480), (1170, 492), (1280, 470)],
        ),
        (
            [(1150, 610), (1220, 570), (1280, 575), (1280, 720), (1110, 720)],
            [(1150, 610), (1220, 570), (1280, 575), (1280, 600), (1210, 612)],
        ),
    ):
        pen.polygon(outline, fill=rock, outline=crack, width=3)
        pen.polygon(lit, fill=rock_lit)
        pen.line(outline[:3], fill="#4a5d7a", width=4)
    for points in (((60, 520), (90, 580), (80, 650)), ((1180, 520), (1150, 590)), ((220, 620), (240, 680))):
        pen.line(points, fill=crack, width=4)
    return finish(image)


def draw_kitchen() -> Image.Image:
    """Arthur's kitchen by day: blue tiles, a window, the wall clock, Rosa's ribbons, the door on the left."""
    image, pen = backdrop_canvas()
    pen.rect(0, 0, 1280, 250, fill="#f3e6c8")
    pen.rect(0, 250, 1280, 560, fill="#a9cbe0")
    for x in range(0, 1281, 40):
        pen.line([(x, 250), (x, 560)], fill="#8fb3cc", width=2, round_caps=False)
    for y in range(250, 561, 40):
        pen.line([(0, y), (1280, y)], fill="#8fb3cc", width=2, round_caps=False)
    pen.rect(0, 244, 1280, 254, fill="#6f9dbd")
    # Window with gingham curtains and the brick house opposite.
    pen.rect(420, 60, 740, 300, fill="#f7f4ec", outline="#9a8a6a", width=4)
    banded_gradient(pen, 436, 76, 724, 284, "#9fd3f2", "#d8f0fb", 5)
    pen.rect(560, 150, 724, 284, fill="#b5654a")
    for x in range(580, 720, 60):
        pen.rect(x, 176, x + 34, 226, fill="#e8f3f8", outline="#f7f4ec", width=4)
    pen.rect(576, 76, 584, 284, fill="#f7f4ec")
    pen.rect(436, 176, 724, 184, fill="#f7f4ec")
    for side_x in (400, 700):
        pen.polygon(
            [(side_x, 50), (side_x + 60, 50), (side_x + 48, 300), (side_x + 4, 300)], fill="#f2c94c", outline="#c99a2a", width=3
        )
        for y in range(64, 300, 28):
            pen.line([(side_x + 6, y), (side_x + 54, y)], fill="#f7e3a0", width=5, round_caps=False)
    pen.rect(380, 36, 780, 50, fill="#8a6b4a", radius=6)
    pen.rect(410, 300, 750, 316, fill="#f7f4ec", outline="#9a8a6a", width=3)
    # Wall clock and Rosa's shelf of blue ribbons.
    pen.ellipse(900, 120, 52, 52, fill="#fbfbf6", outline="#7a3b2e", width=8)
    for hour in range(12):
        angle = math.radians(hour * 30)
        pen.ellipse(900 + math.sin(angle) * 40, 120 - math.cos(angle) * 40, 3, 3, fill="#3b3b3b")
    pen.line([(900, 120), (900, 86)], fill="#3b3b3b", width=5)
    pen.line([(900, 120), (926, 132)], fill="#3b3b3b", width=5)
    pen.rect(990, 200, 1250, 214, fill="#8a5a3b", outline="#4e3220", width=3)
    pen.rect(1160, 126, 1226, 200, fill="#cfe3ee", outline="#6b4a2f", width=5)  # Rosa's photo
    pen.chord(1193, 198, 24, 24, 180, 360, fill="#d04a70")
    pen.ellipse(1193, 148, 9, 9, fill="#8a8a96")
    pen.ellipse(1193, 162, 13, 15, fill="#e6b994")
    for i in range(11):
        x, y = 1010 + i * 22, 236 + (i % 2) * 10
        pen.polygon([(x - 6, y), (x - 11, y + 30), (x - 2, y + 24)], fill="#2f5fb0")
        pen.polygon([(x + 6, y), (x + 11, y + 30), (x + 2, y + 24)], fill="#2f5fb0")
        pen.ellipse(x, y, 10, 10, fill="#3f7fd8", outline="#23488a", width=2)
        pen.ellipse(x, y, 4, 4, fill="#f2c230")
    # The front door, left.
    pen.rect(40, 110, 230, 560, fill="#8a5a3b", outline="#4e3220", width=6)
    for y0 in (140, 350):
        pen.rect(70, y0, 200, y0 + 180, fill="#7a4e33", outline="#4e3220", width=3)
    pen.ellipse(206, 340, 9, 9, fill="#e0b04a", outline="#7a5a1c", width=2)
    # Counter and cupboards along the back, the stove on the right.
    pen.rect(230, 430, 1280, 448, fill="#c9925c", outline="#7a5030", width=3)
    pen.rect(230, 448, 1280, 560, fill="#6f9d7a")
    for x in range(230, 1000, 128):
        pen.rect(x + 6, 456, x + 122, 552, fill="#79a884", outline="#4e7558", width=3)
        pen.rect(x + 56, 470, x + 72, 476, fill="#e0b04a")
    pen.rect(1010, 380, 1220, 560, fill="#ece8de", outline="#8a8478", width=5)
    pen.rect(1036, 456, 1194, 540, fill="#2f2f36", outline="#8a8478", width=4)
    pen.rect(1050, 470, 1180, 526, fill="#4a3a30")
    for x in (1050, 1090, 1130, 1170):
        pen.ellipse(x, 410, 9, 9, fill="#3b3b3b")
    pen.chord(1110, 378, 44, 40, 180, 360, fill="#d9503f", outline="#8a2a20", width=4)  # the kettle
    pen.rect(1066, 372, 1154, 382, fill="#d9503f", outline="#8a2a20", width=3)
    pen.line([(1150, 360), (1180, 338)], fill="#d9503f", width=9)
    pen.arc(1110, 350, 26, 24, 200, 340, fill="#3b3b3b", width=5)
    # Lemons in a bowl and two teacups.
    pen.chord(760, 420, 60, 36, 0, 180, fill="#f7f4ec", outline="#6f8fb0", width=4)
    for dx, dy in ((-30, 406), (0, 398), (30, 406), (-12, 386), (16, 388)):
        pen.ellipse(760 + dx, dy, 18, 14, fill="#f5d442", outline="#c9a82a", width=3)
    for x in (380, 430):
        pen.polygon([(x - 16, 406), (x + 16, 406), (x + 11, 430), (x - 11, 430)], fill="#ffffff", outline="#6f8fb0", width=3)
        pen.rect(x - 15, 412, x + 15, 416, fill="#3f6fb5")
    # The floor: warm tiles in perspective.
    banded_gradient(pen, 0, 560, 1280, 720, "#d9a47a", "#c98e64", 4)
    for x in range(-1000, 2300, 160):
        pen.line([(640 + (x - 640) * 0.45, 560), (x, 720)], fill="#b97d55", width=3, round_caps=False)
    for y in (590, 632, 690):
        pen.line([(0, y), (1280, y)], fill="#b97d55", width=3, round_caps=False)
    return finish(image)


def draw_maple_street() -> Image.Image:
    """Maple Street on a sunny day: brick terraces with bright doors, bunting, a fair banner, a red maple."""
    image, pen = backdrop_canvas()
    banded_gradient(pen, 0, 0, 1280, 300, "#79bfe8", "#d4eefa", 7)
    for cx, cy, s in ((220, 70, 1.0), (760, 50, 0.8), (1120, 110, 0.9)):
        for dx, dy, r in ((-50, 10, 30), (-14, -8, 40), (30, 4, 34), (62, 14, 24)):
            pen.ellipse(cx + dx * s, cy + dy * s, r * s, r * s * 0.8, fill="#ffffff")
    # A terrace of brick houses.
    bricks, doors = (
        ("#b5563d", "#c46a4a", "#a94f3a", "#bb5e44", "#b04c3c", "#c0654a"),
        ("#d7263d", "#2a9d8f", "#f2c230", "#27385a", "#3fa34d", "#9b4dca"),
    )
    for i in range(6):
        x0 = -40 + i * 224
        pen.polygon([(x0, 180), (x0 + 112, 120), (x0 + 224, 180)], fill="#4a4e5a", outline="#30333c", width=3)
        pen.rect(x0 + 150, 110, x0 + 180, 160, fill="#8a4a3a", outline="#5a2e24", width=3)
        pen.rect(x0, 180, x0 + 224, 520, fill=bricks[i], outline=darker(bricks[i], 0.3), width=3)
        for y in range(196, 520, 22):
            pen.line([(x0 + 4, y), (x0 + 220, y)], fill=darker(bricks[i], 0.12), width=2, round_caps=False)
        for wx in (x0 + 30, x0 + 130):
            pen.rect(wx, 210, wx + 64, 290, fill="#dff1fa", outline="#f7f4ec", width=6)
            pen.rect(wx + 29, 214, wx + 35, 288, fill="#f7f4ec")
        pen.rect(x0 + 30, 350, x0 + 94, 440, fill="#dff1fa", outline="#f7f4ec", width=6)
        pen.rect(x0 + 124, 330, x0 + 194, 520, fill=doors[i], outline=darker(doors[i], 0.5), width=4)
        pen.chord(x0 + 159, 330, 35, 24, 180, 360, fill="#f7f4ec", outline=darker(doors[i], 0.5), width=3)
        pen.ellipse(x0 + 182, 430, 5, 5, fill="#e0b04a")
        pen.rect(x0 + 116, 512, x0 + 202, 522, fill="#d8d2c4")
    # The fair banner across the middle house and bunting on the sky.
    pen.rect(430, 300, 850, 338, fill="#f7f1dc", outline="#b89a5a", width=3)
    font = ImageFont.load_default(size=24 * SUPERSAMPLE)
    pen.draw.text((640 * SUPERSAMPLE, 319 * SUPERSAMPLE), "MAPLE STREET FAIR", fill="#c0392b", font=font, anchor="mm")
    flag_colours = ("#d7263d", "#f2c230", "#2a9d8f", "#2f6fdf", "#9b4dca", "#3fa34d")
    for string_index, (x0, y0, x1, y1, sag) in enumerate(((0, 30, 1280, 40, 70), (0, 120, 1280, 110, 40))):
        rope = bezier((x0, y0), ((x0 + x1) / 2, (y0 + y1) / 2 + sag * 2), (x1, y1), steps=32)
        pen.line(rope, fill="#f7f4ec", width=3)
        for k in range(len(rope) - 1):
            (ax, ay), (bx, by) = rope[k], rope[k + 1]
            pen.polygon(
                [(ax + 2, ay), (bx - 2, by), ((ax + bx) / 2, (ay + by) / 2 + 34)],
                fill=flag_colours[(k + string_index) % len(flag_colours)],
            )
    # The pavement, the kerb and a quiet road in the foreground.
    pen.rect(0, 520, 1280, 620, fill="#cfc8b8")
    for x in range(0, 1281, 120):
        pen.line([(x, 520), (x - 30, 620)], fill="#b3ab98", width=3, round_caps=False)
    pen.line([(0, 566), (1280, 566)], fill="#b3ab98", width=3, round_caps=False)
    pen.rect(0, 620, 1280, 636, fill="#e8e2d2")
    banded_gradient(pen, 0, 636, 1280, 720, "#6a6e76", "#5a5e66", 3)
    # A red maple on the left and a lamp post on the right.
    pen.polygon([(92, 560), (112, 330), (132, 330), (150, 560)], fill="#6b4a2f", outline="#3a2a1f", width=3)
    crown = random.Random(3)
    for _ in range(26):
        x, y, r = crown.uniform(20, 230), crown.uniform(150, 340), crown.uniform(38, 60)
        pen.ellipse(x, y, r, r * 0.85, fill=crown.choice(("#c0392b", "#d9502b", "#e0662f", "#a8322a")))
    pen.rect(1168, 250, 1180, 600, fill="#2e3440")
    pen.polygon([(1150, 252), (1198, 252), (1190, 220), (1158, 220)], fill="#f7e3a0", outline="#2e3440", width=4)
    pen.rect(1156, 596, 1192, 610, fill="#2e3440")
    return finish(image)


def draw_rooftop_garden() -> Image.Image:
    """The rooftop at night: a city skyline, fairy lights, a lemon tree in a pot, a bench and a water tank."""
    image, pen = backdrop_canvas()
    banded_gradient(pen, 0, 0, 1280, 430, "#0e1330", "#3a3566", 9)
    stars(pen, 31, 60, 0, 0, 1280, 250)
    lit_edge = [(1010 + 34 * math.cos(math.radians(t)), 90 + 34 * math.sin(math.radians(t))) for t in range(40, 321, 10)]
    dark_edge = [(1024 + 30 * math.cos(math.radians(t)), 82 + 30 * math.sin(math.radians(t))) for t in range(300, 49, -10)]
    pen.polygon(lit_edge + dark_edge, fill="#f2ecd0")  # a crescent moon
    moon = (1010, 90)
    # The skyline with lit windows.
    windows = random.Random(17)
    for x0, x1, top, colour in (
        (0, 150, 250, "#1a2238"),
        (140, 300, 300, "#222c47"),
        (300, 390, 210, "#1a2238"),
        (380, 560, 320, "#26304d"),
        (560, 700, 270, "#1a2238"),
        (690, 820, 330, "#222c47"),
        (820, 980, 230, "#1a2238"),
        (980, 1100, 300, "#26304d"),
        (1100, 1280, 260, "#1a2238"),
    ):
        pen.rect(x0, top, x1, 440, fill=colour)
        for wy in range(top + 20, 430, 34):
            for wx in range(x0 + 16, x1 - 24, 30):
                if windows.random() < 0.35:
                    pen.rect(wx, wy, wx + 14, wy + 18, fill=windows.choice(("#f5c86b", "#f7dc8f", "#e9a94f")))
    # Water tank on stilts, back right.
    for x in (1070, 1170):
        pen.rect(x - 6, 330, x + 6, 450, fill="#3a2e2a")
    pen.rect(1050, 230, 1190, 340, fill="#6b4a3a", outline="#2e201a", width=5)
    pen.polygon([(1040, 232), (1120, 180), (1200, 232)], fill="#4a3a32", outline="#2e201a", width=5)
    for y in (262, 300):
        pen.line([(1050, y), (1190, y)], fill="#2e201a", width=4, round_caps=False)
    # Parapet wall, roof floor.
    pen.rect(0, 430, 1280, 520, fill="#5b3a35")
    for y in range(446, 520, 22):
        pen.line([(0, y), (1280, y)], fill="#4a2e2a", width=2, round_caps=False)
    pen.rect(0, 420, 1280, 440, fill="#7a6a66", outline="#3a302e", width=3)
    banded_gradient(pen, 0, 520, 1280, 720, "#4a4a5c", "#32323f", 5)
    for y in (560, 620, 690):
        pen.line([(0, y), (1280, y)], fill="#3e3e4e", width=3, round_caps=False)
    # A bench on the right, herb pots along the wall.
    pen.rect(930, 520, 1190, 540, fill="#8a5a3b", outline="#3a2416", width=4)
    pen.rect(930, 470, 1190, 488, fill="#8a5a3b", outline="#3a2416", width=4)
    for x in (950, 1170):
        pen.rect(x - 6, 540, x + 6, 600, fill="#3a2416")
    for x in (420, 490, 800, 860):
        pen.polygon([(x - 24, 490), (x + 24, 490), (x + 18, 526), (x - 18, 526)], fill="#c0673f", outline="#6b3a22", width=3)
        for dx in (-14, 0, 14):
            pen.ellipse(x + dx, 478, 14, 18, fill="#4f8a4a", outline="#2e5a2e", width=2)
    # The lemon tree in its big terracotta pot, left.
    pen.polygon([(110, 520), (270, 520), (250, 640), (130, 640)], fill="#c0673f", outline="#6b3a22", width=5)
    pen.rect(100, 508, 280, 530, fill="#d07a4a", outline="#6b3a22", width=4)
    pen.polygon([(180, 510), (176, 360), (200, 360), (196, 510)], fill="#6b4a2f", outline="#3a2a1f", width=3)
    leaves = random.Random(9)
    for _ in range(22):
        pen.ellipse(
            leaves.uniform(100, 280), leaves.uniform(230, 380), 44, 38, fill=leaves.choice(("#2f6b3a", "#3a7d44", "#285c33"))
        )
    for x, y in ((130, 300), (170, 262), (228, 290), (256, 340), (150, 356), (206, 330), (118, 250), (246, 252)):
        pen.ellipse(x, y, 12, 9, fill="#f5d442", outline="#b39622", width=2)
    # Two strings of fairy lights with a warm glow.
    bulbs = []
    for x0, y0, x1, y1, sag in ((-20, 40, 1300, 60, 80), (-20, 150, 1300, 120, 60)):
        wire = bezier((x0, y0), ((x0 + x1) / 2, (y0 + y1) / 2 + sag * 2), (x1, y1), steps=40)
        pen.line(wire, fill="#1c1c24", width=3)
        bulbs += [(x, y) for x, y in wire[1:-1:2] if math.dist((x, y), moon) > 50]
    for x, y in bulbs:
        pen.ellipse(x, y + 8, 6, 8, fill="#ffe7a3")
    image = glow(image, [(x, y + 8, 20, rgb("#ffcf6b"), 110) for x, y in bulbs], blur=8)
    return finish(image)


# --------------------------------------------------------------------------- the banks' image files

# Every image of both banks, by path under the bank root, and how to draw it.
IMAGES: dict[str, Callable[[], Image.Image]] = {
    "lighthouse/mara-quell/mara.png": lambda: cut_out(draw_mara),
    "lighthouse/mara-quell/mara-photo.png": lambda: photo_card(draw_mara, draw_lamp_room),
    "lighthouse/toby-fenn/toby.png": lambda: cut_out(draw_toby),
    "lighthouse/locations/lighthouse-lamp-room/lamp-room.png": draw_lamp_room,
    "lighthouse/locations/rocky-shore/rocky-shore.png": draw_rocky_shore,
    "borrowed-sugar/arthur-penhallow/arthur.png": lambda: cut_out(draw_arthur),
    "borrowed-sugar/priya-nair/priya.png": lambda: cut_out(draw_priya),
    "borrowed-sugar/leo-nair/leo.png": lambda: cut_out(draw_leo, zoom=0.7),
    "borrowed-sugar/dolores-vance/dolores.png": lambda: cut_out(draw_dolores),
    "borrowed-sugar/locations/arthurs-kitchen/kitchen.png": draw_kitchen,
    "borrowed-sugar/locations/maple-street/maple-street.png": draw_maple_street,
    "borrowed-sugar/locations/rooftop-garden/rooftop-garden.png": draw_rooftop_garden,
}


def draw_images(root: Path, only: Iterable[str] | None = None) -> list[Path]:
    """Draws the bank images (all, or the `only` relative paths) under `root`; returns the files written."""
    wanted = list(IMAGES) if only is None else list(only)
    unknown = sorted(set(wanted) - set(IMAGES))
    if unknown:
        raise KeyError(f"no drawing for {unknown}; known: {sorted(IMAGES)}")
    written = []
    for relative in wanted:
        path = root / relative
        with atomic_path(path) as temporary:
            IMAGES[relative]().save(temporary, format="PNG", optimize=True)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "root",
        nargs="?",
        type=Path,
        default=REPO_ROOT / "character_bank",
        help="bank root to write into (default: character_bank/)",
    )
    arguments = parser.parse_args()
    for path in draw_images(arguments.root):
        print(f"{path}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
