"""The compiled reading of the numbers a batch's records share (``almamatch._native.links``)
against its numpy twin (``parallel.groups.numpy_link_numbers``), called side by side on the same
bytes: the same (record, value) pairs in the same order, for every record of the corpus, damaged
copies of them and generated records dense in the awkward cases (digits around delimiters,
subfield codes, long runs of zeros, numbers past the largest, directories that lie). Skipped
where the module is not built.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.marc.framing import frame_records
from almamatch.parallel.groups import numpy_link_numbers
from corpus_files import CORPUS

try:
    from almamatch._native import links
except ImportError:  # pragma: no cover (a machine without a C compiler)
    pytest.skip("almamatch._native.links is not built (no C compiler at install)",
                allow_module_level=True)


def both(content: bytes) -> None:
    """Frame ``content`` and compare the two readings of its records' numbers."""
    framed = [item for item in frame_records((content,)) if isinstance(item, tuple)]
    starts = np.array([offset for _, _, offset in framed], dtype=np.int64)
    ends = starts + np.array([len(record) for record, _, _ in framed], dtype=np.int64)
    array = np.frombuffer(content, dtype=np.uint8)
    expected = numpy_link_numbers(array, starts, ends)
    found = links.link_numbers(array, starts, ends)
    assert found[0].dtype == expected[0].dtype
    assert found[1].dtype == expected[1].dtype
    assert found[0].tolist() == expected[0].tolist()
    assert found[1].tolist() == expected[1].tolist()


CORPUS_FILES = sorted(path.name for path in CORPUS.glob("*.mrc")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_the_corpus_reads_alike(name: str) -> None:
    both((CORPUS / name).read_bytes())


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_damaged_copies_read_alike(name: str) -> None:
    content = bytearray((CORPUS / name).read_bytes()[:400_000])
    chosen = random.Random(name)
    for _ in range(len(content) // 200):  # the directory and the digits as often as the rest
        at = chosen.randrange(len(content))
        content[at] = chosen.choice(b"0123456789\x1d\x1e\x1f az0335019001")
    both(bytes(content))


def record(fields: list[tuple[bytes, bytes]], base_shift: int = 0) -> bytes:
    """An ISO 2709 record of ``fields`` (tag, data without terminator); ``base_shift`` moves
    the base address away from where the directory ends (a directory that lies)."""
    directory = b""
    data = b""
    for tag, value in fields:
        field = value + b"\x1e"
        directory += tag + b"%04d%05d" % (len(field) % 10_000, len(data))
        data += field
    base = 24 + len(directory) + 1 + base_shift
    length = base - base_shift + len(data) + 1
    leader = b"%05dnam a22%05d i 4500" % (length, max(0, base))
    return leader + directory + b"\x1e" + data + b"\x1d"


digits = st.text("0123456789", min_size=0, max_size=25).map(str.encode)
pieces = st.one_of(digits, st.sampled_from([b"\x1fa", b"\x1fz", b"\x1f9", b"\x1f", b"(OCoLC)",
                                            b"ocm", b" ", b"-", b"\xc3\xa9", b"\x1fa0000"]))
field_data = st.lists(pieces, max_size=8).map(b"".join)
tags = st.sampled_from([b"001", b"019", b"035", b"020", b"245", b"0a1", b"03"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.tuples(tags, field_data), max_size=6), min_size=1, max_size=5),
       st.sampled_from([0, 0, 0, -13, 12, 5]))
def test_generated_records_read_alike(records: list[list[tuple[bytes, bytes]]],
                                      shift: int) -> None:
    fixed = [(tag if len(tag) == 3 else tag + b"5", value) for tag, value in records[0]]
    both(b"".join([record(fixed, shift)] + [record(fields) for fields in records[1:]]))


def test_no_records_give_empty_columns() -> None:
    found = links.link_numbers(np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64),
                               np.zeros(0, dtype=np.int64))
    assert found[0].dtype == np.int64
    assert found[1].dtype == np.uint64
    assert len(found[0]) == len(found[1]) == 0
