"""The compact zone index: a zone's OCLC keys and bib facts as columnar numpy arrays.

Theory of operation: matching asks "which bibs carry this number in 035 $a or $z" (DESIGN.md,
stage 5), so the keys are one sorted array of number values with parallel arrays for the
bib row, the side (active or cancelled) and the written form (``OclcForm.code``, so that the
LITERAL match method still sees prefixes and padding). One ``searchsorted`` answers a number, and
a million in one call. Bibs are rows sorted by MMS ID (uint64) with columns for brief level,
originating system version (``index.version``) and CZ link; ``row_keys`` lists key positions by
row so that a bib's own numbers are found too. Locks are few and change often: a small dict.
Saved as one ``.npy`` per column plus ``manifest.json``; loading memory-maps the columns, so a
50-million-bib index opens without reading it.

Every OCLC number issued so far is below 2**32, so the key values are stored as uint32 while all
of them fit (half the bytes, and twice the keys per cache line), and as uint64 as soon as one does
not (``KEY_DTYPES``; a saved index names its own in the manifest). Many numbers at once are looked
up through the key directory (``index.directory``: where the keys of each bucket of values start),
saved beside the columns as ``key_buckets.npy``; an index saved before it had one gets it
computed when opened (two passes over the keys).

One number at a time (``hits``, ``row_of``, ``facts_of_row``: what ``decide()`` asks for each
export) reads the columns through memoryviews, a Python int per read. ``hits`` finds the number's
bucket in the key directory and searches only that bucket (a few keys) instead of every key; a
bib's own keys are one run of ``row_keys``, which ``row_starts`` bounds (``index.rows``: four bytes
a bib, saved as ``row_starts.npy`` and derived from ``key_rows`` when an index saved before it is
opened). Opening an index checks that its first and last keys are OCLC numbers: the keys are
sorted (``zone.json``'s digests or the zone's column checks say so), so every key read is one.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np
import numpy.typing as npt
from attrs import field, frozen

from almamatch import _native
from almamatch.core.brief import BriefLevel
from almamatch.core.errors import AlmamatchError
from almamatch.core.facts import BibFacts, Hit, MmsIdSequence, Side, checked_facts, checked_hit
from almamatch.core.lock import Lock
from almamatch.core.oclc import MAX_OCLC_NUMBER, OclcForm, OclcNumber, checked_number
from almamatch.core.record import Bib
from almamatch.index.directory import (
    directory_parts,
    directory_problem,
    key_directory,
    search_directory,
)
from almamatch.index.rows import row_starts, row_starts_problem
from almamatch.index.sequence import mms_id_sequence_of
from almamatch.index.version import decode_version

if TYPE_CHECKING:
    from almamatch._native.zonekeys import ZoneKeys

__all__ = ["ACTIVE", "CANCELLED", "FORMAT", "KEY_DTYPES", "NOTED_ROWS", "InvalidIndex",
           "Lookups", "ZoneIndex"]

FORMAT: Final = "almamatch-zone-index"
FORMAT_VERSION: Final = 1
ACTIVE: Final = 0
CANCELLED: Final = 1
_SIDES: Final = (Side.ACTIVE, Side.CANCELLED)
_FORMS: Final = tuple(OclcForm.from_code(code) for code in range(256))
_LEVELS: Final = tuple(BriefLevel(level) for level in range(1, 11))
_COLUMNS: Final[dict[str, np.dtype[Any]]] = {
    "key_values": np.dtype(np.uint64),
    "key_rows": np.dtype(np.uint32),
    "key_sides": np.dtype(np.uint8),
    "key_forms": np.dtype(np.uint8),
    "row_keys": np.dtype(np.uint32),
    "mms_ids": np.dtype(np.uint64),
    "brief_levels": np.dtype(np.uint8),
    "versions": np.dtype(np.int64),
    "cz_linked": np.dtype(np.bool_),
}
#: The most MMS IDs a caller's memo of rows holds (``ZoneIndex.hits``): those of the last few
#: exports' hits, which their facts are asked for next.
NOTED_ROWS: Final = 256
#: The key value types, narrowest first: uint32 while every value fits, else uint64.
KEY_DTYPES: Final = (np.dtype(np.uint32), np.dtype(np.uint64))
_UINT32_LIMIT: Final = 2**32
_DIRECTORY: Final = "key_buckets"
_ROW_STARTS: Final = "row_starts"
#: The derived columns: saved with the index, computed when an index saved before them opens.
_DERIVED: Final = (_DIRECTORY, _ROW_STARTS)
#: Digits of the largest uint64, the MMS ID column's type.
_MMS_ID_DIGITS: Final = 20
_KEY_COLUMNS: Final = ("key_values", "key_rows", "key_sides", "key_forms", "row_keys")

Array = npt.NDArray[Any]


class HitsLookup(Protocol):
    """``ZoneIndex.hits`` or its compiled twin."""

    def __call__(self, number: OclcNumber, rows: dict[str, int | None] | None = None
                 ) -> Sequence[Hit]: ...


#: ``ZoneIndex.lookups()``: ``hits(number, rows)``, ``row_of(mms_id)``, ``facts_of_row(row)``.
Lookups = tuple[HitsLookup, Callable[[str], int | None], Callable[[int], BibFacts]]


def _compiled_keys() -> type[ZoneKeys]:
    """The compiled lookups (``almamatch._native.zonekeys``); where they are not built or not
    wanted (``_native.compiled``), ``ZoneIndex.lookups`` gives the index's own methods."""
    from almamatch._native.zonekeys import ZoneKeys  # noqa: PLC0415 (only if built)

    return ZoneKeys


