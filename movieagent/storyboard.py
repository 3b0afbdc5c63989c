"""The storyboard: pages of thumbnails, one per shot with its number and caption, and storyboard.html to browse them.

A feature film has over a thousand shots, so the storyboard is cut into pages of SHOTS_PER_PAGE shots (PNGs any
viewer opens at once), drawn and written one page at a time: memory stays that of one page whatever the film's
length. storyboard.html lists the scenes with the page and shots of each, then shows the pages in order.

A caption's first line is its heading (e.g. "MS  BRICK, STEEL"), drawn bold after the shot number; the
rest (a line of dialogue, the action) is wrapped under it and shortened with an ellipsis when too long.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from movieagent.media import frame_from_clip
from movieagent.preview.fonts import Font, cjk_language, font
from movieagent.preview.raster import load_image
from movieagent.schema import ClipResult, Plan, Shot, ShotTiming, Timeline
from movieagent.workspace import Workspace, atomic_path, write_text_atomic

SHOTS_PER_PAGE = 36  # 6 rows of 6: a page about 2000 x 2100 pixels, 2-4 MB
COLUMNS = 6
THUMB_WIDTH = 320
GUTTER = 24
TITLE_BAR_HEIGHT = 64
BODY_LINES = 3
HEADING_SIZE, BODY_SIZE, TITLE_SIZE = 15, 13, 26
LINE_SPACING = 1.4
PAPER, INK, MUTED, ACCENT = (245, 243, 238), (32, 34, 40), (98, 102, 112), (178, 58, 48)
TITLE_BAR, TITLE_INK = (28, 30, 36), (246, 246, 246)


@dataclass(frozen=True)
class StoryboardFrame:
    image: Image.Image | Path
    number: int
    caption: str


def write_storyboard(plan: Plan, timeline: Timeline, clips: list[ClipResult], workspace: Workspace) -> list[Path]:
    """Writes the storyboard's pages (a frame from the middle of each shot's clip) and storyboard.html; returns the pages.

    Pages left from a longer version of the film are removed.
    """
    # 1. Cut the shots into pages.
    shots = plan.shots()
    pages = [slice(first, min(first + SHOTS_PER_PAGE, len(shots))) for first in range(0, len(shots), SHOTS_PER_PAGE)]

    # 2. Draw each page from its own frame grabs, so only one page's pictures are ever in memory.
    written = []
    for number, page in enumerate(pages, start=1):
        note = f"shots {page.start + 1}-{page.stop} of {len(shots)}  ·  page {number} of {len(pages)}"
        frames = storyboard_frames(plan, shots[page], timeline.shots[page], clips[page])
        write_page(frames, workspace.storyboard_page(number), title=plan.title, note=note, columns=COLUMNS)
        del frames  # before the next page's grabs
        written.append(workspace.storyboard_page(number))
    for stale in set(workspace.storyboard_pages()) - set(written):
        stale.unlink()

    # 3. The index.
    write_text_atomic(workspace.storyboard, storyboard_index(plan, timeline, written, workspace.root))
    return written


def storyboard_frames(plan: Plan, shots: Sequence[Shot], timings: Sequence[ShotTiming], clips: Sequence[ClipResult]) -> list[StoryboardFrame]:
    """One frame per shot from the middle of its clip, captioned with its framing, who is in it and its first words."""
    names = {member.id: member.name.split()[0] for member in plan.cast}

    def grab(pair: tuple[ClipResult, ShotTiming]) -> Image.Image:
        return frame_from_clip(pair[0].path, duration_s=pair[1].duration_s, width=THUMB_WIDTH)

    # Each grab is an ffmpeg process that mostly waits on decoding, so two at a time use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        images = list(pool.map(grab, zip(clips, timings, strict=True)))
    frames = []
    for shot, timing, image in zip(shots, timings, images, strict=True):
        who = ", ".join(names.get(placed.character_id, placed.character_id) for placed in shot.characters)
        framing = f"{shot.size.value} {shot.movement.value}".replace("_", " ")
        first_words = shot.lines[0].text if shot.lines else shot.action
        frames.append(StoryboardFrame(image=image, number=timing.index, caption=f"{framing}  {who}\n{first_words}"))
    return frames


def write_page(frames: Sequence[StoryboardFrame], output: Path, *, title: str, note: str = "", columns: int = 4) -> None:
    """Writes one contact sheet as a PNG (atomically): frames left to right, top to bottom, in the order given.

    `note` goes at the right of the title bar (by default the number of shots).
    """
    # 1. Check inputs.
    if not frames:
        raise ValueError("a storyboard page needs at least one frame")
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
    _title_bar(draw, sheet.width, title, note or _counted(len(frames), "shot"))
    for position, (frame, picture) in enumerate(zip(frames, pictures, strict=True)):
        row, column = divmod(position, columns)
        left, top = GUTTER + column * cell[0], TITLE_BAR_HEIGHT + GUTTER + row * cell[1]
        sheet.paste(ImageOps.pad(picture, thumb_size, color=(0, 0, 0)), (left, top))
        draw.rectangle((left - 1, top - 1, left + thumb_size[0], top + thumb_size[1]), outline=(200, 196, 188))
        _caption(draw, frame, (left, top + thumb_size[1] + GUTTER // 2), thumb_size[0])

    # 4. Write it: zlib level 3 takes half the time of the default 6 for a tenth more bytes.
    with atomic_path(output) as temporary:
        sheet.save(temporary, format="PNG", compress_level=3)


def storyboard_index(plan: Plan, timeline: Timeline, pages: Sequence[Path], folder: Path) -> str:
    """storyboard.html: the scenes (heading, shots, the page they start on), then every page; script text escaped."""
    first_shot = {timing.shot_id: timing.index for timing in timeline.shots}
    scenes = []
    for scene in plan.scenes:
        first, last = first_shot[scene.shots[0].id], first_shot[scene.shots[-1].id]
        page = (first - 1) // SHOTS_PER_PAGE + 1
        shots = f"shot {first}" if first == last else f"shots {first}-{last}"
        heading = html.escape(scene.heading or f"Scene {scene.index}")
        scenes.append(f'<li><a href="#page-{page}">{heading}</a> <span>{shots}, page {page}</span></li>')
    sections = []
    for number, page in enumerate(pages, start=1):
        source = html.escape(page.relative_to(folder).as_posix(), quote=True)
        with Image.open(page) as image:
            width, height = image.size
        sections.append(
            f'<section id="page-{number}"><h2>Page {number}</h2>'
            f'<img src="{source}" width="{width}" height="{height}" loading="lazy" alt="storyboard page {number}"></section>'
        )
    title = html.escape(plan.title)
    return f"""<!doctype html>
<html lang="{html.escape(plan.language, quote=True)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: storyboard</title>
<style>
body {{ margin: 24px; background: #f5f3ee; color: #202228; font: 15px/1.45 system-ui, sans-serif; }}
img {{ max-width: 100%; height: auto; display: block; border: 1px solid #c8c4bc; }}
ol {{ columns: 2 360px; }}
li span {{ color: #626670; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{_counted(len(timeline.shots), "shot")} in {_counted(len(plan.scenes), "scene")}, on {_counted(len(pages), "page")}.</p>
<ol>
{chr(10).join(scenes)}
</ol>
{chr(10).join(sections)}
</body>
</html>
"""


def _counted(count: int, thing: str) -> str:
    return f"{count} {thing}{'s' if count != 1 else ''}"


def _picture(image: Image.Image | Path) -> Image.Image:
    if isinstance(image, Image.Image):
        return image.convert("RGB")
    return load_image(Path(image), what="storyboard frame").convert("RGB")


def _title_bar(draw: ImageDraw.ImageDraw, width: int, title: str, note: str) -> None:
    draw.rectangle((0, 0, width, TITLE_BAR_HEIGHT), fill=TITLE_BAR)
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
