"""The journal of a saved zone: the bibs its committed decisions changed, in SQLite (WAL).

Theory of operation: a saved zone's index and dump are read-only; what decisions change (a new
bib, a merged record, a bib's originating system version, lock or CZ link) is kept here, one row
per changed bib holding its facts as they now are, its record (ISO 2709; NULL when the record is
the one below, in the dump), and the number of the commit that last wrote it, with its OCLC keys
in a second table. A commit is one SQLite transaction ("Transactions are atomic": sqlite.org
atomiccommit.html): every row of the commit is present after it, none before it, whatever kills
the process. WAL mode lets readers read the last commit while one writer writes ("readers do not
block writers and a writer does not block readers", sqlite.org/wal.html), and ``synchronous =
FULL`` makes a commit durable once ``COMMIT`` returns, not only atomic.

A journal that SQLite cannot read, one written by a newer almamatch, or one that belongs to another
zone raises ``InvalidJournal`` naming the file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Final

from almamatch.core.brief import BriefLevel
from almamatch.core.errors import AlmamatchError, InvalidTimestamp
from almamatch.core.facts import BibFacts
from almamatch.core.lock import Lock
from almamatch.core.oclc import OclcForm, OclcNumber
from almamatch.core.record import Bib
from almamatch.core.timestamp import Timestamp
from almamatch.core.zone import HeldBib
from almamatch.marc.convert import bib_to_marc
from almamatch.marc.iso2709 import RecordFault, decode_record

__all__ = ["JOURNAL_FORMAT", "JOURNAL_VERSION", "InvalidJournal", "Journal"]

JOURNAL_FORMAT: Final = "almamatch-zone-journal"
JOURNAL_VERSION: Final = 1
_ACTIVE: Final = 0
_CANCELLED: Final = 1
_BUSY_MS: Final = 10_000

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS commits (
    seq INTEGER PRIMARY KEY,
    decisions INTEGER NOT NULL,
    bibs INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bibs (
    mms_id TEXT PRIMARY KEY,
    brief_level INTEGER NOT NULL CHECK (brief_level BETWEEN 1 AND 10),
    originating_version TEXT,
    cz_linked INTEGER NOT NULL,
    lock TEXT,
    record BLOB,
    seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bibs_seq ON bibs (seq);
CREATE TABLE IF NOT EXISTS keys (
    mms_id TEXT NOT NULL,
    value INTEGER NOT NULL,
    side INTEGER NOT NULL CHECK (side IN (0, 1)),
    form INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS keys_mms_id ON keys (mms_id);
"""


class InvalidJournal(AlmamatchError):
    """A zone journal that cannot be used: damaged, newer, or another zone's."""


def _version_text(version: Timestamp | None) -> str | None:
    if version is None:
        return None
    return f"{version.digits}.{version.fraction}" if version.fraction else version.digits


def _lock_text(lock: Lock | None) -> str | None:
    if lock is None:
        return None
    return json.dumps({"institution": lock.institution, "user": lock.user,
                       "last_activity": lock.last_activity.isoformat()})


def _lock_of(text: str | None) -> Lock | None:
    if text is None:
        return None
    entry = json.loads(text)
    return Lock(institution=str(entry["institution"]), user=entry.get("user"),
                last_activity=datetime.fromisoformat(str(entry["last_activity"])))


