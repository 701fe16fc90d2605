"""Zone files: a MARC dump of a zone's bibs, its facts CSV, and the saved zone directory.

Theory of operation: a zone on disk is its bibs as MARC (any format ``read_bibs`` knows), each
with its MMS ID in 001 as Alma writes it ("After saving, 001 holds the MMS ID", S18), and
optionally a facts CSV (``zonefiles.facts``). ``load_zone`` reads them into an ``InMemoryZone``
that ``decide()`` reads and a batch applies its decisions to. A saved zone is a directory holding
``bibs.mrc`` (ISO 2709), ``facts.csv``, ``index/`` (the compact index of ``almamatch.index``) and
``bibs.offsets.npy`` (where each indexed bib's record starts in ``bibs.mrc``); ``save_zone``
writes one. ``load_zone`` reads it back in one of two ways:

* every record into memory (the default, and whenever a facts CSV is given to override the
  saved facts): what ``zone build`` and a small zone need;
* with ``use_index=True``, served from the memory-mapped index (``IndexedZoneView``): the
  returned ``InMemoryZone`` holds only what a batch adds, merges or locks, over the index, so a
  zone of 50 million bibs opens without reading its records (one vectorized pass over the MMS
  IDs finds the next MMS ID, when first asked). A merge reads the one existing record it needs
  from ``bibs.mrc`` at its offset; without ``bibs.offsets.npy`` (an index alone) the view keeps
  facts only, and merges are decided but the merged record is not computed (``Merge.record`` is
  None; ``core.zone.InMemoryZone`` says what such a merge changes).

A zone file that cannot be used (a record that does not load, an 001 that is not an MMS ID, a
repeated MMS ID, facts for a bib the dump lacks) raises ``InvalidZoneFile`` naming the file and the
record: a zone is never loaded with bibs missing.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from almamatch import _native
from almamatch.core.brief import BriefLevelRules, RecordBriefLevels
from almamatch.core.digits import digits_value
from almamatch.core.errors import shown
from almamatch.core.facts import BibFacts, Hit, MmsIdSequence, ZoneView
from almamatch.core.normalization import assign_mms_id, fold_003
from almamatch.core.oclc import OclcNumber
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib
from almamatch.core.zone import InMemoryZone, InvalidZone, Zone
from almamatch.index.directory import key_directory
from almamatch.index.version import encode_version
from almamatch.index.zone import ACTIVE, CANCELLED, NOTED_ROWS, InvalidIndex, ZoneIndex
from almamatch.marc import Unreadable, bib_to_marc, read_bibs
from almamatch.marc.iso2709 import RecordFault, decode_part, decode_record
from almamatch.zonefiles.manifest import (
    MANIFEST,
    SAVED_BIBS,
    SAVED_FACTS,
    SAVED_INDEX,
    SAVED_OFFSETS,
    InvalidZoneFile,
    building_folder,
    check_files,
    publish,
    read_manifest,
)
from almamatch.zonefiles.profiles import ProfileFile, ZoneIdentity, load_profile

if TYPE_CHECKING:
    from almamatch.zonefiles.facts import FactsRow

__all__ = [
    "SAVED_BIBS",
    "SAVED_FACTS",
    "SAVED_INDEX",
    "SAVED_OFFSETS",
    "IndexedZoneView",
    "InvalidZoneFile",
    "load_zone",
    "open_zone",
    "read_zone_bibs",
    "ready_zone",
    "save_zone",
    "zone_index",
]

#: ISO 2709: "Record length: five ASCII digits" at Leader/00-04.
_LENGTH_DIGITS: Final = 5
#: ``os.pread`` where the system has it (POSIX), looked for once.
_PREAD: Final[Callable[[int, int, int], bytes] | None] = getattr(os, "pread", None)
#: A merged record is read in one call when it is no longer than this (most are); a longer one
#: takes a second read for the rest.
_FIRST_READ: Final = 8192


def _compiled_parts() -> Callable[[int, Any], Any]:
    from almamatch._native.marcread import SavedParts  # noqa: PLC0415 (only if built)

    return SavedParts


#: ``_framed`` and ``decode_part`` of a row's record in one compiled call, where built, wanted
#: and the system reads at an offset (``IndexedZoneView.record_part``); else None.
_SAVED_PARTS: Final = _native.compiled(_compiled_parts) if _PREAD is not None else None


def read_zone_bibs(path: str | Path) -> Iterator[tuple[str, Bib]]:
    """Each bib of a zone dump with its MMS ID (001), in file order; raises on the first fault."""
    source = str(path)
    seen: set[str] = set()
    for item in read_bibs(path):
        if isinstance(item, Unreadable):
            raise InvalidZoneFile(source, "unreadable_record", str(item))
        mms_id = (item.control_number or "").strip()
        # ASCII digits that fit the index's unsigned 64 bits (Alma's are 19 or fewer), read
        # without int()'s limit, which a 001 of thousands of digits would pass.
        value = digits_value(mms_id, max_digits=20)
        if value is None or value >= 2**64:
            raise InvalidZoneFile(
                source, "bad_mms_id", f"record {len(seen)}: 001 {shown(mms_id)} is not an MMS ID"
            )
        if mms_id in seen:
            raise InvalidZoneFile(source, "duplicate_mms_id", f"MMS ID {mms_id} twice")
        seen.add(mms_id)
        yield mms_id, item


def ready_zone(identity: ZoneIdentity, profile: IntegrationProfile, bibs: ZoneView) -> Zone:
    """The ``Zone`` that ``identity`` names, with its one integration profile and its bibs."""
    return Zone(kind=identity.kind, institution=identity.institution, host=identity.host,
                logon_id=identity.logon_id, profiles=(profile,), bibs=bibs)


def open_zone(folder: str | Path, profile: str | Path | None = None, *,
              facts: str | Path | None = None) -> Zone:
    """A zone ready for ``decide()``: its bibs from ``folder``, who it is from a profile file.

    ``folder`` is a saved zone (``almamatch zone build``: served from its memory-mapped index) or
    a MARC dump of the zone's bibs, with ``facts`` (a facts CSV) beside it if given. ``profile``
    is a profile TOML file (its integration profile and its ``[zone]`` table); without one, the
    default CARLI I-Share IZ profile. Send records with ``zone.export(record)``, which fills in
    the zone's logon ID, host and the profile's password::

        zone = open_zone("my-zone", "examples/profiles/carli.toml")
        decision = decide(zone.export(record), zone, now)
        zone.bibs.apply(decision)  # the bibs are an InMemoryZone

    Raises ``InvalidZoneFile``, ``InvalidFactsFile`` or ``InvalidProfileFile`` naming the file.
    """
    profile_file = ProfileFile.default() if profile is None else load_profile(profile)
    bibs = load_zone(folder, facts=facts, brief_rules=profile_file.profile.levels, use_index=True)
    return ready_zone(profile_file.identity, profile_file.profile, bibs)


def load_zone(
    path: str | Path,
    *,
    facts: str | Path | None = None,
    brief_rules: BriefLevelRules | RecordBriefLevels | None = None,
    on_bib: Callable[[int], None] | None = None,
    use_index: bool = False,
) -> InMemoryZone:
    """A zone from a MARC dump (plus a facts CSV) or a saved zone directory.

    ``brief_rules`` compute the brief level of every bib the facts do not rate; ``on_bib`` is
    called with the count of bibs loaded so far, for a progress display. With ``use_index``, a
    saved zone that has ``index/`` (and no ``facts`` override) is served from the memory-mapped
    index instead of loading its records (see the module's theory of operation).
    """
    where = Path(path)
    if (where / MANIFEST).is_file() and facts is None and (
            use_index or not (where / SAVED_FACTS).is_file()):
        # A saved zone, checked against its manifest, its records read only when needed.
        manifest = read_manifest(where)
        check_files(where, manifest)
        return InMemoryZone(brief_rules=brief_rules, base=IndexedZoneView.open(
            where, assigned_mms_ids=manifest.assigned_mms_ids, digests_checked=True))
    if use_index and facts is None and (where / SAVED_INDEX / "manifest.json").is_file():
        return InMemoryZone(brief_rules=brief_rules, base=IndexedZoneView.open(where))
    if where.is_dir():
        dump = where / SAVED_BIBS
        if not dump.is_file():
            raise InvalidZoneFile(str(path), "not_a_saved_zone", f"no {SAVED_BIBS} in it")
        saved_facts = where / SAVED_FACTS
        if facts is None and saved_facts.is_file():
            facts = saved_facts
    else:
        dump = where
    # the facts file only for a dump (a saved zone keeps its facts in its index): not at its open
    from almamatch.zonefiles.facts import FactsRow, read_facts  # noqa: PLC0415

    rows = read_facts(facts) if facts is not None else {}
    pairs = list(_counted(read_zone_bibs(dump), on_bib))
    loaded = {one for one, _ in pairs}
    for mms_id in rows:
        if mms_id not in loaded:
            raise InvalidZoneFile(str(facts), "unknown_mms_id",
                                  f"facts for MMS ID {mms_id}, which the dump does not hold")
    zone = InMemoryZone(
        brief_rules=brief_rules, sequence=MmsIdSequence.after([one for one, _ in pairs])
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
    """Write ``zone`` as a saved zone directory (``bibs.mrc``, ``facts.csv``, ``index/``,
    ``bibs.offsets.npy``, ``zone.json``), replacing any there at once; returns the directory."""
    target = Path(directory)
    building = building_folder(target)
    try:
        _write_saved(zone, building)
    except BaseException:
        import shutil  # noqa: PLC0415 (a failed save only)

        shutil.rmtree(building, ignore_errors=True)
        raise
    publish(building, target)
    return target


def _write_saved(zone: InMemoryZone, target: Path) -> None:
    from almamatch.zonefiles.facts import FactsRow, facts_to_csv  # noqa: PLC0415 (as load_zone)

    rows: list[FactsRow] = []
    starts: dict[int, int] = {}
    with (target / SAVED_BIBS).open("wb") as handle:
        for mms_id in zone:
            record = zone.record(mms_id)
            facts = zone.facts(mms_id)
            if record is None or facts is None:
                continue
            starts[int(mms_id)] = handle.tell()
            # As Alma saves it: "After saving, 001 holds the MMS ID" (S18).
            handle.write(bib_to_marc(assign_mms_id(record, mms_id)))
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
    index = zone_index(zone)
    index.save(target / SAVED_INDEX)
    # Offsets in the index's row order (bibs by MMS ID), so that a row finds its record.
    offsets = np.array([starts[int(mms)] for mms in index.mms_ids.tolist()], dtype=np.uint64)
    np.save(target / SAVED_OFFSETS, offsets)


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
        mms_ids=np.array(mms_ids, dtype=np.uint64), brief_levels=levels, versions=versions,
        cz_linked=linked,
        key_bibs=key_bibs, key_values=key_values, key_sides=key_sides, key_forms=key_forms,
        locks=locks, institution_suffix=zone.sequence.institution_suffix,
    )


class IndexedZoneView:
    """A saved zone served from its memory-mapped index: a ``ZoneView`` that keeps records
    that reads one record from ``bibs.mrc`` when a merge needs it (None without offsets).

    ``hits`` is the index's own (``ZoneIndex`` reads ``memoryview``s of the mapped columns, one
    export at a time), and ``facts`` the index's by the bib's row: their compiled twins where
    built and wanted (``ZoneIndex.lookups``). A merge asks for a bib's hits
    (stage 5), its facts (stage 6) and then its record: the view remembers the rows of the MMS
    IDs it met last (those ``hits`` found, and those it searched for), so that facts and record
    are read by that row rather than by a search each (a row never changes: the index is
    read-only).
    """

    def __init__(self, index: ZoneIndex, *, dump: Path | None = None,
                 offsets: npt.NDArray[Any] | None = None, assigned_mms_ids: bool = False
                 ) -> None:
        self.index = index
        self.dump = dump
        self.offsets = offsets
        # MMS IDs given by the build (not the dump's 001s): a record read gets its MMS ID in 001.
        self.assigned_mms_ids = assigned_mms_ids
        self._descriptor: int | None = None  # bibs.mrc, opened on the first record read
        # The offsets read one at a time, as Python ints (``ZoneIndex`` reads its columns so).
        self._starts = None if offsets is None else np.ascontiguousarray(offsets).data
        # The rows of the MMS IDs met last: ``hits`` notes its hits' (``ZoneIndex.hits``).
        self._rows: dict[str, int | None] = {}
        # The index's lookups, compiled where built (``ZoneIndex.lookups``).
        self._hits, self._find_row, self._facts_of_row = index.lookups()
        # ``_framed`` and ``decode_part`` of a row in one compiled call (``_SAVED_PARTS``), made
        # at the first ``record_part``; False where there is none.
        self._parts: Any = None

    def hits(self, number: OclcNumber) -> Sequence[Hit]:
        """The index's hits of ``number``, their rows noted (``ZoneIndex.hits``). ``rows`` is
        passed in place rather than bound by keyword in a ``partial``, which makes a dict of
        keywords at each call (about 1,300 instructions more a look-up)."""
        return self._hits(number, self._rows)

    def _row_of(self, mms_id: str) -> int | None:
        """``ZoneIndex.row_of``, remembered for the MMS IDs met last."""
        rows = self._rows
        row = rows.get(mms_id, -1)
        if row == -1:
            if len(rows) >= NOTED_ROWS:
                rows.clear()
            row = rows[mms_id] = self._find_row(mms_id)
        return row

    def _read(self, dump: Path, at: int, size: int) -> bytes:
        """Up to ``size`` bytes of ``bibs.mrc`` from offset ``at``, through one descriptor the
        view keeps open (closed when the view goes) rather than an open per record."""
        descriptor = self._opened(dump)
        if _PREAD is not None:  # POSIX: a read at an offset, no seek
            return _PREAD(descriptor, size, at)
        os.lseek(descriptor, at, os.SEEK_SET)
        return os.read(descriptor, size)

    def _opened(self, dump: Path) -> int:
        """The descriptor of ``bibs.mrc`` the view keeps open (closed when the view goes)."""
        if self._descriptor is None:
            self._descriptor = os.open(dump, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            weakref.finalize(self, os.close, self._descriptor)
        return self._descriptor

    def _saved_parts(self) -> Any:
        """The compiled reader of a row's part (``_SAVED_PARTS``) over this view's descriptor
        and offsets, made once; False without one."""
        parts = self._parts
        if parts is None:
            parts = self._parts = (False if _SAVED_PARTS is None or self.offsets is None
                                   or self.dump is None
                                   else _SAVED_PARTS(self._opened(self.dump), self._starts))
        return parts

    @property
    def sequence(self) -> MmsIdSequence:
        """The zone's MMS ID sequence (the index's: ``MmsIdSequence.after`` its MMS IDs)."""
        return self.index.sequence()

    @classmethod
    def open(cls, directory: str | Path, *, assigned_mms_ids: bool = False,
             digests_checked: bool = False) -> IndexedZoneView:
        """The saved zone at ``directory``: its index mapped, its offsets mapped when present.

        Unless the files were checked against the zone's manifest (``digests_checked``), the
        index's invariants are checked instead (``_check_columns``)."""
        where = Path(directory)
        try:
            index = ZoneIndex.load(where / SAVED_INDEX, digests_checked=digests_checked)
        except (InvalidIndex, OSError, ValueError, KeyError, TypeError, RecursionError) as error:
            raise InvalidZoneFile(str(where / SAVED_INDEX), "bad_index",
                                  f"{error}; rebuild the zone with almamatch zone build") from None
        if not digests_checked:
            _check_columns(index, where / SAVED_INDEX)
        offsets_file, dump = where / SAVED_OFFSETS, where / SAVED_BIBS
        if not (offsets_file.is_file() and dump.is_file()):
            return cls(index)
        try:
            offsets = np.load(offsets_file, mmap_mode="r").view(np.ndarray)
        except (OSError, ValueError) as error:
            raise InvalidZoneFile(str(offsets_file), "bad_offsets", str(error)) from None
        if offsets.shape != (index.bib_count,) or offsets.dtype != np.uint64:
            raise InvalidZoneFile(str(offsets_file), "bad_offsets",
                                  f"{offsets.dtype}{offsets.shape} offsets for "
                                  f"{index.bib_count} bibs")
        return cls(index, dump=dump, offsets=offsets, assigned_mms_ids=assigned_mms_ids)

    @property
    def keeps_records(self) -> bool:
        """Whether a merge can be computed: the records can be read from ``bibs.mrc``."""
        return self.offsets is not None

    def facts(self, mms_id: str) -> BibFacts | None:
        row = self._rows.get(mms_id, -1)  # noted by ``hits`` (``_row_of``), read without a call
        if row == -1:
            row = self._row_of(mms_id)
        return None if row is None else self._facts_of_row(row)

    def next_mms_id(self) -> str:
        return self.sequence.peek()

    def record(self, mms_id: str) -> Bib | None:
        """The bib's record as saved, read from ``bibs.mrc``; None without offsets.

        The record is the one a zone loaded in memory holds: as Alma saves it (``fold_003``),
        its MMS ID in 001 (``assign_mms_id``). A record whose 001 is not the MMS ID the index
        gives its offset (when the MMS IDs came from 001) means the files disagree: an error,
        never another bib's record.
        """
        framed = self._framed(mms_id)
        return None if framed is None else self._saved(mms_id, self._decoded(mms_id, framed))

    def record_part(self, mms_id: str, positions: Callable[[list[str]], list[int]]
                    ) -> Bib | None:
        """``record`` with only the fields at ``positions(tags)`` decoded (and every 001),
        when the record is well-formed UTF-8 with an 001 and no 003 (``decode_part``): the
        fields ``record`` would give at those positions, in order. Otherwise the whole
        ``record``, read and checked exactly as ``record`` reads it.

        Where compiled, the usual record is read and its part decoded in one call
        (``marcread.SavedParts.part``: ``_framed`` and ``decode_part``, which stay the
        definition, and the check of its 001 where ``_numbered`` keeps it as it is); it answers
        None for any other, which is read here.
        """
        parts = self._parts or self._saved_parts()
        if parts:
            row = self._rows.get(mms_id, -1)  # noted by ``hits``, as ``_framed`` reads it
            if row == -1:
                row = self._row_of(mms_id)
            if row is not None:
                # Its first 001 checked there too, unless the MMS IDs were assigned: such a part
                # is one ``_numbered`` keeps as it is.
                assigned = self.assigned_mms_ids
                part = parts.part(row, positions, None if assigned else mms_id)
                if part is not None:
                    return self._numbered(mms_id, part) if assigned else part
        framed = self._framed(mms_id)
        if framed is None:
            return None
        # ``fold_003`` and ``assign_mms_id`` keep every field's position in a record with an
        # 001 and no 003; every 001 is read, for the check and for ``assign_mms_id``.
        part = decode_part(framed, positions)
        if part is None:
            return self._saved(mms_id, self._decoded(mms_id, framed))
        # ``decode_part`` reads a record with no 003 alone: ``fold_003`` keeps it as it is.
        return self._numbered(mms_id, part)

    def _framed(self, mms_id: str) -> bytes | None:
        """The bytes of the bib's record in ``bibs.mrc``; None without offsets."""
        starts = self._starts
        if starts is None or self.dump is None:
            return None
        row = self._rows.get(mms_id, -1)  # noted by ``hits`` (``_row_of``), as ``facts`` reads it
        if row == -1:
            row = self._row_of(mms_id)
        if row is None:
            return None
        at: int = starts[row]
        # Records never overlap, so one that starts after this one (the next row's, when the
        # dump is in MMS ID order: a build keeps the dump's order) starts after its end: read
        # no further. Never less than the length digits, so that whatever the offsets hold the
        # bytes read are an unbounded read's (a longer record is read on below, as any is).
        following: int = starts[row + 1] if row + 1 < len(starts) else 0
        size = (following - at if at + _LENGTH_DIGITS <= following < at + _FIRST_READ
                else _FIRST_READ)
        framed = self._read(self.dump, at, size)
        head = framed[:_LENGTH_DIGITS]
        if not (len(head) == _LENGTH_DIGITS and head.isascii() and head.isdigit()):
            raise InvalidZoneFile(str(self.dump), "bad_offsets",
                                  f"MMS ID {mms_id}: no record at its offset; rebuild the "
                                  "zone")
        length = int(head)
        if length > len(framed):
            framed += self._read(self.dump, at + len(framed), length - len(framed))
        return framed[:length]

    def _decoded(self, mms_id: str, framed: bytes) -> Bib:
        try:
            return decode_record(framed)
        except RecordFault as error:
            raise InvalidZoneFile(str(self.dump), "unreadable_record",
                                  f"MMS ID {mms_id}: {error}; rebuild the zone") from None

    def _saved(self, mms_id: str, record: Bib) -> Bib:
        """The decoded record as the zone holds it, after checking its 001 (``record``)."""
        return self._numbered(mms_id, fold_003(record))

    def _numbered(self, mms_id: str, record: Bib) -> Bib:
        """A record with no 003 (``fold_003`` keeps it) under its MMS ID (``assign_mms_id``),
        after checking its 001 (``record``): ``fold_003`` reads 001 and leaves it as it is."""
        if self.assigned_mms_ids:
            return assign_mms_id(record, mms_id)
        number = record.control_value("001")
        if (number or "").strip() != mms_id:
            raise InvalidZoneFile(str(self.dump), "bad_offsets",
                                  f"MMS ID {mms_id}: the record at its offset is another bib's; "
                                  "rebuild the zone")
        # ``assign_mms_id`` keeps a record whose first 001 is the MMS ID as it is: most are.
        return record if number == mms_id else assign_mms_id(record, mms_id)


