"""Keys never reach a file or a message: every string a server sends back, and every problem we report, is scrubbed."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import SecretStr

REDACTED = "[redacted]"


def scrub(text: str, secrets: Sequence[SecretStr]) -> str:
    """`text` with every secret's value replaced by [redacted]."""
    for secret in secrets:
        if secret.get_secret_value():
            text = text.replace(secret.get_secret_value(), REDACTED)
    return text
