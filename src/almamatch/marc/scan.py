"""The key scanner: the few fields matching needs, read straight from ISO 2709 bytes.

Theory of operation: matching reads Leader/09, Leader/17, 001, 003, 005, 019 $a and 035 $a/$z
and nothing else, so the scanner walks each record's directory ("a series of fixed-length
entries, one for each variable field ... tag, field length, starting character position",
MARC 21 Directory) and slices out only those fields, without building a record object. Framing is
the reader's own (``almamatch.marc.framing``, re-exported here as ``frame_spans`` and
``frame_records``), so the scanner and ``read_iso2709`` count, number and place every record
alike, damaged files included, and a record framing refuses is the same ``Unreadable``.
Characters decode as the pymarc path decodes them (UTF-8 with invalid bytes kept as lone
surrogates when Leader/09 is ``a``; otherwise control fields as Latin-1 and subfields as MARC-8),
and the OCLC numbers follow ``core.identifiers`` rule for rule, so a ``RecordKeys`` equals
what the same record gives as a ``Bib`` (``tests/test_scan.py`` proves it on the corpus).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Final

from attrs import frozen

from almamatch.core.encoding import EncodingLevel
from almamatch.core.errors import InvalidOclcNumber, InvalidTimestamp, shown
from almamatch.core.identifiers import (
    Diagnostic,
    OclcNumbers,
    take_oclc_number,
    unique_numbers,
)
from almamatch.core.oclc import OclcNumber
from almamatch.core.record import LEADER_LENGTH
from almamatch.core.timestamp import Timestamp
from almamatch.marc.directory import ENTRY_LENGTH
from almamatch.marc.framing import frame_records, frame_spans
from almamatch.marc.unreadable import Unreadable

__all__ = [
    "RecordKeys", "ScanFault", "frame_records", "frame_spans", "scan_bytes", "scan_file",
    "scan_record", "scan_stream",
]

_DELIMITER: Final = b"\x1f"
_WANTED: Final = frozenset((b"001", b"003", b"005", b"019", b"035"))
_CHUNK: Final = 1 << 22


@frozen(kw_only=True)
class RecordKeys:
    """What matching reads from one record, and where the record starts in the file."""

    index: int  # the record's number in the file, from 0, readable or not
    offset: int
    character_coding: str  # Leader/09
    encoding_level: EncodingLevel  # Leader/17
    control_number: str | None  # 001
    control_number_identifier: str | None  # 003
    latest_transaction: Timestamp | None  # 005, None when missing or malformed
    oclc_numbers: OclcNumbers  # what the record offers when exported (core.identifiers)
    diagnostics: tuple[Diagnostic, ...]
    zone_active: tuple[OclcNumber, ...]  # what it answers to when stored in a zone (zone_numbers)
    zone_cancelled: tuple[OclcNumber, ...]


class ScanFault(Exception):
    """Why one framed record has no keys: its leader or directory is broken."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


def _decode_subfield(raw: bytes, utf8: bool) -> str:
    if utf8:
        return raw.decode("utf-8", "surrogateescape")
    if raw.isascii() and 0x1B not in raw:
        return raw.decode("ascii")
    # pymarc decodes MARC-8 subfields with marc8_to_unicode (escape sequences switch sets);
    # pymarc is imported here, where a MARC-8 subfield needs it, not by every command.
    from pymarc.marc8 import marc8_to_unicode  # noqa: PLC0415
    try:
        return marc8_to_unicode(raw, True)
    except UnicodeDecodeError as error:
        raise ScanFault("bad_encoding", f"MARC-8: {error}") from None


def _distinct_forms(numbers: list[OclcNumber]) -> dict[tuple[int, str, int], OclcNumber]:
    # core.zone.zone_numbers: "Each distinct written form (value, prefix, digit count) is kept
    # once, in field order".
    kept: dict[tuple[int, str, int], OclcNumber] = {}
    for number in numbers:
        kept.setdefault((number.value, number.form.prefix, number.form.width), number)
    return kept


@frozen
class _Layout:
    leader: str
    base: int


def _layout(record: bytes) -> _Layout:
    """Check the leader and the directory's size; raise ``ScanFault`` when they are broken."""
    try:
        leader = record[:LEADER_LENGTH].decode("ascii")
    except UnicodeDecodeError:
        raise ScanFault("bad_leader", f"leader is not ASCII: {shown(record[:24])}") from None
    base_text = record[12:17]
    if not base_text.isdigit():
        raise ScanFault("bad_leader", f"base address Leader/12-16 is {shown(base_text)}")
    base = int(base_text)
    size = len(record)
    if not LEADER_LENGTH < base < size:
        raise ScanFault("bad_leader", f"base address {base} outside a {size}-byte record")
    if (base - 1 - LEADER_LENGTH) % ENTRY_LENGTH:
        raise ScanFault("bad_directory", "the directory is not 12-byte entries")
    return _Layout(leader, base)


class _Collected:
    """What the directory walk found in one record, before it becomes ``RecordKeys``."""

    def __init__(self) -> None:
        self.control: dict[bytes, str] = {}
        self.active: list[OclcNumber] = []
        self.cancelled: list[OclcNumber] = []
        self.problems: list[Diagnostic] = []
        self.zone_active: list[OclcNumber] = []
        self.zone_cancelled: list[OclcNumber] = []


