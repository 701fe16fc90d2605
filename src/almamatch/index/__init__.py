"""almamatch.index: the compact zone index (numpy columns) and its builders.

Changes over an index (a batch's, a saved zone's journal) are held by the one overlay,
``core.zone.InMemoryZone(base=...)``.

Each name is imported from its module when first used (``lazy_names``), so that opening a saved
zone (``index.zone``) does not import the builders (``index.dump``, ``index.keyscan``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from almamatch.lazy_names import lazy_names

if TYPE_CHECKING:
    from almamatch.index.dump import DumpBuild, build_from_dump
    from almamatch.index.keyscan import KeyColumns, scan_columns
    from almamatch.index.version import NO_VERSION, InvalidVersion, decode_version, encode_version
    from almamatch.index.zone import ACTIVE, CANCELLED, InvalidIndex, ZoneIndex

__all__ = [
    "ACTIVE",
    "CANCELLED",
    "NO_VERSION",
    "DumpBuild",
    "InvalidIndex",
    "InvalidVersion",
    "KeyColumns",
    "ZoneIndex",
    "build_from_dump",
    "decode_version",
    "encode_version",
    "scan_columns",
]

#: The module of ``almamatch.index`` that defines each name.
_HOMES = {
    "ACTIVE": "zone",
    "CANCELLED": "zone",
    "NO_VERSION": "version",
    "DumpBuild": "dump",
    "InvalidIndex": "zone",
    "InvalidVersion": "version",
    "KeyColumns": "keyscan",
    "ZoneIndex": "zone",
    "build_from_dump": "dump",
    "decode_version": "version",
    "encode_version": "version",
    "scan_columns": "keyscan",
}

# Out of the type checker's sight: a module's ``__getattr__`` would make it read any name of the
# package, a mistyped one too, as Any; it reads the names imported above instead.
if not TYPE_CHECKING:
    __getattr__ = lazy_names(__name__, _HOMES)
