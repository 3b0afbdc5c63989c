"""Where the data folders (agents/, prompts/, configs/, examples/, character_bank/) are: inside the installed wheel, or the source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """`name` is one of the data folders above. A wheel carries them in movieagent/resources/, a checkout at its top."""
    for candidate in (_PACKAGE / "resources" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"movieagent data folder '{name}' is missing from this installation; reinstall movieagent")


def shipped_profiles() -> list[str]:
    """The settings profiles in configs/, by the name `-c` takes ('preview-hd')."""
    return sorted(profile.stem for profile in resource_dir("configs").glob("*.yaml"))
