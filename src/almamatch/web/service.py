"""The zone behind the HTTP API: decide a record, apply it unless a dry run, read a bib back.

Theory of operation: the HTTP layer is a shell around the same ``decide()`` and the same zone the
Connexion port serves. An ``HttpZone`` wraps that zone's ``serve.ZoneService``: every decision
and every read runs on the zone's one thread (``ZoneService.run``), in arrival order with the
Connexion requests, and a decision that is applied is applied and committed there
(``ZoneService.keep``) before the answer is written. A dry run decides against the zone as it
stands and changes nothing; a dry-run batch applies its decisions to an overlay that is thrown
away, so later records still see earlier ones. The records of a batch are decided in order;
exports from other clients may be decided between two of them. ``now`` is always a parameter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from functools import partial
from typing import Final, TypeAlias

import attrs
from attrs import frozen

from almamatch.core.decide import decide
from almamatch.core.decision import Decision, Merge
from almamatch.core.facts import BibFacts
from almamatch.core.record import Bib
from almamatch.core.zone import Export, InMemoryZone, Zone
from almamatch.marc import Unreadable
from almamatch.serve.service import ZoneService

__all__ = ["BATCH_CHUNK", "HttpZone", "Logon", "Outcome", "StoredBib"]

#: Records of a batch decided per trip to the zone's thread.
BATCH_CHUNK: Final = 64

_Decided: TypeAlias = tuple[int, Bib | Unreadable, Decision | None]


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


class HttpZone:
    """One zone's service, as the HTTP API and the page use it."""

    def __init__(self, service: ZoneService, *,
                 examples: Iterable[Bib | Unreadable] = ()) -> None:
        self.service = service
        # The examples the page offers, by their number in their file (unreadable ones left out).
        self.examples = tuple(
            (index, one) for index, one in enumerate(examples) if isinstance(one, Bib))

    @property
    def zone(self) -> Zone:
        return self.service.zone

    def export(self, record: Bib, logon: Logon) -> Export:
        """The Gateway Export of ``record``: the zone's logon ID and the profile's password
        unless ``logon`` names others (as the commands' ``--logon``/``--password``)."""
        return self.zone.export(record, logon_id=logon.logon_id, password=logon.password)

    async def decide(self, record: Bib, *, logon: Logon, now: datetime,
                     dry_run: bool) -> Outcome:
        """Decide ``record`` against the zone and, unless ``dry_run``, apply and commit it."""
        export = self.export(record, logon)

        def work() -> Outcome:
            decision = decide(export, self.zone, now)
            before = (self.service.store.record(decision.mms_id)
                      if isinstance(decision, Merge) else None)
            if not dry_run:
                self.service.keep(decision)
            return Outcome(decision=decision, applied=not dry_run, before=before)

        return await self.service.run(work)

    async def decide_all(
        self, items: Iterable[Bib | Unreadable], *, logon: Logon, now: datetime, dry_run: bool,
    ) -> AsyncIterator[_Decided]:
        """Each item in order, decided against the zone as the earlier ones left it.

        Records go to the zone's thread ``BATCH_CHUNK`` at a time (one hop per chunk, not per
        record); each is applied (and committed) before the next is decided."""
        zone = self.zone
        overlay: InMemoryZone | None = None
        if dry_run:
            overlay = InMemoryZone(base=zone.bibs, brief_rules=(
                zone.profiles[0].brief_rules if zone.profiles else None))
            zone = attrs.evolve(zone, bibs=overlay)
        def work(chunk: list[tuple[int, Bib | Unreadable]]) -> list[_Decided]:
            done: list[_Decided] = []
            for index, item in chunk:
                if isinstance(item, Unreadable):
                    done.append((index, item, None))
                    continue
                decision = decide(self.export(item, logon), zone, now)
                if overlay is not None:
                    overlay.apply(decision)
                else:
                    self.service.keep(decision)
                done.append((index, item, decision))
            return done

        chunk: list[tuple[int, Bib | Unreadable]] = []
        for numbered in enumerate(items):
            chunk.append(numbered)
            if len(chunk) == BATCH_CHUNK:
                for result in await self.service.run(partial(work, chunk)):
                    yield result
                chunk = []
        if chunk:
            for result in await self.service.run(partial(work, chunk)):
                yield result

    async def stored(self, mms_id: str) -> StoredBib | None:
        """The bib ``mms_id`` with its record and facts, or None when the zone has none."""

        def work() -> StoredBib | None:
            facts = self.zone.bibs.facts(mms_id)
            if facts is None:
                return None
            return StoredBib(mms_id=mms_id, record=self.service.store.record(mms_id),
                             facts=facts)

        return await self.service.run(work)