#: Picked once, at import (``ZoneIndex.lookups``).
_ZONE_KEYS: Final = _native.compiled(_compiled_keys)


class InvalidIndex(AlmamatchError):
    """Columns that do not make a zone index, or a directory that does not hold one."""


def _past_the_keys(starts: Array, ends: Array, outside: Array | None, count: int
                   ) -> tuple[Array, Array]:
    """The ranges, with those of the values ``outside`` the key type moved past the last key
    (empty, where a binary search over the keys as uint64 puts them)."""
    if outside is not None:
        starts[outside] = count
        ends[outside] = count
    return starts, ends


def _contiguous(array: Array) -> Array:
    """A column as one run of memory (the compiled lookups read it so): itself, mostly."""
    contiguous: Array = np.ascontiguousarray(array)
    return contiguous


def _scalar_column(array: Array) -> memoryview:
    """A column as a memoryview: indexing it gives Python ints (bools for cz_linked)."""
    return np.ascontiguousarray(array).data


@frozen(kw_only=True)
class _Scalars:
    """``ZoneIndex``'s columns as memoryviews, read one value at a time by ``hits``/``facts``,
    with the key directory's parts (``directory_parts``) and the largest key and MMS ID."""

    key_values: memoryview
    key_rows: memoryview
    key_sides: memoryview
    key_forms: memoryview
    row_keys: memoryview
    mms_ids: memoryview
    brief_levels: memoryview
    versions: memoryview
    cz_linked: memoryview
    row_starts: memoryview
    coarse: int
    mask: int
    bases: memoryview
    shifts: memoryview
    offsets: memoryview
    largest_key: int  # 0 without keys: no number is below 1
    largest_mms_id: int  # -1 without bibs

    @classmethod
    def of(cls, index: ZoneIndex) -> _Scalars:
        # Both made with the index (``ZoneIndex.__attrs_post_init__``).
        assert index.key_buckets is not None
        assert index.row_starts is not None
        coarse, bases, shifts, offsets = directory_parts(index.key_buckets, index.key_values)
        keys, mms_ids = index.key_values, index.mms_ids
        return cls(**{name: _scalar_column(getattr(index, name)) for name in _COLUMNS},
                   row_starts=_scalar_column(index.row_starts), coarse=coarse,
                   mask=(1 << coarse) - 1, bases=_scalar_column(bases),
                   shifts=_scalar_column(shifts), offsets=_scalar_column(offsets),
                   largest_key=int(keys[-1]) if len(keys) else 0,
                   largest_mms_id=int(mms_ids[-1]) if len(mms_ids) else -1)


