"""Zones and profiles on disk: profile TOML, zone MARC dumps, facts CSV and saved zones.

This package is the shell around ``core`` for files: it reads them into core values and raises an
``AlmamatchError`` subclass naming the file for anything it cannot use.

Each name is imported from its module when first used, so that a small module (the manifest,
the moment parser) is read without the zone index and its arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from almamatch.lazy_names import lazy_names

if TYPE_CHECKING:
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

#: The module of ``almamatch.zonefiles`` that defines each name.
_HOMES = {
    "DEFAULT_IDENTITY": "profiles",
    "DEFAULT_PASSWORD": "profiles",
    "FACTS_COLUMNS": "facts",
    "FactsRow": "facts",
    "InvalidFactsFile": "facts",
    "InvalidProfileFile": "profiles",
    "InvalidZoneFile": "zones",
    "ProfileFile": "profiles",
    "ZoneIdentity": "profiles",
    "load_profile": "profiles",
    "load_zone": "zones",
    "open_zone": "zones",
    "read_facts": "facts",
    "save_zone": "zones",
}


# Out of the type checker's sight: a module's ``__getattr__`` would make it read any name of the
# package, a mistyped one too, as Any; it reads the names imported above instead.
if not TYPE_CHECKING:
    __getattr__ = lazy_names(__name__, _HOMES)
