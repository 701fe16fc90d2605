"""``compact_zone``: a saved zone's journal folded into a fresh saved zone, in place.

Theory of operation: compaction holds the zone's write lock (``ZoneStore.open``) for its whole run,
so no decision is committed meanwhile. It copies the dump's bytes as they are, appends the record
of every bib the journal changed (new bibs and merged records, each with its MMS ID in 001), and
builds the index from the saved columns with the journal's bibs put over them: their facts and
keys replace the saved ones, new bibs are added, a bib whose record the journal does not hold
keeps its offset in the dump. The new folder is built beside the zone and renamed into place
(``zonefiles.manifest.publish``), with no journal: every committed decision is in the index. A
compaction killed at any moment leaves the old zone and its journal as they were.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
from attrs import frozen

from almamatch.core.brief import BriefLevelRules, RecordBriefLevels
from almamatch.core.lock import Lock
from almamatch.core.normalization import assign_mms_id
from almamatch.index.version import encode_version
from almamatch.index.zone import ACTIVE, CANCELLED, InvalidIndex, ZoneIndex
from almamatch.marc import bib_to_marc
from almamatch.store.build import BuildReport, report_of
from almamatch.store.zone_store import ZoneStore
from almamatch.zonefiles.manifest import InvalidZoneFile, building_folder, publish
from almamatch.zonefiles.zones import SAVED_BIBS, SAVED_INDEX, SAVED_OFFSETS

__all__ = ["compact_zone"]

_COPY_CHUNK = 1 << 22


def compact_zone(directory: str | Path, *,
                 brief_rules: BriefLevelRules | RecordBriefLevels | None = None) -> BuildReport:
    """Fold the journal of the saved zone at ``directory`` into a fresh saved zone there."""
    target = Path(directory)
    with ZoneStore.open(target, brief_rules=brief_rules) as store:
        saved = store.saved
        changed = list(store.committed_bibs())
        building = building_folder(target)
        try:
            index, offsets, size = _fold(store, changed, building)
            index.save(building / SAVED_INDEX)
            if saved.dump is not None:
                np.save(building / SAVED_OFFSETS, offsets)
            else:  # a zone of facts only stays one: its bibs have no records to read
                (building / SAVED_BIBS).unlink()
            report = report_of(index, target, size)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        publish(building, target, assigned=saved.assigned_mms_ids)
    return report


@frozen(kw_only=True)
class _Changed:
    """The journal's bibs as columns, and where each one's record was written."""

    ids: npt.NDArray[Any]
    offsets: npt.NDArray[Any]
    has_record: npt.NDArray[Any]
    levels: npt.NDArray[Any]
    versions: npt.NDArray[Any]
    linked: npt.NDArray[Any]
    key_rows: npt.NDArray[Any]
    key_values: npt.NDArray[Any]
    key_sides: npt.NDArray[Any]
    key_forms: npt.NDArray[Any]
    locks: dict[int, Lock]


def _write_changed(store: ZoneStore, changed: list[str], out: BinaryIO) -> _Changed:
    """Append the journal's records to ``out``; the journal's bibs as columns."""
    view = store.view()
    offsets = np.zeros(len(changed), dtype=np.uint64)
    has_record = np.zeros(len(changed), dtype=np.bool_)
    levels = np.zeros(len(changed), dtype=np.uint8)
    versions = np.zeros(len(changed), dtype=np.int64)
    linked = np.zeros(len(changed), dtype=np.bool_)
    keys: list[tuple[int, int, int, int]] = []
    locks = dict(store.saved.index.locks)
    for row, mms_id in enumerate(changed):
        facts = view.facts(mms_id)
        if facts is None:
            raise InvalidZoneFile(mms_id, "lost_bib", "a journal bib has no facts")
        record = store.journal_record(mms_id)
        if record is not None:
            offsets[row] = out.tell()
            has_record[row] = True
            out.write(bib_to_marc(assign_mms_id(record, mms_id)))
        levels[row] = facts.brief_level.value
        versions[row] = encode_version(facts.originating_version)
        linked[row] = facts.cz_linked
        locks.pop(int(mms_id), None)
        if facts.lock is not None:
            locks[int(mms_id)] = facts.lock
        for side, numbers in ((ACTIVE, facts.active), (CANCELLED, facts.cancelled)):
            keys.extend((row, number.value, side, number.form.code) for number in numbers)
    return _Changed(
        ids=np.array([int(one) for one in changed], dtype=np.uint64), offsets=offsets,
        has_record=has_record, levels=levels, versions=versions, linked=linked,
        key_rows=np.array([one[0] for one in keys], dtype=np.int64),
        key_values=np.array([one[1] for one in keys], dtype=np.uint64),
        key_sides=np.array([one[2] for one in keys], dtype=np.uint8),
        key_forms=np.array([one[3] for one in keys], dtype=np.uint8), locks=locks)


def _fold(store: ZoneStore, changed: list[str], building: Path
          ) -> tuple[ZoneIndex, npt.NDArray[Any], int]:
    saved = store.saved
    base = saved.index
    with (building / SAVED_BIBS).open("wb") as out:
        if saved.dump is not None:
            with saved.dump.open("rb") as source:
                shutil.copyfileobj(source, out, _COPY_CHUNK)
        journal = _write_changed(store, changed, out)
        size = out.tell()
    ids = journal.ids
    # Saved rows the journal did not change, then the journal's bibs after them.
    kept = ~np.isin(base.mms_ids, ids)
    old_offsets = (np.asarray(saved.offsets) if saved.offsets is not None
                   else np.zeros(base.bib_count, dtype=np.uint64))
    # A changed saved bib whose record the journal lacks keeps its record in the dump.
    fallback = np.zeros(len(ids), dtype=np.uint64)
    if base.bib_count:
        at = np.minimum(np.searchsorted(base.mms_ids, ids), base.bib_count - 1)
        fallback = np.where(base.mms_ids[at] == ids, old_offsets[at], 0).astype(np.uint64)
    new_offsets = np.where(journal.has_record, journal.offsets, fallback).astype(np.uint64)
    kept_rows = np.flatnonzero(kept)
    renumber = np.full(base.bib_count, -1, dtype=np.int64)
    renumber[kept_rows] = np.arange(len(kept_rows))
    base_keys = kept[base.key_rows]
    mms_ids = np.concatenate([base.mms_ids[kept], ids])
    try:
        index = ZoneIndex.from_arrays(
            mms_ids=mms_ids,
            brief_levels=np.concatenate([base.brief_levels[kept], journal.levels]),
            versions=np.concatenate([base.versions[kept], journal.versions]),
            cz_linked=np.concatenate([base.cz_linked[kept], journal.linked]),
            key_bibs=np.concatenate([renumber[base.key_rows[base_keys]],
                                     journal.key_rows + len(kept_rows)]),
            key_values=np.concatenate([base.key_values[base_keys], journal.key_values]),
            key_sides=np.concatenate([base.key_sides[base_keys], journal.key_sides]),
            key_forms=np.concatenate([base.key_forms[base_keys], journal.key_forms]),
            locks=journal.locks, institution_suffix=base.institution_suffix)
    except InvalidIndex as error:
        raise InvalidZoneFile(str(store.directory), error.reason, error.detail) from None
    offsets = np.concatenate([old_offsets[kept], new_offsets])
    # The index sorts bibs by MMS ID: the offsets follow the same order.
    offsets = offsets[np.argsort(mms_ids, kind="stable")]
    return index, offsets, size
