"""The zone behind the HTTP API: decide a record, apply it unless a dry run, read a bib back.

Theory of operation: the HTTP layer is a shell around the same ``decide()`` and zone the commands
use; this module is the one seam between them. A ``ZoneService`` holds the ``Zone`` that
decisions are made against and the store that applies them (``DecisionStore``: apply, then make
the change last); requests that change the zone take the service's lock in turn, so decisions
are made and applied one at a time, in the order they arrive, as Alma takes exports. A dry run
decides against the zone as it stands and changes nothing; a dry-run batch applies its decisions
to an overlay that is thrown away, so later records still see earlier ones. Reading the clock is
the caller's: ``now`` is always a parameter.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Protocol

import attrs
from attrs import frozen

from almamatch.core.decide import decide
from almamatch.core.decision import Decision, Merge
from almamatch.core.facts import BibFacts
from almamatch.core.record import Bib
from almamatch.core.zone import Export, InMemoryZone, Zone
from almamatch.marc import Unreadable

__all__ = ["DecisionStore", "Logon", "Outcome", "StoredBib", "ZoneService"]


class DecisionStore(Protocol):
    """Where decisions go: the zone's bibs, which apply a decision and keep it."""

    def apply(self, decision: Decision) -> None:
        """Apply ``decision`` (an Add stores, a Merge replaces, a refusal changes nothing)."""

    def record(self, mms_id: str) -> Bib | None:
        """The stored record of ``mms_id``, or None."""

    def facts(self, mms_id: str) -> BibFacts | None:
        """The facts of ``mms_id`` the guards read, or None when no such bib."""


@frozen(kw_only=True)
class Logon:
    """The logon ID and password an export comes with; None takes the zone's and profile's."""

    logon_id: str | None = None
    password: str | None = attrs.field(default=None, repr=False)


@frozen(kw_only=True)
class Outcome:
    """A decision, whether it was applied, and the bib it merged into as it was before."""

    decision: Decision
    applied: bool
    before: Bib | None = None  # for a merge, the existing record (when the zone keeps records)


@frozen(kw_only=True)
class StoredBib:
    """A bib of the zone as the API shows it: its MMS ID, its record (when kept) and facts."""

    mms_id: str
    record: Bib | None
    facts: BibFacts


class ZoneService:
    """A zone, its store, and the lock that makes changes one at a time."""

    def __init__(self, zone: Zone, store: DecisionStore, *,
                 examples: Iterable[Bib | Unreadable] = ()) -> None:
        self.zone = zone
        self.store = store
        # The examples the page offers, by their number in their file (unreadable ones left out).
        self.examples = tuple(
            (index, one) for index, one in enumerate(examples) if isinstance(one, Bib))
        self._turn = asyncio.Lock()

    def export(self, record: Bib, logon: Logon) -> Export:
        """The Gateway Export of ``record``: the zone's logon ID and the profile's password
        unless ``logon`` names others (as the commands' ``--logon``/``--password``)."""
        profiles = self.zone.profiles
        password = logon.password if logon.password is not None else (
            profiles[0].password if profiles else "")
        return Export(record=record, host=self.zone.host, password=password,
                      logon_id=logon.logon_id if logon.logon_id is not None else
                      self.zone.logon_id)

    async def decide(self, record: Bib, *, logon: Logon, now: datetime,
                     dry_run: bool) -> Outcome:
        """Decide ``record`` against the zone and, unless ``dry_run``, apply it."""
        async with self._turn:
            decision = await asyncio.to_thread(decide, self.export(record, logon), self.zone, now)
            before = self.store.record(decision.mms_id) if isinstance(decision, Merge) else None
            if not dry_run:
                self.store.apply(decision)
            return Outcome(decision=decision, applied=not dry_run, before=before)

    async def decide_all(
        self, items: Iterable[Bib | Unreadable], *, logon: Logon, now: datetime, dry_run: bool,
    ) -> AsyncIterator[tuple[int, Bib | Unreadable, Decision | None]]:
        """Each item in order, decided against the zone as the earlier ones left it."""
        async with self._turn:
            zone, store = self.zone, self.store
            if dry_run:
                profiles = self.zone.profiles
                overlay = InMemoryZone(base=self.zone.bibs,
                                       brief_rules=profiles[0].brief_rules if profiles else None)
                zone, store = attrs.evolve(self.zone, bibs=overlay), overlay
            for index, item in enumerate(items):
                if isinstance(item, Unreadable):
                    yield index, item, None
                    continue
                decision = await asyncio.to_thread(decide, self.export(item, logon), zone, now)
                store.apply(decision)
                yield index, item, decision

    def stored(self, mms_id: str) -> StoredBib | None:
        """The bib ``mms_id`` with its record and facts, or None when the zone has none."""
        facts = self.store.facts(mms_id)
        if facts is None:
            return None
        return StoredBib(mms_id=mms_id, record=self.store.record(mms_id), facts=facts)
