"""A package's names imported from their modules when first read (a module ``__getattr__``).

A package that re-exports names from its modules lists each name's module in a table and gives
``lazy_names(__name__, table)`` as its ``__getattr__``: reading one small module of the package
does not import the rest, and a name is imported from its home on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: each name of ``homes`` read from
    ``package.<its home>``; ``AttributeError`` for any other name, as for a module without it."""

    def name_from_home(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home}"), name)

    return name_from_home
