"""The JSON documents almamatch writes about decisions: the codec's shape in a documented envelope.

Theory of operation: there is one JSON shape of a decision, ``almamatch.codec``'s. Every JSON
line about a record (``batch --json``, ``decide --json``, a ``--resume`` file, the HTTP API) is
built here, from values, and is one of three documents:

- a decided record: the decision exactly as the codec writes it (``code``, ``host_message``, its
  evidence, ``trace``, ``record``...) with the record's place in its input beside it (``Place``:
  ``index``, counting from 0, and the OCLC numbers the export carried), so
  ``decision_from_json`` reads any such line back;
- a record that did not load: ``code`` ``"UNREADABLE"`` and the reader's ``Unreadable`` (index,
  byte offset, reason, detail);
- a run's summary: ``{"summary": Summary}``;
- what identifies a run, the first line of a ``batch --output`` file: ``{"almamatch_run":
  RunIdentity}`` (``cli.resume`` refuses to continue a file whose run differs).

``read_line`` reads each back into a ``Line``. The JSON Schema of all three is derived from these
classes and the codec's (``almamatch.schema``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from almamatch.codec import (
    COMPACT,
    DECISION_CLASSES,
    InvalidDecisionJson,
    JsonWriter,
    converter,
    from_jsonable,
)
from almamatch.core.decision import Code, Decision
from almamatch.core.identifiers import extract_oclc_numbers
from almamatch.core.oclc import OclcNumber, ParsedNumbers
from almamatch.core.record import Bib
from almamatch.marc import Unreadable

if TYPE_CHECKING:
    from almamatch._native.jsontext import LineText

__all__ = [
    "RUN_KEY",
    "UNREADABLE_CODE",
    "Line",
    "LineWriter",
    "Place",
    "RunIdentity",
    "Summary",
    "decided_line",
    "item_line",
    "json_line",
    "line_code",
    "read_line",
    "run_line",
    "summary_line",
    "unreadable_line",
]

#: The code of the line of a record that did not load.
UNREADABLE_CODE: Final = "UNREADABLE"
#: The key of a run's identity line.
RUN_KEY: Final = "almamatch_run"
#: Lines keep non-ASCII characters as they are (``json_line``, ``LineWriter``).
_ENSURE_ASCII: Final = False
#: The classes of decisions, each written by ``LineWriter`` with a writer of its own.
_DECISION_TYPES: Final = frozenset(DECISION_CLASSES.values())
#: Each code's text (``Code.value``, which ``enum`` reads through a property written in Python
#: on every use: a batch counts a code a record, ``line_code``).
_CODE_TEXTS: Final = {code: code.value for code in Code}


@frozen(kw_only=True)
class Place:
    """Where a decided record was: its number in the input and the OCLC numbers it carried."""

    index: int
    oclc_numbers: tuple[OclcNumber, ...]  # 035 $a and 001, as written
    cancelled_oclc_numbers: tuple[OclcNumber, ...]  # 035 $z and 019 $a, as written

    @classmethod
    def of(cls, index: int, record: Bib, parsed: ParsedNumbers | None = None) -> Place:
        """The place of ``record``; ``parsed``: the run's memo of parsed OCLC numbers, if any
        (``Bib.oclc_numbers`` with it: the same numbers, parsed once in the run)."""
        numbers = extract_oclc_numbers(record, parsed)
        return cls(index=index, oclc_numbers=numbers.active,
                   cancelled_oclc_numbers=numbers.cancelled)


@frozen(kw_only=True)
class Summary:
    """A run's count: every record read was decided or unreadable; the records per code."""

    read: int
    decided: int
    unreadable: int
    codes: dict[str, int]


@frozen(kw_only=True)
class RunIdentity:
    """What a batch's output depends on besides almamatch itself: the SHA-256 of the exports
    file, of the profile with the zone identity and logon the exports are sent with, a digest of
    the zone's files, and the moment locks are judged at (ISO 8601)."""

    input: str
    profile: str
    zone: str
    now: str


@frozen(kw_only=True)
class Line:
    """One line read back: a decided record (place and decision) or an unreadable one."""

    place: Place | None  # None for an unreadable record
    decision: Decision | None  # None exactly when ``unreadable`` is set
    unreadable: Unreadable | None = None


def decided_line(index: int, record: Bib, decision: Decision) -> dict[str, Any]:
    """The line of a decided record: its place, then the decision in the codec's shape."""
    line: dict[str, Any] = converter.unstructure(Place.of(index, record))
    line.update(converter.unstructure(decision))
    return line


def unreadable_line(item: Unreadable) -> dict[str, Any]:
    """The line of a record that did not load: ``UNREADABLE``, its position and reason."""
    line: dict[str, Any] = {"code": UNREADABLE_CODE}
    line.update(converter.unstructure(item))
    return line


def item_line(index: int, item: Bib | Unreadable, decision: Decision | None) -> dict[str, Any]:
    """The line of one input record, decided (``decision`` given) or unreadable."""
    if isinstance(item, Unreadable):
        return unreadable_line(item)
    if decision is None:
        raise ValueError(f"record {index} has no decision")
    return decided_line(index, item, decision)


