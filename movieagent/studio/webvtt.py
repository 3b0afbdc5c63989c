"""movie.srt -> WebVTT, the subtitle format a browser's <video> reads."""

from __future__ import annotations

import re

_SRT_TIME = re.compile(r"^(\d{2}:\d{2}:\d{2}),(\d{3}) --> (\d{2}:\d{2}:\d{2}),(\d{3})\s*$")


def srt_to_vtt(srt: str) -> str:
    """The same cues with WebVTT's header and dotted milliseconds; text is escaped so it is never read as markup."""
    blocks = []
    for block in re.split(r"\n\s*\n", srt.replace("\r\n", "\n").strip()):
        lines = block.split("\n")
        timing = next((number for number, line in enumerate(lines) if _SRT_TIME.match(line)), None)
        if timing is None:
            continue
        start, start_ms, end, end_ms = _SRT_TIME.match(lines[timing]).groups()
        text = [_escape(line) for line in lines[timing + 1 :]]
        blocks.append("\n".join([*lines[:timing], f"{start}.{start_ms} --> {end}.{end_ms}", *text]))
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def _escape(text: str) -> str:
    # Escaping '>' also keeps '-->', WebVTT's timing arrow, out of the text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
