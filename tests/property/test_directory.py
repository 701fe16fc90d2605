"""``marc.directory.directory_entries`` says what a plain reading of each directory says.

The reference below reads one record at a time in Python, as the MARC 21 record structure
describes it: Leader/12-16 the base address, then 12-octet entries (tag, four digits of length,
five of starting position) up to the base address. Hypothesis builds buffers of several records
with any tags and fields, then damages bytes anywhere in them (base addresses, entries, data).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.marc.directory import directory_entries

TAGS = [b"001", b"003", b"005", b"019", b"035", b"245", b"0a5", b"A35", b"\x8035", b"03\x00"]
WANTED = (b"035", b"001", b"019")


def record_bytes(fields: list[tuple[bytes, bytes]]) -> bytes:
    directory = b""
    data = b""
    for tag, value in fields:
        body = value + b"\x1e"
        directory += tag + b"%04d%05d" % (len(body), len(data))
        data += body
    base = 24 + len(directory) + 1
    length = base + len(data) + 1
    leader = b"%05dnam a22%05d a 4500" % (length, base)
    return leader + directory + b"\x1e" + data + b"\x1d"


def is_digits(octets: bytes) -> bool:
    return all(0x30 <= octet <= 0x39 for octet in octets)


def reference(content: bytes, starts: list[int], ends: list[int], tags: tuple[bytes, ...]
              ) -> tuple[list[tuple[int, int]], list[tuple[Any, ...]]]:
    """(record, base) of each record whose directory is read; (record, tag, sound, first,
    length) of each wanted entry, first and length None where not sound."""
    read: list[tuple[int, int]] = []
    entries: list[tuple[Any, ...]] = []
    for record, (start, end) in enumerate(zip(starts, ends, strict=True)):
        text = content[start + 12:start + 17]
        if not is_digits(text) or not 24 < int(text) <= end - start:
            continue
        base = int(text)
        read.append((record, base))
        for at in range(start + 24, start + base - 12, 12):
            entry = content[at:at + 12]
            if entry[:3] not in tags:
                continue
            sound = is_digits(entry[3:12])
            entries.append((record, tags.index(entry[:3]), sound,
                            start + base + int(entry[7:12]) if sound else None,
                            int(entry[3:7]) if sound else None))
    return read, entries


def found(content: bytes, starts: list[int], ends: list[int], tags: tuple[bytes, ...]
          ) -> tuple[list[tuple[int, int]], list[tuple[Any, ...]]]:
    got = directory_entries(np.frombuffer(content, dtype=np.uint8),
                            np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), tags)
    read = [(record, int(got.base[record])) for record in np.flatnonzero(got.read).tolist()]
    entries = [
        (record, tag, sound, first if sound else None, length if sound else None)
        for record, tag, sound, first, length in zip(
            got.record.tolist(), got.tag.tolist(), got.sound.tolist(), got.first.tolist(),
            got.length.tolist(), strict=True)
    ]
    return read, entries


fields = st.lists(st.tuples(st.sampled_from(TAGS), st.binary(max_size=30)), max_size=12)
damage = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(fields, min_size=1, max_size=5), damage, st.binary(max_size=3),
       st.sampled_from([WANTED, (b"001",), (b"0a5", b"035", b"A35", b"\x8035")]))
def test_the_entries_are_those_a_plain_reading_finds(
    records: list[list[tuple[bytes, bytes]]], changes: list[tuple[int, int]], between: bytes,
    tags: tuple[bytes, ...],
) -> None:
    content = bytearray(between)
    starts: list[int] = []
    ends: list[int] = []
    for one in records:
        starts.append(len(content))
        content += record_bytes(one)
        ends.append(len(content))
        content += between
    for where, octet in changes:
        content[where % len(content)] = octet
    assert found(bytes(content), starts, ends, tags) == reference(bytes(content), starts, ends,
                                                                  tags)


def test_a_record_whose_base_address_is_not_inside_it_is_not_read() -> None:
    whole = record_bytes([(b"001", b"123"), (b"035", b"(OCoLC)5")])
    length = len(whole)  # 63: base address 49, then 4 + 9 octets of fields and 0x1D
    outside = whole[:12] + b"%05d" % (length + 1) + whole[17:]
    letters = whole[:12] + b"00x49" + whole[17:]
    at_end = whole[:12] + b"%05d" % length + whole[17:]  # inside, if only just: read
    content = whole + outside + letters + at_end
    read, entries = found(content, [0, 63, 126, 189], [63, 126, 189, 252], WANTED)
    assert read == [(0, 49), (3, 63)]
    assert entries == [(0, 1, True, 49, 4), (0, 0, True, 53, 9),
                       (3, 1, True, 189 + 63, 4), (3, 0, True, 189 + 63 + 4, 9)]


def test_tags_are_three_octets() -> None:
    content = np.frombuffer(record_bytes([]), dtype=np.uint8)
    with pytest.raises(ValueError, match="three octets"):
        directory_entries(content, np.array([0]), np.array([len(content)]), (b"35",))
