"""Building a saved zone from a dump: streamed through the key scanner, written atomically.

Theory of operation: ``build_zone`` reads the dump once, in 4 MiB chunks. Each chunk is copied to
the new zone's ``bibs.mrc`` and fed to the key scanner (``index.keyscan.scan_column_parts``), which
gives, part by part, each record's offset, 001, Leader/17 and OCLC keys as numbers; a part's 001
texts become a uint64 column at once, so memory holds compact columns (about 45 bytes a bib), never
records or strings. A dump in MARCXML or MARC-in-JSON is first written out as ISO 2709 records
(``marc.bib_to_marc``), then scanned the same way. The columns make the compact index
(``index.zone.ZoneIndex``); a merge later reads a bib's record from ``bibs.mrc`` at its offset.

The bib's facts are what the zone store and a dump loaded into memory give alike: the brief level
from the profile's brief-level rules on Leader/17, and the originating system version, CZ link
and lock from the facts CSV, none without it (a dump does not carry what Alma keeps beside a bib).

MMS IDs come from 001 (``FromControlNumber``), from another field (``FromTag``, for dumps of other
systems) or are given in file order from a sequence (``Assigned``). An MMS ID is ASCII digits
without a leading zero, below 2**64: any other value, a repeated MMS ID, a record that cannot be
read or facts for a bib the dump lacks stop the build with ``InvalidZoneFile`` naming the file,
the record and what to do.

Nothing is written in place: the zone is built in a temporary folder beside the output and moved
there by one ``rename`` once complete; an existing zone replaced with ``force`` is moved aside
first and deleted last, so a failed or killed build leaves the old zone whole (or, in the moment
between the two renames, whole under its temporary name).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, assert_never

import numpy as np
import numpy.typing as npt
from attrs import field, frozen

from almamatch.core.brief import BriefLevelRules, RecordBriefLevels
from almamatch.core.errors import AlmamatchError
from almamatch.core.facts import MmsIdSequence
from almamatch.core.record import ControlField
from almamatch.index.keyscan import KeyColumns, scan_column_parts
from almamatch.index.version import NO_VERSION, encode_version
from almamatch.index.zone import InvalidIndex, ZoneIndex
from almamatch.marc import Unreadable, bib_to_marc, read_bibs
from almamatch.marc.reader import MarcFormat, detect_format
from almamatch.zonefiles.facts import read_facts
from almamatch.zonefiles.manifest import building_folder, publish
from almamatch.zonefiles.zones import SAVED_BIBS, SAVED_INDEX, SAVED_OFFSETS, InvalidZoneFile

__all__ = [
    "Assigned",
    "BuildReport",
    "FromControlNumber",
    "FromTag",
    "MmsIdSource",
    "OutputNotEmpty",
    "build_zone",
    "report_of",
]

_CHUNK: Final = 1 << 22
#: Records per scanner part: their 001 texts are the only strings held at once.
_PART: Final = 1 << 16
_UINT64_DIGITS: Final = 20
#: Called with (bytes read so far, total bytes).
Progress = Callable[[int, int], None]
Array = npt.NDArray[Any]


class OutputNotEmpty(AlmamatchError):
    """The output folder holds files and ``force`` was not given."""


@frozen
class FromControlNumber:
    """The MMS ID is in 001, as Alma exports it ("After saving, 001 holds the MMS ID", S18)."""


@frozen
class FromTag:
    """The MMS ID is in another field: a control field (``009``) or a data field's subfield
    (``907$a``), for dumps of other systems that keep it there."""

    tag: str
    code: str | None = None

    @classmethod
    def parse(cls, text: str) -> FromTag:
        tag, _, code = text.partition("$")
        if len(tag) != 3 or not tag.isascii() or not tag.isalnum() or len(code) > 1 or (
                not tag.startswith("00") and not code):
            raise InvalidZoneFile(text, "bad_tag", "--mms-id-from takes a control field tag "
                                  "(009) or a data field and subfield (907$a)")
        return cls(tag, code or None)


@frozen
class Assigned:
    """Each bib gets the next MMS ID of ``sequence``, in file order (a dump without MMS IDs)."""

    sequence: MmsIdSequence = field(factory=MmsIdSequence)


MmsIdSource = FromControlNumber | FromTag | Assigned


@frozen(kw_only=True)
class BuildReport:
    """What a build wrote."""

    directory: Path
    bibs: int
    keys: int
    next_mms_id: str
    dump_bytes: int
    brief_levels: dict[int, int]
    with_originating_version: int
    cz_linked: int
    locked: int


def _mms_id_value(text: str | None) -> int | None:
    """The uint64 of an MMS ID: ASCII digits, no leading zero, below 2**64; None otherwise."""
    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > _UINT64_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    if text[0] == "0" or int(text) >= 2**64:
        return None
    return int(text)


def _check_output(output: Path, *, force: bool) -> None:
    if output.exists() and not output.is_dir():
        raise OutputNotEmpty(str(output), "not_a_folder", "the output is a file; name a folder")
    if output.is_dir() and any(output.iterdir()) and not force:
        raise OutputNotEmpty(str(output), "not_empty", "the output folder is not empty; name an "
                             "empty or new folder, or give --force to replace it")


def _copied_chunks(source: Path, copy: Path | None, progress: Progress | None, *,
                   durable: bool) -> Iterator[bytes]:
    """The bytes of ``source`` in chunks, each also appended to ``copy`` (when given)."""
    total = source.stat().st_size
    done = 0
    with source.open("rb") as stream, (copy or Path(os.devnull)).open("wb") as out:
        while chunk := stream.read(_CHUNK):
            if copy is not None:
                out.write(chunk)
            yield chunk
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        out.flush()
        if copy is not None and durable:
            os.fsync(out.fileno())


def _as_iso2709(source: Path, target: Path) -> None:  # made durable by publish, if asked
    """Write every record of a MARCXML or MARC-in-JSON dump to ``target`` as ISO 2709."""
    with target.open("wb") as out:
        for item in read_bibs(source):
            if isinstance(item, Unreadable):
                raise InvalidZoneFile(str(source), "unreadable_record", str(item))
            out.write(bib_to_marc(item))


def _record_levels(path: Path, rules: RecordBriefLevels) -> Array:
    """The brief level of each record by record number, from rules that read the whole record
    (brief-level rule text): the one case that reads every record, not only its keys."""
    return np.array([0 if isinstance(item, Unreadable) else rules.level_of(item).value
                     for item in read_bibs(path)], dtype=np.uint8)


def _tag_values(path: Path, source: FromTag) -> Array:
    """The MMS ID in ``source``'s field of each record, by record number (0: none)."""
    found: list[int] = []
    for item in read_bibs(path):
        value = None
        if not isinstance(item, Unreadable):
            for one in item.fields:
                if one.tag != source.tag:
                    continue
                if isinstance(one, ControlField):
                    value = one.value
                elif source.code is not None:
                    value = next(iter(one.values(source.code)), None)
                break
        found.append(_mms_id_value(value) or 0)
    return np.array(found, dtype=np.uint64)


