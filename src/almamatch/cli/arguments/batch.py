"""The arguments, help and examples of ``almamatch batch``; its work is ``almamatch.cli.batch``."""

from __future__ import annotations

import argparse
import os
from typing import Any

from almamatch.cli.arguments.options import (
    add_format_argument,
    add_logon_arguments,
    add_now_argument,
    add_profile_argument,
    add_zone_arguments,
    exit_codes_epilog,
    run_in,
)

__all__ = ["EPILOG", "register"]


EPILOG = """\
example:
  almamatch batch examples/exports.mrc --zone examples/zone \\
      --profile examples/profiles/carli.toml --now 2026-03-05T10:30
  almamatch batch examples/exports.mrc --zone examples/zone --json --output decisions.jsonl

  almamatch batch examples/exports.mrc --zone examples/zone --resume decisions.jsonl

  almamatch batch day.mrc --zone my-zone --json --output decisions.jsonl --workers 2
  almamatch batch day.mrc --zone /shared/my-zone --json --dask tcp://scheduler:8786
  almamatch zone build examples/zone/bibs.mrc --facts examples/zone/facts.csv -o my-zone
  almamatch batch examples/exports.mrc --zone my-zone --commit   # the zone keeps the run

""" + exit_codes_epilog(
    "with --strict, a record was refused or could not be read (without --strict a "
    "completed run exits 0: refusals are outcomes)"
)


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity where the system has one (``taskset``,
    a container's cpuset), which ``os.cpu_count`` ignores, else the machine's cores."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="decide every record of a MARC file in order, each applied to the zone",
        description="Decide every record of a MARC file (ISO 2709, MARCXML or MARC-in-JSON) "
        "against the zone in order, applying each decision as Alma would, so later records see "
        "earlier ones.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("exports", metavar="EXPORTS", help="MARC file of exported records")
    add_zone_arguments(parser)
    add_profile_argument(parser)
    add_logon_arguments(parser)
    add_now_argument(parser)
    add_format_argument(parser, json_help="one JSON line per input record, in input order, on "
                        "stdout (the same as --format json)")
    parser.add_argument("--output", metavar="FILE",
                        help="write the JSON lines to FILE (the tables still go to stdout)")
    parser.add_argument("--summary", action="store_true",
                        help="print only the summary table, not one row per record; with --json, "
                        "end stdout with one summary line (read = decided + unreadable)")
    parser.add_argument("--resume", metavar="FILE",
                        help="continue the interrupted run whose JSON lines are in FILE: replay "
                        "its recorded outcomes onto the zone, then decide and append the rest")
    parser.add_argument("--commit", action="store_true",
                        help="keep what the run decided: apply it to the saved zone --zone names "
                        "and commit it to the zone's journal when the run completes (all or "
                        "nothing: an interrupted run commits nothing, --resume continues it); "
                        "without it a batch is a dry run")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a record was refused or could not be read")
    parser.add_argument(
        "--workers", type=int, metavar="N", default=usable_cores(),
        help="decide on N processes (default: the cores this process may run on, %(default)s "
        "here): records that share an OCLC number or a matched bib stay in one group, in input "
        "order, and the output is the same as one process gives; used for an ISO 2709 file of "
        "2,000 records or more when no table of rows is printed (--json, or --summary), not "
        "with --resume. Two workers take about 1.1 times the CPU of one; on a machine whose "
        "cores are busy with other work, --workers 1 spends the least CPU",
    )
    parser.add_argument(
        "--dask", metavar="ADDRESS",
        help="decide the groups on the Dask cluster whose scheduler is at ADDRESS (e.g. "
        "tcp://10.0.0.5:8786); needs the dask extra: pip install 'almamatch[dask]'",
    )
    # Test hook: stop after deciding N records, as a run interrupted there would.
    parser.add_argument("--stop-after", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.set_defaults(func=run_in("almamatch.cli.batch"))
