"""The key scanner's columnar mode: a zone dump's keys straight into index columns.

Theory of operation: building an index needs, per record, the MMS ID (001), Leader/17, the 005 as
an ``index.version`` code and the zone keys of ``core.zone.zone_numbers`` (035 $a active, 035 $z
cancelled, OCLC's only, each written form once, after the 001/003 save rule), as numbers and form
codes rather than objects. The common shapes (``(OCoLC)`` + optional ocm/ocn/on + digits; a
well-formed 005) are read from the bytes directly; any other value goes through the object path
of ``marc.scan`` (``OclcNumber.parse``, ``Timestamp.parse``), so the columns always say what
``RecordKeys`` says (``tests/test_index.py`` checks it on the corpus).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from attrs import frozen

from almamatch.core.errors import InvalidTimestamp
from almamatch.core.oclc import MAX_OCLC_NUMBER, OclcForm
from almamatch.core.timestamp import Timestamp
from almamatch.index.version import FRACTION_DIGITS, NO_VERSION, InvalidVersion, encode_version
from almamatch.index.zone import ACTIVE, CANCELLED
from almamatch.marc.scan import RecordKeys, ScanFault, frame_records, scan_record
from almamatch.marc.unreadable import Unreadable

__all__ = ["KeyColumns", "scan_columns"]

Array = npt.NDArray[Any]
_NUMBER: Final = re.compile(rb"\(OCoLC\)(ocm|ocn|on)?([0-9]{1,19})")
_FOLDED: Final = re.compile(rb" *(ocm|ocn|on)?([0-9]{1,19}) *")
_VERSION: Final = re.compile(rb"([0-9]{8})([0-9]{2})([0-9]{2})([0-9]{2})(?:\.([0-9]{1,7}))?")
_PREFIX_INDEX: Final = {None: 0, b"ocm": 1, b"ocn": 2, b"on": 3}
_QUALIFIED: Final = OclcForm(qualified=True, prefix="", width=0).code
_WANTED: Final = frozenset((b"001", b"003", b"005", b"035"))
_SCALE: Final = 10**FRACTION_DIGITS


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


def _version(raw: bytes) -> int | None:
    """The version code of a well-formed 005 read from bytes; None: use the object path."""
    match = _VERSION.fullmatch(raw)
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


def _slow_version(text: str) -> int:
    try:
        return encode_version(Timestamp.parse(text))
    except (InvalidTimestamp, InvalidVersion):
        return NO_VERSION


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


def _fast(record: bytes, index: int, offset: int, columns: _Columns) -> bool:
    """Read a plain record from its bytes; False when a value needs the object path."""
    if not record[:24].isascii() or not record[12:17].isdigit():
        return False
    base = int(record[12:17])
    size = len(record)
    if not 24 < base < size or (base - 25) % 12:
        return False
    control: dict[bytes, bytes] = {}
    keys: list[tuple[int, int, int]] = []
    for start in range(24, base - 1, 12):
        tag = record[start : start + 3]
        if tag not in _WANTED:
            continue
        entry = record[start + 3 : start + 12]
        if not entry.isdigit():
            return False
        first = base + int(entry[4:])
        last = first + int(entry[:4]) - 1
        if last >= size or last < first:
            return False
        if tag != b"035":
            control.setdefault(tag, record[first:last])
            continue
        if not _read_035(record[first:last], keys):
            return False
    identifier = control.get(b"003")
    number = control.get(b"001")
    # The save rule's 035 $a "(<003>)<001>" is OCLC's only if it says OCoLC somewhere.
    if identifier is not None and number is not None:
        folded = _FOLDED.fullmatch(number) if identifier == b"OCoLC" else None
        if folded is not None and 0 < int(folded[2]) <= MAX_OCLC_NUMBER:
            digits = folded[2]
            form = _QUALIFIED | _PREFIX_INDEX[folded[1]] | min(len(digits), 31) << 3
            keys.append((int(digits), ACTIVE, form))
        elif b"ocolc" in identifier.lower() or b"ocolc" in number.lower() or not (
            identifier.isascii() and number.isascii()
        ):
            return False
    raw_005 = control.get(b"005")
    version = NO_VERSION
    if raw_005 is not None:
        fast = _version(raw_005)
        if fast is None:
            return False
        version = fast
    if number is not None and not number.isascii():
        return False
    record_number = len(columns.offsets)
    columns.indices.append(index)
    columns.offsets.append(offset)
    columns.control_numbers.append(None if number is None else number.decode("ascii"))
    columns.levels.append(record[17])
    columns.versions.append(version)
    columns.add_keys(record_number, keys)
    return True


def scan_columns(chunks: Iterable[bytes]) -> KeyColumns:
    """The columns of every readable record in a stream of ISO 2709 bytes."""
    columns = _Columns()
    for framed in frame_records(chunks):
        if isinstance(framed, Unreadable):
            columns.unreadable.append(framed)
            continue
        record, index, offset = framed
        if not _fast(record, index, offset, columns):
            try:
                columns.add_from_object(scan_record(record, index=index, offset=offset))
            except ScanFault as fault:
                columns.unreadable.append(Unreadable(index=index, offset=offset,
                                                     reason=fault.reason, detail=fault.detail))
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
