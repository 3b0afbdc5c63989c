"""The storyboard contact sheet: a title bar, then one thumbnail per shot with its number and caption.

A caption's first line is its heading (e.g. "MS  BRICK, STEEL"), drawn bold after the shot number; the
rest (a line of dialogue, the action) is wrapped under it and shortened with an ellipsis when too long.
"""

from __future__ import annotations

import io
import math
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from movieagent.errors import RenderError
from movieagent.media import ffmpeg_exe
from movieagent.preview.fonts import Font, cjk_language, font
from movieagent.preview.raster import load_image
from movieagent.workspace import atomic_path

THUMB_WIDTH = 320
GUTTER = 24
TITLE_BAR_HEIGHT = 64
BODY_LINES = 3
HEADING_SIZE, BODY_SIZE, TITLE_SIZE = 15, 13, 26
LINE_SPACING = 1.4
PAPER, INK, MUTED, ACCENT = (245, 243, 238), (32, 34, 40), (98, 102, 112), (178, 58, 48)
TITLE_BAR, TITLE_INK = (28, 30, 36), (246, 246, 246)
# ffmpeg prints "Duration: 00:01:02.50," for any file it can open; there is no ffprobe to ask.
DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class StoryboardFrame:
    image: Image.Image | Path
    number: int
    caption: str


def write_storyboard(frames: Sequence[StoryboardFrame], output: Path, *, title: str, columns: int = 4) -> None:
    """Writes the contact sheet as a PNG (atomically): frames left to right, top to bottom, in the order given."""
    # 1. Check inputs.
    if not frames:
        raise ValueError("a storyboard needs at least one frame")
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")

    # 2. Lay out the grid; every thumbnail takes the first frame's aspect (letterboxed if one differs).
    pictures = [_picture(frame.image) for frame in frames]
    thumb_size = (THUMB_WIDTH, max(1, round(THUMB_WIDTH * pictures[0].height / pictures[0].width)))
    columns = min(columns, len(frames))
    rows = math.ceil(len(frames) / columns)
    caption_height = round((HEADING_SIZE + BODY_LINES * BODY_SIZE) * LINE_SPACING) + GUTTER // 2
    cell = (thumb_size[0] + GUTTER, thumb_size[1] + caption_height + GUTTER)
    sheet = Image.new("RGB", (GUTTER + columns * cell[0], TITLE_BAR_HEIGHT + GUTTER + rows * cell[1]), PAPER)
    draw = ImageDraw.Draw(sheet)

    # 3. Draw the title bar and the cells.
    _title_bar(draw, sheet.width, title, len(frames))
    for position, (frame, picture) in enumerate(zip(frames, pictures, strict=True)):
        row, column = divmod(position, columns)
        left, top = GUTTER + column * cell[0], TITLE_BAR_HEIGHT + GUTTER + row * cell[1]
        sheet.paste(ImageOps.pad(picture, thumb_size, color=(0, 0, 0)), (left, top))
        draw.rectangle((left - 1, top - 1, left + thumb_size[0], top + thumb_size[1]), outline=(200, 196, 188))
        _caption(draw, frame, (left, top + thumb_size[1] + GUTTER // 2), thumb_size[0])

    # 4. Write it.
    with atomic_path(output) as temporary:
        sheet.save(temporary, format="PNG")


def frame_from_clip(clip: Path, at_fraction: float = 0.5, *, duration_s: float | None = None) -> Image.Image:
    """One frame of a video, `at_fraction` (0..1) of the way through, decoded by ffmpeg.

    Pass `duration_s` when known; otherwise it is read from ffmpeg's description of the file.
    """
    # 1. Check inputs and find the time to seek to.
    clip = Path(clip)
    if not clip.is_file():
        raise RenderError(f"clip not found: {clip}")
    duration = duration_s if duration_s is not None else _duration(clip)
    # Seeking to the very end finds no frame; stay a little before it.
    seconds = min(max(0.0, min(1.0, at_fraction)) * duration, max(0.0, duration - 0.1))

    # 2. Decode one frame as PNG on stdout.
    command = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-ss",
        f"{seconds:.3f}",
        "-i",
        str(clip),
        "-frames:v",
        "1",
        "-an",
        "-f",
        "image2pipe",
        "-c:v",
        "png",
        "pipe:1",
    ]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout:
        tail = "\n".join(result.stderr.decode(errors="replace").strip().splitlines()[-3:])
        raise RenderError(f"could not read a frame of {clip} at {seconds:.2f} s" + (f":\n{tail}" if tail else ""))
    with Image.open(io.BytesIO(result.stdout)) as decoded:
        return decoded.convert("RGB")


def _duration(clip: Path) -> float:
    # With no output file ffmpeg describes the input on stderr and exits with an error; that is expected.
    result = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(clip)], capture_output=True, check=False)
    match = DURATION.search(result.stderr.decode(errors="replace"))
    if match is None:
        raise RenderError(f"cannot read the duration of {clip}: is it a video file?")
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _picture(image: Image.Image | Path) -> Image.Image:
    if isinstance(image, Image.Image):
        return image.convert("RGB")
    return load_image(Path(image), what="storyboard frame").convert("RGB")


