"""Reading a TOML configuration file (a profile, gateway settings): one entry point for all.

Theory of operation: ``tomllib`` raises ``TOMLDecodeError`` for bad syntax, but also
``UnicodeDecodeError`` for a file that is not UTF-8 ("TOML files must be valid UTF-8", TOML 1.0)
and ``RecursionError`` for arrays or inline tables nested thousands deep; an unreadable file is
an ``OSError``. ``load_toml`` turns each into the caller's own error (an ``AlmamatchError``
subclass naming the file and a reason code), so a configuration file can only load or be
refused in one line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from almamatch.core.errors import AlmamatchError, capped

__all__ = ["load_toml", "toml_document"]


def load_toml(path: str | Path, error: type[AlmamatchError]) -> dict[str, Any]:
    """The TOML document in ``path``; ``error(path, reason, detail)`` when it cannot be read.

    Reasons: ``unreadable`` (no such file, no permission), ``not_utf8``, ``bad_toml`` (syntax,
    or nesting deeper than the reader follows).
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as problem:
        raise error(source, "unreadable", problem.strerror or str(problem)) from None
    return toml_document(data, source, error)


def toml_document(data: bytes, source: str, error: type[AlmamatchError]) -> dict[str, Any]:
    """The TOML document in ``data`` (read from ``source``), as ``load_toml`` reads a file."""
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as problem:
        raise error(source, "not_utf8", f"TOML files are UTF-8: {problem}") from None
    except tomllib.TOMLDecodeError as problem:
        raise error(source, "bad_toml", capped(str(problem))) from None
    except RecursionError:
        raise error(source, "bad_toml", "nested deeper than a configuration can be") from None
