"""The Borrowed Sugar example's characters, drawn standing in design coordinates."""

from __future__ import annotations

import math

from .canvas import Pen, bezier, darker, inside, lighter, mix
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
