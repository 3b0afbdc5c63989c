"""Subtitle cues read from an SRT file, and turned into WebVTT (what browsers read for a <track>)."""

from __future__ import annotations

import html
from pathlib import Path

import pysrt
from pydantic import BaseModel

from movieagent.errors import InputError


class Cue(BaseModel):
    index: int
    start_s: float
    end_s: float
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def read_cues(path: Path) -> list[Cue]:
    """The cues in time order, numbered from 1 as they are in the file."""
    try:
        items = pysrt.open(str(path), encoding="utf-8", error_handling=pysrt.ERROR_RAISE)
    except (pysrt.Error, UnicodeDecodeError) as error:
        raise InputError(f"not a readable SRT file: {error}", path=path, fix="restore movie.srt (`movieagent make` writes it)") from None
    cues = [
        Cue(index=number, start_s=item.start.ordinal / 1000, end_s=item.end.ordinal / 1000, text=item.text.strip())
        for number, item in enumerate(items, start=1)
    ]
    return sorted(cues, key=lambda cue: cue.start_s)


def webvtt(cues: list[Cue]) -> str:
    blocks = ["WEBVTT\n"]
    for cue in cues:
        # Cue text is markup (escape &, <, >); a blank line would end the cue early.
        text = "\n".join(html.escape(line, quote=False) for line in cue.lines if line.strip())
        blocks.append(f"{cue.index}\n{_timestamp(cue.start_s)} --> {_timestamp(cue.end_s)}\n{text}\n")
    return "\n".join(blocks)


def _timestamp(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
