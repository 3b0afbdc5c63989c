"""DejaVu Sans when the system has it (Debian fonts-dejavu-core), else Pillow's built-in scalable font."""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

DEJAVU_FOLDER = Path("/usr/share/fonts/truetype/dejavu")

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.cache
def font(size: int, *, bold: bool = False) -> Font:
    path = DEJAVU_FOLDER / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)