def _as(values: npt.ArrayLike, dtype: np.dtype[Any], name: str) -> Array:
    array = np.asarray(values)
    if array.ndim != 1:
        raise InvalidIndex(name, "not_a_column", "a column is one-dimensional")
    if array.dtype != dtype:
        limits = np.iinfo(dtype) if dtype.kind in "iu" else None
        if array.size and array.dtype.kind in "iu" and limits is not None and (
            int(array.min()) < int(limits.min) or int(array.max()) > int(limits.max)
        ):
            raise InvalidIndex(name, "out_of_range", f"values do not fit {dtype}")
        array = array.astype(dtype)
    return array


def _saved_column(source: Path, name: str, problem_of: Callable[[Array], str | None], *,
                  mmap: bool) -> Array | None:
    """A column derived from the others and saved beside them (``name``), checked by
    ``problem_of``; None when the index was saved before it had one (``ZoneIndex`` then derives
    it)."""
    path = source / f"{name}.npy"
    if not path.exists():
        return None
    column = np.load(path, mmap_mode="r" if mmap else None)
    problem = problem_of(column)
    if problem is not None:
        raise InvalidIndex(str(path), "bad_column", problem)
    mapped: Array = column.view(np.ndarray)
    return mapped


def _saved_directory(source: Path, keys: Array, *, mmap: bool) -> Array | None:
    """The saved key directory, checked against the keys it serves (its length follows from the
    key count and the largest key, its last entry is the key count)."""
    if len(keys) and keys[0] > keys[-1] and (source / f"{_DIRECTORY}.npy").exists():
        # The largest key is the last one only in sorted keys: these are not.
        raise InvalidIndex(str(source / "key_values.npy"), "bad_column", "keys not sorted")
    return _saved_column(source, _DIRECTORY, partial(directory_problem, keys=keys), mmap=mmap)


def _derived_row_starts(key_rows: Array, bib_count: int, name: str) -> Array:
    """``row_starts`` of the key rows; ``InvalidIndex`` naming ``name`` for a row past the bibs."""
    try:
        return row_starts(key_rows, bib_count)
    except ValueError as error:
        raise InvalidIndex(name, "bad_column", str(error)) from None


def _key_range_problem(keys: Array) -> str | None:
    """What makes the sorted ``keys`` other than OCLC numbers (1 to ``MAX_OCLC_NUMBER``), read
    from the first and the last key alone, or None."""
    if len(keys) and (int(keys[0]) < 1 or int(keys[-1]) > MAX_OCLC_NUMBER):
        return f"keys run from {int(keys[0])} to {int(keys[-1])}: OCLC numbers are 1..2**63-1"
    return None


def _lock_to_json(mms_id: int, lock: Lock) -> dict[str, str | None]:
    return {"mms_id": str(mms_id), "institution": lock.institution, "user": lock.user,
            "last_activity": lock.last_activity.isoformat()}


def _lock_from_json(entry: Mapping[str, str | None]) -> tuple[int, Lock]:
    moment = datetime.fromisoformat(str(entry["last_activity"]))
    lock = Lock(institution=str(entry["institution"]), user=entry.get("user"), last_activity=moment)
    return int(str(entry["mms_id"])), lock


