"""Replies on disk, one file per request, so a re-run asks the server nothing it has asked before.

Every reply is kept, valid or not: at the same settings the model would answer the same way again. So are
failures that would happen again (a local model too slow for its timeout, a prompt too long for it), with
the timeout they had: a re-run with a longer timeout asks again. A server's errors are not kept: a 500, a
refused connection or a timeout from a busy server may well go away.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from movieagent.llm.client import ChatReply, ChatRequest
from movieagent.workspace import write_text_atomic


class Failure(BaseModel):
    problem: str
    fix: str | None = None
    timeout_s: float | None = None  # it failed with this timeout, so a longer one may do better; None: any timeout


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

    def failure(self, key: str, *, timeout_s: float) -> Failure | None:
        """The failure this request met before, if it would meet it again with `timeout_s`."""
        try:
            failed = Failure.model_validate_json(self._path(key, ".failed.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValidationError):
            return None
        return failed if failed.timeout_s is None or timeout_s <= failed.timeout_s else None

    def put_failure(self, key: str, problem: str, fix: str | None, *, timeout_s: float | None) -> None:
        write_text_atomic(self._path(key, ".failed.json"), Failure(problem=problem, fix=fix, timeout_s=timeout_s).model_dump_json())

    def _path(self, key: str, suffix: str = ".json") -> Path:
        # Two-letter subfolders keep any one folder small on long films.
        return self.folder / key[:2] / f"{key}{suffix}"
