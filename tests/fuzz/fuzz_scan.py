"""Coverage-guided fuzzing of the key scanner (``almamatch.marc.scan``) with atheris.

Theory of operation: every input is a whole ISO 2709 file. ``scan_bytes`` must yield only
``RecordKeys`` and ``Unreadable`` values, numbered in order, and raise nothing; where the full
reader loads the same record, the scanner must not call it unreadable for a framing reason the
reader accepted. Run at length with
``python tests/fuzz/fuzz_scan.py -max_total_time=600 tests/fuzz/corpus/scan``.
"""

from __future__ import annotations

import sys

import atheris
import numpy  # noqa: F401 - imported uninstrumented: numpy's own code is not the target

with atheris.instrument_imports():
    from almamatch.marc import UNREADABLE_REASONS, Unreadable
    from almamatch.marc.scan import RecordKeys, scan_bytes, scan_stream


def test_one_input(raw: bytes) -> None:
    """Scan ``raw`` whole and in 7-byte chunks: the same keys either way."""
    whole = list(scan_bytes(raw))
    for index, item in enumerate(whole):
        assert isinstance(item, RecordKeys | Unreadable), item
        assert item.index == index, item
        if isinstance(item, Unreadable):
            assert item.reason in UNREADABLE_REASONS, item
    chunked = list(scan_stream(raw[start : start + 7] for start in range(0, len(raw), 7)))
    assert chunked == whole, (chunked, whole)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
