"""Subtitle cues read from an SRT file, and turned into WebVTT (what browsers read for a <track>)."""

from __future__ import annotations

from pathlib import Path

import pysubs2
from pydantic import BaseModel

from movieagent.errors import InputError
from movieagent.subtitles import Subtitle, srt_plain
from movieagent.subtitles import webvtt as subtitles_webvtt


class Cue(BaseModel):
    index: int
    start_s: float
    end_s: float
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def read_cues(path: Path) -> list[Cue]:
    """The cues in time order, numbered from 1 as they are in the file; the text as shown (markup kept as text)."""
    try:
        document = pysubs2.load(str(path), encoding="utf-8", format_="srt", keep_html_tags=True)
    except (pysubs2.Pysubs2Error, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"not a readable SRT file: {error}", path=path, fix="restore movie.srt (`movieagent make` writes it)") from None
    cues = [
        Cue(index=number, start_s=event.start / 1000, end_s=event.end / 1000, text=srt_plain(event.text.replace("\\N", "\n")).strip())
        for number, event in enumerate(document, start=1)
    ]
    return sorted(cues, key=lambda cue: cue.start_s)


def webvtt(cues: list[Cue]) -> str:
    return subtitles_webvtt(
        [Subtitle(round(cue.start_s * 1000), round(cue.end_s * 1000), tuple(line for line in cue.lines if line.strip())) for cue in cues]
    )
