"""The key scanner's columnar mode: a zone dump's keys straight into index columns.

Theory of operation: building an index needs, per record, the MMS ID (001), Leader/17, the 005 as
an ``index.version`` code and the zone keys of ``core.zone.zone_numbers`` (035 $a active, 035 $z
cancelled, OCLC's only, each written form once, after the 001/003 save rule), as numbers and form
codes rather than objects. The common shapes (``(OCoLC)`` + optional ocm/ocn/on + digits; a
well-formed 005) are read from the bytes directly; any other value goes through the object path
of ``marc.scan`` (``OclcNumber.parse``, ``Timestamp.parse``), so the columns always say what
``RecordKeys`` says (``tests/test_index.py`` checks it on the corpus and on generated mixes).
Records are framed in place (``marc.framing.frame_spans``, the reader's framing: offsets into the
buffer, no copies) and handled in batches of up to 512: one numpy pass reads the leaders and every
directory entry of the batch and keeps the 001, 003, 005 and 035 entries (``marc.directory``),
then a short Python loop reads those few fields per record. A record numpy finds unsound goes to
the object path, which reports it.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from attrs import frozen

from almamatch.core.oclc import MAX_OCLC_NUMBER, OclcForm
from almamatch.core.record import LEADER_LENGTH
from almamatch.index.version import FRACTION_DIGITS, NO_VERSION, InvalidVersion, encode_version
from almamatch.index.zone import ACTIVE, CANCELLED
from almamatch.marc.directory import ENTRY_LENGTH, directory_entries
from almamatch.marc.framing import frame_spans
from almamatch.marc.scan import RecordKeys, ScanFault, scan_record
from almamatch.marc.unreadable import Unreadable

__all__ = ["KeyColumns", "scan_column_parts", "scan_columns"]

Array = npt.NDArray[Any]
_NUMBER: Final = re.compile(rb"\(OCoLC\)(ocm|ocn|on)?([0-9]{1,19})")
_FOLDED: Final = re.compile(rb" *(ocm|ocn|on)?([0-9]{1,19}) *")
_VERSION: Final = re.compile(rb"([0-9]{8})([0-9]{2})([0-9]{2})([0-9]{2})(?:\.([0-9]{1,7}))?")
_PREFIX_INDEX: Final = {None: 0, b"ocm": 1, b"ocn": 2, b"on": 3}
_QUALIFIED: Final = OclcForm(qualified=True, prefix="", width=0).code
# The common 035: two indicators and one subfield, $a or $z "(OCoLC)" [ocm|ocn|on] digits.
_SIMPLE_035: Final = re.compile(rb"[^\x1f]{2}\x1f([az])\(OCoLC\)(ocm|ocn|on)?([0-9]{1,19})")
_SCALE: Final = 10**FRACTION_DIGITS
_BATCH: Final = 512
_WANTED_TAGS: Final = (b"001", b"003", b"005", b"035")
_001: Final = _WANTED_TAGS.index(b"001")  # a field's tag, as directory_entries gives it
_003: Final = _WANTED_TAGS.index(b"003")
_035: Final = _WANTED_TAGS.index(b"035")
# OclcForm.code of a qualified number by its prefix and digit count (core.oclc).
_FORM_OF: Final = {
    (prefix, width): _QUALIFIED | code | min(width, 31) << 3
    for prefix, code in _PREFIX_INDEX.items() for width in range(1, 20)
}


@frozen(kw_only=True, eq=False)
class KeyColumns:
    """Per-record and per-key columns of a dump; ``key_records`` index the record columns."""

    indices: Array  # int64, number of each readable record in the file, from 0
    offsets: Array  # int64, byte offset of each readable record
    control_numbers: tuple[str | None, ...]  # 001 as text
    encoding_levels: Array  # uint8, Leader/17 as a byte
    versions: Array  # int64, index.version of the 005 (-1: none or malformed)
    key_records: Array  # uint32
    key_values: Array  # uint64
    key_sides: Array  # uint8
    key_forms: Array  # uint8
    unreadable: tuple[Unreadable, ...]


_DAYS: dict[bytes, int | None] = {}


def _version(content: bytes, first: int, last: int) -> int | None:
    """The version code of a well-formed 005 at ``content[first:last]``; None: the object path."""
    match = _VERSION.fullmatch(content, first, last)
    if match is None:
        return None
    day_text = match[1]
    day = _DAYS.get(day_text, -1)
    if day == -1:
        try:
            day = date(int(day_text[:4]), int(day_text[4:6]), int(day_text[6:])).toordinal() - 1
        except ValueError:
            day = None
        _DAYS[day_text] = day
    hours, minutes, seconds = int(match[2]), int(match[3]), int(match[4])
    if day is None or hours > 23 or minutes > 59 or seconds > 59:
        return None
    fraction = (match[5] or b"").ljust(FRACTION_DIGITS, b"0")
    return ((day * 86_400 + hours * 3600 + minutes * 60 + seconds) * _SCALE + int(fraction))


class _Columns:
    def __init__(self) -> None:
        self.indices = array("q")
        self.offsets = array("q")
        self.control_numbers: list[str | None] = []
        self.levels = array("B")
        self.versions = array("q")
        self.key_records = array("I")
        self.key_values = array("Q")
        self.key_sides = array("B")
        self.key_forms = array("B")
        self.unreadable: list[Unreadable] = []

    def add_keys(self, record: int, keys: list[tuple[int, int, int]]) -> None:
        if len(keys) > 1 and len({value for value, _, _ in keys}) < len(keys):
            # zone_numbers: each written form once per side; a value active is not cancelled.
            seen: set[tuple[int, int, int]] = set()
            active = {value for value, side, _ in keys if side == ACTIVE}
            kept = []
            for value, side, form in keys:
                mark = (value, side, form & 3 | (form >> 3) << 2)
                if mark in seen or (side == CANCELLED and value in active):
                    continue
                seen.add(mark)
                kept.append((value, side, form))
            keys = kept
        for value, side, form in keys:
            self.key_records.append(record)
            self.key_values.append(value)
            self.key_sides.append(side)
            self.key_forms.append(form)

    def add_from_object(self, keys: RecordKeys) -> None:
        record = len(self.offsets)
        self.indices.append(keys.index)
        self.offsets.append(keys.offset)
        self.control_numbers.append(keys.control_number)
        self.levels.append(ord(keys.encoding_level.code) & 0xFF)
        try:
            self.versions.append(encode_version(keys.latest_transaction))
        except InvalidVersion:
            self.versions.append(NO_VERSION)
        found = [(n.value, ACTIVE, n.form.code) for n in keys.zone_active]
        found += [(n.value, CANCELLED, n.form.code) for n in keys.zone_cancelled]
        self.add_keys(record, found)


def _read_035(content: bytes, keys: list[tuple[int, int, int]]) -> bool:
    """Append the OCLC numbers of one 035 ($a active, $z cancelled); False: use the objects."""
    for chunk in content.split(b"\x1f")[1:]:
        code = chunk[:1]
        if code not in (b"a", b"z"):
            continue
        match = _NUMBER.fullmatch(chunk, 1)
        if match is None:
            lowered = chunk.lower()
            if b"oc" in lowered or b"on" in lowered or b"\x1b" in chunk:
                # Meant as an OCLC number in an unusual shape, or MARC-8 escapes that change
                # what the bytes say: the object path decides.
                return False
            continue  # another system's number: not OCLC's, as OclcNumber.parse would say
        digits = match[2]
        value = int(digits)
        if value == 0 or value > MAX_OCLC_NUMBER:
            return False
        form = _QUALIFIED | _PREFIX_INDEX[match[1]] | min(len(digits), 31) << 3
        keys.append((value, ACTIVE if code == b"a" else CANCELLED, form))
    return True


def _record(
    content: bytes, start: int, fields: tuple[list[int], list[int], list[int]],
    run: tuple[int, int], columns: _Columns,
) -> bool:
    """Add one record from its wanted fields ``run`` (tag code, first byte, field terminator).

    False, and nothing added, when a value needs the object path.
    """
    codes, firsts, lasts = fields
    a, b = run
    number = identifier = None
    version = NO_VERSION
    seen_005 = False
    keys: list[tuple[int, int, int]] = []
    for i in range(a, b):
        code, first, last = codes[i], firsts[i], lasts[i]
        if code == _035:
            simple = _SIMPLE_035.fullmatch(content, first, last)
            if simple is None:
                if not _read_035(content[first:last], keys):
                    return False
                continue
            value = int(simple[3])
            if value == 0 or value > MAX_OCLC_NUMBER:
                return False
            form = _FORM_OF[simple[2], len(simple[3])]
            keys.append((value, ACTIVE if simple[1] == b"a" else CANCELLED, form))
        elif code == _001:
            if number is None:
                number = content[first:last]
        elif code == _003:
            if identifier is None:
                identifier = content[first:last]
        elif not seen_005:
            seen_005 = True
            fast = _version(content, first, last)
            if fast is None:
                return False
            version = fast
    # The save rule's 035 $a "(<003>)<001>" is OCLC's only if it says OCoLC somewhere.
    if identifier is not None and number is not None:
        folded = _FOLDED.fullmatch(number) if identifier == b"OCoLC" else None
        if folded is not None and 0 < int(folded[2]) <= MAX_OCLC_NUMBER:
            digits = folded[2]
            keys.append((int(digits), ACTIVE, _FORM_OF[folded[1], len(digits)]))
        elif b"ocolc" in identifier.lower() or b"ocolc" in number.lower() or not (
            identifier.isascii() and number.isascii()
        ):
            return False
    if number is None:
        columns.control_numbers.append(None)
    elif number.isascii():
        columns.control_numbers.append(number.decode("ascii"))
    else:
        return False
    record_number = len(columns.levels)
    columns.levels.append(content[start + 17])
    columns.versions.append(version)
    if len(keys) == 1:
        value, side, form = keys[0]
        columns.key_records.append(record_number)
        columns.key_values.append(value)
        columns.key_sides.append(side)
        columns.key_forms.append(form)
    elif keys:
        columns.add_keys(record_number, keys)
    return True


def _directories(content: bytes, starts: Array, ends: Array
                 ) -> tuple[Array, Array, tuple[list[int], list[int], list[int]]]:
    """Every record's wanted directory entries at once (``marc.directory``).

    Returns which records are plain (ASCII leader, a base address that ends a directory of whole
    entries inside the record, and every wanted entry sound and inside the record), the bounds of
    each record's run of wanted fields, and the fields (tag code, first, terminator).
    """
    buffer = np.frombuffer(content, dtype=np.uint8)
    found = directory_entries(buffer, starts, ends, _WANTED_TAGS)
    base = found.base
    plain = found.read & (base < ends - starts) & ((base - LEADER_LENGTH - 1) % ENTRY_LENGTH == 0)
    plain &= np.all(buffer[starts[:, None] + np.arange(LEADER_LENGTH)] < 0x80, axis=1)
    record, tag, first, length, sound = (found.record, found.tag, found.first, found.length,
                                         found.sound)
    if not np.array_equal(plain, found.read):  # entries of a record read but not plain: dropped
        keep = plain[record]
        record, tag, first, length, sound = (record[keep], tag[keep], first[keep], length[keep],
                                             sound[keep])
    last = first + length - 1
    sound = sound & (last < ends[record]) & (last >= first)
    plain[record[~sound]] = False
    bounds = np.searchsorted(record, np.arange(len(starts) + 1))
    return plain, bounds, (tag.tolist(), first.tolist(), last.tolist())


def _scan_batch(content: bytes, spans: tuple[list[int], list[int], list[int], list[int]],
                columns: _Columns) -> None:
    """Add the records framed in one buffer: directories with numpy, fields one by one."""
    starts, ends, indices, offsets = spans
    if not starts:
        return
    plain, bounds, fields = _directories(content, np.array(starts, dtype=np.int64),
                                         np.array(ends, dtype=np.int64))
    sound, run = plain.tolist(), bounds.tolist()
    for row, start in enumerate(starts):
        index, offset = indices[row], offsets[row]
        if sound[row] and _record(content, start, fields, (run[row], run[row + 1]), columns):
            columns.indices.append(index)
            columns.offsets.append(offset)
            continue
        try:
            keys = scan_record(content[start : ends[row]], index=index, offset=offset)
        except ScanFault as fault:
            columns.unreadable.append(Unreadable(index=index, offset=offset,
                                                 reason=fault.reason, detail=fault.detail))
        else:
            columns.add_from_object(keys)


def scan_columns(chunks: Iterable[bytes]) -> KeyColumns:
    """The columns of every readable record in a stream of ISO 2709 bytes."""
    parts = list(scan_column_parts(chunks, records=None))
    return parts[0]


def scan_column_parts(chunks: Iterable[bytes], *, records: int | None) -> Iterator[KeyColumns]:
    """The columns of a stream of ISO 2709 bytes, in parts of about ``records`` readable records
    each (one part for None), so that a caller can fold a dump of any size into compact columns
    without holding every record's 001 text at once. ``key_records`` index within the part;
    ``indices`` and ``offsets`` count from the start of the stream."""
    columns = _Columns()
    current = b""
    spans: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])
    for framed in frame_spans(chunks):
        if type(framed) is Unreadable:
            columns.unreadable.append(framed)
            continue
        content, start, end, index, offset = framed  # type: ignore[misc]
        if content is not current or len(spans[0]) == _BATCH:
            # The framer moved to a new buffer, or a batch is full (a batch's bytes stay in the
            # cache between the numpy pass and the field pass): the batch goes in together.
            _scan_batch(current, spans, columns)
            current, spans = content, ([], [], [], [])
            if records is not None and len(columns.offsets) >= records:
                yield _frozen(columns)
                columns = _Columns()
        spans[0].append(start)
        spans[1].append(end)
        spans[2].append(index)
        spans[3].append(offset)
    _scan_batch(current, spans, columns)
    yield _frozen(columns)


def _frozen(columns: _Columns) -> KeyColumns:
    columns.unreadable.sort(key=lambda one: one.index)
    return KeyColumns(
        indices=np.frombuffer(columns.indices, dtype=np.int64),
        offsets=np.frombuffer(columns.offsets, dtype=np.int64),
        control_numbers=tuple(columns.control_numbers),
        encoding_levels=np.frombuffer(columns.levels, dtype=np.uint8),
        versions=np.frombuffer(columns.versions, dtype=np.int64),
        key_records=np.frombuffer(columns.key_records, dtype=np.uint32),
        key_values=np.frombuffer(columns.key_values, dtype=np.uint64),
        key_sides=np.frombuffer(columns.key_sides, dtype=np.uint8),
        key_forms=np.frombuffer(columns.key_forms, dtype=np.uint8),
        unreadable=tuple(columns.unreadable),
    )
