"""One zone behind a Connexion port: decide, apply, commit, in arrival order, then answer.

Theory of operation: a ``ZoneService`` owns one zone (its identity, its profile, its store) and
one worker thread. Every complete request is handed to that thread in the order it arrived
(``submit``), so the zone's decisions are serialized exactly as a batch of the same records in
that order would make them: two catalogers exporting one new OCLC number get ADDED, then MERGED.
On the thread, a request is read (its record decoded, the logon taken from the item the
``LogonItem`` option names), decided with ``core.decide`` at the clock's ``now`` (or a fixed
moment), applied to the store, and committed before ``submit`` returns: the reply is written
after the commit, so a reply the cataloger saw is never lost. Reading, deciding and committing
block; the event loop never does. Any exception other than an ``OSError`` of the store is a bug.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, TypeAlias, TypeVar

from attrs import frozen

from almamatch.core.decide import decide
from almamatch.core.decision import Decision
from almamatch.core.record import Bib
from almamatch.core.zone import Export, Zone
from almamatch.marc.iso2709 import RecordFault, decode_record
from almamatch.serve.request import ExportRequest, LogonItem

__all__ = ["Decided", "Served", "UnreadableRecord", "ZoneService", "ZoneStore", "logon_of"]


_T = TypeVar("_T")


class ZoneStore(Protocol):
    """What the service needs of a zone's store: apply a decision, make it last, close; and
    the stored record of a bib, for the HTTP API's ``GET /bibs``."""

    def apply(self, decision: Decision) -> None: ...

    def record(self, mms_id: str) -> Bib | None: ...

    def commit(self) -> object: ...

    def close(self) -> None: ...


@frozen(kw_only=True)
class Decided:
    """A request that was decided, applied and committed; ``seq`` counts the zone's decisions."""

    decision: Decision
    record: Bib
    logon_id: str
    seq: int


@frozen(kw_only=True)
class UnreadableRecord:
    """A request whose record does not decode: nothing was decided or changed."""

    reason: str
    detail: str
    logon_id: str


Served: TypeAlias = Decided | UnreadableRecord


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def logon_of(request: ExportRequest, item: LogonItem) -> str:
    """The logon ID a request carries: in the item ``item`` names, else in the other one.

    Koha falls back from U to A when no U came (``$user = $local_user if !$user``); the same
    fallback here works both ways, so a client that fills only one of them logs on.
    """
    first, second = ((request.user, request.local_user) if item is LogonItem.U
                     else (request.local_user, request.user))
    return _text(first or second)


class ZoneService:
    """A zone, its store, and the one thread that decides for it (see the module's theory)."""

    def __init__(self, zone: Zone, store: ZoneStore, *, logon_item: LogonItem = LogonItem.U,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.zone = zone
        self.store = store
        self.logon_item = logon_item
        self.clock = clock or (lambda: datetime.now(UTC))
        self.decided = 0
        self._closed = False
        self._worker = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"zone-{zone.institution}")

    @property
    def name(self) -> str:
        """The zone's institution code, as logs name it."""
        return self.zone.institution

    def serve(self, request: ExportRequest) -> Served:
        """Decide one request, apply and commit it; blocking (call it on the zone's thread)."""
        logon_id = logon_of(request, self.logon_item)
        try:
            record = decode_record(request.record)
        except RecordFault as fault:
            return UnreadableRecord(reason=fault.reason, detail=fault.detail, logon_id=logon_id)
        export = Export(record=record, logon_id=logon_id, password=_text(request.password),
                        host=self.zone.host)
        decision = decide(export, self.zone, self.clock())
        seq = self.keep(decision)
        return Decided(decision=decision, record=record, logon_id=logon_id, seq=seq)

    def keep(self, decision: Decision) -> int:
        """Apply and commit ``decision`` (on the zone's thread); the zone's decision number."""
        self.store.apply(decision)
        self.store.commit()
        self.decided += 1
        return self.decided

    async def submit(self, request: ExportRequest) -> Served:
        """``serve`` on the zone's thread, after every request submitted before this one."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, self.serve, request)

    async def run(self, work: Callable[[], _T]) -> _T:
        """``work`` on the zone's thread, after every request submitted before it (another door,
        such as the HTTP API, decides through this so that the zone's order is one order)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, work)

    def close(self) -> None:
        """Finish the requests already submitted, then close the store (once)."""
        self._worker.shutdown(wait=True)
        if not self._closed:
            self._closed = True
            self.store.close()
