"""One sprite per character, standing in its box (feet on the box's bottom edge, centred across it).

- A reference image with transparency is a cut-out: trimmed, scaled to fit the box, with a soft shadow.
  Reference images are assumed to face the camera or screen-right; `facing="left"` mirrors a cut-out.
- A reference image without transparency is a card: the photo in a rounded frame in the character's
  colour with the name under it. Cards are never mirrored (a mirrored face or name reads wrong).
- No reference image: a silhouette in the character's colour with the name on its chest; a tall, narrow
  box gets a full figure, any other box head and shoulders. An extra (a minor role the bank does not have)
  is a plain silhouette in neutral grey, without a name.
A speaking character gets a soft halo in its colour (the shot adds a gentle bob on top).
"""

from __future__ import annotations

import math

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from movieagent.preview.fonts import font
from movieagent.preview.raster import (
    RGB,
    cover_fit,
    has_transparency,
    load_image,
    luminance,
    mix,
    parse_colour,
    vertical_gradient,
)
from movieagent.preview.sprite import Sprite
from movieagent.schema import JobCharacter

SUPERSAMPLE = 2
# Boxes at least this many times taller than wide hold a whole standing figure; wider ones a bust.
FULL_FIGURE_ASPECT = 2.2
CARD_ASPECT = 1.5  # height / width: a 3:4 photo, its frame and the name strip
WHITE, BLACK = (255, 255, 255), (0, 0, 0)
EXTRA_COLOUR = (140, 144, 153)


def figure_sprite(character: JobCharacter, frame_size: tuple[int, int], density: float, *, halo: bool) -> Sprite:
    """The character drawn at `density` image pixels per frame pixel, placed in plan pixels."""
    frame_width, frame_height = frame_size
    box = character.box
    box_width = max(2, round(box.w * frame_width * density))
    box_height = max(2, round(box.h * frame_height * density))
    colour = parse_colour(character.color)

    # 1. The figure itself, no larger than the box.
    if character.extra:
        figure = _silhouette("", EXTRA_COLOUR, (box_width, box_height))
    elif character.image is None:
        figure = _silhouette(character.name, colour, (box_width, box_height))
    else:
        reference = load_image(
            character.image, what=f"reference image of {character.name}", fit_within=(box_width * 2, box_height * 2)
        )
        if has_transparency(reference):
            figure = _cut_out(reference, (box_width, box_height), mirrored=character.facing == "left")
        else:
            figure = _card(reference, character.name, colour, (box_width, box_height))

    # 2. Shadow and halo around it, on a canvas with room for them.
    padding = math.ceil(0.08 * max(figure.size)) + 4
    canvas = Image.new("RGBA", (figure.width + 2 * padding, figure.height + 2 * padding), (0, 0, 0, 0))
    _add_shadows(canvas, figure, padding)
    if halo:
        _add_halo(canvas, figure, padding, colour)
    canvas.alpha_composite(figure, (padding, padding))
    # Every transparent pixel kept would be resized again in every frame.
    trim = canvas.getchannel("A").getbbox() or (0, 0, 1, 1)

    # 3. Placed so the figure's feet rest on the box's bottom edge, centred across the box.
    left = box.x * frame_width + ((box_width - figure.width) / 2 - padding + trim[0]) / density
    top = (box.y + box.h) * frame_height - (figure.height + padding - trim[1]) / density
    return Sprite(canvas.crop(trim).convert("RGBa"), (left, top), density)


def _cut_out(reference: Image.Image, box: tuple[int, int], *, mirrored: bool) -> Image.Image:
    image = reference.convert("RGBA")
    bounds = image.getchannel("A").point(lambda alpha: 255 if alpha > 8 else 0).getbbox()
    if bounds is not None:
        image = image.crop(bounds)
    if mirrored:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    scale = min(box[0] / image.width, box[1] / image.height)
    return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.LANCZOS)