@frozen(kw_only=True, eq=False)
class ZoneIndex:
    """A zone's keys and bib facts in columns; implements ``ZoneView`` for ``decide()``."""

    key_values: Array  # uint32 (every value below 2**32) or uint64, sorted
    key_rows: Array  # uint32, the bib row of each key
    key_sides: Array  # uint8, ACTIVE (035 $a) or CANCELLED (035 $z)
    key_forms: Array  # uint8, OclcForm.code of the number as the bib writes it
    row_keys: Array  # uint32, key positions ordered by row
    mms_ids: Array  # uint64, sorted, unique
    brief_levels: Array  # uint8, 1-10
    versions: Array  # int64, index.version encoding, -1 for none
    cz_linked: Array  # bool
    locks: Mapping[int, Lock] = field(factory=dict)
    institution_suffix: str = "5681"
    # uint32, the key directory: where the keys of each bucket of values start
    # (``index.directory``); None: computed from the keys when the index is made (an ``evolve``
    # that changes ``key_values`` passes ``key_buckets=None`` with them).
    key_buckets: Array | None = field(default=None, repr=False)
    # uint32, where each row's keys start in ``row_keys``, and the key count (``index.rows``);
    # None: derived from ``key_rows`` when the index is made.
    row_starts: Array | None = field(default=None, repr=False)
    # The MMS ID sequence its build derived (``manifest.json``), given by ``load`` only for a
    # saved index whose files were checked against the zone's digests; None: derived from
    # ``mms_ids`` when the index is made (an ``evolve`` that changes ``mms_ids`` passes
    # ``saved_sequence=None`` with them).
    saved_sequence: MmsIdSequence | None = field(default=None, repr=False)
    # The columns as memoryviews, for one export at a time: indexing one gives a Python int
    # straight from the (mapped) column, where a numpy scalar per read costs a microsecond.
    _scalars: _Scalars = field(init=False, repr=False)

    # The MMS ID sequence (``core.facts.MmsIdSequence.after`` over the column): derived once,
    # when the index is made, as the columns are, or the one saved with them (counting the
    # suffixes of a million MMS IDs costs some 35 M instructions at each open).
    _sequence: MmsIdSequence = field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.key_buckets is None:
            object.__setattr__(self, "key_buckets", key_directory(self.key_values))
        if self.row_starts is None:
            object.__setattr__(self, "row_starts", _derived_row_starts(
                self.key_rows, len(self.mms_ids), "key_rows"))
        object.__setattr__(self, "_scalars", _Scalars.of(self))
        object.__setattr__(self, "_sequence", self.saved_sequence or mms_id_sequence_of(
            self.mms_ids, default_suffix=self.institution_suffix))

    # -- building --------------------------------------------------------------------------
    @classmethod
    def from_arrays(
        cls,
        *,
        mms_ids: npt.ArrayLike,
        brief_levels: npt.ArrayLike,
        versions: npt.ArrayLike,
        cz_linked: npt.ArrayLike,
        key_bibs: npt.ArrayLike,
        key_values: npt.ArrayLike,
        key_sides: npt.ArrayLike,
        key_forms: npt.ArrayLike,
        locks: Mapping[int, Lock] | None = None,
        institution_suffix: str = "5681",
    ) -> ZoneIndex:
        """An index from bib columns and key columns (``key_bibs`` are positions in the bibs)."""
        mms = _as(mms_ids, _COLUMNS["mms_ids"], "mms_ids")
        count = len(mms)
        levels = _as(brief_levels, _COLUMNS["brief_levels"], "brief_levels")
        stored = _as(versions, _COLUMNS["versions"], "versions")
        linked = _as(cz_linked, _COLUMNS["cz_linked"], "cz_linked")
        for name, column in (("brief_levels", levels), ("versions", stored), ("cz_linked", linked)):
            if len(column) != count:
                raise InvalidIndex(name, "length", f"{len(column)} values for {count} bibs")
        if count and (levels.min() < 1 or levels.max() > 10):
            raise InvalidIndex("brief_levels", "out_of_range", "Alma brief levels run 01-10")
        if count and stored.min() < -1:
            raise InvalidIndex("versions", "out_of_range", "encoded versions are >= -1")
        if count >= 2**32:
            raise InvalidIndex(count, "too_many_bibs", "rows are uint32")
        bibs = np.asarray(key_bibs)
        values = _as(key_values, _COLUMNS["key_values"], "key_values")
        sides = _as(key_sides, _COLUMNS["key_sides"], "key_sides")
        forms = _as(key_forms, _COLUMNS["key_forms"], "key_forms")
        for name, column in (("key_bibs", bibs), ("key_sides", sides), ("key_forms", forms)):
            if len(column) != len(values):
                raise InvalidIndex(name, "length", f"{len(column)} values for {len(values)} keys")
        if len(values):
            if values.min() == 0 or values.max() > MAX_OCLC_NUMBER:
                raise InvalidIndex("key_values", "out_of_range", "OCLC numbers are 1..2**63-1")
            if sides.max() > CANCELLED:
                raise InvalidIndex("key_sides", "out_of_range", "0 active, 1 cancelled")
            if bibs.min() < 0 or bibs.max() >= count:
                raise InvalidIndex("key_bibs", "out_of_range", f"positions in {count} bibs")
        # Rows are bibs in MMS ID order, so that facts() finds a bib by binary search.
        if count and not bool(np.all(mms[1:] > mms[:-1])):
            order = np.argsort(mms, kind="stable")
            mms, levels, stored, linked = mms[order], levels[order], stored[order], linked[order]
            if bool(np.any(mms[1:] == mms[:-1])):
                duplicate = int(mms[1:][mms[1:] == mms[:-1]][0])
                raise InvalidIndex(duplicate, "duplicate_mms_id", "an MMS ID names one bib")
            rank = np.empty(count, dtype=np.uint32)
            rank[order] = np.arange(count, dtype=np.uint32)
            rows = rank[bibs]
        else:
            rows = bibs.astype(np.uint32, copy=False)
        # Keys sorted by value, then row, so that one number's hits are contiguous.
        if len(rows) and not bool(np.all(rows[1:] >= rows[:-1])):
            by_row = np.argsort(rows, kind="stable")
            order = by_row[np.argsort(values[by_row], kind="stable")]
        else:
            order = np.argsort(values, kind="stable")
        # Each column is put in order and its unordered self let go at once, so that a build of
        # tens of millions of keys holds one spare column at a time, not all of them.
        del bibs, key_bibs, key_values, key_sides, key_forms
        rows = rows[order]
        narrow = not len(values) or int(values.max()) < _UINT32_LIMIT
        values = values[order].astype(KEY_DTYPES[0]) if narrow else values[order]
        sides, forms = sides[order], forms[order]
        del order
        return cls(
            key_values=values,
            key_rows=rows,
            key_sides=sides,
            key_forms=forms,
            row_keys=np.argsort(rows, kind="stable").astype(np.uint32),
            mms_ids=mms,
            brief_levels=levels,
            versions=stored,
            cz_linked=linked,
            locks=dict(locks or {}),
            institution_suffix=institution_suffix,
        )

    # -- size -------------------------------------------------------------------------------
    @property
    def bib_count(self) -> int:
        return len(self.mms_ids)

    @property
    def key_count(self) -> int:
        return len(self.key_values)

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns, the key directory and the row starts (the lock overlay is a
        few objects and not counted)."""
        return sum(int(getattr(self, name).nbytes) for name in (*_COLUMNS, *_DERIVED))

    # -- ZoneView -----------------------------------------------------------------------------
    def hits(self, number: OclcNumber, rows: dict[str, int | None] | None = None
             ) -> Sequence[Hit]:
        """Every bib carrying ``number``'s value, once per written form and side.

        With ``rows`` (a caller's memo of ``row_of``: a row never changes), each hit's MMS ID is
        noted there with its row, so that the caller asking for a hit's facts next finds its row
        without a search; the memo starts again empty when it holds ``NOTED_ROWS``.
        """
        value, columns = number.value, self._scalars
        if value > columns.largest_key:
            return ()
        # Every key of the value is in its bucket of the key directory: a few keys, searched
        # where a search of every key would take some twenty steps.
        region = value >> columns.coarse
        bucket = columns.bases[region] + ((value & columns.mask) >> columns.shifts[region])
        offsets, values = columns.offsets, columns.key_values
        last = offsets[bucket + 1]
        start = end = bisect_left(values, value, offsets[bucket], last)
        # A number has one or two keys: stepping over them beats a second binary search.
        while end < last and values[end] == value:
            end += 1
        mms_ids, key_rows, sides, forms = (
            columns.mms_ids, columns.key_rows, columns.key_sides, columns.key_forms)
        found: list[Hit] = []
        if rows is not None and len(rows) >= NOTED_ROWS:
            rows.clear()
        for position in range(start, end):
            row = key_rows[position]
            mms_id = str(mms_ids[row])
            # Each hit's number has the value of the number asked for, which is in range.
            found.append(checked_hit(mms_id, _SIDES[sides[position]],
                                     checked_number(value, _FORMS[forms[position]])))
            if rows is not None:
                rows[mms_id] = row
        return tuple(found)

    def _hit(self, position: int) -> Hit:
        """The hit of one key position (``almamatch bench`` builds its dict baseline with it)."""
        columns = self._scalars
        return checked_hit(
            str(columns.mms_ids[columns.key_rows[position]]),
            _SIDES[columns.key_sides[position]],
            OclcNumber(columns.key_values[position], _FORMS[columns.key_forms[position]]),
        )

    def row_of(self, mms_id: str) -> int | None:
        """The row of a bib, or None when the zone has no such MMS ID."""
        # The column is uint64: an MMS ID of more than 20 digits is past its last row.
        if not (mms_id.isascii() and mms_id.isdigit()) or len(mms_id) > _MMS_ID_DIGITS:
            return None
        # By the column's memoryview: a numpy search per bib costs more. An MMS ID past the
        # last row's (one the zone's sequence gives a bib added since) needs no search.
        wanted, columns = int(mms_id), self._scalars
        if wanted > columns.largest_mms_id:
            return None
        mms_ids = columns.mms_ids
        row = bisect_left(mms_ids, wanted)
        if row < len(mms_ids) and mms_ids[row] == wanted:
            return row
        return None

    def facts(self, mms_id: str) -> BibFacts | None:
        row = self.row_of(mms_id)
        return None if row is None else self.facts_of_row(row)

    def facts_of_row(self, row: int) -> BibFacts:
        """The facts of the bib at ``row`` (``row_of``): a caller that found the row once (a
        saved zone's view, for the facts and then the record of one merge) reads both by it."""
        columns = self._scalars
        wanted = columns.mms_ids[row]
        row_keys, sides, values, forms = (
            columns.row_keys, columns.key_sides, columns.key_values, columns.key_forms)
        starts = columns.row_starts
        numbers: tuple[list[OclcNumber], list[OclcNumber]] = ([], [])
        # The bib's keys (1.2 on average) are one run of ``row_keys``; each is an OCLC number,
        # as opening the index checked (the keys are sorted and the first and last are).
        for position in row_keys[starts[row]:starts[row + 1]]:
            numbers[sides[position]].append(checked_number(values[position],
                                                           _FORMS[forms[position]]))
        return checked_facts(
            str(wanted), active=tuple(numbers[ACTIVE]), cancelled=tuple(numbers[CANCELLED]),
            brief_level=_LEVELS[columns.brief_levels[row] - 1],
            originating_version=decode_version(columns.versions[row]),
            cz_linked=bool(columns.cz_linked[row]), lock=self.locks.get(wanted),
        )

    def lookups(self) -> Lookups:
        """``(hits, row_of, facts_of_row)`` for a caller that asks them of each export (a saved
        zone's view): the compiled twins of these three methods (``almamatch._native.zonekeys``,
        which read the same columns through C, make the same values and hand anything unusual to
        these methods) where built and wanted, else the methods themselves."""
        keys, directory, starts = _ZONE_KEYS, self.key_buckets, self.row_starts
        # The usual columns alone, of their saved types (a directory of 2**32 keys or more is
        # uint64: not read there).
        if keys is None or directory is None or directory.dtype != np.uint32 or (
            starts is None or starts.dtype != np.uint32 or self.key_values.dtype not in KEY_DTYPES
            or any(getattr(self, name).dtype != dtype for name, dtype in _COLUMNS.items()
                   if name != "key_values")
        ):
            return self.hits, self.row_of, self.facts_of_row
        coarse, bases, shifts, offsets = directory_parts(directory, self.key_values)
        values = _contiguous(self.key_values)
        wide = values.dtype == KEY_DTYPES[1]
        compiled = keys(
            self, keys32=None if wide else values, keys64=values if wide else None,
            key_rows=_contiguous(self.key_rows), key_sides=_contiguous(self.key_sides),
            key_forms=_contiguous(self.key_forms), row_keys=_contiguous(self.row_keys),
            row_starts=_contiguous(starts), mms_ids=_contiguous(self.mms_ids),
            brief_levels=_contiguous(self.brief_levels), versions=_contiguous(self.versions),
            cz_linked=_contiguous(self.cz_linked).view(np.uint8), coarse=coarse,
            bases=_contiguous(bases), shifts=_contiguous(shifts), offsets=_contiguous(offsets),
            sides=_SIDES, forms=_FORMS, levels=_LEVELS, decode_version=decode_version,
            locks=self.locks, noted_rows=NOTED_ROWS)
        return compiled.hits, compiled.row_of, compiled.facts_of_row

    def next_mms_id(self) -> str:
        return self._sequence.peek()

    def sequence(self) -> MmsIdSequence:
        """The MMS ID sequence of the zone (``core.facts.MmsIdSequence.after`` its MMS IDs)."""
        return self._sequence

    @property
    def keeps_records(self) -> bool:
        """False: the index keeps the facts the guards read, never the records."""
        return False

    def record(self, mms_id: str) -> Bib | None:
        """None: the index keeps facts only (``keeps_records``)."""
        return None

    def record_part(self, mms_id: str, positions: Callable[[list[str]], list[int]]
                    ) -> Bib | None:
        """None: the index keeps facts only (``keeps_records``)."""
        return None

    # -- many at once -------------------------------------------------------------------------
    def lookup(self, values: npt.ArrayLike) -> tuple[Array, Array]:
        """For each value, the key positions ``[start, end)`` that carry it: one vectorized call."""
        wanted = np.asarray(values, dtype=np.uint64)
        keys, directory = self.key_values, self.key_buckets
        assert directory is not None  # made with the index
        outside: Array | None = None
        if keys.dtype == KEY_DTYPES[0]:
            # Searched as uint32 (no copy of the keys to a wider type); a value above every
            # uint32 is looked up as 0, which no key is, and its range is put past the keys.
            outside = wanted >= np.uint64(_UINT32_LIMIT)
            if outside.any():
                wanted = np.where(outside, np.uint64(0), wanted)
            else:
                outside = None
            wanted = wanted.astype(KEY_DTYPES[0])
        starts, ends = search_directory(keys, directory, wanted)
        return _past_the_keys(starts, ends, outside, len(keys))

    def candidate_counts(self, values: npt.ArrayLike) -> Array:
        """How many zone keys carry each value (0: the number is new to the zone)."""
        starts, ends = self.lookup(values)
        return ends - starts

    def candidate_rows(self, values: npt.ArrayLike) -> tuple[Array, Array]:
        """Every (incoming value position, bib row) pair that matches, as two parallel arrays."""
        starts, ends = self.lookup(values)
        counts = ends - starts
        which = np.repeat(np.arange(len(counts)), counts)
        first = np.repeat(starts - np.cumsum(counts) + counts, counts)
        positions = first + np.arange(int(counts.sum()))
        return which, self.key_rows[positions]

    # -- files --------------------------------------------------------------------------------
    def save(self, directory: Path | str) -> Path:
        """Write one ``.npy`` per column, ``locks.json`` and ``manifest.json`` (written last)."""
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        for name in (*_COLUMNS, *_DERIVED):
            np.save(target / f"{name}.npy", np.ascontiguousarray(getattr(self, name)))
        locks = [_lock_to_json(mms, lock) for mms, lock in sorted(self.locks.items())]
        (target / "locks.json").write_text(json.dumps(locks, indent=1), encoding="utf-8")
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "bibs": self.bib_count,
            "keys": self.key_count,
            "institution_suffix": self.institution_suffix,
            "mms_id_sequence": {"serial": self._sequence.serial,
                                "suffix": self._sequence.institution_suffix},
            "columns": {name: str(getattr(self, name).dtype) for name in (*_COLUMNS, *_DERIVED)},
        }
        (target / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        return target

    @classmethod
    def load(cls, directory: Path | str, *, mmap: bool = True,
             digests_checked: bool = False) -> ZoneIndex:
        """Open a saved index; columns are memory-mapped read-only unless ``mmap`` is False.

        With ``digests_checked`` (its files are those its build wrote: ``zone.json``'s digests
        say so), the MMS ID sequence its build saved is taken as it is; otherwise, or for an index
        saved before it kept one, it is derived from the MMS IDs again."""
        source = Path(directory)
        try:
            manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InvalidIndex(str(source), "no_manifest", str(error)) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or (
            manifest.get("version") != FORMAT_VERSION
        ):
            raise InvalidIndex(str(source), "not_an_index", f"manifest is not {FORMAT} v1")
        columns: dict[str, Array] = {}
        for name, dtype in _COLUMNS.items():
            column = np.load(source / f"{name}.npy", mmap_mode="r" if mmap else None)
            expected = manifest["keys"] if name in _KEY_COLUMNS else manifest["bibs"]
            allowed = KEY_DTYPES if name == "key_values" else (dtype,)
            if column.dtype not in allowed or column.shape != (expected,):
                raise InvalidIndex(str(source / f"{name}.npy"), "bad_column",
                                   f"{column.dtype}{column.shape}, expected {dtype}({expected},)")
            # A plain ndarray view of the map: np.memmap's Python-level __getitem__ would cost
            # a microsecond on every scalar read that hits() and facts() make.
            columns[name] = column.view(np.ndarray)
        problem = _key_range_problem(columns["key_values"])
        if problem is not None:
            raise InvalidIndex(str(source / "key_values.npy"), "bad_column", problem)
        entries = json.loads((source / "locks.json").read_text(encoding="utf-8"))
        locks = dict(_lock_from_json(entry) for entry in entries)
        starts = _saved_column(source, _ROW_STARTS, partial(
            row_starts_problem, key_count=manifest["keys"], bib_count=manifest["bibs"]),
            mmap=mmap)
        if starts is None:  # saved before it had them: derived, naming the file it reads
            starts = _derived_row_starts(columns["key_rows"], manifest["bibs"],
                                         str(source / "key_rows.npy"))
        saved = manifest.get("mms_id_sequence") if digests_checked else None
        sequence = None if saved is None else MmsIdSequence(int(saved["serial"]),
                                                            str(saved["suffix"]))
        return cls(**columns, locks=locks, institution_suffix=str(manifest["institution_suffix"]),
                   key_buckets=_saved_directory(source, columns["key_values"], mmap=mmap),
                   row_starts=starts, saved_sequence=sequence)
