"""``almamatch decide``: one export, and everything Alma would say and weigh about it.

Theory of operation: read the record file (its first record is the export; a file of several
uses ``--index``), load the zone and profile, call ``decide()`` once, and show the host message as
Connexion shows it, the MMS ID, the evidence, the trace of every stage, and for a failure the
seed's steps to resolve it. Nothing is applied: the zone on disk never changes. A refusal, and a
record at ``--index`` that does not load (reported with its position and reason), are outcomes:
the command exits 0 unless ``--strict``. A file with no record at ``--index``, or no MARC at all,
is an unreadable input file (exit 3).
"""

from __future__ import annotations

import argparse
import sys

from almamatch.cli.arguments.options import Format, format_of
from almamatch.cli.inputs import (
    export_for,
    now_from_args,
    profile_from_path,
    zone_for,
)
from almamatch.cli.render import decision_report, print_decision, stdout_console
from almamatch.cli.report import Report, write_report
from almamatch.core.decide import decide
from almamatch.core.decision import Failure
from almamatch.core.errors import AlmamatchError
from almamatch.core.record import Bib
from almamatch.envelope import UNREADABLE_CODE, item_line, json_line
from almamatch.marc import Unreadable, read_bibs

__all__ = ["UnreadableRecord", "record_at", "run"]


class UnreadableRecord(AlmamatchError):
    """The record to decide did not load, or the file has no record at that position."""


def record_at(path: str, index: int) -> Bib | Unreadable:
    """Record ``index`` (from 0) of a MARC file; ``UnreadableRecord`` when there is none."""
    for position, item in enumerate(read_bibs(path)):
        if isinstance(item, Unreadable) and item.reason == "unknown_format":
            raise UnreadableRecord(path, item.reason, str(item))
        if position == index:
            return item
    raise UnreadableRecord(path, "no_such_record",
                           f"no record {index} (counting from 0) in the file")


def run(args: argparse.Namespace) -> int:
    now = now_from_args(args)
    args.index = args.number - 1 if args.number is not None else args.index or 0
    record = record_at(args.record, args.index)
    profile = profile_from_path(args.profile)
    zone, _ = zone_for(args, profile)
    failed = 1 if args.strict else 0
    fmt = format_of(args)
    if isinstance(record, Unreadable):
        if fmt is Format.JSON:
            sys.stdout.write(json_line(item_line(args.index, record, None)) + "\n")
        elif fmt is Format.TABLE:
            stdout_console().print(f"{UNREADABLE_CODE}: {record}")
        else:
            write_report(Report(title="", columns=("item", "value"), rows=[
                ("code", UNREADABLE_CODE), ("reason", record.reason), ("detail", record.detail),
                ("offset", str(record.offset))]), fmt)
        return failed
    decision = decide(export_for(record, args, zone), zone, now)
    if fmt is Format.JSON:
        sys.stdout.write(json_line(item_line(args.index, record, decision)) + "\n")
    elif fmt is Format.TABLE:
        print_decision(stdout_console(), decision)
    else:
        write_report(decision_report(decision), fmt)
    return failed if isinstance(decision, Failure) else 0
