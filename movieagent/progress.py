"""Progress bars per stage (rich), or nothing at all when switched off."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class StageProgress:
    """One bar per pipeline stage. `enabled=False` makes every call a no-op (tests, batch jobs, --quiet)."""

    def __init__(self, enabled: bool, console: Console | None = None):
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
        if self._progress is None:
            yield lambda steps=1: None
            return
        task = self._progress.add_task(name, total=max(total, 1))
        yield lambda steps=1: self._progress.advance(task, steps)
        self._progress.update(task, completed=max(total, 1))
