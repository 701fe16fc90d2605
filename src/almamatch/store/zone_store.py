"""``ZoneStore``: a saved zone directory opened for deciding, applying and committing.

Theory of operation: the zone as ``decide()`` reads it is three layers, each a ``ZoneView``:

1. the saved zone (``zonefiles.zones.IndexedZoneView``): the compact index, memory-mapped and
   read-only, and the dump's records read by offset when a merge needs one;
2. the committed layer: every bib the journal (``store.journal``) holds, in an ``InMemoryZone``
   over layer 1, its records read from the journal when asked;
3. the pending layer: an ``InMemoryZone`` over layer 2 that ``apply`` changes through
   ``InMemoryZone.apply``, the one place that says what a decision does to a zone; the records
   it holds are kept packed (``store.packed.PackedRecords``) until the commit writes them.

``commit`` writes the pending layer's bibs to the journal in one SQLite transaction, moves them
into the committed layer and empties the pending one. One process writes at a time (an exclusive
``flock`` on ``journal.lock``, released by the system when the process dies, ``kill -9``
included); any number read: a read-only store sees each commit as ``view()`` or ``refresh()`` is
called after it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Final

from almamatch.core.brief import BriefLevelRules, RecordBriefLevels
from almamatch.core.decision import Decision
from almamatch.core.errors import AlmamatchError
from almamatch.core.facts import BibFacts, Hit, ZoneView
from almamatch.core.oclc import OclcNumber
from almamatch.core.record import Bib
from almamatch.core.zone import Groundwork, HeldBib, InMemoryZone
from almamatch.store.packed import PackedRecords
from almamatch.zonefiles.manifest import check_files, read_manifest
from almamatch.zonefiles.zones import IndexedZoneView

if TYPE_CHECKING:
    from almamatch.store.journal import Journal

__all__ = ["JOURNAL", "JOURNAL_LOCK", "ZoneBusy", "ZoneStore", "zone_state"]

#: The journal and the writer's lock file, beside the saved zone's files.
JOURNAL: Final = "journal.sqlite"
JOURNAL_LOCK: Final = "journal.lock"


class ZoneBusy(AlmamatchError):
    """Another process has the zone open for writing."""


def _journal(path: Path, *, zone_id: str, readonly: bool) -> Journal:
    """The zone's journal at ``path``; SQLite imported only for a zone that has one (or is
    opened for writing): a batch on a zone as built reads none."""
    from almamatch.store.journal import Journal  # noqa: PLC0415 (see above)

    return Journal(path, zone_id=zone_id, readonly=readonly)


class _JournalRecords:
    """Layer 1 with the journal's records over the dump's: a ``ZoneView``.

    ``hits``, ``facts`` and ``next_mms_id`` are layer 1's own (the journal's bibs are held by
    the committed layer above): its methods themselves, so that a look-up makes no call here;
    so is ``record_part`` while there is no journal (a batch's read-only store, most often).
    """

    hits: Callable[[OclcNumber], Sequence[Hit]]
    facts: Callable[[str], BibFacts | None]
    next_mms_id: Callable[[], str]
    #: ``_record_part``; without a journal, the dump's own (the journal holds no record).
    record_part: Callable[[str, Callable[[list[str]], list[int]]], Bib | None]

    def __init__(self, saved: IndexedZoneView, journal: Journal | None) -> None:
        self.saved = saved
        self.journal = journal  # None: no journal yet (a reader opened before any commit)
        self.hits, self.facts, self.next_mms_id = saved.hits, saved.facts, saved.next_mms_id

    @property
    def journal(self) -> Journal | None:
        return self._journal

    @journal.setter
    def journal(self, journal: Journal | None) -> None:
        self._journal = journal
        self.record_part = self.saved.record_part if journal is None else self._record_part

    @property
    def keeps_records(self) -> bool:
        return self.saved.keeps_records

    def record(self, mms_id: str) -> Bib | None:
        found = None if self.journal is None else self.journal.record(mms_id)
        return found if found is not None else self.saved.record(mms_id)

    def _record_part(self, mms_id: str, positions: Callable[[list[str]], list[int]]
                     ) -> Bib | None:
        found = None if self._journal is None else self._journal.record(mms_id)
        return found if found is not None else self.saved.record_part(mms_id, positions)


class ZoneStore:
    """A saved zone for deciding against, applying decisions to, and committing them.

    ``ZoneStore.open(directory)`` opens it for writing (one writer at a time: ``ZoneBusy``
    otherwise); ``readonly=True`` opens it for reading beside a writer. ``view()`` is the
    ``ZoneView`` that ``decide()`` reads (``Zone(bibs=store.view())``): the last commit plus this
    store's pending decisions. ``apply(decision)`` changes the view; ``commit()`` makes every
    pending decision durable at once; ``close()`` (or leaving the ``with`` block) drops what was
    not committed. One thread applies and commits (a server decides in arrival order); the
    journal's connection may be shared by threads, and other readers open their own read-only
    store.
    """

    def __init__(self, directory: Path, saved: IndexedZoneView, journal: Journal | None, *,
                 brief_rules: BriefLevelRules | RecordBriefLevels | None,
                 lock: IO[bytes] | None, zone_id: str) -> None:
        self.directory = directory
        self._zone_id = zone_id
        self._lock = lock
        self._layer = _JournalRecords(saved, journal)
        self._committed = InMemoryZone(brief_rules=brief_rules, base=self._layer)
        # The records pending a commit, packed: a batch of millions commits them at its end.
        self._pending = InMemoryZone(brief_rules=brief_rules, base=self._committed,
                                     records=PackedRecords())
        self._decisions = 0
        self.refresh()
        self._settle()

    def _settle(self) -> None:
        """Set the pending layer over the view that answers for the committed layer now
        (``InMemoryZone.answering``): layer 1 while the journal holds nothing, so that each of
        ``decide()``'s look-ups does not walk the empty committed layer. Called wherever the
        committed layer changes (``refresh``, ``commit``): the answers are the same either way,
        an empty layer answering as the one under it."""
        self._pending.base = self._committed.answering()

    @classmethod
    def open(cls, directory: str | Path, *,
             brief_rules: BriefLevelRules | RecordBriefLevels | None = None,
             readonly: bool = False) -> ZoneStore:
        """The saved zone at ``directory`` (``almamatch zone build``), its journal applied.

        ``brief_rules`` rate the bibs that decisions add (the zone profile's rules; CARLI's
        table by default). Raises ``InvalidZoneFile`` or ``InvalidJournal`` naming the file
        for a zone that cannot be used, ``ZoneBusy`` when another process writes to it.
        """
        where = Path(directory)
        manifest = read_manifest(where)
        check_files(where, manifest)
        zone_id = manifest.zone
        saved = IndexedZoneView.open(where, assigned_mms_ids=manifest.assigned_mms_ids,
                                     digests_checked=True)
        lock: IO[bytes] | None = None
        journal_file = where / JOURNAL
        if not readonly:
            lock = (where / JOURNAL_LOCK).open("ab")
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                raise ZoneBusy(str(where), "busy", "another process has this zone open for "
                               "writing; wait for it to finish") from None
        journal = None
        try:
            if not readonly or journal_file.exists():
                journal = _journal(journal_file, zone_id=zone_id, readonly=readonly)
        except BaseException:
            if lock is not None:
                lock.close()
            raise
        return cls(where, saved, journal, brief_rules=brief_rules, lock=lock, zone_id=zone_id)

    @property
    def writable(self) -> bool:
        """Whether this store was opened for writing (and holds the zone's write lock)."""
        return self._lock is not None

    @property
    def saved(self) -> IndexedZoneView:
        """Layer 1: the saved zone as built (or last compacted), without the journal."""
        return self._layer.saved

    def committed_bibs(self) -> list[str]:
        """The MMS IDs of every bib the journal holds (committed since the last compaction)."""
        return list(self._committed)

    def journal_record(self, mms_id: str) -> Bib | None:
        """The record the journal holds for a bib; None when its record is the dump's."""
        journal = self._layer.journal
        return None if journal is None else journal.record(mms_id)

    # -- the zone ---------------------------------------------------------------------------
    def view(self) -> InMemoryZone:
        """The ``ZoneView`` that ``decide()`` reads: the last commit and the pending decisions.

        A read-only store first reads the commits made since it last looked (``refresh``).
        """
        if self._lock is None:
            self.refresh()
        return self._pending

    def settled_view(self) -> ZoneView:
        """The ``ZoneView`` of a read-only store as it stands, for a reader that reads it once
        (a batch that does not commit): the pending layer of a read-only store never holds
        anything, and the committed layer changes only when the store is refreshed, so the
        view that answers for them now (``InMemoryZone.answering``: the committed layer when
        the journal holds something, else layer 1) answers as ``view()`` does, without a look-up
        going through the empty layers. Later commits are not seen: ask ``view()`` for them."""
        if self._lock is not None:
            raise ZoneBusy(str(self.directory), "writable",
                           "the view of a store opened for writing changes: ask view()")
        return self.view().answering()

    def refresh(self) -> int:
        """Read the commits made since the last look into the view; the bibs they changed."""
        journal = self._layer.journal
        if journal is None:
            if not (self.directory / JOURNAL).exists():
                return 0
            journal = self._layer.journal = _journal(self.directory / JOURNAL,
                                                     zone_id=self._zone_id, readonly=True)
        count = 0
        for held in journal.changes():
            self._committed.hold(held)
            count += 1
        if count:
            self._settle()
            if not len(self._pending):
                self._pending.sequence = self._committed.sequence
        return count

    def record(self, mms_id: str) -> Bib | None:
        """The bib's full record as the zone now holds it (``view().record``)."""
        return self._pending.record(mms_id)

    def apply(self, decision: Decision, *, groundwork: Groundwork | None = None) -> None:
        """Apply a decision to the view (``InMemoryZone.apply``, with what decide() derived for
        it when given); durable at ``commit``."""
        if self._lock is None:
            raise ZoneBusy(str(self.directory), "read_only", "this store was opened read-only")
        self._pending.apply(decision, groundwork=groundwork)
        self._decisions += 1

    @property
    def pending(self) -> int:
        """Decisions applied since the last commit."""
        return self._decisions

    def commit(self) -> int:
        """Make every pending decision durable, in one transaction; the commit's number (0 when
        nothing was pending)."""
        if self._decisions == 0 and not len(self._pending):
            return 0
        journal = self._layer.journal
        if journal is None or self._lock is None:
            raise ZoneBusy(str(self.directory), "read_only", "this store was opened read-only")
        held: list[BibFacts] = []

        def unpacked() -> Iterator[HeldBib]:  # each record unpacked as the journal writes it
            for bib in self._pending.held():
                held.append(bib.facts)
                yield bib

        seq = journal.commit(unpacked(), self._decisions)
        for facts in held:  # the record now reads from the journal: not kept twice in memory
            self._committed.hold(HeldBib(facts=facts, record=None))
        self._settle()
        self._pending.release()
        self._decisions = 0
        return seq

    def rollback(self) -> None:
        """Drop the pending decisions."""
        sequence = self._committed.sequence
        self._pending.release()
        self._pending.sequence = sequence
        self._decisions = 0

    def close(self) -> None:
        """Drop what was not committed, close the journal and let another writer in."""
        self._pending.release()
        if self._layer.journal is not None:
            self._layer.journal.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> ZoneStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def zone_state(directory: str | Path) -> str:
    """What identifies the state of the saved zone at ``directory``: its build (``zone.json``'s
    identity) and the number of the last commit in its journal. Equal states decide alike."""
    where = Path(directory)
    manifest = read_manifest(where)
    last = 0
    if (where / JOURNAL).exists():
        journal = _journal(where / JOURNAL, zone_id=manifest.zone, readonly=True)
        try:
            last = journal.counts()[0]
        finally:
            journal.close()
    return f"{manifest.zone}:{last}"
