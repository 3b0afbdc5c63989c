"""The place behind the figures: the location's photo, or a set drawn from the location's name.

A drawn set depends only on (place name, interior, light) and the size asked for, never on the shot,
so every shot in one place shows the same room or street. Shapes are drawn at twice the size and
reduced, which smooths their edges without any per-pixel noise.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from movieagent.preview.raster import RGB, cover_fit, load_image, mix, radial_falloff, scale_colour, vertical_gradient

SUPERSAMPLE = 2
# A location photo larger than this many frame widths only costs decoding time: no shot zooms in further.
MAX_PHOTO_WIDTHS = 3

# Whole words of a place name: outdoor ones guess EXT. when the heading does not say; city and water ones
# pick the kind of exterior (a skyline, a shore), anything else gets hills.
OUTDOOR_WORDS = frozenset({
    "STREET", "ROAD", "ALLEY", "PARK", "FOREST", "WOODS", "FIELD", "GARDEN", "BEACH", "SHORE", "ROOF", "ROOFTOP", "YARD",
    "SQUARE", "HIGHWAY", "BRIDGE", "LAKE", "RIVER", "SEA", "OCEAN", "MOUNTAIN", "DESERT", "PARKING", "HARBOR", "HARBOUR",
    "DOCK", "DOCKS", "PIER", "CITY", "TOWN", "OUTSIDE", "EXTERIOR", "CAMP", "FARM", "COAST",
})  # fmt: skip
CITY_WORDS = frozenset({
    "STREET", "ROAD", "ALLEY", "ROOF", "ROOFTOP", "SQUARE", "HIGHWAY", "BRIDGE", "PARKING", "CITY", "TOWN", "AVENUE",
    "DOWNTOWN", "STATION", "CORNER", "SIDEWALK", "OUTSIDE",
})  # fmt: skip
WATER_WORDS = frozenset(
    {"BEACH", "SHORE", "SEA", "OCEAN", "LAKE", "RIVER", "HARBOR", "HARBOUR", "DOCK", "DOCKS", "PIER", "COAST", "BAY"}
)

WALL_COLOURS: tuple[RGB, ...] = (
    (214, 200, 178),
    (168, 184, 158),
    (150, 170, 190),
    (196, 152, 126),
    (182, 178, 172),
    (204, 186, 146),
    (160, 146, 170),
)
FLOOR_COLOURS: tuple[RGB, ...] = ((126, 90, 62), (92, 68, 52), (124, 122, 118), (150, 132, 112))
WINDOW_LIT = (255, 214, 140)


@dataclass(frozen=True)
class Light:
    """How a time of day colours a set: sky gradient, and a multiplier for everything the sky lights."""

    sky_top: RGB
    sky_horizon: RGB
    ambient: tuple[float, float, float]
    glow: RGB


LIGHTS = {
    "day": Light((78, 138, 204), (196, 222, 238), (1.0, 1.0, 1.0), (255, 250, 230)),
    "morning": Light((118, 160, 212), (250, 214, 168), (1.0, 0.94, 0.86), (255, 226, 180)),
    "dusk": Light((54, 50, 108), (242, 148, 96), (0.82, 0.68, 0.66), (255, 170, 110)),
    "night": Light((6, 10, 30), (28, 42, 82), (0.34, 0.40, 0.58), (210, 220, 255)),
}


INDOOR_NIGHT_AMBIENT = (0.55, 0.5, 0.5)


def light_of(time_of_day: str) -> str:
    """'NIGHT' -> 'night', 'EVENING'/'DUSK' -> 'dusk', 'DAWN'/'MORNING' -> 'morning', anything else -> 'day'."""
    words = time_of_day.upper()
    for light, names in (
        ("night", ("NIGHT",)),
        ("dusk", ("DUSK", "EVENING", "SUNSET", "TWILIGHT")),
        ("morning", ("MORNING", "DAWN", "SUNRISE")),
    ):
        if any(name in words for name in names):
            return light
    return "day"


def ambient_of(light: Light, *, interior: bool) -> tuple[float, float, float]:
    """The multiplier a time of day puts on what it lights."""
    # Indoors the sky matters less than the lamps: night rooms are dim and warm, not blue.
    return INDOOR_NIGHT_AMBIENT if interior and light is LIGHTS["night"] else light.ambient


def relight(photo: Image.Image, shown: str, wanted: str, *, interior: bool) -> Image.Image:
    """A location photo taken at one time of day graded to look like another ('day for night').

    `shown` is the time the photo shows; an unknown ('') photo is left as it is.
    """
    if not shown or light_of(shown) == light_of(wanted):
        return photo
    source = ambient_of(LIGHTS[light_of(shown)], interior=interior)
    target = ambient_of(LIGHTS[light_of(wanted)], interior=interior)
    gain = np.array([t / s for t, s in zip(target, source)], dtype=np.float32)
    return Image.fromarray(np.clip(np.asarray(photo, np.float32) * gain, 0, 255).astype(np.uint8))


def is_interior(place: str, interior: bool | None) -> bool:
    """The heading's INT./EXT. when known; otherwise a guess from the place name, indoors by default."""
    if interior is not None:
        return interior
    return not _words(place) & OUTDOOR_WORDS


