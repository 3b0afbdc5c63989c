"""What every keyframe backend draws from a render job: the prompt, the generation size, the reference
images, per-character masks, the reference collage, and the finished PNG at exactly the job's size.

Pure image work (Pillow, numpy): no model is touched here, so each piece is cheap to test.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from movieagent.preview.backdrop import drawn_backdrop, photo_backdrop
from movieagent.preview.raster import cover_fit, load_image
from movieagent.schema import CAMERA_ANGLE_WORDS, SHOT_SIZE_WORDS, Box, JobCharacter, RenderJob
from movieagent.workspace import atomic_path

# What the image encoder sees behind a cut-out reference.
NEUTRAL_GREY = (128, 128, 128)
# A standing figure's head (hair to chin) is about 1/7 of its height; the face crop takes a little more, so the
# hair and the neckline stay in, as in the face crops the plus-face IP-Adapter was trained on.
HEAD_SHARE = 0.2
# Taller than this (height / width), a reference shows a whole figure; otherwise it is a portrait already.
FIGURE_ASPECT = 1.5


def framing(job: RenderJob) -> str:
    """The camera in words, e.g. 'medium shot, low angle'."""
    return f"{SHOT_SIZE_WORDS[job.size]}, {CAMERA_ANGLE_WORDS[job.angle]}"


def keyframe_prompt(job: RenderJob, style: str = "") -> str:
    """The shot's visual prompt, led by its framing (unless the planner already wrote it), then the style.

    The framing leads because CLIP text encoders keep only the first 77 tokens.
    """
    scene = " ".join(job.prompt.split()) or _described_scene(job)
    parts = [scene] if SHOT_SIZE_WORDS[job.size] in scene.lower() else [framing(job), scene]
    return ". ".join(part.rstrip(". ") for part in [*parts, style] if part.strip())


def where_in_frame(box: Box) -> str:
    """'on the left', 'in the centre' or 'on the right', from the box's centre."""
    centre = box.x + box.w / 2
    return "on the left" if centre < 0.4 else "on the right" if centre > 0.6 else "in the centre"


def keyframe_size(width: int, height: int, *, pixels: int, multiple: int, scale: float = 1.0) -> tuple[int, int]:
    """The job's aspect ratio at about `pixels` * `scale`**2 pixels, each side a multiple of `multiple` (at least one).

    Unlike a video model's size (diffusion/clips.py), this also grows a small shot: an image model draws best
    at the area it was trained at, and the still is scaled down to the shot afterwards.
    """
    area = pixels * scale * scale
    aspect = width / height
    return _snap((area * aspect) ** 0.5, multiple), _snap((area / aspect) ** 0.5, multiple)


def box_mask(box: Box, size: tuple[int, int]) -> Image.Image:
    """White inside `box` (clipped to the frame), black elsewhere, at `size`."""
    width, height = size
    mask = Image.new("L", size, 0)
    left, top = max(0, round(box.x * width)), max(0, round(box.y * height))
    right, bottom = min(width, round((box.x + box.w) * width)), min(height, round((box.y + box.h) * height))
    if right > left and bottom > top:
        mask.paste(255, (left, top, right, bottom))
    return mask


def background_mask(boxes: list[Box], size: tuple[int, int]) -> Image.Image:
    """White wherever no box is: the part of the frame the location shows."""
    mask = Image.new("L", size, 255)
    for box in boxes:
        mask.paste(0, mask=box_mask(box, size))
    return mask


def reference_collage(job: RenderJob, size: tuple[int, int]) -> Image.Image:
    """The location as the backdrop (its photo, or a set drawn from its name) with each character's reference
    standing in its box: scaled to fit it, feet on its bottom edge, centred across it. Characters without a
    reference image are left to the prompt."""
    if job.location_image is not None:
        canvas = cover_fit(photo_backdrop(Path(job.location_image), size), size)
    else:
        canvas = drawn_backdrop(job.location_name, job.interior, job.time_of_day, size)
    canvas = canvas.convert("RGB")
    # Nearer characters (lower feet) are pasted last, over the ones behind them.
    for character in sorted(job.characters, key=lambda c: (c.box.y + c.box.h, c.box.x)):
        if character.image is not None:
            _paste_standing(canvas, _character_reference(character.name, character.image), character.box)
    return canvas