class Journal:
    """One SQLite connection to a zone's journal: read the committed bibs, write a commit.

    The connection may be used from several threads (a server's): each call holds a lock.
    """

    def __init__(self, path: Path, *, zone_id: str, readonly: bool) -> None:
        self.path = path
        self.readonly = readonly
        self._mutex = threading.RLock()
        try:
            if readonly:
                self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                           isolation_level=None, check_same_thread=False)
            else:
                self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = FULL")
                self._db.executescript(_SCHEMA)
                self._claim(zone_id)
            self._check(zone_id)
        except sqlite3.Error as error:
            raise InvalidJournal(str(path), "unreadable",
                                 f"{error}; restore it from a copy, or delete it to drop every "
                                 "committed decision") from None
        self.seen = 0  # the last commit read by ``changes``

    def _claim(self, zone_id: str) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        for name, value in (("format", JOURNAL_FORMAT), ("version", str(JOURNAL_VERSION)),
                            ("zone", zone_id)):
            self._db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (name, value))
        self._db.execute("COMMIT")

    def _check(self, zone_id: str) -> None:
        meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
        if meta.get("format") != JOURNAL_FORMAT:
            raise InvalidJournal(str(self.path), "not_a_journal", "not an almamatch zone journal")
        version = meta.get("version", "")
        if not version.isdigit() or int(version) > JOURNAL_VERSION:
            raise InvalidJournal(str(self.path), "newer_version",
                                 f"journal version {version}, this almamatch reads up to "
                                 f"{JOURNAL_VERSION}: use a newer almamatch")
        if meta.get("zone") != zone_id:
            raise InvalidJournal(str(self.path), "other_zone",
                                 "the journal belongs to another build of this zone: rebuild "
                                 "or restore the zone together with its journal")

    def close(self) -> None:
        self._db.close()

    # -- reading ------------------------------------------------------------------------------
    def changes(self) -> list[HeldBib]:
        """Every bib committed since the last call (all of them on the first), its record left
        to ``record`` (``HeldBib.record`` is None)."""
        with self._mutex:
            return list(self._changes())

    def _changes(self) -> Iterator[HeldBib]:
        try:
            last = self._db.execute("SELECT coalesce(max(seq), 0) FROM commits").fetchone()[0]
            if last == self.seen:
                return
            rows = self._db.execute(
                "SELECT mms_id, brief_level, originating_version, cz_linked, lock FROM bibs "
                "WHERE seq > ? AND seq <= ? ORDER BY seq", (self.seen, last)).fetchall()
            for mms_id, level, version, linked, lock in rows:
                yield HeldBib(facts=self._facts(mms_id, level, version, linked, lock), record=None)
            self.seen = last
        except (sqlite3.Error, ValueError, KeyError) as error:
            raise InvalidJournal(str(self.path), "damaged", f"{error}; restore it from a copy"
                                 ) from None

    def _facts(self, mms_id: str, level: int, version: str | None, linked: int,
               lock: str | None) -> BibFacts:
        numbers: tuple[list[OclcNumber], list[OclcNumber]] = ([], [])
        for value, side, form in self._db.execute(
                "SELECT value, side, form FROM keys WHERE mms_id = ? ORDER BY rowid", (mms_id,)):
            numbers[side].append(OclcNumber(value, OclcForm.from_code(form)))
        try:
            stored = None if version is None else Timestamp.parse(version)
        except InvalidTimestamp as error:
            raise ValueError(f"bib {mms_id}: {error}") from None
        return BibFacts(mms_id=mms_id, active=tuple(numbers[_ACTIVE]),
                        cancelled=tuple(numbers[_CANCELLED]), brief_level=BriefLevel(level),
                        originating_version=stored, cz_linked=bool(linked), lock=_lock_of(lock))

    def record(self, mms_id: str) -> Bib | None:
        """The bib's record as the journal holds it; None when the record is the dump's."""
        with self._mutex:
            return self._record(mms_id)

    def _record(self, mms_id: str) -> Bib | None:
        try:
            row = self._db.execute("SELECT record FROM bibs WHERE mms_id = ?",
                                   (mms_id,)).fetchone()
            if row is None or row[0] is None:
                return None
            return decode_record(bytes(row[0]))
        except (sqlite3.Error, RecordFault) as error:
            raise InvalidJournal(str(self.path), "damaged",
                                 f"bib {mms_id}: {error}; restore it from a copy") from None

    def counts(self) -> tuple[int, int]:
        """How many commits and how many changed bibs the journal holds."""
        commits = self._db.execute("SELECT count(*) FROM commits").fetchone()[0]
        bibs = self._db.execute("SELECT count(*) FROM bibs").fetchone()[0]
        return int(commits), int(bibs)

    # -- writing ------------------------------------------------------------------------------
    def commit(self, bibs: Iterable[HeldBib], decisions: int) -> int:
        """Write one commit (every bib of it, or none); the commit's number. Each bib's record
        is written as ISO 2709 as it is read from ``bibs`` and not kept: a pending layer that
        keeps its records packed hands each over unpacked, one at a time."""
        with self._mutex:
            return self._commit(bibs, decisions)

    def _commit(self, bibs: Iterable[HeldBib], decisions: int) -> int:
        rows = [(held.facts, None if held.record is None else bib_to_marc(held.record))
                for held in bibs]
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                seq = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM commits").fetchone()[0]
                db.execute("INSERT INTO commits VALUES (?, ?, ?)", (seq, decisions, len(rows)))
                # Each statement once over every bib (one call into SQLite, not three a bib):
                # a bib's keys are replaced whole and read back in the order written.
                db.executemany(
                    "INSERT INTO bibs VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mms_id) DO "
                    "UPDATE SET brief_level = excluded.brief_level, originating_version = "
                    "excluded.originating_version, cz_linked = excluded.cz_linked, lock = "
                    "excluded.lock, record = coalesce(excluded.record, bibs.record), "
                    "seq = excluded.seq",
                    [(facts.mms_id, facts.brief_level.value,
                      _version_text(facts.originating_version), int(facts.cz_linked),
                      _lock_text(facts.lock), record, seq) for facts, record in rows])
                db.executemany("DELETE FROM keys WHERE mms_id = ?",
                               [(facts.mms_id,) for facts, _ in rows])
                db.executemany("INSERT INTO keys VALUES (?, ?, ?, ?)", [
                    (facts.mms_id, number.value, side, number.form.code)
                    for facts, _ in rows
                    for side, numbers in ((_ACTIVE, facts.active),
                                          (_CANCELLED, facts.cancelled))
                    for number in numbers])
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as error:
            raise InvalidJournal(str(self.path), "not_written", str(error)) from None
        self.seen = seq
        return int(seq)
