"""The Borrowed Sugar example's locations: flat-colour backdrops with the lower middle kept quiet."""

from __future__ import annotations

import math
import random

from PIL import Image, ImageFont

from .backdrop import backdrop_canvas, banded_gradient, finish, glow, stars
from .canvas import SUPERSAMPLE, bezier, darker, rgb


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
