"""Progress bars per stage (rich), or nothing at all when switched off."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


ProgressListener = Callable[[str, int, int], None]
"""Told (stage, steps done, steps in all) when a stage starts, advances and ends: for a UI other than the terminal."""


class StageProgress:
    """One bar per pipeline stage. `enabled=False` draws no bars (tests, batch jobs, --quiet); a listener is told anyway."""

    def __init__(self, enabled: bool, console: Console | None = None, listener: ProgressListener | None = None):
        self._listener = listener
        self._progress = (
            Progress(
                TextColumn("{task.description:<12}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console or Console(stderr=True),
            )
            if enabled
            else None
        )

    def __enter__(self) -> StageProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextlib.contextmanager
    def stage(self, name: str, total: int) -> Iterator[Callable[[int], None]]:
        """Yields `advance(n=1)`; the bar completes when the block ends without error."""
        total = max(total, 1)
        done = 0
        task = self._progress.add_task(name, total=total) if self._progress is not None else None
        if self._listener:
            self._listener(name, 0, total)

        def advance(steps: int = 1) -> None:
            nonlocal done
            done += steps
            if task is not None:
                self._progress.advance(task, steps)
            if self._listener:
                self._listener(name, min(done, total), total)

        yield advance
        if task is not None:
            self._progress.update(task, completed=total)
        if self._listener:
            self._listener(name, total, total)
