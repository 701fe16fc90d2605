"""almamatch.index: the compact zone index (numpy columns) and its builders.

Changes over an index (a batch's, a saved zone's journal) are held by the one overlay,
``core.zone.InMemoryZone(base=...)``.
"""

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
