"""Zones and profiles on disk: profile TOML, zone MARC dumps, facts CSV and saved zones.

This package is the shell around ``core`` for files: it reads them into core values and raises an
``AlmamatchError`` subclass naming the file for anything it cannot use.
"""

from almamatch.zonefiles.facts import FACTS_COLUMNS, FactsRow, InvalidFactsFile, read_facts
from almamatch.zonefiles.profiles import (
    DEFAULT_IDENTITY,
    DEFAULT_PASSWORD,
    InvalidProfileFile,
    ProfileFile,
    ZoneIdentity,
    load_profile,
)
from almamatch.zonefiles.zones import InvalidZoneFile, load_zone, open_zone, save_zone

__all__ = [
    "DEFAULT_IDENTITY",
    "DEFAULT_PASSWORD",
    "FACTS_COLUMNS",
    "FactsRow",
    "InvalidFactsFile",
    "InvalidProfileFile",
    "InvalidZoneFile",
    "ProfileFile",
    "ZoneIdentity",
    "load_profile",
    "load_zone",
    "open_zone",
    "read_facts",
    "save_zone",
]
