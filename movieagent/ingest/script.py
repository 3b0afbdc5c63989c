"""load_script(): any supported script file -> Script, refusing bad or oversized input up front."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from movieagent.errors import InputError
from movieagent.files import read_text
from movieagent.ingest.fountain import parse_fountain
from movieagent.ingest.language import script_language
from movieagent.ingest.movieagent_json import parse_movieagent
from movieagent.ingest.synopsis import parse_synopsis
from movieagent.schema import Script

Parser = Callable[[str, Path], Script]

# A Fountain scene heading after a blank line: INT./EXT./EST./I/E ... or a forced ".HEADING".
_HEADING_LINE = re.compile(r"(?:\A|\n[ \t]*\n)[ \t]*(?:(?:INT|EXT|EST|INT\.?/EXT|I/E)[. ]|\.[^.\s])", re.IGNORECASE)

PARSERS: dict[str, Parser] = {
    ".fountain": parse_fountain,
    ".spmd": parse_fountain,
    ".txt": parse_synopsis,
    ".md": parse_synopsis,
    ".json": parse_movieagent,
}
SUPPORTED = ".fountain or .spmd (Fountain screenplay), .txt or .md (prose synopsis), .json (MovieAgent script_synopsis.json)"


def load_script(path: Path, *, max_bytes: int = 5_000_000, max_scenes: int = 2000) -> Script:
    """Read and parse a script; every refusal is an InputError naming the file, the line and the fix."""
    # 1. Check inputs: a regular file within the size limit, of a known kind, UTF-8 text.
    path = Path(path)
    text = read_text(
        path,
        what="script file",
        max_bytes=max_bytes,
        missing_fix="check the path; run from the folder it is relative to",
        too_big_fix="split it into parts, or raise `planning.max_script_bytes` in your settings",
    )
    parser = PARSERS.get(path.suffix.lower())
    if parser is None:
        raise InputError(f"unsupported script type '{path.suffix or '(no suffix)'}'", path=path, fix=f"use {SUPPORTED}")
    if not text.strip():
        raise InputError("the script is empty", path=path, fix="write at least one scene or one paragraph of story")

    if parser is parse_fountain and (headings := len(_HEADING_LINE.findall(text))) > max_scenes:
        # Parsing a huge script costs far more than counting its headings, so refuse before parsing.
        raise InputError(
            f"the script has {headings} scene headings, over the limit of {max_scenes} scenes",
            path=path,
            fix="split it into parts, or raise `planning.max_scenes` in your settings",
        )

    # 2. Run: the parser for this kind of file.
    script = parser(text, path.resolve())

    # 3. Post-process: refuse scripts with nothing to film, or too much.
    if not script.scenes:
        raise InputError(
            "no scenes found: the script has no scene heading, action or dialogue",
            path=path,
            fix="add a scene heading such as 'INT. KITCHEN - NIGHT' followed by action or dialogue",
        )
    if len(script.scenes) > max_scenes:
        raise InputError(
            f"the script has {len(script.scenes)} scenes, over the limit of {max_scenes}",
            path=path,
            fix="split it into parts, or raise `planning.max_scenes` in your settings",
        )
    return script.model_copy(update={"language": script_language(script)})

