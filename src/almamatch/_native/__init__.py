"""The compiled part of almamatch: Cython modules that do, for the hot path of a batch, exactly
what a pure-Python function beside them does, only faster.

Each module here has a pure-Python twin, the definition of its answers; a test compares the
two over the corpus and generated input wherever the compiled module is built. The modules are
built by ``pip install`` where a C compiler is at hand (``setup.py``); without one, or with the
environment variable ``ALMAMATCH_PURE`` set to anything but an empty string, every caller takes
its pure-Python path, with the same answers.
"""

from __future__ import annotations

import os
import pkgutil
from collections.abc import Callable
from typing import Final, TypeVar

_T = TypeVar("_T")

#: Set (to anything but ""), every caller takes its pure-Python path.
PURE_VARIABLE: Final = "ALMAMATCH_PURE"


def wanted() -> bool:
    """Whether callers should use a compiled module where one is built (``ALMAMATCH_PURE``
    unset or empty)."""
    return not os.environ.get(PURE_VARIABLE)


def compiled(load: Callable[[], _T]) -> _T | None:
    """What ``load`` imports from a compiled module here, where it is wanted (``wanted``) and
    built; else None, and the caller takes its pure-Python path. ``load`` imports by name, so
    that mypy checks its use against the module's stub. A module built from older sources (an
    editable install not built again after an update) lacks a name ``load`` asks for: that
    caller takes its pure-Python path too, with the same answers, rather than fail."""
    if not wanted():
        return None
    try:
        return load()
    except (ImportError, AttributeError):
        return None


def built() -> tuple[str, ...]:
    """The names of the compiled modules this installation holds (``setup.py`` builds one from
    each ``<name>.pyx``), in order."""
    return tuple(sorted(one.name for one in pkgutil.iter_modules(__path__)))