def _title_bar(draw: ImageDraw.ImageDraw, width: int, title: str, count: int) -> None:
    draw.rectangle((0, 0, width, TITLE_BAR_HEIGHT), fill=TITLE_BAR)
    note = f"{count} shot{'s' if count != 1 else ''}"
    note_font = font(BODY_SIZE + 1)
    note_width = note_font.getlength(note)
    draw.text((width - GUTTER - note_width, TITLE_BAR_HEIGHT / 2), note, font=note_font, fill=(170, 174, 182), anchor="lm")
    title_font = font(TITLE_SIZE, bold=True, text=title)
    fitted = _fit(title, title_font, width - 3 * GUTTER - note_width)
    draw.text((GUTTER, TITLE_BAR_HEIGHT / 2), fitted, font=title_font, fill=TITLE_INK, anchor="lm")


def _caption(draw: ImageDraw.ImageDraw, frame: StoryboardFrame, origin: tuple[int, int], width: int) -> None:
    left, top = origin
    heading, _, body = frame.caption.strip().partition("\n")
    heading_font, body_font = font(HEADING_SIZE, bold=True, text=heading), font(BODY_SIZE, text=body)
    number = f"{frame.number}"
    draw.text((left, top), number, font=heading_font, fill=ACCENT)
    indent = heading_font.getlength(number + "  ")
    draw.text((left + indent, top), _fit(heading.strip(), heading_font, width - indent), font=heading_font, fill=INK)
    line_top = top + round(HEADING_SIZE * LINE_SPACING)
    for line in _wrap(" ".join(body.split()), body_font, width, BODY_LINES):
        draw.text((left, line_top), line, font=body_font, fill=MUTED)
        line_top += round(BODY_SIZE * LINE_SPACING)


def _wrap(text: str, typeface: Font, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap to `width` pixels; the last allowed line ends in an ellipsis when text is left over.

    Japanese and Chinese captions, written without spaces, wrap between any two characters.
    """
    lines: list[str] = []
    space = "" if cjk_language(text) in ("ja", "zh") else " "
    words = list(text) if not space else text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and typeface.getlength(f"{line}{space}{words[0]}") <= width:
            line = f"{line}{space}{words.pop(0)}"
        lines.append(_fit(line.strip(), typeface, width))
    if words:
        lines[-1] = _fit(lines[-1] + f"{space}…", typeface, width, force_ellipsis=True)
    return lines


def _fit(text: str, typeface: Font, width: float, *, force_ellipsis: bool = False) -> str:
    """`text` shortened with an ellipsis until it is at most `width` pixels wide."""
    if typeface.getlength(text) <= width and not force_ellipsis:
        return text
    base = text.removesuffix(" …").removesuffix("…")
    while base and typeface.getlength(base.rstrip() + "…") > width:
        base = base[:-1]
    return base.rstrip() + "…"
