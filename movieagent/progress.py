"""Progress bars per stage (rich), or nothing at all when switched off."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@dataclass(frozen=True)
class StageUpdate:
    """What a listener is told when a stage starts, advances and ends."""

    stage: str
    done: int
    total: int
    # In the keyframes and render stages: the shot whose file is now ready, and whether it came from the cache.
    shot_id: str | None = None
    reused: bool = False


ProgressListener = Callable[[StageUpdate], None]
"""For a UI other than the terminal's bars (the studio)."""


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
    def stage(self, name: str, total: int) -> Iterator[Callable[..., None]]:
        """Yields `advance(steps=1, *, shot_id=None, reused=False)`; the bar completes when the block ends without error."""
        total = max(total, 1)
        done = 0
        task = self._progress.add_task(name, total=total) if self._progress is not None else None
        if self._listener:
            self._listener(StageUpdate(name, 0, total))

        def advance(steps: int = 1, *, shot_id: str | None = None, reused: bool = False) -> None:
            nonlocal done
            done += steps
            if task is not None:
                self._progress.advance(task, steps)
            if self._listener:
                self._listener(StageUpdate(name, min(done, total), total, shot_id=shot_id, reused=reused))

        yield advance
        if task is not None:
            self._progress.update(task, completed=total)
        if self._listener:
            self._listener(StageUpdate(name, total, total))
