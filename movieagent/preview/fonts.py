"""The fonts the preview and the storyboard draw text with.

DejaVu Sans when the system has it (Debian fonts-dejavu-core), else Pillow's built-in scalable font. Text
with Japanese, Chinese or Korean letters, which neither has, is drawn with Noto Sans CJK: from the
`noto-cjk-sans-otc` wheel (`pip install 'movieagent[cjk]'`, SIL Open Font License) or Debian's
fonts-noto-cjk. Without either, such text falls back to DejaVu (empty boxes) and the log says how to fix it.
"""

from __future__ import annotations

import functools
import logging
import re
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

from PIL import ImageFont

DEJAVU_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
CJK_PACKAGE, CJK_FILE = "noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"
DEBIAN_CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_INSTALL_HINT = "pip install 'movieagent[cjk]' (Noto Sans CJK), or apt install fonts-noto-cjk"
# Faces of the Noto Sans CJK collection (index, family name): the same letters, drawn the way each language writes them.
CJK_FACES = {"ja": (0, "Noto Sans CJK JP"), "ko": (1, "Noto Sans CJK KR"), "zh": (2, "Noto Sans CJK SC")}
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]")

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
log = logging.getLogger("movieagent")


def font(size: int, *, bold: bool = False, text: str = "") -> Font:
    """A font of `size` pixels that has the letters of `text` (Noto Sans CJK has one weight: bold is regular)."""
    language = cjk_language(text)
    if language is not None and (cjk := cjk_font_file()) is not None:
        return _truetype(str(cjk), size, CJK_FACES[language][0])
    if language is not None:
        _warn_no_cjk_font()
    path = DEJAVU_FOLDER / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.is_file():
        return _truetype(str(path), size, 0)
    return ImageFont.load_default(size=size)


def cjk_language(text: str) -> str | None:
    """'ja', 'ko' or 'zh' when `text` has letters of those scripts (kana means Japanese, hangul Korean)."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    return "zh" if _HAN.search(text) else None


def cjk_face_name(language: str) -> str | None:
    """The family name of the Noto Sans CJK face for a language tag ('ja-JP' -> 'Noto Sans CJK JP'); None for others."""
    face = CJK_FACES.get(language.split("-")[0].lower())
    return face[1] if face else None


@functools.cache
def cjk_font_file() -> Path | None:
    """The Noto Sans CJK collection, from the wheel or the system; None when neither is installed."""
    if find_spec(CJK_PACKAGE) is not None:
        with resources.as_file(resources.files(CJK_PACKAGE).joinpath(CJK_FILE)) as path:
            if path.is_file():
                return path
    return DEBIAN_CJK_FONT if DEBIAN_CJK_FONT.is_file() else None


@functools.cache
def _truetype(path: str, size: int, index: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


@functools.cache
def _warn_no_cjk_font() -> None:
    log.warning("no font with Japanese, Chinese or Korean letters: such text is drawn as empty boxes; fix: %s", CJK_INSTALL_HINT)
