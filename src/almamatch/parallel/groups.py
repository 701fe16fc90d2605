"""Independent groups of a batch: records that cannot affect each other's decisions.

Theory of operation: a batch is sequential by meaning (the second export of a new number merges
into the bib the first one added), but only through what two records share. A record reads the
zone through its OCLC numbers (the bibs carrying them) and changes the zone at one bib (the one it
adds or merges into). So two records can affect each other only when they share an OCLC number or
a bib that one of their numbers matches; records connected through a chain of such links form one
group, named by its first record. Deciding groups separately, each in order, gives every record
the decision a one-process run gives it, except for the one thing all adds share: the next MMS ID,
which ``parallel.batch`` assigns afterwards in input order.

The batch plans a whole file as numpy columns: ``link_numbers`` reads, straight from the ISO 2709
bytes, every run of ASCII digits in the fields numbers come from (001, 019 $a, 035 $a and $z:
``core.zone.prepare`` and ``core.zone.zone_numbers`` read no others, and ``OclcNumber.parse`` takes
the value from one run of ASCII digits), so every number ``decide()`` can look up for a record is
among the record's link values (a few more, such as the digits of a 035 $a that is not OCLC's, only
join groups that need not be joined). ``parallel.batch`` checks on the workers that this holds (a
record that looks up anything else sends the batch to one process). ``first_records`` then joins
records through shared values and shared bibs by propagating the smallest record number over the
links.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from almamatch import _native
from almamatch.core.oclc import MAX_OCLC_NUMBER
from almamatch.marc.directory import directory_entries

__all__ = ["first_records", "link_numbers", "numpy_link_numbers"]

Array = npt.NDArray[Any]

#: Records per numpy pass (bounds the temporary arrays whatever the file's size).
_BLOCK: Final = 8_192
_DELIMITER: Final = 0x1F
_LINK_TAGS: Final = (b"001", b"019", b"035")
_TAG_001: Final = _LINK_TAGS.index(b"001")  # a field's tag, as directory_entries gives it
_TAG_035: Final = _LINK_TAGS.index(b"035")
_MAX_DIGITS: Final = 19  # OclcNumber.parse: more significant digits than this are out of range
_POWERS: Final = np.array([10**power for power in range(_MAX_DIGITS)], dtype=np.uint64)


def _ranges(starts: Array, counts: Array) -> tuple[Array, Array]:
    """The positions ``start, start + 1, ...`` (``count`` of them) of each range, and which
    range each is in."""
    which = np.repeat(np.arange(len(starts)), counts)
    first = np.cumsum(counts) - counts
    return starts[which] + (np.arange(len(which)) - first[which]), which


def _wanted_fields(content: Array, starts: Array, ends: Array) -> tuple[Array, Array, Array, Array]:
    """The 001, 019 and 035 fields of the records ``content[starts[i]:ends[i]]``, from their
    directories: (record, tag, first byte, end) of each. An entry whose length or starting
    position is not all digits is skipped, and a field that runs past its record ends there."""
    found = directory_entries(content, starts, ends, _LINK_TAGS)
    record, first = found.record, found.first
    end = np.minimum(first + found.length, ends[record])
    keep = found.sound & (first < end)
    return record[keep], found.tag[keep], first[keep], end[keep]


def _values_of_runs(digits: Array, run_of: Array, run_starts: Array, run_lengths: Array
                    ) -> Array:
    """The value of each run of digits (0 for one beyond ``MAX_OCLC_NUMBER`` or all zeros)."""
    runs = len(run_lengths)
    if not runs:
        return np.zeros(0, dtype=np.uint64)
    place = (np.cumsum(run_lengths)[run_of] - 1 - np.arange(len(run_of)))  # 10's power of each
    short = run_lengths[run_of] <= _MAX_DIGITS
    terms = np.where(short, digits * _POWERS[np.minimum(place, _MAX_DIGITS - 1)], 0)
    values = np.add.reduceat(terms.astype(np.uint64), run_starts)
    for run in np.flatnonzero(run_lengths > _MAX_DIGITS):  # zero padding past 19 digits: rare
        first = int(run_starts[run])
        text = "".join(map(str, digits[first:first + int(run_lengths[run])].tolist())).lstrip("0")
        values[run] = int(text) if 0 < len(text) <= _MAX_DIGITS and int(text) <= MAX_OCLC_NUMBER \
            else 0
    values[values > np.uint64(MAX_OCLC_NUMBER)] = 0
    return values


def _compiled_links() -> Callable[[Array, Array, Array], tuple[Array, Array]]:
    from almamatch._native.links import link_numbers as compiled  # noqa: PLC0415 (if built)

    return compiled


#: The compiled twin of ``link_numbers`` (``_native.links``: one C pass, no temporary arrays),
#: picked once; None: numpy. tests/test_native_links.py compares the two.
_compiled_link_numbers = _native.compiled(_compiled_links)


def link_numbers(content: Array, starts: Array, ends: Array) -> tuple[Array, Array]:
    """Every number the records ``content[starts[i]:ends[i]]`` (uint8 bytes) can share, as
    (record position, value) pairs: each run of ASCII digits in 001 and in 019 $a, 035 $a and
    035 $z, as a value from 1 to ``MAX_OCLC_NUMBER``, once per record, in (record, value)
    order. Where ``_native.links`` is in use, read by it; else ``numpy_link_numbers``."""
    compiled = _compiled_link_numbers
    if compiled is None:
        return numpy_link_numbers(content, starts, ends)
    return compiled(np.ascontiguousarray(content, dtype=np.uint8),
                    np.ascontiguousarray(starts, dtype=np.int64),
                    np.ascontiguousarray(ends, dtype=np.int64))


def numpy_link_numbers(content: Array, starts: Array, ends: Array) -> tuple[Array, Array]:
    """``link_numbers`` with numpy, a block of records at a time: the definition of its
    answers."""
    records: list[Array] = []
    values: list[Array] = []
    for block in range(0, len(starts), _BLOCK):
        found = _block_numbers(content, starts[block:block + _BLOCK], ends[block:block + _BLOCK])
        records.append(found[0] + block)
        values.append(found[1])
    if not records:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    record, value = np.concatenate(records), np.concatenate(values)
    order = np.lexsort((value, record))
    record, value = record[order], value[order]
    distinct = np.ones(len(record), dtype=bool)
    distinct[1:] = (record[1:] != record[:-1]) | (value[1:] != value[:-1])
    return record[distinct], value[distinct]


def _block_numbers(content: Array, starts: Array, ends: Array) -> tuple[Array, Array]:
    record, tag, first, end = _wanted_fields(content, starts.astype(np.int64),
                                             ends.astype(np.int64))
    positions, field = _ranges(first, end - first)
    octets = content[positions]
    own = np.arange(len(positions))
    # The subfield each byte is in: the last delimiter (or field start) at or before it.
    field_start = np.zeros(len(positions), dtype=bool)
    field_start[np.cumsum(end - first) - (end - first)] = True
    last = np.maximum.accumulate(np.where((octets == _DELIMITER) | field_start, own, 0))
    in_subfield = (octets[last] == _DELIMITER) & (own > last + 1)
    code = octets[np.minimum(last + 1, len(octets) - 1)]
    field_tag = tag[field]
    counted = (field_tag == _TAG_001) | (in_subfield & (
        (code == ord("a")) | ((code == ord("z")) & (field_tag == _TAG_035))))
    digit = counted & (octets >= ord("0")) & (octets <= ord("9"))
    before = np.zeros(len(digit), dtype=bool)
    before[1:] = digit[:-1] & (field[1:] == field[:-1])
    at = np.flatnonzero(digit)
    run_begins = digit[at] & ~before[at]
    run_of = np.cumsum(run_begins) - 1
    run_starts = np.flatnonzero(run_begins)
    run_lengths = np.diff(np.append(run_starts, len(at)))
    values = _values_of_runs(octets[at].astype(np.uint64) - ord("0"), run_of, run_starts,
                             run_lengths)
    run_records = record[field[at[run_starts]]] if len(run_starts) else np.zeros(0, np.int64)
    keep = values > 0
    return run_records[keep].astype(np.int64), values[keep]


def first_records(count: int, edges: Sequence[tuple[Array, Array]]) -> Array:
    """For each of ``count`` records, the first record of its group.

    Each of ``edges`` is a pair of parallel arrays (record position, key) linking a record to a
    key (a number's value, a bib's row: any integers); records that share a key of the same pair
    are in one group, and so are records connected through chains of such links.
    """
    nodes = count
    sources: list[Array] = []
    targets: list[Array] = []
    for records, keys in edges:
        distinct, inverse = np.unique(keys, return_inverse=True)
        sources.append(records.astype(np.int64))
        targets.append(inverse.astype(np.int64).reshape(-1) + nodes)
        nodes += len(distinct)
    label = np.arange(nodes, dtype=np.int64)
    if not sources:
        return label
    source, target = np.concatenate(sources), np.concatenate(targets)
    # Each node takes the smallest label of its neighbours, then follows labels to their own
    # labels (a label is always a node of the same group); records come first, so a group's
    # label ends as its first record.
    while True:
        smallest = np.minimum(label[source], label[target])
        after = label.copy()
        np.minimum.at(after, source, smallest)
        np.minimum.at(after, target, smallest)
        while True:
            followed = after[after]
            if np.array_equal(followed, after):
                break
            after = followed
        if np.array_equal(after, label):
            return label[:count]
        label = after
