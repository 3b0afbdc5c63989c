"""Replies on disk, one file per request, so a re-run asks the server nothing it has answered before."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import ValidationError

from movieagent.llm.client import ChatReply, ChatRequest
from movieagent.workspace import write_text_atomic


def request_key(request: ChatRequest) -> str:
    """Model, messages, output schema and sampling settings: everything that shapes the answer."""
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def get(self, key: str) -> ChatReply | None:
        try:
            return ChatReply.model_validate_json(self._path(key).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValidationError):
            return None  # never asked, or a damaged file: ask again

    def put(self, key: str, reply: ChatReply) -> None:
        write_text_atomic(self._path(key), reply.model_dump_json())

    def _path(self, key: str) -> Path:
        # Two-letter subfolders keep any one folder small on long films.
        return self.folder / key[:2] / f"{key}.json"
