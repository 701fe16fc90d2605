"""almamatch.index: the compact zone index (numpy columns), its builders and its batch overlay."""

from almamatch.index.dump import DumpBuild, build_from_dump
from almamatch.index.keyscan import KeyColumns, scan_columns
from almamatch.index.overlay import ZoneOverlay
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
    "ZoneOverlay",
    "build_from_dump",
    "decode_version",
    "encode_version",
    "scan_columns",
]