class _Columns:
    """The parts of the scan, folded into compact columns."""

    def __init__(self) -> None:
        self.mms_ids: list[Array] = []
        self.levels: list[Array] = []
        self.offsets: list[Array] = []
        self.indices: list[Array] = []
        self.key_rows: list[Array] = []
        self.key_values: list[Array] = []
        self.key_sides: list[Array] = []
        self.key_forms: list[Array] = []
        self.bibs = 0
        # Brief levels by record number, when the rules read more than Leader/17.
        self.record_levels: Array | None = None

    def add(self, part: KeyColumns, mms_ids: Array) -> None:
        self.mms_ids.append(mms_ids)
        self.levels.append(np.array(part.encoding_levels, dtype=np.uint8))
        self.offsets.append(np.array(part.offsets, dtype=np.uint64))
        self.indices.append(np.array(part.indices, dtype=np.int64))
        self.key_rows.append(part.key_records.astype(np.uint32) + np.uint32(self.bibs))
        self.key_values.append(np.array(part.key_values))
        self.key_sides.append(np.array(part.key_sides))
        self.key_forms.append(np.array(part.key_forms))
        self.bibs += len(mms_ids)

    @staticmethod
    def take(parts: list[Array], dtype: type) -> Array:
        joined = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
        parts.clear()
        return joined.astype(dtype, copy=False)


