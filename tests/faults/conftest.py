"""The fault suite's tools: run the real command line in a subprocess, and check that a refusal hurt nothing.

Every fault test asserts the exit code, the message, that no traceback is printed, that nothing outside the
output folder changed, and that nothing half-written is left (see assert_refused and snapshot).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import draw_portrait

SCRIPT = """Title: Two Friends

INT. KITCHEN - DAY

Ann pours tea.

ANN
Good morning.

BOB
Morning, Ann.
"""


def run_cli(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m movieagent ARGS` in a subprocess: real exit codes, real signals, real stderr."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "movieagent", *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every entry under `root` (links not followed): relative path -> (kind, size, modification time in ns)."""
    entries: dict[str, tuple[str, int, int]] = {}
    if not root.exists():
        return entries
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
        entries[str(path.relative_to(root))] = (kind, 0 if kind == "dir" else info.st_size, info.st_mtime_ns)
    return entries


def partial_files(root: Path) -> list[Path]:
    """Temporary files a write in progress leaves (workspace.atomic_path's hidden '.NAME.*.partial*' names)."""
    return sorted(path for path in root.rglob(".*partial*")) if root.exists() else []


def assert_refused(result: subprocess.CompletedProcess[str], code: int, *mentions: str) -> None:
    """A clean refusal: the exit code, every mention in the output, and no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == code, f"exit {result.returncode}, wanted {code}:\n{output}"
    assert "Traceback" not in output, output
    for mention in mentions:
        assert mention in output, (mention, output)


def write_tiny_film(base: Path, script_text: str = SCRIPT) -> tuple[Path, Path]:
    """BASE/film.fountain and BASE/bank: a two-character Fountain film with its bank (for module-scoped fixtures)."""
    script = base / "film.fountain"
    script.write_text(script_text, encoding="utf-8")
    bank = base / "bank"
    for name, color in (("Ann", "#cc3333"), ("Bob", "#3366cc")):
        folder = bank / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "character.yaml").write_text(f"name: {name}\n", encoding="utf-8")
        draw_portrait(folder / "portrait.png", color)
    return script, bank


@pytest.fixture
def tiny_film(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    """tiny_film(script_text=SCRIPT) -> (script, bank): a two-character Fountain film with its bank."""

    def make(script_text: str = SCRIPT, root: Path | None = None) -> tuple[Path, Path]:
        return write_tiny_film(root or tmp_path, script_text)

    return make
