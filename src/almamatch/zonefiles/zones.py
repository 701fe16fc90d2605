"""Zone files: a MARC dump of a zone's bibs, its facts CSV, and the saved zone directory.

Theory of operation: a zone on disk is its bibs as MARC (any format ``read_bibs`` knows), each
with its MMS ID in 001 as Alma writes it ("After saving, 001 holds the MMS ID", S18), and
optionally a facts CSV (``zonefiles.facts``). ``load_zone`` reads them into an ``InMemoryZone``
that ``decide()`` reads and a batch applies its decisions to. A saved zone is a directory holding
``bibs.mrc`` (ISO 2709), ``facts.csv`` and ``index/``, the compact index of ``almamatch.index``
for lookups at scale; ``save_zone`` writes one, ``load_zone`` reads it back (from the records,
which a merge needs).

A zone file that cannot be used (a record that does not load, an 001 that is not an MMS ID, a
repeated MMS ID, facts for a bib the dump lacks) raises ``InvalidZoneFile`` naming the file and the
record: a zone is never loaded with bibs missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from almamatch.core.brief import BriefLevelRules
from almamatch.core.errors import AlmamatchError
from almamatch.core.facts import MmsIdSequence
from almamatch.core.record import Bib
from almamatch.core.zone import InMemoryZone, InvalidZone
from almamatch.index.version import encode_version
from almamatch.index.zone import ACTIVE, CANCELLED, ZoneIndex
from almamatch.marc import Unreadable, bib_to_marc, read_bibs
from almamatch.zonefiles.facts import FactsRow, facts_to_csv, read_facts

__all__ = [
    "SAVED_BIBS",
    "SAVED_FACTS",
    "InvalidZoneFile",
    "load_zone",
    "mms_id_sequence_after",
    "read_zone_bibs",
    "save_zone",
    "zone_index",
]

#: The files of a saved zone directory.
SAVED_BIBS: Final = "bibs.mrc"
SAVED_FACTS: Final = "facts.csv"
SAVED_INDEX: Final = "index"

# "Alma MMS IDs start with 99 and end with four digits naming the institution" (core.facts).
_MMS_ID: Final = re.compile(r"99(?P<serial>[0-9]+)(?P<suffix>[0-9]{4})")


class InvalidZoneFile(AlmamatchError):
    """A zone dump, facts file or saved zone that cannot be loaded."""


def read_zone_bibs(path: str | Path) -> Iterator[tuple[str, Bib]]:
    """Each bib of a zone dump with its MMS ID (001), in file order; raises on the first fault."""
    source = str(path)
    seen: set[str] = set()
    for item in read_bibs(path):
        if isinstance(item, Unreadable):
            raise InvalidZoneFile(source, "unreadable_record", str(item))
        mms_id = (item.control_number or "").strip()
        if not mms_id.isdigit():
            raise InvalidZoneFile(
                source, "bad_mms_id", f"record {len(seen)}: 001 {mms_id!r} is not an MMS ID"
            )
        if mms_id in seen:
            raise InvalidZoneFile(source, "duplicate_mms_id", f"MMS ID {mms_id} twice")
        seen.add(mms_id)
        yield mms_id, item


def mms_id_sequence_after(mms_ids: list[str]) -> MmsIdSequence:
    """The sequence that gives the zone's next MMS ID: after the highest serial of its suffix.

    The suffix is the one most bibs carry; a zone with no Alma-shaped MMS ID starts at serial 1.
    """
    by_suffix: dict[str, int] = {}
    counts: dict[str, int] = {}
    for mms_id in mms_ids:
        match = _MMS_ID.fullmatch(mms_id)
        if match is None:
            continue
        suffix = match["suffix"]
        counts[suffix] = counts.get(suffix, 0) + 1
        by_suffix[suffix] = max(by_suffix.get(suffix, 0), int(match["serial"]))
    if not counts:
        return MmsIdSequence()
    suffix = max(counts, key=lambda one: (counts[one], one))
    return MmsIdSequence(by_suffix[suffix] + 1, suffix)


def load_zone(
    path: str | Path,
    *,
    facts: str | Path | None = None,
    brief_rules: BriefLevelRules | None = None,
    on_bib: Callable[[int], None] | None = None,
) -> InMemoryZone:
    """A zone from a MARC dump (plus a facts CSV) or a saved zone directory.

    ``brief_rules`` compute the brief level of every bib the facts do not rate; ``on_bib`` is
    called with the count of bibs loaded so far, for a progress display.
    """
    where = Path(path)
    if where.is_dir():
        dump = where / SAVED_BIBS
        if not dump.is_file():
            raise InvalidZoneFile(str(path), "not_a_saved_zone", f"no {SAVED_BIBS} in it")
        saved_facts = where / SAVED_FACTS
        if facts is None and saved_facts.is_file():
            facts = saved_facts
    else:
        dump = where
    rows = read_facts(facts) if facts is not None else {}
    pairs = list(_counted(read_zone_bibs(dump), on_bib))
    loaded = {one for one, _ in pairs}
    for mms_id in rows:
        if mms_id not in loaded:
            raise InvalidZoneFile(str(facts), "unknown_mms_id",
                                  f"facts for MMS ID {mms_id}, which the dump does not hold")
    zone = InMemoryZone(
        brief_rules=brief_rules, sequence=mms_id_sequence_after([one for one, _ in pairs])
    )
    try:
        for mms_id, bib in pairs:
            row = rows.get(mms_id, FactsRow(mms_id=mms_id))
            zone.store(
                mms_id,
                bib,
                brief_level=row.brief_level,
                originating_version=row.originating_version,
                cz_linked=row.cz_linked,
                lock=row.lock,
            )
    except InvalidZone as error:
        raise InvalidZoneFile(str(dump), error.reason, error.detail) from None
    return zone


def _counted(
    pairs: Iterator[tuple[str, Bib]], on_bib: Callable[[int], None] | None
) -> Iterator[tuple[str, Bib]]:
    for count, pair in enumerate(pairs, start=1):
        yield pair
        if on_bib is not None:
            on_bib(count)


def save_zone(zone: InMemoryZone, directory: str | Path) -> Path:
    """Write ``zone`` as a saved zone directory (bibs.mrc, facts.csv); returns the directory."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    rows: list[FactsRow] = []
    with (target / SAVED_BIBS).open("wb") as handle:
        for mms_id in zone:
            record = zone.record(mms_id)
            facts = zone.facts(mms_id)
            if record is None or facts is None:
                continue
            handle.write(bib_to_marc(record))
            rows.append(
                FactsRow(
                    mms_id=mms_id,
                    brief_level=facts.brief_level,
                    originating_version=facts.originating_version,
                    cz_linked=facts.cz_linked,
                    lock=facts.lock,
                )
            )
    (target / SAVED_FACTS).write_text(facts_to_csv(rows), encoding="utf-8")
    zone_index(zone).save(target / SAVED_INDEX)
    return target