def character_references(
    job: RenderJob, *, faces: bool = False, background: tuple[int, int, int] = NEUTRAL_GREY
) -> list[tuple[JobCharacter, Image.Image]]:
    """Each character that has a reference image, as RGB over `background` (in job order); with `faces`, its face region."""
    references = []
    for character in job.characters:
        if character.image is not None:
            reference = _character_reference(character.name, character.image)
            references.append((character, _flattened(face_region(reference) if faces else reference, background)))
    return references


def face_region(reference: Image.Image) -> Image.Image:
    """The head of a full-figure reference (RGBA): a square at the top of the figure, centred on what is there.

    The figure is the opaque part of a cut-out (the whole picture for a photo). A figure much taller than wide
    shows a whole body: its head is the top HEAD_SHARE of its height. Anything else is taken for a portrait and
    kept whole. Done by proportion, not a face detector: bank pictures are drawn or cut-out figures, standing.
    """
    figure = reference.getchannel("A").point(lambda alpha: 255 if alpha > 0 else 0).getbbox()
    if figure is None:
        return reference
    left, top, right, bottom = figure
    if bottom - top < FIGURE_ASPECT * (right - left):
        return reference.crop(figure)
    side = min(right - left, round((bottom - top) * HEAD_SHARE))
    # Centred across what is opaque in the head's band, not across the figure: an arm or a lantern may widen it.
    band = reference.getchannel("A").crop((left, top, right, top + side)).getbbox()
    centre = left + (band[0] + band[2]) / 2 if band is not None else (left + right) / 2
    crop_left = round(min(max(centre - side / 2, 0), reference.width - side))
    return reference.crop((crop_left, top, crop_left + side, top + side))


def location_reference(job: RenderJob) -> Image.Image | None:
    """The location's reference image as RGB, or None without one."""
    if job.location_image is None:
        return None
    return _flattened(_load_reference(Path(job.location_image), what=f"location image of {job.location_name}"), NEUTRAL_GREY)


def save_keyframe(image: Image.Image, job: RenderJob, output: Path) -> None:
    """Writes `image` as a PNG of exactly the job's size (scaled and centre-cropped to it), atomically."""
    frame = image.convert("RGB")
    if frame.size != (job.width, job.height):
        frame = cover_fit(frame, (job.width, job.height))
    with atomic_path(output) as temporary:
        frame.save(temporary, format="PNG")


def _character_reference(name: str, image: Path) -> Image.Image:
    return _load_reference(image, what=f"reference image of {name}")


def _load_reference(path: Path, *, what: str) -> Image.Image:
    """RGBA (opaque unless the image is a cut-out); raises RenderError naming the image if it cannot be read."""
    return load_image(path, what=what).convert("RGBA")


def _flattened(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    # Neutral grey behind a cut-out adds no colour to the character (the models that learned white get white).
    flattened = Image.new("RGB", image.size, background)
    flattened.paste(image, mask=image.getchannel("A"))
    return flattened


def _paste_standing(canvas: Image.Image, reference: Image.Image, box: Box) -> None:
    width, height = canvas.size
    box_width, box_height = max(1, round(box.w * width)), max(1, round(box.h * height))
    scale = min(box_width / reference.width, box_height / reference.height)
    fitted = reference.resize(
        (max(1, round(reference.width * scale)), max(1, round(reference.height * scale))), Image.Resampling.LANCZOS
    )
    left = round(box.x * width + (box_width - fitted.width) / 2)
    top = round((box.y + box.h) * height) - fitted.height
    canvas.paste(fitted, (left, top), fitted)


def _described_scene(job: RenderJob) -> str:
    # Planners that write no visual prompt still give the place, the time, who is there and what happens.
    people = ", ".join(character.name for character in job.characters)
    parts = [job.location_name, job.time_of_day.lower(), people, job.action]
    return ". ".join(" ".join(part.split()) for part in parts if part.strip())


def _snap(length: float, multiple: int) -> int:
    return max(multiple, round(length / multiple) * multiple)