def _card(photo: Image.Image, name: str, colour: RGB, box: tuple[int, int]) -> Image.Image:
    card_width = max(8, min(box[0], round(box[1] / CARD_ASPECT)))
    width, height = card_width * SUPERSAMPLE, round(card_width * CARD_ASPECT) * SUPERSAMPLE
    border = round(width * 0.05)
    photo_size = (width - 2 * border, round((width - 2 * border) * 4 / 3))

    # Frame with a gentle light-to-dark gradient, the photo in a rounded window, the name below it.
    card = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    frame = vertical_gradient((width, height), mix(colour, WHITE, 0.18), mix(colour, BLACK, 0.2))
    card.paste(frame, (0, 0), _rounded_mask((width, height), round(width * 0.07)))
    card.paste(cover_fit(photo.convert("RGB"), photo_size), (border, border), _rounded_mask(photo_size, round(width * 0.04)))
    strip_top = border + photo_size[1]
    _draw_name(ImageDraw.Draw(card), name, (border, strip_top, width - border, height - border // 2), colour, plate=False)
    return card.resize((width // SUPERSAMPLE, height // SUPERSAMPLE), Image.Resampling.LANCZOS)


def _silhouette(name: str, colour: RGB, box: tuple[int, int]) -> Image.Image:
    box_width, box_height = box[0] * SUPERSAMPLE, box[1] * SUPERSAMPLE
    if box_height >= FULL_FIGURE_ASPECT * box_width:
        mask, chest = _full_figure_mask(box_width, box_height)
    else:
        mask, chest = _bust_mask(box_width, box_height)

    # Shaded body, a darker rim so it separates from any backdrop, the name on the chest.
    figure = Image.new("RGBA", mask.size, (0, 0, 0, 0))
    rim = mask.filter(ImageFilter.BoxBlur(2)).point(lambda alpha: min(255, alpha * 4))
    figure.paste(mix(colour, BLACK, 0.45), (0, 0), rim)
    figure.paste(vertical_gradient(mask.size, mix(colour, WHITE, 0.2), mix(colour, BLACK, 0.22)), (0, 0), mask)
    if name:
        _draw_name(ImageDraw.Draw(figure), name, chest, colour, plate=True)
    return figure.resize((max(1, mask.width // SUPERSAMPLE), max(1, mask.height // SUPERSAMPLE)), Image.Resampling.LANCZOS)


def _full_figure_mask(box_width: int, box_height: int) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A standing figure (head, torso, arms, legs) in units of its height; about 0.47 of it wide."""
    height = min(box_height, round(box_width / 0.47))
    width = round(height * 0.47)
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)

    def part(left: float, top: float, right: float, bottom: float, radius: float) -> None:
        draw.rounded_rectangle((left * height, top * height, right * height, bottom * height), radius=radius * height, fill=255)

    middle = width / height / 2
    draw.ellipse(((middle - 0.075) * height, 0, (middle + 0.075) * height, 0.15 * height), fill=255)
    part(middle - 0.035, 0.12, middle + 0.035, 0.2, 0.01)
    part(middle - 0.15, 0.17, middle + 0.15, 0.58, 0.06)
    part(middle - 0.235, 0.19, middle - 0.16, 0.55, 0.035)
    part(middle + 0.16, 0.19, middle + 0.235, 0.55, 0.035)
    part(middle - 0.13, 0.54, middle - 0.01, 1.0, 0.04)
    part(middle + 0.01, 0.54, middle + 0.13, 1.0, 0.04)
    chest = (round((middle - 0.15) * height), round(0.27 * height), round((middle + 0.15) * height), round(0.35 * height))
    return mask, chest


def _bust_mask(box_width: int, box_height: int) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """Head and shoulders down to the box's bottom edge; the shoulders about 2.4 heads wide."""
    head = min(box_width / 2.4, box_height * 0.3)
    width = round(head * 2.4)
    mask = Image.new("L", (width, box_height), 0)
    draw = ImageDraw.Draw(mask)
    middle = width / 2
    shoulders = head * 1.12
    draw.ellipse((middle - head / 2, head * 0.02, middle + head / 2, head * 1.02), fill=255)
    draw.rectangle((middle - head * 0.22, head * 0.8, middle + head * 0.22, shoulders + head * 0.2), fill=255)
    # Sloping shoulders: the top of a wide ellipse, then straight down past the box's bottom edge.
    draw.ellipse((0, shoulders, width, shoulders + head * 1.1), fill=255)
    draw.rectangle((0, shoulders + head * 0.55, width, box_height), fill=255)
    chest_top = round(shoulders + head * 0.6)
    chest = (round(middle - head * 1.0), chest_top, round(middle + head * 1.0), round(chest_top + head * 0.26))
    return mask, chest


def _draw_name(draw: ImageDraw.ImageDraw, name: str, area: tuple[int, int, int, int], colour: RGB, *, plate: bool) -> None:
    """The name centred in `area`, shrunk (then shortened) to fit; on a dark plate over a silhouette."""
    left, top, right, bottom = area
    size = max(8, round((bottom - top) * (0.62 if plate else 0.55)))
    text = name
    typeface = font(size, bold=True, text=name)
    while typeface.getlength(text) > (right - left) * 0.92 and size > 8:
        size -= 1
        typeface = font(size, bold=True, text=name)
    while typeface.getlength(text) > (right - left) * 0.92 and len(text) > 1:
        text = text[:-2] + "…"
    text_width = typeface.getlength(text)
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    if plate:
        pad = size * 0.45
        draw.rounded_rectangle(
            (centre_x - text_width / 2 - pad, centre_y - size * 0.75, centre_x + text_width / 2 + pad, centre_y + size * 0.75),
            radius=size * 0.6,
            fill=(*mix(colour, BLACK, 0.6), 210),
        )
        ink: RGB = (250, 250, 250)
    else:
        ink = (20, 20, 24) if luminance(colour) > 0.6 else (250, 250, 250)
    draw.text((centre_x, centre_y), text, font=typeface, fill=ink, anchor="mm")


def _rounded_mask(size: tuple[int, int], radius: int) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius=radius, fill=255)
    return mask


def _add_shadows(canvas: Image.Image, figure: Image.Image, padding: int) -> None:
    """A contact shadow under the feet and a soft drop shadow down and to the right."""
    width, height = figure.size
    contact = Image.new("L", canvas.size, 0)
    feet_y = padding + height
    ImageDraw.Draw(contact).ellipse(
        (padding + width * 0.08, feet_y - width * 0.05, padding + width * 0.92, feet_y + width * 0.05), fill=120
    )
    drop = Image.new("L", canvas.size, 0)
    drop.paste(
        figure.getchannel("A").point(lambda alpha: alpha * 90 // 255),
        (padding + round(width * 0.03), padding + round(height * 0.015)),
    )
    shadow = ImageChops.lighter(contact, drop).filter(ImageFilter.GaussianBlur(max(1.0, 0.015 * max(width, height))))
    canvas.paste(Image.new("RGBA", canvas.size, (0, 0, 0, 255)), (0, 0), shadow)


def _add_halo(canvas: Image.Image, figure: Image.Image, padding: int, colour: RGB) -> None:
    glow = Image.new("L", canvas.size, 0)
    glow.paste(figure.getchannel("A"), (padding, padding))
    glow = glow.filter(ImageFilter.GaussianBlur(max(2.0, 0.03 * max(figure.size)))).point(
        lambda alpha: min(255, alpha * 3) * 3 // 4
    )
    halo = Image.new("RGBA", canvas.size, (*mix(colour, WHITE, 0.5), 255))
    halo.putalpha(glow)
    canvas.alpha_composite(halo)
