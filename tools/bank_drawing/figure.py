"""Figure parts shared by every character, and the two ways a figure is framed: a cut-out and a photo card."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PIL import Image, ImageFilter

from .canvas import FIGURE_SIZE, PHOTO_CARD_SIZE, SUPERSAMPLE, Pen, Point, bezier, darker, mirrored, mix, shrink

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