def _part_mms_ids(part: KeyColumns, source: MmsIdSource, by_record: Array | None,
                  start: int, dump: Path) -> Array:
    count = len(part.offsets)
    match source:
        case FromControlNumber():
            values = np.zeros(count, dtype=np.uint64)
            for row, text in enumerate(part.control_numbers):
                value = _mms_id_value(text)
                if value is None:
                    raise InvalidZoneFile(
                        str(dump), "bad_mms_id",
                        f"record {int(part.indices[row])} (byte {int(part.offsets[row])}): 001 "
                        f"{(text or '')[:40]!r} is not an MMS ID; give --mms-id-from TAG or "
                        "--assign-mms-ids for a dump from another system")
                values[row] = value
            return values
        case FromTag(tag=tag, code=code):
            assert by_record is not None
            values = by_record[part.indices]
            if count and not values.all():
                row = int(np.argmin(values))
                raise InvalidZoneFile(
                    str(dump), "bad_mms_id",
                    f"record {int(part.indices[row])}: no MMS ID in {tag}"
                    f"{'$' + code if code else ''} (ASCII digits, no leading zero)")
            return values
        case Assigned(sequence=sequence):
            serials = np.arange(start, start + count, dtype=np.uint64) + np.uint64(
                sequence.serial)
            texts = [f"99{serial}{sequence.institution_suffix}" for serial in serials.tolist()]
            return np.array([int(text) for text in texts], dtype=np.uint64)
        case _:
            assert_never(source)


def _scan(dump: Path, bibs: Path, source: MmsIdSource, progress: Progress | None, *,
          durable: bool, rules: BriefLevelRules | RecordBriefLevels) -> _Columns:
    """Scan ``dump`` (copying it to ``bibs`` when it is ISO 2709) into columns."""
    with dump.open("rb") as stream:
        head = stream.read(4096)
    kind = detect_format(head)
    if kind is None:
        raise InvalidZoneFile(str(dump), "unknown_format", "not ISO 2709, MARCXML or MARC-in-JSON")
    if kind is MarcFormat.ISO2709:
        records, chunks = dump, _copied_chunks(dump, bibs, progress, durable=durable)
    else:
        _as_iso2709(dump, bibs)
        records, chunks = bibs, _copied_chunks(bibs, None, progress, durable=durable)
    by_record = _tag_values(records, source) if isinstance(source, FromTag) else None
    columns = _Columns()
    if not isinstance(rules, BriefLevelRules):
        columns.record_levels = _record_levels(records, rules)
    for part in scan_column_parts(chunks, records=_PART):
        if part.unreadable:
            first = part.unreadable[0]
            raise InvalidZoneFile(str(dump), "unreadable_record",
                                  f"{first}; repair or remove the record and build again")
        columns.add(part, _part_mms_ids(part, source, by_record, columns.bibs, dump))
    return columns