def line_code(decision: Decision | None) -> str:
    """The ``code`` of a record's line: its decision's, ``UNREADABLE`` for a record that did not
    load (``decision`` None)."""
    return UNREADABLE_CODE if decision is None else _CODE_TEXTS[decision.code]


def summary_line(codes: Mapping[str, int]) -> dict[str, Any]:
    """The summary line of a run that read the records counted in ``codes``."""
    read = sum(codes.values())
    unreadable = codes.get(UNREADABLE_CODE, 0)
    summary = Summary(read=read, decided=read - unreadable, unreadable=unreadable,
                      codes=dict(sorted(codes.items())))
    return {"summary": converter.unstructure(summary)}


def run_line(identity: RunIdentity) -> dict[str, Any]:
    """The first line of a batch output: what identifies the run."""
    return {RUN_KEY: converter.unstructure(identity)}


def json_line(document: Mapping[str, Any]) -> str:
    """One JSON document on one line, keys in the order built, non-ASCII kept."""
    return json.dumps(document, ensure_ascii=_ENSURE_ASCII, separators=COMPACT)


class LineWriter:
    """The lines of a run, written fast: ``line(index, item, decision)`` is exactly
    ``json_line(item_line(index, item, decision))``, written by the codec's ``JsonWriter``
    (the same shape, without building the dicts); ``parts`` gives the same text in pieces, not
    joined, for a writer that encodes them itself (``cli.batch.line_output``). The caller owns
    one per run, with the texts its writer keeps; ``numbers``, the run's memo of parsed OCLC
    numbers (its ``DecisionCache.numbers``, which holds the texts the decision just parsed),
    spares parsing the export's numbers again for its place."""

    def __init__(self, numbers: ParsedNumbers | None = None) -> None:
        self._numbers = numbers
        self._writer = JsonWriter(ensure_ascii=_ENSURE_ASCII)
        self._place = self._writer.members(Place)
        # The place's text from the record at once where the compiled writer is in use (its
        # twin: ``Place.of`` written by ``_place``, which answers for any record it leaves).
        self._place_text = self._writer.numbers_members(Place)
        # Each decision class's writer of a line's pieces (its place's text, then the
        # decision's members) is generated when a line first needs it (a run of one record
        # needs one).
        self._decisions: dict[type[Any], Callable[[str, Any], tuple[str, ...]]] = {}
        #: ``line``'s text and a newline as UTF-8 bytes, written at once by the compiled
        #: writers (the place's, then ``JsonWriter.members_after_line`` of the decision's
        #: class, made when a line first needs it: ``JsonWriter.lines``); None where they are
        #: not in use or leave the line, which the caller then encodes from ``parts``.
        self.encoded: Callable[[int, Bib | Unreadable, Decision | None], bytes | None] = (
            self._writer.lines(self._place_text, self._line_text) or _not_encoded)

    def line(self, index: int, item: Bib | Unreadable, decision: Decision | None) -> str:
        """The line of one input record, decided (``decision`` given) or unreadable."""
        return "".join(self.parts(index, item, decision))

    def _line_text(self, cls: type[Any]) -> LineText | None:
        """The compiled writer of the line of a decision of class ``cls``, if any."""
        return self._writer.members_after_line(cls) if cls in _DECISION_TYPES else None

    def parts(self, index: int, item: Bib | Unreadable, decision: Decision | None
              ) -> tuple[str, ...]:
        """``line``'s text in pieces: ``"".join(parts(...)) == line(...)``."""
        if decision is not None and not isinstance(item, Unreadable):
            write = self._decisions.get(type(decision))
            if write is None and type(decision) in _DECISION_TYPES:
                write = self._decisions[type(decision)] = self._writer.members_after_parts(
                    type(decision))
            if write is not None:
                place = None if self._place_text is None else self._place_text(index, item)
                if place is None:
                    place = self._place(Place.of(index, item, self._numbers))
                return write(place, decision)
        return (json_line(item_line(index, item, decision)),)


def _not_encoded(index: int, item: Bib | Unreadable, decision: Decision | None) -> None:
    """``LineWriter.encoded`` where the compiled writers are not in use: no line."""


def read_line(value: Mapping[str, Any]) -> Line:
    """A record's line (decided or unreadable) read back; ``InvalidDecisionJson`` otherwise."""
    try:
        if value.get("code") == UNREADABLE_CODE:
            fields = {key: value[key] for key in ("index", "offset", "reason", "detail")}
            return Line(place=None, decision=None,
                        unreadable=converter.structure(fields, Unreadable))
        place = converter.structure(
            {key: value[key] for key in ("index", "oclc_numbers", "cancelled_oclc_numbers")},
            Place,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidDecisionJson(value.get("index"), "malformed_line", repr(error)) from error
    return Line(place=place, decision=from_jsonable(dict(value)))
