"""How a command ends when it is stopped from outside: Ctrl-C (SIGINT) or SIGTERM.

Theory of operation: Ctrl-C raises ``KeyboardInterrupt`` in the main thread, and every command
already ends on it as an interrupted run (``cli.main``: one line, exit 130): a batch output keeps
every complete line (``--resume`` continues it; an earlier output is replaced by the new one as
far as it got, ``cli.resume.batch_output``), a zone build removes its unfinished folder, the
workers of a batch are shut down, and a temporary zone is removed (``cli.temporary_zones``).
SIGTERM, which ``kill``, ``timeout``, job schedulers and systemd send, would end the process at
once, with none of that. ``ending_on_sigterm`` (installed once, by ``cli.main``, around every
command) turns it into ``Terminated``, a ``KeyboardInterrupt``: the same clean-up runs by
construction, and ``main`` tells the two apart only in its last line and its exit code, 143 (the
shell's 128 + 15, SIGTERM's number).

Once one SIGTERM is taken, further ones are only noted: the run is already ending, and a second
one would cut its clean-up short (SIGKILL stays the way to end a process at once). ``held``
marks a step that must not be cut in two (a rename that puts a finished output in place): a
SIGTERM arriving inside it is raised when it ends. A worker process of a batch ignores both
signals (``leave_stopping_to_the_parent``): the command that started it stops it, so a worker
never dies half-way through a reply, and an idle one prints no traceback.
Python runs a signal handler in the main thread only, between two bytecodes; a command called
from another thread (an embedding program) keeps the signal handling it had.
https://docs.python.org/3/library/signal.html#execution-of-python-signal-handlers
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Final

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "Terminated",
    "ending_on_sigterm",
    "held",
    "leave_stopping_to_the_parent",
    "stop_raising",
]

#: Exit code of a run stopped by Ctrl-C (SIGINT): the shell's 128 + 2.
EXIT_INTERRUPTED: Final = 130
#: Exit code of a run stopped by SIGTERM: the shell's 128 + 15.
EXIT_TERMINATED: Final = 143


class Terminated(KeyboardInterrupt):
    """The process was asked to end (SIGTERM). A ``KeyboardInterrupt``, so that every clean-up
    written for Ctrl-C runs for it too."""


class _Sigterm:
    """What the handler does with a SIGTERM: raise it once, note it while held or ending."""

    def __init__(self) -> None:
        self.installed = False
        self.raising = True  # False once one was raised, or once the run is ending
        self.holding = 0  # the depth of ``held`` blocks
        self.noted = False  # a SIGTERM arrived while it could not be raised

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.raising and not self.holding:
            self.raising = False
            raise Terminated
        self.noted = True


_SIGTERM = _Sigterm()


@contextmanager
def ending_on_sigterm() -> Iterator[None]:
    """While the block runs (in the main thread), SIGTERM raises ``Terminated`` once; when the
    block ends, the handling there was before is back. Elsewhere, nothing changes."""
    if threading.current_thread() is not threading.main_thread() or _SIGTERM.installed:
        yield
        return
    before = signal.signal(signal.SIGTERM, _SIGTERM.handle)
    _SIGTERM.installed, _SIGTERM.raising, _SIGTERM.noted = True, True, False
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
        _SIGTERM.installed = False


def stop_raising() -> None:
    """From now on a SIGTERM is only noted: the command has ended and its clean-up must finish."""
    _SIGTERM.raising = False


@contextmanager
def held() -> Iterator[None]:
    """A step no SIGTERM may cut in two: one arriving inside is raised once the block is done
    (unless the run is already ending)."""
    _SIGTERM.holding += 1
    try:
        yield
    finally:
        _SIGTERM.holding -= 1
    if _SIGTERM.installed and _SIGTERM.noted and _SIGTERM.raising and not _SIGTERM.holding:
        _SIGTERM.raising = False
        raise Terminated


def leave_stopping_to_the_parent() -> None:
    """In a worker process: ignore Ctrl-C and SIGTERM; the command that started it stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
