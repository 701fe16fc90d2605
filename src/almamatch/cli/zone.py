"""``almamatch zone build``: a zone's MARC dump and facts, checked and saved for ``--zone``.

Theory of operation: building loads the dump exactly as ``--zone`` would (every record must load,
every 001 must be an MMS ID, every facts row must name a bib of the dump), then writes a saved
zone directory (``bibs.mrc`` in ISO 2709, ``facts.csv`` with every bib's facts as the zone rated
them, ``index/`` the compact index, ``bibs.offsets.npy`` where each bib's record starts). ``--zone``
serves such a directory from its memory-mapped index and reads a record only when a merge needs it
(``zonefiles.zones``). A zone that does not build is never half written: loading finishes before
writing starts.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from almamatch.cli.inputs import EXIT_CODES_EPILOG, add_profile_argument, profile_from_path
from almamatch.cli.render import json_line, progress, stdout_console
from almamatch.cli.report import Format, Report, add_format_argument, format_of, write_report
from almamatch.zonefiles.zones import (
    SAVED_BIBS,
    SAVED_FACTS,
    SAVED_INDEX,
    SAVED_OFFSETS,
    load_zone,
    save_zone,
)

__all__ = ["register", "run_build"]

BUILD_EPILOG = """\
example:
  almamatch zone build examples/zone/bibs.mrc --facts examples/zone/facts.csv -o my-zone
  almamatch batch examples/exports.mrc --zone my-zone --now 2026-03-05T10:30

""" + EXIT_CODES_EPILOG.format(failures="(not used)")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "zone",
        help="build and save a zone from a MARC dump",
        description="Work with zones: a MARC dump of the zone's bibs (MMS ID in 001) and the "
        "facts MARC does not carry.",
        epilog="example:\n  almamatch zone build examples/zone/bibs.mrc --facts "
        "examples/zone/facts.csv -o my-zone",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="zone_command", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="check a zone dump (and facts CSV) and save it as a zone directory",
        description="Load a zone's MARC dump (any format) with its facts CSV, check every bib, "
        f"and save the zone as a directory ({SAVED_BIBS}, {SAVED_FACTS}, {SAVED_INDEX}/, "
        f"{SAVED_OFFSETS}) that --zone reads: served from the memory-mapped index, a record "
        "read only when a merge needs it (--load-records loads every record instead).",
        epilog=BUILD_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("dump", metavar="DUMP", help="MARC file of the zone's bibs")
    build.add_argument("--facts", metavar="CSV", help="the zone's facts CSV")
    build.add_argument("-o", "--output", required=True, metavar="ZONE",
                       help="directory to write the zone to")
    add_profile_argument(build)
    add_format_argument(build, json_help="print the summary as JSON (the same as --format json)")
    build.set_defaults(func=run_build)


def run_build(args: argparse.Namespace) -> int:
    profile = profile_from_path(args.profile)
    with progress(f"reading {args.dump}") as tick:
        zone = load_zone(args.dump, facts=args.facts,
                         brief_rules=profile.profile.levels, on_bib=tick)
    target = save_zone(zone, args.output)
    levels: Counter[str] = Counter()
    locked = linked = versioned = 0
    for mms_id in zone:
        facts = zone.facts(mms_id)
        if facts is None:
            continue
        levels[str(facts.brief_level)] += 1
        locked += facts.lock is not None
        linked += facts.cz_linked
        versioned += facts.originating_version is not None
    summary = {
        "zone": str(target),
        "bibs": len(zone),
        "next_mms_id": zone.next_mms_id(),
        "brief_levels": dict(sorted(levels.items())),
        "with_originating_version": versioned,
        "cz_linked": linked,
        "locked": locked,
    }
    fmt = format_of(args)
    if fmt is Format.JSON:
        stdout_console().file.write(json_line(summary) + "\n")
        return 0
    rows = [(name.replace("_", " "),
             ", ".join(f"{level}: {n}" for level, n in value.items())
             if isinstance(value, dict) else str(value)) for name, value in summary.items()]
    write_report(Report(title=f"Zone saved to {target}", columns=("item", "value"), rows=rows),
                 fmt)
    return 0
