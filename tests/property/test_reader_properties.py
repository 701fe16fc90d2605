"""Properties of the readers over arbitrary bytes (Hypothesis): total, ordered, chunk-blind.

``read_bibs`` and the key scanner take any bytes, in any of the three formats or none, and yield
only ``Bib`` and ``Unreadable`` values numbered in file order, never raising; how the bytes are
split into chunks never changes what is read.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.core.record import Bib
from almamatch.marc import UNREADABLE_REASONS, Unreadable, read_bibs
from almamatch.marc.iso2709 import read_iso2709
from almamatch.marc.scan import RecordKeys, scan_bytes

# Bytes that start like each format, so that every reader is reached, then anything.
starts = st.sampled_from([b"", b"0", b"00100", b"00050nam a2200037   4500", b"<", b"<collection>",
                          b"<record><leader>", b"{", b"[", b'{"leader":"', b"\xef\xbb\xbf"])
MARC_BYTES = st.sampled_from([b"\x1d", b"\x1e", b"\x1f", b"0", b"9", b" ", b"<", b"{", b"]"])
noise = st.lists(st.one_of(st.binary(max_size=40), MARC_BYTES), max_size=30).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(starts, noise)
def test_read_bibs_never_raises_and_numbers_every_record(start: bytes, rest: bytes) -> None:
    items = list(read_bibs(io.BytesIO(start + rest)))
    for index, item in enumerate(items):
        assert isinstance(item, Bib | Unreadable)
        if isinstance(item, Unreadable):
            assert item.index == index
            assert item.reason in UNREADABLE_REASONS
            assert 0 <= item.offset <= len(start + rest)


@settings(max_examples=200, deadline=None)
@given(starts, noise, st.integers(1, 64))
def test_iso2709_reading_does_not_depend_on_chunks(start: bytes, rest: bytes, size: int) -> None:
    raw = b"0" + start + rest
    whole = list(read_iso2709(iter((raw,))))
    chunked = list(read_iso2709(raw[at : at + size] for at in range(0, len(raw), size)))
    assert chunked == whole


@settings(max_examples=200, deadline=None)
@given(starts, noise)
def test_the_key_scanner_never_raises(start: bytes, rest: bytes) -> None:
    items = list(scan_bytes(start + rest))
    assert [item.index for item in items] == list(range(len(items)))
    assert all(isinstance(item, RecordKeys | Unreadable) for item in items)
