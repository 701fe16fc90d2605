"""The zones a Gateway Export may point at: a table of zone, host name and logon ID.

Theory of operation: "Refer to the following table to create settings for each different zone"
(CARLI, ``seeds/000_4e2ae7b56ecb2778.txt``). Each cell is a pattern: "XYZ represents your
institution's three-letter CARLI code" and "For sandboxes, ABC represents the institution code
associated with a given sandbox", so a placeholder matches any three letters in the letter case
the cell shows ("Settings may be case sensitive, so follow the capitalization as shown"), and the
same placeholder in a host and its logon ID must stand for the same code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from attrs import frozen

from almamatch.core.errors import AlmamatchError

__all__ = ["ISHARE_ZONES", "InvalidGatewaySettings", "ZoneEntry"]


class InvalidGatewaySettings(AlmamatchError):
    """A setting name or value, or a zones-table row, that cannot be used; ``text`` names it."""


def setting_key(text: str) -> str:
    """A setting or column name folded for look-up: "Options: Host Name" -> "host_name"."""
    key = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    return key.removeprefix("options_")


_PLACEHOLDERS: Final = ("XYZ", "ABC")


def _template(text: str) -> re.Pattern[str]:
    """A pattern for a zones-table cell: placeholders become three letters in the cell's case."""
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    marks = "|".join(_PLACEHOLDERS)
    for match in re.finditer(rf"(?<![A-Za-z])(?i:{marks})(?![A-Za-z])", text):
        parts.append(re.escape(text[position : match.start()]))
        name = match.group().upper()
        letters = "[a-z]" if match.group().islower() else "[A-Z]"
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{letters}{{3}})")
        seen.add(name)
        position = match.end()
    parts.append(re.escape(text[position:]))
    return re.compile("".join(parts))


@frozen(kw_only=True)
class ZoneEntry:
    """One row of CARLI's zones table: a zone's label, host name and logon ID as written."""

    zone: str
    host_name: str
    logon_id: str

    @classmethod
    def from_mapping(cls, row: Mapping[str, object]) -> ZoneEntry:
        """A row keyed "Zone", "Host Name", "Logon ID" (or zone, host_name, logon_id)."""
        values: dict[str, str] = {}
        for key, value in row.items():
            name = {"zone": "zone", "host_name": "host_name", "logon_id": "logon_id"}.get(
                setting_key(str(key))
            )
            if name is None or not isinstance(value, str):
                raise InvalidGatewaySettings(key, "bad_zone_row", "Zone, Host Name, Logon ID")
            values[name] = value.strip()
        if len(values) != 3:
            raise InvalidGatewaySettings(row, "bad_zone_row", "Zone, Host Name, Logon ID")
        return cls(**values)

    def _codes(self, template: str, value: str, ignore_case: bool) -> dict[str, str] | None:
        pattern = _template(template)
        if ignore_case:
            pattern = re.compile(pattern.pattern, re.IGNORECASE)
        match = pattern.fullmatch(value)
        return None if match is None else {k: v.upper() for k, v in match.groupdict().items()}

    def serves(self, host_name: str, *, ignore_case: bool = False) -> bool:
        """Whether ``host_name`` is this zone's host (placeholders filled with any code)."""
        return self._codes(self.host_name, host_name, ignore_case) is not None

    def accepts(self, host_name: str, logon_id: str, *, ignore_case: bool = False) -> bool:
        """Whether host and logon ID correspond, with the same code for a shared placeholder.

        The host's letter case is ``serves``'s concern; ``ignore_case`` is the logon ID's."""
        host = self._codes(self.host_name, host_name, ignore_case=True)
        logon = self._codes(self.logon_id, logon_id, ignore_case)
        if host is None or logon is None:
            return False
        return all(logon[name] == code for name, code in host.items() if name in logon)

    def logon_for(self, host_name: str) -> str:
        """The logon ID this zone expects with ``host_name``: its placeholders filled in."""
        codes = self._codes(self.host_name, host_name, ignore_case=True) or {}
        logon = self.logon_id
        for name, code in codes.items():
            logon = re.sub(rf"(?<![A-Za-z]){name}(?![A-Za-z])", code, logon)
        return logon


# "Refer to the following table to create settings for each different zone" (seed, verbatim).
ISHARE_ZONES: Final = (
    ZoneEntry(
        zone="Institution",
        host_name="i-share-xyz.alma.exlibrisgroup.com",
        logon_id="01CARLI_XYZ",
    ),
    ZoneEntry(
        zone="Network",
        host_name="i-share-network.alma.exlibrisgroup.com",
        logon_id="01CARLI_NETWORK",
    ),
    ZoneEntry(
        zone="Sandbox", host_name="sandbox02-na.alma.exlibrisgroup.com", logon_id="01CARLI_ABC"
    ),
    ZoneEntry(
        zone="Network Sandbox",
        host_name="sandbox02-na.alma.exlibrisgroup.com",
        logon_id="01CARLI_NETWORK",
    ),
)
