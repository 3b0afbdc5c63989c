"""Exceptions a user sees. Each carries where the problem is and how to fix it."""

from __future__ import annotations

from pathlib import Path


class MovieAgentError(Exception):
    """Base class: the CLI prints these as one clear message and exits with `exit_code`.

    1 means the work failed (a render, a model, a server); bad input says 2 (InputError, InputErrors).
    """

    exit_code = 1


class InputError(MovieAgentError):
    """Bad user input: a script, a character bank, a config file.

    `path` and `line` point at the problem, `fix` says what to do about it.
    """

    exit_code = 2

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None, fix: str | None = None):
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.fix = fix
        super().__init__(self.describe())

    def describe(self) -> str:
        return _describe(self.message, self.path, self.line, self.fix)


class InputWarning:
    """Input that works, but maybe not as meant (a character without a picture): reported, and the work goes on."""

    def __init__(self, message: str, *, path: Path | str | None = None, fix: str | None = None):
        self.message = message
        self.path = Path(path) if path is not None else None
        self.fix = fix

    def describe(self) -> str:
        return _describe(self.message, self.path, None, self.fix)


def _describe(message: str, path: Path | None, line: int | None, fix: str | None) -> str:
    where = ""
    if path is not None:
        where = f"{path}:{line}: " if line is not None else f"{path}: "
    text = f"{where}{message}"
    if fix:
        text += f"\n  fix: {fix}"
    return text


class InputErrors(MovieAgentError):
    """Several input problems found in one pass, reported together."""

    exit_code = 2

    def __init__(self, problems: list[InputError]):
        self.problems = problems
        super().__init__("\n".join(problem.describe() for problem in problems))


class RenderError(MovieAgentError):
    """A backend failed to produce a clip, a speech file or the final movie."""


class WriteError(MovieAgentError):
    """A file could not be written: a full disk, a read-only folder, a missing permission. Names the file."""

    def __init__(self, path: Path, reason: str, fix: str):
        self.path = Path(path)
        self.reason = reason
        self.fix = fix
        super().__init__(f"{self.path}: could not write: {reason}\n  fix: {fix}")