# A worker renders shot after shot in the same few places: the last backdrops are kept (a few MB each). Callers
# only read them.
@functools.lru_cache(maxsize=2)
def photo_backdrop(path: Path, size: tuple[int, int]) -> Image.Image:
    """The location photo, centre-cropped to the frame's aspect at its own resolution (capped)."""
    width, height = size
    largest = (width * MAX_PHOTO_WIDTHS, height * MAX_PHOTO_WIDTHS)
    photo = load_image(path, what="location image", fit_within=largest).convert("RGB")
    scale = max(1.0, min(photo.width / width, photo.height / height, MAX_PHOTO_WIDTHS))
    target = (round(width * scale), round(height * scale))
    return cover_fit(photo, target)


@functools.lru_cache(maxsize=2)
def drawn_backdrop(place: str, interior: bool | None, time_of_day: str, size: tuple[int, int]) -> Image.Image:
    """A simple set for `place`: a room (wall, floor, window, door) or an exterior (sky, horizon, ground)."""
    seed = int.from_bytes(hashlib.sha256(" ".join(place.upper().split()).encode()).digest()[:8], "big")
    rng = random.Random(seed)
    light = LIGHTS[light_of(time_of_day)]
    canvas_size = (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE)
    if is_interior(place, interior):
        canvas = _room(rng, light, canvas_size)
    else:
        canvas = _exterior(rng, light, canvas_size, _words(place))
    return canvas.reduce(SUPERSAMPLE)


def _words(place: str) -> frozenset[str]:
    return frozenset(re.findall(r"[A-Z]+", place.upper()))


# --------------------------------------------------------------------------- interiors


