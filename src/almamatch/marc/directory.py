"""The directory entries of many ISO 2709 records at once, for the tags a caller wants, with numpy.

Theory of operation: a record's directory follows its 24-octet leader up to the base address of
data (Leader/12-16, "Base address of data: five characters", MARC 21 Leader), which ends in a field
terminator; each entry is 12 octets, the tag (three), the field's length with its terminator
(four) and its starting position counted from the base address (five) ("Directory", MARC 21
Specifications for Record Structure). ``directory_entries`` reads, for every record framed in one
buffer, the entries whose tag is one of a few wanted ones: one numpy pass over every entry of every
record, then the numbers of the wanted entries only.

It says what the bytes say and applies no rule of its own beyond staying inside each record: a
record's directory is read when its base address is five digits, past the leader and inside the
record, as ``(base - 25) // 12`` whole entries; an entry whose length or starting position is not
all digits is kept and marked unsound. What an unsound record or entry means is its caller's
rule: the batch planner (``parallel.groups``) skips such an entry and clips a field that runs past
its record; the key scanner (``index.keyscan``) sends any record it cannot read whole to the object
path, which reports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from attrs import frozen

from almamatch.core.record import LEADER_LENGTH

__all__ = ["ENTRY_LENGTH", "DirectoryEntries", "directory_entries"]

Array = npt.NDArray[Any]

#: "Each directory entry is 12 character positions in length".
ENTRY_LENGTH: Final = 12
_BASE_ADDRESS: Final = 12  # Leader/12-16
_ZERO: Final = np.uint8(ord("0"))
_WEIGHTS: Final = {width: 10 ** np.arange(width - 1, -1, -1, dtype=np.int64) for width in (4, 5)}


@frozen(kw_only=True, eq=False)
class DirectoryEntries:
    """The wanted entries of some records' directories, as parallel columns (int64 unless said).

    Per record (indexed like the ``starts`` given): ``base``, the base address (a number only
    where ``read``), and ``read`` (bool), whether the directory was read. Per entry, in record
    order and, within a record, in directory order: ``record``, the record's position in
    ``starts``; ``tag``, which of the wanted tags it has (its position among them); ``first``,
    the field's first octet in the buffer (record start + base address + starting position);
    ``length``, the field's length, terminator included; ``sound`` (bool), whether the length
    and starting position were all digits (``first`` and ``length`` mean nothing where not).
    """

    base: Array
    read: Array
    record: Array
    tag: Array
    first: Array
    length: Array
    sound: Array


def _numbers(content: Array, positions: Array, width: int) -> tuple[Array, Array]:
    """The numbers written in ``width`` ASCII digits at ``positions``, and which are all digits."""
    table = content[positions[:, None] + np.arange(width)] - _ZERO  # not a digit: 10 to 255
    return table @ _WEIGHTS[width], np.all(table <= 9, axis=1)


@lru_cache(maxsize=16)
def _tables(tags: tuple[bytes, ...]) -> tuple[tuple[int, Array], ...]:
    """Per first octet of ``tags``, what each (second, third) octet pair after it makes: 0 for
    no wanted tag, else the tag's position in ``tags`` plus one."""
    if not 0 < len(tags) < 128:
        raise ValueError(f"from 1 to 127 wanted tags, not {len(tags)}")
    tables: dict[int, Array] = {}
    for which, tag in enumerate(tags, start=1):
        if len(tag) != 3:
            raise ValueError(f"a tag is three octets, not {tag!r}")
        tables.setdefault(tag[0], np.zeros(1 << 16, dtype=np.int8))[tag[1] << 8 | tag[2]] = which
    return tuple(tables.items())


def directory_entries(content: Array, starts: Array, ends: Array, tags: Sequence[bytes]
                      ) -> DirectoryEntries:
    """The entries tagged one of ``tags`` (each three octets, e.g. ``b"035"``) in the directories
    of the records ``content[starts[i]:ends[i]]`` (``content`` uint8, ``starts`` and ``ends``
    int64); an entry's ``tag`` is its tag's position in ``tags``."""
    base, read = _numbers(content, starts + _BASE_ADDRESS, 5)
    read &= (base > LEADER_LENGTH) & (base <= ends - starts)
    entries = np.where(read, (base - LEADER_LENGTH - 1) // ENTRY_LENGTH, 0)
    record = np.repeat(np.arange(len(starts)), entries)
    first_entry = np.cumsum(entries) - entries
    position = (starts[record] + LEADER_LENGTH
                + ENTRY_LENGTH * (np.arange(len(record)) - first_entry[record]))
    # Which wanted tag each entry has (0: none, else its position in ``tags`` plus one), by its
    # first octet and a table of the two after it.
    lead = content[position]
    pair = content[position + 1].astype(np.intp) << 8 | content[position + 2]
    which = np.zeros(len(position), dtype=np.int8)
    for octet, table in _tables(tuple(tags)):
        which |= table[pair] * (lead == octet)
    wanted = np.flatnonzero(which)
    record, position = record[wanted], position[wanted]
    tag = which[wanted].astype(np.int64) - 1
    length, length_digits = _numbers(content, position + 3, 4)
    start, start_digits = _numbers(content, position + 7, 5)
    return DirectoryEntries(base=base, read=read, record=record, tag=tag,
                            first=starts[record] + base[record] + start, length=length,
                            sound=length_digits & start_digits)
