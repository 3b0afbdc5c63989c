"""The lighthouse example's locations: flat-colour backdrops with the lower middle kept quiet."""

from __future__ import annotations

import random

from PIL import Image

from .backdrop import backdrop_canvas, banded_gradient, finish, glow, light_beam, overlay, stars
from .canvas import Pen, bezier, mix, rgb


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