def _index(columns: _Columns, rules: BriefLevelRules | RecordBriefLevels, facts: Path | None,
           dump: Path,
           offsets_file: Path) -> ZoneIndex:
    """The index of the columns (bibs in MMS ID order); each row's offset in ``bibs.mrc`` is
    saved to ``offsets_file`` first, and the per-bib columns not in the index are let go before
    the index sorts its keys (the peak of a build)."""
    mms_ids = columns.take(columns.mms_ids, np.uint64)
    offsets = columns.take(columns.offsets, np.uint64)
    indices = columns.take(columns.indices, np.int64)
    if isinstance(rules, BriefLevelRules):
        # "most often a table from Leader/17 to a level" (DESIGN.md): one lookup per bib.
        level_table = np.array([rules.level_of(chr(code)).value for code in range(256)],
                               dtype=np.uint8)
        levels = level_table[columns.take(columns.levels, np.uint8)]
    else:
        assert columns.record_levels is not None
        levels = columns.record_levels[indices]
    key_rows = columns.take(columns.key_rows, np.uint32)  # handed back before the index
    if len(mms_ids) and not bool(np.all(mms_ids[1:] > mms_ids[:-1])):
        order = np.argsort(mms_ids, kind="stable")
        mms_ids, levels, offsets, indices = (mms_ids[order], levels[order], offsets[order],
                                             indices[order])
        repeated = np.flatnonzero(mms_ids[1:] == mms_ids[:-1])
        if len(repeated):
            row = int(repeated[0])
            raise InvalidZoneFile(str(dump), "duplicate_mms_id",
                                  f"MMS ID {int(mms_ids[row])} in records {int(indices[row])} "
                                  f"and {int(indices[row + 1])}")
        rank = np.empty(len(order), dtype=np.uint32)
        rank[order] = np.arange(len(order), dtype=np.uint32)
        key_rows = rank[key_rows]
        del order, rank
    columns.key_rows.append(key_rows)  # the index sorts the keys: nothing here holds them
    del key_rows
    np.save(offsets_file, offsets)
    del offsets, indices
    versions = np.full(len(mms_ids), NO_VERSION, dtype=np.int64)
    linked = np.zeros(len(mms_ids), dtype=np.bool_)
    locks = {}
    if facts is not None:
        for mms_id, entry in read_facts(facts).items():
            value = _mms_id_value(mms_id)
            at = int(np.searchsorted(mms_ids, np.uint64(value or 0)))
            if value is None or at == len(mms_ids) or int(mms_ids[at]) != value:
                raise InvalidZoneFile(str(facts), "unknown_mms_id",
                                      f"facts for MMS ID {mms_id}, which the dump does not hold")
            if entry.brief_level is not None:
                levels[at] = entry.brief_level.value
            versions[at] = encode_version(entry.originating_version)
            linked[at] = entry.cz_linked
            if entry.lock is not None:
                locks[value] = entry.lock
    try:
        index = ZoneIndex.from_arrays(
            mms_ids=mms_ids, brief_levels=levels, versions=versions, cz_linked=linked,
            key_bibs=columns.take(columns.key_rows, np.uint32),
            key_values=columns.take(columns.key_values, np.uint64),
            key_sides=columns.take(columns.key_sides, np.uint8),
            key_forms=columns.take(columns.key_forms, np.uint8), locks=locks)
    except InvalidIndex as error:
        raise InvalidZoneFile(str(dump), error.reason, error.detail) from None
    return index


def build_zone(
    dump: str | Path,
    output: str | Path,
    *,
    brief_rules: BriefLevelRules | RecordBriefLevels,
    facts: str | Path | None = None,
    mms_ids: MmsIdSource = FromControlNumber(),
    force: bool = False,
    progress: Progress | None = None,
    durable: bool = True,
) -> BuildReport:
    """Build the saved zone of ``dump`` (and ``facts``) at ``output``; see the module's theory.

    ``durable`` (the default) waits for the disk before the zone is renamed into place; a
    temporary zone built for one command skips it."""
    source, target = Path(dump), Path(output)
    _check_output(target, force=force)
    building = building_folder(target)
    try:
        columns = _scan(source, building / SAVED_BIBS, mms_ids, progress, durable=durable,
                        rules=brief_rules)
        index = _index(columns, brief_rules, None if facts is None else Path(facts), source,
                       building / SAVED_OFFSETS)
        del columns
        index.save(building / SAVED_INDEX)
        report = report_of(index, target, (building / SAVED_BIBS).stat().st_size)
        del index
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    publish(building, target, assigned=not isinstance(mms_ids, FromControlNumber),
            durable=durable)
    return report


def report_of(index: ZoneIndex, target: Path, dump_bytes: int) -> BuildReport:
    """The summary of a zone built (or compacted) at ``target``."""
    levels = np.bincount(np.asarray(index.brief_levels, dtype=np.intp), minlength=11)
    return BuildReport(
        directory=target,
        bibs=index.bib_count,
        keys=index.key_count,
        next_mms_id=index.next_mms_id(),
        dump_bytes=dump_bytes,
        brief_levels={level: int(levels[level]) for level in range(1, 11) if levels[level]},
        with_originating_version=int(np.count_nonzero(np.asarray(index.versions) != NO_VERSION)),
        cz_linked=int(np.count_nonzero(index.cz_linked)),
        locked=len(index.locks),
    )
