"""Content keys for finished work: a file is reused only when the key stored beside it matches.

Every stage caches the same way: it computes the key of what it is made of and calls `reuse_or_make`. The render
stage keeps its files content-addressed instead (cache/clips/<key>.mp4), so a shot that only moved is reused too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from movieagent.workspace import write_text_atomic


def content_key(*parts: Any) -> str:
    """A stable hash of JSON-able parts (pydantic models are dumped first)."""
    normalised = [part.model_dump(mode="json") if hasattr(part, "model_dump") else part for part in parts]
    encoded = json.dumps(normalised, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stored_key(output: Path, marker: Path | None = None) -> str | None:
    """The key `output` was made with (stored beside it, or at `marker`); None when there is none."""
    stored = _key_file(output, marker)
    return stored.read_text(encoding="utf-8").strip() if output.exists() and stored.exists() else None


def reuse_or_make(key: str, outputs: Sequence[Path], make: Callable[[], None], *, marker: Path | None = None) -> bool:
    """Calls `make` to write `outputs` unless they all exist and were made with `key`; True when they were reused.

    The key is stored beside the first output, or at `marker` (out of a folder people browse), once `make` has
    written them all: an interrupted stage is made again.
    """
    if stored_key(outputs[0], marker) == key and all(output.exists() for output in outputs[1:]):
        return True
    make()
    write_text_atomic(_key_file(outputs[0], marker), key + "\n")
    return False


def _key_file(output: Path, marker: Path | None) -> Path:
    return marker if marker is not None else output.with_name(output.name + ".key")
