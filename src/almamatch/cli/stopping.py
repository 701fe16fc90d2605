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
marks a step that must not be cut in two (a rename that puts a finished output in place, the
fork of a batch's workers): a SIGTERM or a Ctrl-C arriving inside it is raised when it ends, so
neither is lost in an at-fork hook (where Python only prints an exception) nor caught by a worker
not yet set up. A worker process of a batch ignores both signals
(``leave_stopping_to_the_parent``): the command that started it stops it, so a worker never dies
half-way through a reply, and an idle one prints no traceback.

A parent killed at once (SIGKILL, the out-of-memory killer) stops nothing, so each worker also
watches its parent (``workers_end_with_this_process``): a pipe whose write end only the parent
holds; the kernel closes it when the parent ends, however it ends, the worker's read sees the end
of the pipe, and the worker ends at once (``os._exit``: it writes nothing, its parent being the
only reader, and makes no file). The watch is a thread blocked in ``read``: it costs no record
anything, and it works wherever ``os.pipe`` and ``fork`` do.
https://pubs.opengroup.org/onlinepubs/9799919799/functions/read.html (end of file: no writer)
Python runs a signal handler in the main thread only, between two bytecodes; a command called
from another thread (an embedding program) keeps the signal handling it had.
https://docs.python.org/3/library/signal.html#execution-of-python-signal-handlers
"""

from __future__ import annotations

import functools
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Final

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_PARENT_GONE",
    "EXIT_TERMINATED",
    "Terminated",
    "ending_on_sigterm",
    "held",
    "leave_stopping_to_the_parent",
    "stop_raising",
    "workers_end_with_this_process",
]

#: Exit code of a run stopped by Ctrl-C (SIGINT): the shell's 128 + 2.
EXIT_INTERRUPTED: Final = 130
#: Exit code of a run stopped by SIGTERM: the shell's 128 + 15.
EXIT_TERMINATED: Final = 143
#: Exit code of a batch's worker that ended because its parent was gone (no one reads it): the
#: shell's 128 + 1, SIGHUP's number, the signal of a lost controlling process.
EXIT_PARENT_GONE: Final = 129


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


class _Sigint:
    """Ctrl-C inside a ``held`` step: noted, raised when the step is done."""

    def __init__(self) -> None:
        self.noted = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.noted = True


_SIGINT = _Sigint()


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
    """A step no SIGTERM or Ctrl-C may cut in two: one arriving inside is raised once the block
    is done (a SIGTERM unless the run is already ending). Ctrl-C is held only where Python's own
    handler would raise it (the main thread, no other handler set); a process forked inside
    the block starts with it noted, not raised, until it sets its own handling."""
    interrupts = (not _SIGTERM.holding
                  and threading.current_thread() is threading.main_thread()
                  and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if interrupts:
        _SIGINT.noted = False
        signal.signal(signal.SIGINT, _SIGINT.handle)
    _SIGTERM.holding += 1
    try:
        yield
    finally:
        _SIGTERM.holding -= 1
        if interrupts:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    if _SIGTERM.installed and _SIGTERM.noted and _SIGTERM.raising and not _SIGTERM.holding:
        _SIGTERM.raising = False
        raise Terminated
    if interrupts and _SIGINT.noted:
        _SIGINT.noted = False
        raise KeyboardInterrupt


def leave_stopping_to_the_parent(parent: tuple[int, int]) -> None:
    """In a worker process: ignore Ctrl-C and SIGTERM; the command that started it stops it.
    ``parent`` is the read and write ends of ``workers_end_with_this_process``'s pipe: the
    worker also ends at once when the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    read, write = parent
    os.close(write)  # the parent's alone: the pipe ends when the parent does
    threading.Thread(target=_end_with_the_parent, args=(read,), daemon=True,
                     name="almamatch-parent-watch").start()


def _end_with_the_parent(read: int) -> None:
    """Wait (blocked, costing nothing) for the end of the pipe, then end this process at once."""
    while os.read(read, 1):  # the parent writes nothing: only the end of the pipe comes back
        pass
    os._exit(EXIT_PARENT_GONE)


@contextmanager
def workers_end_with_this_process() -> Iterator[Callable[[], None]]:
    """The initializer of the worker processes forked inside the block: each ignores Ctrl-C and
    SIGTERM and ends on its own when this process is gone, however it ended (SIGKILL too). When
    the block ends, workers still running end too."""
    read, write = os.pipe()
    try:
        yield functools.partial(leave_stopping_to_the_parent, (read, write))
    finally:
        os.close(write)
        os.close(read)
