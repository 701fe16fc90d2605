"""The inputs the commands share: the zone, the profile, the logon, and the time now.

Theory of operation: every command that decides reads the same four things from its arguments.
The profile file (``--profile``, or the documented default: the CARLI I-Share IZ) gives the
integration profile and the zone's identity; options override that identity. The zone's bibs come
from ``--zone``: a saved zone folder (``almamatch zone build``) is opened as a ``ZoneStore``, its
index memory-mapped and a record read from ``bibs.mrc`` only when a merge needs one; a MARC dump
(with ``--facts``), or a folder holding ``bibs.mrc`` and ``facts.csv``, is first built into a
temporary saved zone the same way, so a dump and the zone saved from it decide alike by
construction. A zone of facts only decides merges without computing the merged record, and the
command says so on stderr. The export carries the
zone's own logon ID and the profile's password unless ``--logon``/``--password`` say otherwise.
``--now`` is the moment locks are judged at; the shell reads the clock only when it is absent.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from almamatch.cli.progress import progress
from almamatch.cli.temporary_zones import make_temporary_zone_folder, remove_abandoned_zones
from almamatch.core.errors import AlmamatchError
from almamatch.core.record import Bib
from almamatch.core.zone import Export, InMemoryZone, Zone, ZoneKind
from almamatch.store.packed import PackedRecords
from almamatch.store.zone_store import ZoneStore
from almamatch.zonefiles.manifest import MANIFEST
from almamatch.zonefiles.profiles import ProfileFile, ZoneIdentity, load_profile
from almamatch.zonefiles.zones import SAVED_BIBS, SAVED_FACTS, InvalidZoneFile, ready_zone

__all__ = [
    "InvalidOption",
    "export_for",
    "identity_from_args",
    "now_from_args",
    "profile_from_path",
    "zone_for",
    "zone_store_for",
]


class InvalidOption(AlmamatchError):
    """A command-line value that cannot be used (a time that is not ISO 8601, ...)."""


def now_from_args(args: argparse.Namespace) -> datetime:
    """``--now`` as an aware datetime, or the clock's UTC time when it is absent."""
    moment: datetime | None = args.now
    return datetime.now(UTC) if moment is None else moment


def profile_from_path(path: str | None) -> ProfileFile:
    """The profile file at ``path``, or the default profile."""
    return ProfileFile.default() if path is None else load_profile(path)


def identity_from_args(args: argparse.Namespace, profile: ProfileFile) -> ZoneIdentity:
    """The zone's identity: the profile's, with each option given on the command line over it."""
    base = profile.identity
    return ZoneIdentity(
        kind=ZoneKind(args.zone_kind) if args.zone_kind else base.kind,
        institution=args.institution or base.institution,
        host=args.host or base.host,
        logon_id=args.zone_logon_id or base.logon_id,
    )


def zone_store_for(args: argparse.Namespace, profile: ProfileFile, *, write: bool = False
                   ) -> ZoneStore:
    """The zone ``--zone`` names, opened as a store (read-only unless ``write``).

    A MARC dump, or a folder with ``bibs.mrc`` (and ``facts.csv``) that is no saved zone, is
    built into a temporary saved zone first (``cli.temporary_zones``: removed when the command
    ends, however it ends; one left by a run that was killed is removed by the next);
    ``--facts`` belongs to a dump, since a saved zone keeps the facts it was built with.
    """
    where = Path(args.zone)
    rules = profile.profile.levels
    if (where / MANIFEST).is_file():
        if args.facts is not None:
            raise InvalidOption(args.facts, "facts_of_saved_zone",
                                "a saved zone keeps the facts it was built with: give --facts "
                                "to almamatch zone build")
        return ZoneStore.open(where, brief_rules=rules, readonly=not write)
    if write:
        raise InvalidOption(args.zone, "not_a_saved_zone",
                            "--commit needs a saved zone: build one with almamatch zone build")
    dump, facts = where, args.facts
    if where.is_dir():
        dump = where / SAVED_BIBS
        if not dump.is_file():
            raise InvalidZoneFile(str(where), "not_a_saved_zone",
                                  f"no {MANIFEST} or {SAVED_BIBS} in it")
        if facts is None and (where / SAVED_FACTS).is_file():
            facts = where / SAVED_FACTS
    removed = remove_abandoned_zones()
    if removed:
        sys.stderr.write(f"note: removed {len(removed)} temporary zone(s) left in "
                         f"{removed[0].parent} by runs that were killed\n")
    from almamatch.store.build import build_zone  # noqa: PLC0415 (a dump only, not a saved zone)

    folder = make_temporary_zone_folder(args.zone)
    with progress(f"reading zone {args.zone}"):
        build_zone(dump, folder / "zone", brief_rules=rules, facts=facts, durable=False)
    return ZoneStore.open(folder / "zone", brief_rules=rules, readonly=True)


def zone_for(args: argparse.Namespace, profile: ProfileFile, store: ZoneStore | None = None
             ) -> tuple[Zone, InMemoryZone]:
    """The zone the exports go to, and the view a batch applies decisions to.

    With ``store`` opened for writing, the view is the store's own (``apply`` and ``commit`` go
    to its journal); otherwise an in-memory overlay over the zone, dropped at the end.
    """
    identity = identity_from_args(args, profile)
    if store is None:
        store = zone_store_for(args, profile)
    # The overlay's records packed: a batch keeps each bib it adds or merges into. Over the
    # read-only store's settled view: its empty layers are not walked on every look-up.
    bibs = store.view() if store.writable else InMemoryZone(
        brief_rules=profile.profile.levels, base=store.settled_view(), records=PackedRecords())
    if not store.saved.keeps_records:
        sys.stderr.write(
            f"note: zone {args.zone} is served from its index without record offsets: merges "
            "are decided, but the merged record is not computed\n"
        )
    zone = ready_zone(identity, profile.profile, bibs)
    return zone, bibs


def export_for(record: Bib, args: argparse.Namespace, zone: Zone) -> Export:
    """The Gateway Export of ``record`` to ``zone``, with the logon the options name."""
    return zone.export(record, logon_id=args.logon, password=args.password)
