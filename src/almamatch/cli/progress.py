"""Progress on stderr while a command works, shown only when stderr is a terminal.

rich draws the bar, and is imported only then: a command whose stderr is a pipe or a file (a
script, a test, ``batch --json > out``) starts without it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress

__all__ = ["Tick", "progress"]


class Tick:
    """Advance a progress task by one; a no-op when there is no bar."""

    def __init__(self, bar: Progress | None, task: Any) -> None:
        self._bar = bar
        self._task = task

    @property
    def shown(self) -> bool:
        """Whether a bar is drawn: a caller asks a count that costs something (a file's
        position is a system call) only then."""
        return self._bar is not None

    def __call__(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=count)


@contextmanager
def progress(description: str, *, total: int | None = None, bytes_total: int | None = None,
             stream: IO[str] | None = None) -> Iterator[Tick]:
    """A progress bar on stderr while the block runs, shown only when stderr is a terminal.

    ``total`` counts items; ``bytes_total`` (a file's size) makes the bar count bytes read, so
    that its end is known before the records are counted (tick with the file's position).
    """
    target = stream or sys.stderr
    if not target.isatty():
        yield Tick(None, None)
        return
    from rich.console import Console  # noqa: PLC0415 (a terminal only: see the module's doc)
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
    )

    counter = ((TaskProgressColumn(), DownloadColumn()) if bytes_total is not None
               else (MofNCompleteColumn(),))
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        *counter,
        console=Console(file=target),
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=bytes_total if bytes_total is not None else total)
        yield Tick(bar, task)
