"""The arguments, help and examples of ``almamatch zone build`` and ``zone compact``; their work
is ``almamatch.cli.zone``."""

from __future__ import annotations

import argparse
from typing import Any

from almamatch.cli.arguments.options import (
    add_format_argument,
    add_profile_argument,
    exit_codes_epilog,
    run_in,
)
from almamatch.zonefiles.manifest import SAVED_BIBS, SAVED_INDEX, SAVED_OFFSETS

__all__ = ["BUILD_EPILOG", "COMPACT_EPILOG", "register"]


BUILD_EPILOG = """\
example:
  almamatch zone build examples/zone/bibs.mrc --facts examples/zone/facts.csv -o my-zone
  almamatch batch examples/exports.mrc --zone my-zone --now 2026-03-05T10:30 --commit

  # a dump from another system: the MMS ID in 907 $a, or new MMS IDs in file order
  almamatch zone build other.mrc --mms-id-from '907$a' -o my-zone
  almamatch zone build other.mrc --assign-mms-ids --institution-suffix 5681 -o my-zone --force

""" + exit_codes_epilog("(not used)")


COMPACT_EPILOG = """\
example:
  almamatch batch examples/exports.mrc --zone my-zone --commit
  almamatch zone compact my-zone

""" + exit_codes_epilog("(not used)")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "zone",
        help="build a saved zone from a MARC dump, or compact its journal",
        description="Work with saved zones: a MARC dump of the zone's bibs (MMS ID in 001) and "
        "the facts MARC does not carry, saved as a folder that --zone opens.",
        epilog="example:\n  almamatch zone build examples/zone/bibs.mrc --facts "
        "examples/zone/facts.csv -o my-zone\n  almamatch zone compact my-zone",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="zone_command", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="stream a zone dump (and facts CSV) into a saved zone folder",
        description="Read a zone's MARC dump (ISO 2709, MARCXML or MARC-in-JSON) with its facts "
        f"CSV, check every bib, and save the zone as a folder ({SAVED_BIBS}, {SAVED_INDEX}/, "
        f"{SAVED_OFFSETS}, zone.json) that --zone opens: the index memory-mapped, a record read "
        "only when a merge needs it. Records are never held in memory, so a dump of tens of "
        "millions of bibs builds in well under 1 GiB. The folder appears complete or not at all.",
        epilog=BUILD_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("dump", metavar="DUMP", help="MARC file of the zone's bibs")
    build.add_argument("--facts", metavar="CSV", help="the zone's facts CSV")
    build.add_argument("-o", "--output", required=True, metavar="ZONE",
                       help="folder to write the zone to (new or empty, unless --force)")
    build.add_argument("--force", action="store_true",
                       help="replace what the output folder holds (an old zone and its journal "
                       "included) once the new zone is complete")
    source = build.add_mutually_exclusive_group()
    source.add_argument("--mms-id-from", metavar="TAG",
                        help="take each bib's MMS ID from this field instead of 001: a control "
                        "field (009) or a data field and subfield ('907$a')")
    source.add_argument("--assign-mms-ids", action="store_true",
                        help="give the bibs new MMS IDs in file order (99 + serial + suffix), "
                        "for a dump without them")
    build.add_argument("--institution-suffix", metavar="DDDD", default="5681",
                       help="the four-digit suffix of assigned MMS IDs (default 5681)")
    add_profile_argument(build)
    add_format_argument(build, json_help="print the summary as JSON (the same as --format json)")
    build.set_defaults(func=run_in("almamatch.cli.zone", "run_build"))
    compact = actions.add_parser(
        "compact",
        help="fold a saved zone's journal of committed decisions into a fresh index",
        description="Rebuild a saved zone with every committed decision folded in (new bibs, "
        "merged records, changed facts), leaving an empty journal. Takes the zone's write lock: "
        "no batch or server may be writing to it; readers reopen it afterwards.",
        epilog=COMPACT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compact.add_argument("zone", metavar="ZONE", help="the saved zone folder")
    add_profile_argument(compact)
    add_format_argument(compact, json_help="print the summary as JSON (the same as --format json)")
    compact.set_defaults(func=run_in("almamatch.cli.zone", "run_compact"))
