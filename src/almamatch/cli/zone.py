"""``almamatch zone``: build a saved zone from a dump, and compact its journal.

Theory of operation: ``zone build`` streams the dump through the key scanner into a new saved zone
(``store.build``): the compact index, the dump's records as ``bibs.mrc`` read by offset when a
merge needs one, and ``zone.json`` with a digest of every file, checked on every open. It writes
into a temporary folder and renames it into place, so a failed build never leaves a zone half
written, and it refuses a non-empty output folder unless ``--force``. ``zone compact`` folds the
journal of committed decisions into a fresh saved zone (``store.compact``), the same way.
"""

from __future__ import annotations

import argparse

from almamatch.cli.arguments.options import Format, format_of
from almamatch.cli.inputs import profile_from_path
from almamatch.cli.render import json_line, stdout_console
from almamatch.cli.report import Report, write_report
from almamatch.core.facts import MmsIdSequence
from almamatch.store.build import (
    Assigned,
    BuildReport,
    FromControlNumber,
    FromTag,
    MmsIdSource,
    build_zone,
)
from almamatch.store.compact import compact_zone
from almamatch.zonefiles.zones import InvalidZoneFile

__all__ = ["run_build", "run_compact"]


def _source(args: argparse.Namespace) -> MmsIdSource:
    if args.mms_id_from is not None:
        return FromTag.parse(args.mms_id_from)
    if args.assign_mms_ids:
        suffix = args.institution_suffix
        if not (len(suffix) == 4 and suffix.isascii() and suffix.isdigit()):
            raise InvalidZoneFile(suffix, "bad_suffix", "--institution-suffix takes four digits")
        return Assigned(MmsIdSequence(1, suffix))
    return FromControlNumber()


def run_build(args: argparse.Namespace) -> int:
    profile = profile_from_path(args.profile)
    report = build_zone(args.dump, args.output, brief_rules=profile.profile.levels,
                        facts=args.facts, mms_ids=_source(args), force=args.force)
    return _print(report, format_of(args), f"Zone saved to {report.directory}")


def run_compact(args: argparse.Namespace) -> int:
    profile = profile_from_path(args.profile)
    report = compact_zone(args.zone, brief_rules=profile.profile.levels)
    return _print(report, format_of(args), f"Zone {report.directory} compacted")


def _print(report: BuildReport, fmt: Format, title: str) -> int:
    summary = {
        "zone": str(report.directory),
        "bibs": report.bibs,
        "next_mms_id": report.next_mms_id,
        "brief_levels": {f"{level:02d}": count for level, count in report.brief_levels.items()},
        "with_originating_version": report.with_originating_version,
        "cz_linked": report.cz_linked,
        "locked": report.locked,
        "dump_bytes": report.dump_bytes,
    }
    if fmt is Format.JSON:
        stdout_console().file.write(json_line(summary) + "\n")
        return 0
    rows = [(name.replace("_", " "),
             ", ".join(f"{level}: {n}" for level, n in value.items())
             if isinstance(value, dict) else str(value)) for name, value in summary.items()]
    write_report(Report(title=title, columns=("item", "value"), rows=rows), fmt)
    return 0