def zone_index(zone: InMemoryZone) -> ZoneIndex:
    """The compact index (``almamatch.index``) of a zone's facts, for lookups at scale."""
    mms_ids: list[int] = []
    levels: list[int] = []
    versions: list[int] = []
    linked: list[bool] = []
    key_bibs: list[int] = []
    key_values: list[int] = []
    key_sides: list[int] = []
    key_forms: list[int] = []
    locks = {}
    for row, mms_id in enumerate(zone):
        facts = zone.facts(mms_id)
        if facts is None:
            continue
        mms_ids.append(int(mms_id))
        levels.append(facts.brief_level.value)
        versions.append(encode_version(facts.originating_version))
        linked.append(facts.cz_linked)
        if facts.lock is not None:
            locks[int(mms_id)] = facts.lock
        for side, numbers in ((ACTIVE, facts.active), (CANCELLED, facts.cancelled)):
            for number in numbers:
                key_bibs.append(row)
                key_values.append(number.value)
                key_sides.append(side)
                key_forms.append(number.form.code)
    return ZoneIndex.from_arrays(
        mms_ids=mms_ids, brief_levels=levels, versions=versions, cz_linked=linked,
        key_bibs=key_bibs, key_values=key_values, key_sides=key_sides, key_forms=key_forms,
        locks=locks, institution_suffix=zone.sequence.institution_suffix,
    )
