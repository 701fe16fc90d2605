"""almamatch.store: a saved zone as one durable store, for batches, the gateway and the HTTP API.

The public API (everything a program needs; ``ARCHITECTURE.md``, section "The zone store")::

    from almamatch.store import ZoneStore

    with ZoneStore.open("my-zone", brief_rules=profile.levels) as store:  # one writer
        zone = Zone(..., profiles=(profile,), bibs=store.view())
        decision = decide(export, zone, now)
        store.apply(decision)      # the one apply: core.zone.InMemoryZone.apply
        store.commit()             # durable before the reply: one SQLite transaction

    reader = ZoneStore.open("my-zone", readonly=True)   # any number, beside the writer
    reader.view()                                        # the last commit, read when called

* ``ZoneStore.open(directory, *, brief_rules=None, readonly=False)``: ``brief_rules`` rate the
  bibs decisions add (the profile's ``levels``); a directory written by
  ``almamatch zone build`` (or ``zonefiles.save_zone``). Raises ``InvalidZoneFile`` /
  ``InvalidJournal`` (one line naming the file) for a zone that cannot be used, ``ZoneBusy``
  when another process has it open for writing.
* ``view()``: the ``core.facts.ZoneView`` that ``decide()`` reads; it states
  ``keeps_records`` (True when the zone has its dump, so merges are computed).
* ``apply(decision)``, ``pending``, ``commit() -> int``, ``rollback()``, ``refresh()``,
  ``close()``; a context manager (leaving it drops what was not committed).

Guarantees: a commit is atomic and durable (SQLite WAL, ``synchronous = FULL``); ``kill -9`` at
any moment leaves every committed decision and nothing of an uncommitted one; one writer at a
time, readers never blocked.
"""

from typing import TYPE_CHECKING

from almamatch.lazy_names import lazy_names
from almamatch.store.zone_store import JOURNAL, ZoneBusy, ZoneStore
from almamatch.zonefiles.zones import InvalidZoneFile

if TYPE_CHECKING:
    from almamatch.store.journal import InvalidJournal

__all__ = ["JOURNAL", "InvalidJournal", "InvalidZoneFile", "ZoneBusy", "ZoneStore"]

# The journal's module (and SQLite) when first read: a zone without a journal is read without.
# Out of the type checker's sight: a module's ``__getattr__`` would make it read any name of the
# package, a mistyped one too, as Any; it reads the names imported above instead.
if not TYPE_CHECKING:
    __getattr__ = lazy_names(__name__, {"InvalidJournal": "journal"})
