"""How the ``almamatch`` process ends: without freeing, object by object, what a command held.

Theory of operation: a batch holds to its end an overlay of every bib it added or merged, the
run's memo of parsed numbers and its writers' texts (at 100,000 exports, some millions of
objects). Freeing them one by one when the command returns costs about half a CPU second, work
that nobody needs when the process ends next: the system takes the whole memory back at once.

So the program (the ``almamatch`` script, ``python -m almamatch``: ``end_after``) lets a command
hand what it holds to the end of the process (``keep_to_the_end``) and, once ``main`` has
returned, ends the process as the interpreter would, less the freeing: stdout and stderr
flushed (a failed flush exits 120, as Python does), the ``atexit`` functions run, then
``os._exit`` with ``main``'s exit code. Every file a command writes is closed by the command
itself (its ``with`` blocks), so nothing else is pending. A command that hands nothing over
(every command but ``batch``), or a process with another thread running (which the interpreter
would wait for), ends the usual way. A program that calls ``main()`` itself (the tests, an
embedding caller) never sets this: ``keep_to_the_end`` keeps nothing, and what a command held is
freed when it returns, as for any call.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn

__all__ = ["end_after", "keep_to_the_end"]

#: What commands handed to the end of the process; None unless ``end_after`` runs this process.
_kept: list[object] | None = None

#: Python's exit code when flushing stdout or stderr fails at the end (``Py_RunMain``).
_EXIT_FLUSH_FAILED = 120


def keep_to_the_end(*values: object) -> None:
    """Keep ``values`` until the process ends, not freed, when ``end_after`` runs the process;
    else nothing (they are freed when their holders drop them)."""
    if _kept is not None:
        _kept.extend(values)


def end_after(main: Callable[[], int]) -> NoReturn:
    """Run ``main`` and end the process with its exit code, without freeing what it kept."""
    global _kept  # noqa: PLW0603 (the process's one holder, set by its entry point)
    _kept = []
    code = main()
    if not _kept or threading.active_count() > 1:
        # a command that kept nothing ends as usual; so does a process whose other threads
        # the interpreter would wait for
        sys.exit(code)
    if not _flushed():
        code = _EXIT_FLUSH_FAILED
    atexit._run_exitfuncs()  # what the interpreter runs before it frees the modules
    if not _flushed():
        code = _EXIT_FLUSH_FAILED
    os._exit(code)


def _flushed() -> bool:
    """Flush stdout and stderr; False when one could not be (a closed pipe, a full disk)."""
    done = True
    for stream in (sys.stdout, sys.stderr):
        if stream is None or stream.closed:  # as the interpreter: a closed stream is skipped
            continue
        try:
            stream.flush()
        except OSError:
            done = False
    return done
