"""Reading the cells of spec tables and step values, with errors that name the row.

Theory of operation: librarians write MARC as they see it in the Metadata Editor: a tag, two
indicators (``#`` or ``\\`` for blank) and subfields written ``$a ... $z ...``; several values in
one cell are separated by commas; yes/no, on/off and dates are written as words. Every parser
here raises ``SpecError`` carrying the line of the row it was reading, so the runner can say
``brief.feature:14: row 2 of the table: ...``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Final

from almamatch.core.errors import AlmamatchError
from almamatch.core.record import ControlField, DataField, Field, Subfield
from almamatch.core.timestamp import Timestamp
from almamatch.specs.errors import SpecError
from almamatch.specs.feature import DataTable, TableRow
from almamatch.zonefiles.moments import parse_moment as read_moment

__all__ = [
    "DEFAULT_LEADER",
    "parse_fields",
    "parse_indicators",
    "parse_moment",
    "parse_subfields",
    "parse_switch",
    "parse_version",
    "row_error",
    "rows_by_column",
    "show_moment",
    "split_values",
]

#: A Leader for records written as tables without an LDR row: a book, UTF-8 (Leader/09 ``a``,
#: "Alma's import integration requires MARC21 and UTF-8", CARLI), full level (Leader/17 blank).
DEFAULT_LEADER: Final = "00000nam a2200000 i 4500"

_BLANKS: Final = {"#": " ", "\\": " ", "_": " ", "b": " "}


def row_error(row: TableRow, index: int, detail: str) -> SpecError:
    """An error about body row ``index`` (1-based) of a table, naming its line."""
    return SpecError(" | ".join(row.cells), "bad_row", f"row {index} of the table: {detail}",
                     line=row.line)


def rows_by_column(
    table: DataTable | None,
    columns: Mapping[str, tuple[str, ...]],
    *,
    required: tuple[str, ...] = (),
    line: int = 0,
) -> list[tuple[int, TableRow, dict[str, str]]]:
    """The body rows as ``{column: cell}``; headers are matched case-blind against aliases.

    ``columns`` maps each canonical column name to the headers that mean it. An unknown header or
    a missing required column raises ``SpecError`` naming the header line and the known columns.
    """
    if table is None or not table.rows:
        raise SpecError("", "no_table", "this step needs a table under it", line=line)
    header_line = table.rows[0].line
    lookup = {alias.lower(): name for name, aliases in columns.items() for alias in aliases}
    names: list[str] = []
    for header in table.header:
        name = lookup.get(" ".join(header.lower().split()))
        if name is None:
            known = ", ".join(aliases[0] for aliases in columns.values())
            raise SpecError(header, "unknown_column",
                            f"unknown column {header!r}; known columns: {known}",
                            line=header_line)
        names.append(name)
    for name in required:
        if name not in names:
            raise SpecError(name, "missing_column",
                            f"the table needs a column {columns[name][0]!r}", line=header_line)
    return [
        (index, row, dict(zip(names, row.cells, strict=True)))
        for index, row in enumerate(table.body, start=1)
    ]


def split_values(cell: str) -> tuple[str, ...]:
    """``"(OCoLC)1, (OCoLC)2"`` -> two values; an empty cell or ``-`` is none."""
    if cell.strip() in ("", "-"):
        return ()
    return tuple(part.strip() for part in cell.split(",") if part.strip())


def parse_indicators(text: str) -> tuple[str, str]:
    """``"##"``, ``"# #"``, ``"04"``, ``"0 4"``, ``"1#"`` or an empty cell (both blank)."""
    compact = text.strip()
    if len(compact) == 3 and compact[1] == " ":
        compact = compact[0] + compact[2]
    if compact == "":
        compact = "  "
    if len(compact) != 2:
        raise ValueError(f"indicators {text!r}: write two characters, # for blank (e.g. '1#')")
    first, second = (_BLANKS.get(char, char) for char in compact)
    return first, second


_SUBFIELD: Final = re.compile(r"\$([0-9a-z])", re.IGNORECASE)


def parse_subfields(text: str) -> tuple[Subfield, ...]:
    """``"$a (OCoLC)123 $z (OCoLC)456"`` -> subfields a and z, values trimmed."""
    stripped = text.strip()
    if not stripped.startswith("$"):
        raise ValueError(f"subfields {text!r}: write them as '$a value $b value'")
    pieces = _SUBFIELD.split(stripped)[1:]
    codes, values = pieces[0::2], pieces[1::2]
    return tuple(Subfield(code, value.strip()) for code, value in zip(codes, values, strict=True))


def parse_fields(
    table: DataTable | None, *, line: int = 0
) -> tuple[str | None, tuple[Field, ...]]:
    """A record written as a table: ``tag | indicators | subfields``; ``LDR`` gives the leader.

    Control fields (``001``-``009``) put their value in the subfields column, as written.
    """
    columns = {
        "tag": ("tag",),
        "indicators": ("indicators", "ind", "indicator"),
        "subfields": ("subfields", "content", "value"),
    }
    leader: str | None = None
    fields: list[Field] = []
    for index, row, cells in rows_by_column(table, columns, required=("tag", "subfields"),
                                            line=line):
        tag = cells["tag"].strip()
        content = cells["subfields"]
        try:
            if tag.upper() in ("LDR", "LEADER", "000"):
                leader = content.replace("#", " ").ljust(24)
                if len(leader) != 24:
                    raise ValueError(f"a leader is 24 characters, this one is {len(leader)}")
            elif tag.startswith("00") and tag.isdigit():
                fields.append(ControlField(tag, content))
            else:
                first, second = parse_indicators(cells.get("indicators", ""))
                fields.append(DataField(tag, first, second, parse_subfields(content)))
        except (ValueError, AlmamatchError) as error:
            raise row_error(row, index, str(error)) from None
    return leader, tuple(fields)


_SWITCH_ON: Final = ("on", "yes", "selected", "checked", "true", "enabled")
_SWITCH_OFF: Final = ("off", "no", "not selected", "unchecked", "false", "disabled", "")


def parse_switch(text: str) -> bool:
    """``on``/``off`` and the words Alma's and Connexion's screens use for a checkbox."""
    word = " ".join(text.lower().split())
    if word in _SWITCH_ON:
        return True
    if word in _SWITCH_OFF:
        return False
    raise ValueError(f"{text!r}: write on or off (or yes/no, checked/unchecked)")


def parse_moment(text: str) -> datetime:
    """A moment read exactly as ``--now`` and the facts CSV read it (one parser for the whole
    project, ``zonefiles.moments.parse_moment``): ``2026-03-05 10:00``, ``March 5, 2026 10:30 AM``;
    no zone means UTC. A text it refuses raises ``ValueError`` with its reason."""
    try:
        return read_moment(text)
    except ValueError as error:  # the parser's reason, with the forms it accepts
        detail = error.detail if isinstance(error, AlmamatchError) and error.detail else error
        raise ValueError(f"time {text!r}: {detail}") from None


def show_moment(moment: datetime) -> str:
    """A moment as the specs write it: ``2026-03-05 10:00``, with its offset only when not UTC."""
    text = moment.isoformat(sep=" ", timespec="minutes")
    return text.removesuffix("+00:00")


def parse_version(text: str) -> Timestamp | None:
    """A 005 value, or ``none``/empty/``-`` for a bib with no originating system version."""
    if text.strip().lower() in ("", "-", "none", "empty"):
        return None
    return Timestamp.parse(text)
