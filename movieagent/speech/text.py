"""A line's text as the words a voice engine is given: script text is data, never a command to the engine."""

from __future__ import annotations

import re
import unicodedata

# Piper reads [[ ... ]] as raw phonemes; espeak-ng reads \x01 as an embedded command (a control character).
_PHONEME_BLOCK = re.compile(r"\[\s*\[|\]\s*\]")


def spoken_text(text: str) -> str:
    """Plain words: control characters removed, whitespace collapsed, engine markup taken apart."""
    normalized = unicodedata.normalize("NFC", text)
    printable = "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in normalized)
    return _PHONEME_BLOCK.sub(lambda match: match.group(0)[0] + " " + match.group(0)[-1], " ".join(printable.split()))
