"""Building a zone index from a MARC dump of the zone, streaming, through the key scanner.

Theory of operation: an Alma export of a zone's bibs carries the MMS ID in 001 and the OCLC
numbers in 035 $a/$z, which is all matching reads (``core.zone.zone_numbers``: "035 $a (active)
and 035 $z (cancelled), OCLC's only", after the 001/003 save rule). The scanner reads those
without building records; the brief level comes from the zone's ``BriefLevelRules`` applied to
Leader/17. A dump does not carry the originating system version Alma keeps beside a bib, so the
record's own 005 stands in for it, and no bib is CZ-linked. A record without a numeric 001, or one
the scanner cannot read, is reported and left out; the build never stops for one record.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from pathlib import Path

import numpy as np
from attrs import frozen

from almamatch.core.brief import BriefLevelRules
from almamatch.index.version import NO_VERSION, InvalidVersion, encode_version
from almamatch.index.zone import ACTIVE, CANCELLED, ZoneIndex
from almamatch.marc.scan import scan_file
from almamatch.marc.unreadable import Unreadable

__all__ = ["DumpBuild", "Progress", "build_from_dump"]

#: Called with (bytes read so far, total bytes) as the dump is scanned.
Progress = Callable[[int, int], None]
_REPORT_EVERY = 65_536


@frozen(kw_only=True)
class DumpBuild:
    """The index built from a dump, and the records that were left out of it, with why."""

    index: ZoneIndex
    skipped: tuple[Unreadable, ...]


def build_from_dump(
    path: Path | str,
    rules: BriefLevelRules,
    *,
    progress: Progress | None = None,
    institution_suffix: str = "5681",
) -> DumpBuild:
    """Scan an ISO 2709 dump (MMS ID in 001) into a ``ZoneIndex``."""
    source = Path(path)
    total = source.stat().st_size
    mms_ids, levels, versions = array("Q"), array("B"), array("q")
    key_bibs, key_values, key_sides, key_forms = array("I"), array("Q"), array("B"), array("B")
    skipped: list[Unreadable] = []
    level_of: dict[str, int] = {}
    for seen, keys in enumerate(scan_file(source), start=1):
        if progress is not None and seen % _REPORT_EVERY == 0:
            progress(keys.offset, total)
        if isinstance(keys, Unreadable):
            skipped.append(keys)
            continue
        mms_id = (keys.control_number or "").strip()
        if not (mms_id.isascii() and mms_id.isdigit()) or int(mms_id) >= 2**64:
            skipped.append(Unreadable(index=keys.index, offset=keys.offset, reason="no_mms_id",
                                      detail=f"001 is {keys.control_number!r}, not an MMS ID"))
            continue
        try:
            version = encode_version(keys.latest_transaction)
        except InvalidVersion as error:
            skipped.append(Unreadable(index=keys.index, offset=keys.offset,
                                      reason="version_not_stored", detail=str(error)))
            version = NO_VERSION
        code = keys.encoding_level.code
        if code not in level_of:
            level_of[code] = rules.level_of(keys.encoding_level).value
        row = len(mms_ids)
        mms_ids.append(int(mms_id))
        levels.append(level_of[code])
        versions.append(version)
        for side, numbers in ((ACTIVE, keys.zone_active), (CANCELLED, keys.zone_cancelled)):
            for number in numbers:
                key_bibs.append(row)
                key_values.append(number.value)
                key_sides.append(side)
                key_forms.append(number.form.code)
    if progress is not None:
        progress(total, total)
    index = ZoneIndex.from_arrays(
        mms_ids=np.frombuffer(mms_ids, dtype=np.uint64),
        brief_levels=np.frombuffer(levels, dtype=np.uint8),
        versions=np.frombuffer(versions, dtype=np.int64),
        cz_linked=np.zeros(len(mms_ids), dtype=np.bool_),
        key_bibs=np.frombuffer(key_bibs, dtype=np.uint32),
        key_values=np.frombuffer(key_values, dtype=np.uint64),
        key_sides=np.frombuffer(key_sides, dtype=np.uint8),
        key_forms=np.frombuffer(key_forms, dtype=np.uint8),
        institution_suffix=institution_suffix,
    )
    return DumpBuild(index=index, skipped=tuple(skipped))
