"""The zone facts file: what Alma knows about a bib that its MARC record does not carry.

Theory of operation: a zone dump holds each bib's record, with its MMS ID in 001. Alma keeps more
beside the record, and the guards read it: the brief level ("Ten levels ... from 01 through 10",
S17), the "Originating System Version" ("automatically populated with the date/time in the 005
field of the incoming record", S22), a Community Zone link, and a Metadata Editor lock. A CSV
with one row per bib gives these; an empty cell leaves the default (the level the zone's rules
compute, no version, not linked, not locked). Each row becomes a ``FactsRow``; unknown columns,
repeated MMS IDs and values that do not parse raise ``InvalidFactsFile`` naming file and line.

The file is read as UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8" writes one). A
cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-`` or ``@``,
OWASP "CSV Injection") is written with a leading apostrophe, which spreadsheets show as text, and
a cell that starts with an apostrophe gets one more; reading removes exactly that one, so a
value read back is the value written, and a facts file almamatch writes never runs a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

from attrs import frozen

from almamatch.core.brief import BriefLevel
from almamatch.core.errors import AlmamatchError, shown
from almamatch.core.lock import Lock
from almamatch.core.timestamp import Timestamp
from almamatch.zonefiles.moments import parse_moment

__all__ = [
    "FACTS_COLUMNS", "FactsRow", "InvalidFactsFile", "facts_to_csv", "parse_moment", "read_facts",
]

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV Injection);
# the apostrophe that escapes them is escaped too, so that reading undoes exactly what was done.
_TEXT_MARK: Final = "'"
_ESCAPED: Final = frozenset("=+-@'")
#: The columns of a facts file, in the order ``facts_to_csv`` writes them.
FACTS_COLUMNS: Final = (
    "mms_id",
    "brief_level",
    "originating_version",
    "cz_linked",
    "lock_institution",
    "lock_user",
    "lock_last_activity",
)

_TRUE: Final = frozenset({"true", "yes", "y", "1"})
_FALSE: Final = frozenset({"false", "no", "n", "0", ""})


class InvalidFactsFile(AlmamatchError):
    """A facts CSV that cannot be read: unknown column, bad value, repeated MMS ID."""


@frozen(kw_only=True)
class FactsRow:
    """One bib's facts; None means "as the record and the zone's rules say"."""

    mms_id: str
    brief_level: BriefLevel | None = None
    originating_version: Timestamp | None = None
    cz_linked: bool = False
    lock: Lock | None = None


def read_facts(path: str | Path) -> dict[str, FactsRow]:
    """Read a facts CSV into rows keyed by MMS ID, in file order."""
    source = str(path)
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            return facts_from_rows(csv.DictReader(handle), source=source)
    except OSError as error:
        raise InvalidFactsFile(source, "unreadable", error.strerror or str(error)) from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise InvalidFactsFile(source, "bad_csv", str(error)) from None


def facts_from_rows(
    rows: csv.DictReader[str] | Iterable[Mapping[str, str | None]], *, source: str
) -> dict[str, FactsRow]:
    """Rows of a facts table (column name to cell) to ``FactsRow`` values keyed by MMS ID."""
    if isinstance(rows, csv.DictReader):
        columns = tuple(rows.fieldnames or ())
        unknown = [name for name in columns if name not in FACTS_COLUMNS]
        if unknown or "mms_id" not in columns:
            detail = (f"unknown column {shown(unknown[0])}" if unknown else "no mms_id column")
            raise InvalidFactsFile(source, "bad_header", f"{detail}; columns: "
                                   + ", ".join(FACTS_COLUMNS))
    found: dict[str, FactsRow] = {}
    for number, row in enumerate(rows, start=2):
        where = f"{source}, line {number}"
        extra = row.get(None)  # DictReader keys extra cells by None
        if extra:
            raise InvalidFactsFile(where, "bad_row", f"more cells than columns: {shown(extra)}")
        facts = _row(row, where)
        if facts.mms_id in found:
            raise InvalidFactsFile(where, "duplicate_mms_id", facts.mms_id)
        found[facts.mms_id] = facts
    return found


def _cell(row: Mapping[str, str | None], column: str) -> str:
    text = (row.get(column) or "").strip()
    return text[1:] if text[:1] == _TEXT_MARK and text[1:2] in _ESCAPED else text


def _row(row: Mapping[str, str | None], where: str) -> FactsRow:
    mms_id = _cell(row, "mms_id")
    if not mms_id.isdigit():
        raise InvalidFactsFile(where, "bad_mms_id", f"mms_id {shown(mms_id)}: an MMS ID is digits")
    try:
        level_text = _cell(row, "brief_level")
        version_text = _cell(row, "originating_version")
        linked_text = _cell(row, "cz_linked").lower()
        if linked_text not in _TRUE | _FALSE:
            raise InvalidFactsFile(where, "bad_value",
                                   f"cz_linked {shown(linked_text)}: true or false")
        institution = _cell(row, "lock_institution")
        user = _cell(row, "lock_user")
        activity = _cell(row, "lock_last_activity")
        if bool(institution) != bool(activity):
            raise InvalidFactsFile(
                where, "bad_lock", "a lock needs both lock_institution and lock_last_activity"
            )
        lock = (
            Lock(institution=institution, user=user or None, last_activity=parse_moment(activity))
            if institution
            else None
        )
        return FactsRow(
            mms_id=mms_id,
            brief_level=BriefLevel.parse(level_text) if level_text else None,
            originating_version=Timestamp.parse(version_text) if version_text else None,
            cz_linked=linked_text in _TRUE,
            lock=lock,
        )
    except InvalidFactsFile:
        raise
    except ValueError as error:
        raise InvalidFactsFile(where, "bad_value", str(error)) from None


def facts_to_csv(rows: Iterable[FactsRow]) -> str:
    """The facts file text for these rows (the inverse of ``read_facts``)."""
    lines = [",".join(FACTS_COLUMNS)]
    for row in rows:
        lock = row.lock
        cells = (
            row.mms_id,
            str(row.brief_level) if row.brief_level else "",
            row.originating_version.text or str(row.originating_version)
            if row.originating_version
            else "",
            "true" if row.cz_linked else "",
            lock.institution if lock else "",
            (lock.user or "") if lock else "",
            lock.last_activity.isoformat() if lock else "",
        )
        lines.append(",".join(_quoted(cell) for cell in cells))
    return "\n".join(lines) + "\n"


def _quoted(cell: str) -> str:
    if cell[:1] in _ESCAPED:
        cell = _TEXT_MARK + cell  # shown as text, never run as a formula
    if any(mark in cell for mark in ',"\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell
