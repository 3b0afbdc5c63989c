"""OUTDIR/transcript.jsonl: one line per call to the model, with usage and an estimated cost.

Secrets never reach it: the client sends the key in a header, which is not recorded, and every line is
scrubbed of the key besides, in case a server echoes it back in an error.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from movieagent.llm.client import Message
from movieagent.llm.secrets import scrub


class Price(BaseModel):
    """What a model costs, in US dollars per million tokens."""

    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)

    def cost_usd(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_million + completion_tokens * self.output_per_million) / 1e6


class CallRecord(BaseModel):
    time: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
    agent: str
    scene: str | None = None
    model: str
    attempt: int = Field(description="1 for the first answer, 2.. for the repairs")
    outcome: Literal["valid", "invalid", "error"]
    cached: bool = False
    problem: str | None = None
    finish_reason: str | None = None
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = Field(default=None, description="None when no price is known for the model; 0 when cached")
    request_key: str = ""
    messages: list[Message] = []
    reply: str | None = None


class Transcript:
    """Appends records to a JSONL file; safe to share between the threads of parallel scenes."""

    def __init__(self, path: Path, secrets: Sequence[SecretStr] = ()):
        self.path = Path(path)
        self._secrets = tuple(secrets)
        self._lock = threading.Lock()

    def record(self, entry: CallRecord) -> None:
        line = scrub(entry.model_dump_json(), self._secrets)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # An append-only log: each whole line is written at once, so a crash leaves every earlier line intact.
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
