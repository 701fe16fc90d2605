"""Which records framed in one buffer have the usual layout, all at once with numpy.

Theory of operation: nearly every record a reader meets is laid out the usual way, which
``marc.iso2709`` decodes without reading its directory field by field: a UTF-8 record (Leader/09
``a``) with an ASCII leader whose length (Leader/00-04) and base address (Leader/12-16, "Base
address of data: five characters", MARC 21 Leader) are digits, the base address inside the
record just after the directory's field terminator; a directory of 2 to 1,000 entries of 12
digits each (tag, "Length of field" with its terminator, "Starting character position"); the
fields one after another in directory order from the base address, each ending with the field
terminator 0x1E and holding no other, the last ending where the record terminator begins.

For such a record, splitting the data area at its terminators gives exactly the fields the
directory places, so the reader reads its tags from here and never reads its directory again.
``usual_layouts`` answers for every record of one buffer at once: one numpy pass over the
leaders, one over every directory entry, one search of the buffer for terminators, rather than
Python steps per entry. It only says "usual" where every condition above holds; any other record
goes to the reader's general path, which decides it exactly as it would have anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from almamatch.core.record import LEADER_LENGTH
from almamatch.marc.convert import FIELD_TERMINATOR
from almamatch.marc.directory import ENTRY_LENGTH

__all__ = ["usual_layouts"]

Array = npt.NDArray[Any]

_UTF8: Final = ord("a")  # Leader/09
_LEADER: Final = np.arange(LEADER_LENGTH)
_NUMBERS: Final = np.r_[0:5, 12:17]  # Leader/00-04 (record length), Leader/12-16 (base address)
_ENTRY_PLACES: Final = np.arange(ENTRY_LENGTH)
#: A directory of at most this many entries is read here (as ``marc.iso2709`` reads its tags).
MOST_ENTRIES: Final = 1000


def _number(digits: Array, first: int, end: int) -> Array:
    """The numbers written in the columns ``first`` to ``end`` of ``digits`` (values 0-9)."""
    number = digits[:, first].astype(np.int64)
    for column in range(first + 1, end):
        number = number * 10 + digits[:, column]
    return number


def usual_layouts(content: bytes, starts: Sequence[int], ends: Sequence[int]
                  ) -> tuple[list[int], list[int], list[int]]:
    """For the records ``content[starts[i]:ends[i]]``: each one's base address (0 for a record
    whose layout is not the usual one), the number of its directory's first entry among the
    usual records' entries, and every usual record's tags as numbers (0-999), record after
    record, in directory order."""
    octets = np.frombuffer(content, dtype=np.uint8)
    start = np.asarray(starts, dtype=np.int64)
    end = np.asarray(ends, dtype=np.int64)
    size = end - start
    leader = octets[start[:, None] + _LEADER]
    numbers = leader[:, _NUMBERS] - np.uint8(ord("0"))  # not a digit: 10 to 255
    usual = np.all(numbers <= 9, axis=1) & np.all(leader < 0x80, axis=1)
    usual &= leader[:, 9] == _UTF8
    numbers = np.where(usual[:, None], numbers, 0)
    declared, base = _number(numbers, 0, 5), _number(numbers, 5, 10)
    usual &= (declared <= size) & (base > LEADER_LENGTH) & (base < size)
    entries, rest = np.divmod(base - LEADER_LENGTH - 1, ENTRY_LENGTH)
    usual &= (rest == 0) & (entries > 1) & (entries <= MOST_ENTRIES)
    usual &= octets[np.where(usual, start + base - 1, 0)] == FIELD_TERMINATOR
    # Every entry of every record still usual: twelve digits.
    count = np.where(usual, entries, 0)
    record = np.repeat(np.arange(len(start)), count)
    first = np.cumsum(count) - count
    place = np.arange(len(record)) - first[record]
    table = octets[(start[record] + LEADER_LENGTH + ENTRY_LENGTH * place)[:, None] + _ENTRY_PLACES]
    digits = table - np.uint8(ord("0"))  # not a digit: 10 to 255
    sound = digits.max(axis=1, initial=0) <= 9
    tag, length, offset = _number(digits, 0, 3), _number(digits, 3, 7), _number(digits, 7, 12)
    # One field after another: each starts where the one before ends, the first at the base
    # address, the last ending where the record terminator begins; each ends with 0x1E.
    before = np.cumsum(length) - length
    sound &= (length > 0) & (offset == before - before[first[record]])
    data_end = (size - base - 1)[record]
    last = place == count[record] - 1
    sound &= ~last | (offset + length == data_end)
    field_end = np.minimum(start[record] + base[record] + offset + length - 1, len(octets) - 1)
    field_end = np.where(sound, field_end, 0)  # a record with an entry off is not usual anyway
    sound &= octets[field_end] == FIELD_TERMINATOR
    usual &= np.bincount(record[~sound], minlength=len(start)) == 0
    # No terminator inside a field: as many in the data area as there are fields.
    low, high = int(start.min()), int(end.max())
    terminators = low + np.flatnonzero(octets[low:high] == FIELD_TERMINATOR)
    held = (np.searchsorted(terminators, end - 1)
            - np.searchsorted(terminators, np.where(usual, start + base, end - 1)))
    usual &= held == entries
    kept = usual[record]
    count = np.where(usual, entries, 0)
    first = np.cumsum(count) - count
    return np.where(usual, base, 0).tolist(), first.tolist(), tag[kept].tolist()
