"""Coverage-guided fuzzing of ``read_bibs`` (ISO 2709, MARCXML, MARC-in-JSON) with atheris.

Theory of operation: every input is a whole file. ``read_bibs`` must yield only ``Bib`` and
``Unreadable`` values, with ``Unreadable.index`` counting records in order, and raise nothing;
each ``Bib`` must also get a decision from ``decide()``, applied to a zone fresh for each input
as ``almamatch batch`` applies it, so later records of one input can match earlier ones. Any
exception is a finding. Run at length with
``python tests/fuzz/fuzz_reader.py -max_total_time=600 tests/fuzz/corpus/reader``.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime

import atheris
import numpy  # noqa: F401 - imported uninstrumented: numpy's own code is not the target

with atheris.instrument_imports():
    from almamatch.core.decide import decide
    from almamatch.core.profile import IntegrationProfile
    from almamatch.core.record import Bib
    from almamatch.core.zone import Export, InMemoryZone, Zone, ZoneKind
    from almamatch.marc import UNREADABLE_REASONS, Unreadable, read_bibs

HOST = "i-share-xyz.alma.exlibrisgroup.com"
NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
PROFILE = IntegrationProfile.carli(password="almamatch")


def test_one_input(raw: bytes) -> None:
    """Read ``raw`` as a file; decide every record that loads, applying each decision."""
    store = InMemoryZone()
    zone = Zone(kind=ZoneKind.INSTITUTION, institution="01CARLI_XYZ", host=HOST,
                logon_id="01CARLI_XYZ", profiles=(PROFILE,), bibs=store)
    for index, item in enumerate(read_bibs(io.BytesIO(raw))):
        if isinstance(item, Unreadable):
            assert item.index == index, item
            assert item.offset >= 0, item
            assert item.reason in UNREADABLE_REASONS, item
        else:
            assert isinstance(item, Bib), item
            export = Export(record=item, logon_id="01CARLI_XYZ", password="almamatch", host=HOST)
            store.apply(decide(export, zone, NOW))


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
