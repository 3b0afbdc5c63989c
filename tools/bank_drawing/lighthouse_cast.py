"""The lighthouse example's characters, drawn standing in design coordinates."""

from __future__ import annotations

import random

from .canvas import Pen, bezier, darker, ellipse_points, lighter
from .figure import (
    CENTRE_X,
    draw_arm,
    draw_face,
    draw_hair_cap,
    draw_hand,
    draw_head,
    draw_legs,
    draw_shoes,
    hanging_arms,
    torso_outline,
)


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
