"""Building a zone index from a MARC dump of the zone, streaming, through the key scanner.

Theory of operation: an Alma export of a zone's bibs carries the MMS ID in 001 and the OCLC
numbers in 035 $a/$z, which is all matching reads (``core.zone.zone_numbers``: "035 $a (active)
and 035 $z (cancelled), OCLC's only", after the 001/003 save rule). The scanner reads those
without building records; the brief level comes from the zone's ``BriefLevelRules`` applied to
Leader/17. A dump does not carry the originating system version Alma keeps beside a bib, so the
record's own 005 stands in for it, and no bib is CZ-linked. A record without a numeric 001, or one
the scanner cannot read, is reported and left out; the build never stops for one record. A 005
the index cannot store (see ``index.version``) is stored as no version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from attrs import frozen

from almamatch.core.brief import BriefLevelRules
from almamatch.core.digits import digits_value
from almamatch.core.errors import shown
from almamatch.index.keyscan import scan_columns
from almamatch.index.zone import ZoneIndex
from almamatch.marc.unreadable import Unreadable

__all__ = ["DumpBuild", "Progress", "build_from_dump"]

#: Called with (bytes read so far, total bytes) as the dump is scanned.
Progress = Callable[[int, int], None]
_CHUNK = 1 << 22


@frozen(kw_only=True)
class DumpBuild:
    """The index built from a dump, and the records that were left out of it, with why."""

    index: ZoneIndex
    skipped: tuple[Unreadable, ...]


def _chunks(path: Path, total: int, progress: Progress | None) -> Iterator[bytes]:
    done = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk
            done += len(chunk)
            if progress is not None:
                progress(done, total)


def build_from_dump(
    path: Path | str,
    rules: BriefLevelRules,
    *,
    progress: Progress | None = None,
    institution_suffix: str = "5681",
) -> DumpBuild:
    """Scan an ISO 2709 dump (MMS ID in 001) into a ``ZoneIndex``."""
    source = Path(path)
    columns = scan_columns(_chunks(source, source.stat().st_size, progress))
    skipped = list(columns.unreadable)
    keep = np.ones(len(columns.offsets), dtype=np.bool_)
    mms_ids = np.zeros(len(columns.offsets), dtype=np.uint64)
    for row, text in enumerate(columns.control_numbers):
        mms_id = (text or "").strip()
        value = digits_value(mms_id, max_digits=20)  # int() refuses past 4,300 digits
        if value is not None and value < 2**64:
            mms_ids[row] = value
        else:
            keep[row] = False
            skipped.append(Unreadable(index=int(columns.indices[row]),
                                      offset=int(columns.offsets[row]),
                                      reason="no_mms_id",
                                      detail=f"001 is {shown(text)}, not an MMS ID"))
    # Brief level "computed from the record by the zone's brief-level rules" (DESIGN.md).
    level_table = np.array([rules.level_of(chr(code)).value for code in range(256)],
                           dtype=np.uint8)
    new_row = np.cumsum(keep) - 1
    key_keep = keep[columns.key_records]
    index = ZoneIndex.from_arrays(
        mms_ids=mms_ids[keep],
        brief_levels=level_table[columns.encoding_levels[keep]],
        versions=columns.versions[keep],
        cz_linked=np.zeros(int(keep.sum()), dtype=np.bool_),
        key_bibs=new_row[columns.key_records[key_keep]],
        key_values=columns.key_values[key_keep],
        key_sides=columns.key_sides[key_keep],
        key_forms=columns.key_forms[key_keep],
        institution_suffix=institution_suffix,
    )
    return DumpBuild(index=index, skipped=tuple(sorted(skipped, key=lambda one: one.offset)))
