"""Content keys for finished work: a file is reused only when the key stored beside it matches."""

from __future__ import annotations

import hashlib
import json
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


def key_path(output: Path, marker: Path | None = None) -> Path:
    return marker if marker is not None else output.with_name(output.name + ".key")


def is_fresh(output: Path, key: str, marker: Path | None = None) -> bool:
    """`marker` keeps the key elsewhere than beside the output (out of a folder people browse)."""
    stored = key_path(output, marker)
    return output.exists() and stored.exists() and stored.read_text(encoding="utf-8").strip() == key


def mark_fresh(output: Path, key: str, marker: Path | None = None) -> None:
    write_text_atomic(key_path(output, marker), key + "\n")