def _collect(record: bytes, layout: _Layout) -> _Collected:
    """Walk the directory and read 001, 003, 005, 019 $a and 035 $a/$z, in field order."""
    found = _Collected()
    base, size = layout.base, len(record)
    utf8 = layout.leader[9] == "a"
    for start in range(LEADER_LENGTH, base - 1, ENTRY_LENGTH):
        tag = record[start : start + 3]
        if tag not in _WANTED:
            continue
        entry = record[start + 3 : start + ENTRY_LENGTH]
        if not entry.isdigit():
            raise ScanFault("bad_directory", f"directory entry {shown(record[start:start + 12])}")
        first = base + int(entry[4:])
        last = first + int(entry[:4]) - 1  # the field terminator is not content
        if last >= size or last < first:
            where = record[start : start + 12]
            raise ScanFault("bad_directory", f"entry {shown(where)} outside the record")
        content = record[first:last]
        if tag == b"019":
            for chunk in content.split(_DELIMITER)[1:]:
                if chunk[:1] == b"a":
                    text = _decode_subfield(chunk[1:], utf8)
                    take_oclc_number(
                        "019", "a", text, found.cancelled, found.problems, bare_ok=True
                    )
        elif tag == b"035":
            for chunk in content.split(_DELIMITER)[1:]:
                code = chunk[:1]
                if code in (b"a", b"z"):
                    active = code == b"a"
                    number = take_oclc_number(
                        "035", code.decode(), _decode_subfield(chunk[1:], utf8),
                        found.active if active else found.cancelled, found.problems,
                        bare_ok=False,
                    )
                    if number is not None:
                        (found.zone_active if active else found.zone_cancelled).append(number)
        elif tag not in found.control:  # Bib.control_value: "the first control field with this tag"
            found.control[tag] = content.decode("utf-8" if utf8 else "latin-1", "surrogateescape")
    return found


def scan_record(record: bytes, *, index: int, offset: int) -> RecordKeys:
    """The keys of one framed record; ``ScanFault`` when its leader or directory is broken."""
    layout = _layout(record)
    found = _collect(record, layout)
    active, problems = found.active, found.problems
    identifier = found.control.get(b"003")
    number = found.control.get(b"001")
    if number is not None and identifier is not None and (
        identifier.replace(" ", "").lower() == "ocolc"
    ):
        # "003 OCoLC indicates a record exported from WorldCat": 001 is then an active number.
        # It comes first, as extract_oclc_numbers reads it before the 035s and 019s.
        owned: list[OclcNumber] = []
        before = len(problems)
        take_oclc_number("001", "", number, owned, problems, bare_ok=True)
        active[:0] = owned
        if len(problems) > before:
            problems.insert(0, problems.pop())
    if identifier is not None and number is not None:
        # Alma's save rule (core.normalization.fold_003): "001 + 003 give 035 $a (<003>)<001>".
        folded = f"({identifier.strip()}){number.strip()}"
        try:
            stored = OclcNumber.parse(folded)
        except InvalidOclcNumber:
            stored = None
        if stored is not None and stored.form.is_marked:
            found.zone_active.append(stored)
    forms_active = _distinct_forms(found.zone_active)
    active_values = {key[0] for key in forms_active}
    kept_active = unique_numbers(active)
    oclc = OclcNumbers(
        active=kept_active,
        cancelled=unique_numbers(found.cancelled, exclude=kept_active),
        problems=tuple(problems),
    )
    diagnostics = list(problems)
    latest: Timestamp | None = None
    raw_005 = found.control.get(b"005")
    if raw_005 is not None:
        try:
            latest = Timestamp.parse(raw_005)
        except InvalidTimestamp as error:
            diagnostics.append(Diagnostic(tag="005", code="", text=raw_005, reason=error.reason))
    return RecordKeys(
        index=index,
        offset=offset,
        character_coding=layout.leader[9],
        encoding_level=EncodingLevel(layout.leader[17]),
        control_number=number,
        control_number_identifier=identifier,
        latest_transaction=latest,
        oclc_numbers=oclc,
        diagnostics=tuple(diagnostics),
        zone_active=tuple(forms_active.values()),
        zone_cancelled=tuple(
            one for one in _distinct_forms(found.zone_cancelled).values()
            if one.value not in active_values
        ),
    )


def scan_stream(chunks: Iterable[bytes]) -> Iterator[RecordKeys | Unreadable]:
    """Every record in a stream of ISO 2709 bytes, as ``RecordKeys`` or ``Unreadable``."""
    for framed in frame_records(chunks):
        if isinstance(framed, Unreadable):
            yield framed
            continue
        record, index, offset = framed
        try:
            yield scan_record(record, index=index, offset=offset)
        except ScanFault as fault:
            yield Unreadable(index=index, offset=offset, reason=fault.reason, detail=fault.detail)


def scan_bytes(content: bytes) -> Iterator[RecordKeys | Unreadable]:
    """Every record in ISO 2709 bytes held in memory."""
    return scan_stream((content,))


def _chunks(stream: BinaryIO, size: int) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk


def scan_file(path: Path | str, *, chunk_size: int = _CHUNK) -> Iterator[RecordKeys | Unreadable]:
    """Every record in an ISO 2709 file, read in chunks so that a dump of any size streams."""
    with Path(path).open("rb") as stream:
        yield from scan_stream(_chunks(stream, chunk_size))