def _check_columns(index: ZoneIndex, where: Path) -> None:
    """The invariants ``ZoneIndex.from_arrays`` makes, checked on columns read from disk: sorted
    unique MMS IDs, sorted keys, rows and sides in range, brief levels 1-10, versions >= -1,
    ``row_keys`` ordering the keys by row, the key directory that of the keys, the row starts
    bounding each row's keys (as many as ``key_rows`` gives the row)."""
    mms, values = np.asarray(index.mms_ids), np.asarray(index.key_values)
    rows, sides = np.asarray(index.key_rows), np.asarray(index.key_sides)
    levels, versions = np.asarray(index.brief_levels), np.asarray(index.versions)
    row_keys = np.asarray(index.row_keys)
    # Each check runs once those before it hold: the key directory is computed only of sorted
    # keys, the row starts compared only for rows in range.
    checks: list[tuple[Callable[[], bool], str, str]] = [
        (lambda: bool(np.any(mms[1:] <= mms[:-1])), "mms_ids.npy",
         "MMS IDs not sorted or repeated"),
        (lambda: bool(np.any(values[1:] < values[:-1])), "key_values.npy", "keys not sorted"),
        (lambda: bool(len(rows)) and int(rows.max()) >= len(mms), "key_rows.npy",
         "rows out of range"),
        (lambda: bool(len(sides)) and int(sides.max()) > 1, "key_sides.npy",
         "sides out of range"),
        (lambda: bool(len(levels)) and (int(levels.min()) < 1 or int(levels.max()) > 10),
         "brief_levels.npy", "brief levels out of 1-10"),
        (lambda: bool(len(versions)) and int(versions.min()) < -1, "versions.npy",
         "versions below -1"),
        (lambda: bool(len(row_keys)) and (int(row_keys.max()) >= len(values) or bool(np.any(
            np.diff(rows[row_keys].astype(np.int64)) < 0))), "row_keys.npy",
         "row_keys do not order the keys by row"),
        (lambda: not np.array_equal(np.asarray(index.key_buckets), key_directory(values)),
         "key_buckets.npy", "the key directory is not that of the keys"),
        (lambda: not np.array_equal(np.diff(np.asarray(index.row_starts).astype(np.int64)),
                                    np.bincount(rows, minlength=len(mms))),
         "row_starts.npy", "the row starts do not bound each row's keys"),
    ]
    for failed, name, what in checks:
        if failed():
            raise InvalidZoneFile(str(where / name), "bad_index",
                                  f"{what}; rebuild the zone with almamatch zone build")