def _room(rng: random.Random, light: Light, size: tuple[int, int]) -> Image.Image:
    width, height = size
    night = light is LIGHTS["night"]
    ambient = ambient_of(light, interior=True)
    wall = scale_colour(rng.choice(WALL_COLOURS), ambient)
    floor = scale_colour(rng.choice(FLOOR_COLOURS), ambient)
    floor_y = round(height * 0.7)
    window_left = rng.random() < 0.5

    # 1. Wall and floor, each with a soft gradient.
    canvas = vertical_gradient(size, scale_colour(wall, (0.8, 0.8, 0.8)), wall)
    canvas.paste(vertical_gradient((width, height - floor_y), floor, scale_colour(floor, (0.62, 0.62, 0.62))), (0, floor_y))
    draw = ImageDraw.Draw(canvas)
    _floor_boards(draw, size, floor_y, scale_colour(floor, (0.82, 0.82, 0.82)))
    draw.rectangle((0, floor_y - height * 0.025, width, floor_y), fill=mix(wall, (245, 242, 236), 0.35))
    draw.rectangle((0, height * 0.05, width, height * 0.062), fill=mix(wall, (250, 248, 244), 0.3))

    # 2. A window on one side, a door or a picture on the other.
    window_x = width * (0.12 if window_left else 0.64) + rng.uniform(-0.03, 0.03) * width
    window = (round(window_x), round(height * 0.2), round(window_x + width * 0.24), round(height * 0.52))
    _window(canvas, window, light, rng)
    other_x = width * (0.66 if window_left else 0.12) + rng.uniform(-0.03, 0.03) * width
    if rng.random() < 0.6:
        _door(draw, (round(other_x), round(height * 0.24), round(other_x + width * 0.15), floor_y), wall, rng)
    else:
        _picture(draw, (round(other_x), round(height * 0.26), round(other_x + width * 0.18), round(height * 0.42)), wall, rng)

    sideboard_left = round(width * rng.uniform(0.36, 0.46))
    _sideboard(draw, sideboard_left, floor_y, size, rng)

    # 3. Where the light falls: daylight spills from the window, at night a lamp warms the room.
    if night:
        lamp_x = round(sideboard_left + width * 0.22)
        _lamp(draw, lamp_x, floor_y, height)
        _add_glow(canvas, (lamp_x, round(height * 0.36)), round(width * 0.32), WINDOW_LIT, 0.42)
    else:
        centre = ((window[0] + window[2]) // 2, (window[1] + window[3]) // 2)
        _add_glow(canvas, centre, round(width * 0.26), light.glow, 0.28)
    return canvas


def _floor_boards(draw: ImageDraw.ImageDraw, size: tuple[int, int], floor_y: int, colour: RGB) -> None:
    # Lines converging on a vanishing point above the floor give the room depth.
    width, height = size
    vanishing = (width / 2, floor_y - height * 0.5)
    for step in range(-10, 11):
        bottom_x = width / 2 + step * width * 0.12
        along = (floor_y - vanishing[1]) / (height - vanishing[1])
        top_x = vanishing[0] + (bottom_x - vanishing[0]) * along
        draw.line((top_x, floor_y, bottom_x, height), fill=colour, width=max(1, width // 900))


def _window(canvas: Image.Image, box: tuple[int, int, int, int], light: Light, rng: random.Random) -> None:
    left, top, right, bottom = box
    pane = vertical_gradient((right - left, bottom - top), light.sky_top, light.sky_horizon)
    pane_draw = ImageDraw.Draw(pane)
    if light is LIGHTS["night"]:
        _stars(pane_draw, pane.size, rng, count=14, bottom=0.6)
        # Other people's windows across the street.
        for _ in range(5):
            x = rng.uniform(0, pane.width * 0.9)
            y = rng.uniform(pane.height * 0.6, pane.height * 0.9)
            pane_draw.rectangle((x, y, x + pane.width * 0.06, y + pane.height * 0.05), fill=WINDOW_LIT)
    canvas.paste(pane, (left, top))
    draw = ImageDraw.Draw(canvas)
    frame = (236, 232, 224) if light is not LIGHTS["night"] else (120, 112, 104)
    thickness = max(2, (right - left) // 22)
    draw.rectangle(box, outline=frame, width=thickness)
    draw.line(((left + right) / 2, top, (left + right) / 2, bottom), fill=frame, width=thickness)
    draw.line((left, (top + bottom) / 2, right, (top + bottom) / 2), fill=frame, width=thickness)
    draw.rectangle((left - thickness * 2, bottom, right + thickness * 2, bottom + thickness * 2), fill=frame)


def _door(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], wall: RGB, rng: random.Random) -> None:
    left, top, right, bottom = box
    door = mix(wall, rng.choice(((92, 64, 46), (70, 84, 96), (236, 232, 222))), 0.7)
    trim = mix(wall, (250, 248, 242), 0.4)
    margin = (right - left) * 0.07
    draw.rectangle((left - margin, top - margin, right + margin, bottom), fill=trim)
    draw.rectangle(box, fill=door)
    panel = scale_colour(door, (0.86, 0.86, 0.86))
    inset = (right - left) * 0.16
    middle = top + (bottom - top) * 0.45
    draw.rectangle((left + inset, top + inset, right - inset, middle - inset / 2), outline=panel, width=max(1, round(margin / 2)))
    draw.rectangle(
        (left + inset, middle + inset / 2, right - inset, bottom - inset), outline=panel, width=max(1, round(margin / 2))
    )
    knob = (right - inset * 0.9, top + (bottom - top) * 0.55)
    radius = (right - left) * 0.04
    draw.ellipse((knob[0] - radius, knob[1] - radius, knob[0] + radius, knob[1] + radius), fill=(214, 186, 120))


def _picture(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], wall: RGB, rng: random.Random) -> None:
    left, top, right, bottom = box
    border = (right - left) * 0.06
    draw.rectangle(box, fill=(60, 52, 46))
    inner = (left + border, top + border, right - border, bottom - border)
    art = rng.choice(((196, 120, 84), (84, 120, 150), (120, 150, 96), (210, 180, 100)))
    draw.rectangle(inner, fill=mix(wall, (246, 242, 232), 0.6))
    draw.polygon(
        ((inner[0], inner[3]), ((inner[0] + inner[2]) / 2, inner[1] + (inner[3] - inner[1]) * 0.3), (inner[2], inner[3])),
        fill=art,
    )


def _sideboard(draw: ImageDraw.ImageDraw, left: int, floor_y: int, size: tuple[int, int], rng: random.Random) -> None:
    """A low cabinet with a plant on it: furniture makes a wall read as a room."""
    width, height = size
    right, top = left + width * 0.18, floor_y - height * 0.13
    wood = rng.choice(((110, 78, 56), (64, 58, 54), (150, 120, 88)))
    draw.rectangle((left, top, right, floor_y - height * 0.012), fill=wood)
    draw.rectangle(
        (left - width * 0.005, top - height * 0.012, right + width * 0.005, top), fill=scale_colour(wood, (0.75, 0.75, 0.75))
    )
    line = scale_colour(wood, (0.8, 0.8, 0.8))
    third = (right - left) / 3
    for door in (1, 2):
        draw.line(
            (left + door * third, top + height * 0.01, left + door * third, floor_y - height * 0.02),
            fill=line,
            width=max(1, width // 600),
        )
    for leg in (left + width * 0.008, right - width * 0.012):
        draw.rectangle((leg, floor_y - height * 0.012, leg + width * 0.004, floor_y), fill=scale_colour(wood, (0.6, 0.6, 0.6)))
    pot_x = left + (right - left) * rng.uniform(0.2, 0.8)
    pot_w = width * 0.012
    draw.rectangle((pot_x - pot_w, top - height * 0.04, pot_x + pot_w, top - height * 0.012), fill=(190, 110, 80))
    leaf = (70, 118, 70)
    for dx, dy, radius in ((0, -0.075, 0.026), (-0.018, -0.06, 0.02), (0.018, -0.06, 0.02)):
        cx, cy, r = pot_x + dx * height, top + dy * height, radius * height
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=leaf)


def _lamp(draw: ImageDraw.ImageDraw, x: int, floor_y: int, height: int) -> None:
    pole = max(2, height // 180)
    top = floor_y - height * 0.36
    draw.rectangle((x - pole / 2, top, x + pole / 2, floor_y), fill=(50, 44, 40))
    draw.ellipse((x - height * 0.04, floor_y - height * 0.012, x + height * 0.04, floor_y + height * 0.008), fill=(50, 44, 40))
    draw.polygon(
        (
            (x - height * 0.05, top),
            (x + height * 0.05, top),
            (x + height * 0.035, top - height * 0.07),
            (x - height * 0.035, top - height * 0.07),
        ),
        fill=(250, 226, 170),
    )


# --------------------------------------------------------------------------- exteriors


def _exterior(rng: random.Random, light: Light, size: tuple[int, int], place_words: frozenset[str]) -> Image.Image:
    width, height = size
    horizon = round(height * 0.62)
    night = light is LIGHTS["night"]

    # 1. Sky, and the sun or the moon in it.
    canvas = Image.new("RGB", size)
    canvas.paste(vertical_gradient((width, horizon), light.sky_top, light.sky_horizon))
    draw = ImageDraw.Draw(canvas)
    body_x = round(width * rng.choice((rng.uniform(0.12, 0.3), rng.uniform(0.7, 0.88))))
    if night:
        _stars(draw, (width, horizon), rng, count=90, bottom=0.85)
        body_y, radius = round(height * 0.16), round(height * 0.045)
        _add_glow(canvas, (body_x, body_y), radius * 6, light.glow, 0.25)
        draw.ellipse((body_x - radius, body_y - radius, body_x + radius, body_y + radius), fill=(240, 238, 226))
    else:
        body_y = round(height * (0.14 if light is LIGHTS["day"] else 0.5))
        _add_glow(canvas, (body_x, body_y), round(width * 0.35), light.glow, 0.55)
        _clouds(canvas, rng, horizon, mix(light.sky_horizon, (255, 255, 255), 0.6))

    # 2. The far distance, then the ground up to the camera.
    if place_words & WATER_WORDS:
        _sea_and_sand(canvas, rng, light, horizon)
    elif place_words & CITY_WORDS:
        _skyline(canvas, rng, light, horizon)
        _ground(canvas, horizon, scale_colour((128, 126, 122), light.ambient), kerb=True)
    else:
        _hills(canvas, rng, light, horizon)
    return canvas


def _stars(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: random.Random, *, count: int, bottom: float) -> None:
    width, height = size
    dot = max(1, width // 700)
    for _ in range(count):
        x, y = rng.uniform(0, width), rng.uniform(0, height * bottom)
        shade = rng.randint(150, 255)
        draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=(shade, shade, min(255, shade + 20)))


def _clouds(canvas: Image.Image, rng: random.Random, horizon: int, colour: RGB) -> None:
    width = canvas.width
    mask = Image.new("L", canvas.size, 0)
    draw = ImageDraw.Draw(mask)
    for _ in range(rng.randint(2, 4)):
        x, y = rng.uniform(0.05, 0.95) * width, rng.uniform(0.12, 0.55) * horizon
        for _ in range(5):
            puff_w, puff_h = rng.uniform(0.04, 0.09) * width, rng.uniform(0.02, 0.04) * width
            dx, dy = rng.uniform(-0.07, 0.07) * width, rng.uniform(-0.01, 0.01) * width
            draw.ellipse((x + dx - puff_w, y + dy - puff_h, x + dx + puff_w, y + dy + puff_h), fill=190)
    mask = mask.filter(ImageFilter.GaussianBlur(width / 180))
    canvas.paste(Image.new("RGB", canvas.size, colour), (0, 0), mask)


def _skyline(canvas: Image.Image, rng: random.Random, light: Light, horizon: int) -> None:
    width, height = canvas.size
    draw = ImageDraw.Draw(canvas)
    night = light is LIGHTS["night"]
    for row, (tint, tallest) in enumerate(((0.45, 0.42), (0.7, 0.3))):
        body = mix(light.sky_horizon, scale_colour((70, 78, 92), light.ambient), tint)
        x = -rng.uniform(0, 0.05) * width
        while x < width:
            building_w = rng.uniform(0.05, 0.11) * width
            building_h = rng.uniform(0.1, tallest) * height
            top = horizon - building_h
            draw.rectangle((x, top, x + building_w, horizon), fill=body)
            _building_windows(draw, (x, top, x + building_w, horizon), rng, body, night, near=row == 1)
            x += building_w + rng.uniform(0.0, 0.02) * width


def _building_windows(
    draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], rng: random.Random, body: RGB, night: bool, *, near: bool
) -> None:
    left, top, right, bottom = box
    size = (right - left) * 0.12
    unlit = mix(body, (30, 34, 44), 0.25) if night else mix(body, (220, 228, 236), 0.25 if near else 0.15)
    y = top + size
    while y < bottom - size * 2:
        x = left + size
        while x < right - size * 1.5:
            lit = night and rng.random() < 0.4
            draw.rectangle((x, y, x + size, y + size * 1.3), fill=WINDOW_LIT if lit else unlit)
            x += size * 2
        y += size * 2.4


def _ground(canvas: Image.Image, horizon: int, colour: RGB, *, kerb: bool) -> None:
    width, height = canvas.size
    ground = vertical_gradient((width, height - horizon), colour, scale_colour(colour, (0.6, 0.6, 0.6)))
    canvas.paste(ground, (0, horizon))
    if kerb:
        draw = ImageDraw.Draw(canvas)
        kerb_y = horizon + (height - horizon) * 0.22
        draw.rectangle((0, kerb_y, width, kerb_y + height * 0.012), fill=scale_colour(colour, (1.18, 1.18, 1.18)))
        draw.rectangle((0, horizon, width, horizon + height * 0.004), fill=scale_colour(colour, (0.75, 0.75, 0.75)))


def _hills(canvas: Image.Image, rng: random.Random, light: Light, horizon: int) -> None:
    width, height = canvas.size
    draw = ImageDraw.Draw(canvas)
    grass = scale_colour((96, 140, 74), light.ambient)
    for haze, rise, colour in ((0.55, 0.16, grass), (0.25, 0.08, scale_colour(grass, (0.85, 0.9, 0.85)))):
        tone = mix(colour, light.sky_horizon, haze)
        phases = [rng.uniform(0, 6.28) for _ in range(3)]
        points = [(0.0, float(height))]
        for step in range(65):
            x = width * step / 64
            wave = sum(math.sin(x / width * (index + 1.3) * 3.1 + phase) / (index + 1) for index, phase in enumerate(phases))
            points.append((x, horizon - height * rise * (0.6 + 0.35 * wave)))
        points.append((float(width), float(height)))
        draw.polygon(points, fill=tone)
    _ground(canvas, horizon + round(height * 0.06), grass, kerb=False)
    trunk, canopy = scale_colour((84, 62, 46), light.ambient), scale_colour((62, 104, 58), light.ambient)
    for _ in range(rng.randint(2, 4)):
        x = rng.uniform(0.03, 0.97) * width
        base = horizon + rng.uniform(0.06, 0.1) * height
        tree_h = rng.uniform(0.16, 0.26) * height
        draw.rectangle((x - tree_h * 0.04, base - tree_h * 0.5, x + tree_h * 0.04, base), fill=trunk)
        for dx, dy, radius in ((0, 0.62, 0.3), (-0.16, 0.5, 0.22), (0.16, 0.5, 0.22), (0, 0.85, 0.2)):
            cx, cy, r = x + dx * tree_h, base - dy * tree_h, radius * tree_h
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=canopy)


def _sea_and_sand(canvas: Image.Image, rng: random.Random, light: Light, horizon: int) -> None:
    width, height = canvas.size
    shore = round(horizon + (height - horizon) * 0.45)
    deep = mix(scale_colour((40, 96, 140), light.ambient), light.sky_horizon, 0.25)
    canvas.paste(vertical_gradient((width, shore - horizon), mix(deep, light.sky_horizon, 0.35), deep), (0, horizon))
    draw = ImageDraw.Draw(canvas)
    shimmer = mix(deep, light.glow, 0.35)
    for _ in range(22):
        y = rng.uniform(horizon + 4, shore - 4)
        x = rng.uniform(0, width)
        length = width * rng.uniform(0.02, 0.08) * (y - horizon) / (shore - horizon)
        draw.line((x, y, x + length, y), fill=shimmer, width=max(1, height // 400))
    sand = scale_colour((222, 202, 160), light.ambient)
    canvas.paste(vertical_gradient((width, height - shore), sand, scale_colour(sand, (0.78, 0.76, 0.72))), (0, shore))
    draw.line((0, shore, width, shore), fill=mix(sand, (255, 255, 255), 0.5), width=max(2, height // 200))


def _add_glow(canvas: Image.Image, centre: tuple[int, int], radius: int, colour: RGB, strength: float) -> None:
    """Brightens a soft round area towards `colour` (a lamp, the sun, a window's light)."""
    falloff = radial_falloff((radius * 2, radius * 2), softness=1.6).point(lambda value: round(value * strength))
    canvas.paste(Image.new("RGB", falloff.size, colour), (centre[0] - radius, centre[1] - radius), falloff)
