"""``almamatch batch``: every record of a MARC file exported in order, as Alma would take them.

Theory of operation: records are read one at a time and each is decided against the zone as it
stands after the ones before it: the decision is applied (``InMemoryZone.apply``: an Add stores a
new bib, a Merge replaces one) before the next record is read, so two exports of one new OCLC
number add once and then merge. A record that does not load gets its own line with its position
and reason and changes nothing; every record read is accounted for (decided + unreadable = read).
With ``--json`` or ``--output``, each record's JSON line is written and flushed before the next
record is decided, so an interrupted run keeps every answer it gave.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from attrs import frozen
from rich.table import Table
from rich.text import Text

from almamatch.cli.inputs import (
    EXIT_CODES_EPILOG,
    add_logon_arguments,
    add_now_argument,
    add_profile_argument,
    add_zone_arguments,
    export_for,
    now_from_args,
    profile_from_path,
    zone_for,
)
from almamatch.cli.render import (
    UNREADABLE_CODE,
    decision_mms_id,
    json_line,
    progress,
    record_line,
    stdout_console,
)
from almamatch.core.decide import decide
from almamatch.core.decision import Code, Decision, Failure
from almamatch.core.record import Bib
from almamatch.core.zone import InMemoryZone, Zone
from almamatch.marc import Unreadable, read_bibs

__all__ = ["BatchItem", "decide_in_order", "register", "run"]

EPILOG = """\
example:
  almamatch batch examples/exports.mrc --zone examples/zone \\
      --profile examples/profiles/carli.toml --now 2026-03-05T10:30
  almamatch batch examples/exports.mrc --zone examples/zone --json --output decisions.jsonl

""" + EXIT_CODES_EPILOG.format(failures="a record was refused or could not be read")


@frozen
class BatchItem:
    """One record of the file: its position, the bib or why it did not load, and the decision."""

    index: int
    item: Bib | Unreadable
    decision: Decision | None  # None exactly when ``item`` is Unreadable


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
    parser.add_argument("--json", action="store_true",
                        help="one JSON line per input record, in input order, on stdout")
    parser.add_argument("--output", metavar="FILE",
                        help="write the JSON lines to FILE (the tables still go to stdout)")
    parser.add_argument("--summary", action="store_true",
                        help="print only the summary table, not one row per record")
    parser.set_defaults(func=run)


def decide_in_order(
    exports: str | Path,
    *,
    zone: Zone,
    store: InMemoryZone,
    args: argparse.Namespace,
    now: datetime,
) -> Iterator[BatchItem]:
    """Each record of ``exports`` decided against ``zone``, the decision applied to ``store``.

    The next record is read only after the caller has taken the previous item.
    """
    for index, item in enumerate(read_bibs(exports)):
        if isinstance(item, Unreadable):
            yield BatchItem(index, item, None)
            continue
        decision = decide(export_for(item, args, zone), zone, now)
        store.apply(decision)
        yield BatchItem(index, item, decision)


def _first_number(item: Bib | Unreadable) -> str:
    if isinstance(item, Unreadable):
        return "-"
    numbers = item.oclc_numbers.active or item.oclc_numbers.cancelled
    return str(numbers[0]) if numbers else "-"


def item_code(entry: BatchItem) -> str:
    """The code of a batch entry, ``UNREADABLE`` for a record that did not load."""
    return UNREADABLE_CODE if entry.decision is None else entry.decision.code.value


def run(args: argparse.Namespace) -> int:
    now = now_from_args(args)
    profile = profile_from_path(args.profile)
    zone, store = zone_for(args, profile)
    console = stdout_console()
    counts: Counter[str] = Counter()
    rows = Table(title=f"{args.exports} into {zone.institution} ({zone.kind.value})",
                 title_justify="left")
    rows.add_column("#", justify="right", no_wrap=True)
    for column in ("OCLC number", "code", "MMS ID"):
        rows.add_column(column, no_wrap=True)
    rows.add_column("host message", min_width=24, overflow="fold")
    with ExitStack() as stack:
        sink: IO[str] | None = None
        if args.output is not None:
            sink = stack.enter_context(Path(args.output).open("w", encoding="utf-8"))
        elif args.json:
            sink = sys.stdout
        tick = stack.enter_context(progress(f"deciding {args.exports}"))
        for entry in decide_in_order(args.exports, zone=zone, store=store, args=args, now=now):
            counts[item_code(entry)] += 1
            if sink is not None:
                sink.write(json_line(record_line(entry.index, entry.item, entry.decision)) + "\n")
                sink.flush()
            if not args.json and not args.summary:
                rows.add_row(*_row(entry))
            tick(entry.index + 1)
    read = sum(counts.values())
    refused = sum(n for code, n in counts.items() if code not in (Code.ADDED, Code.MERGED))
    if not args.json:
        if not args.summary:
            console.print(rows)
        console.print(_summary(counts, read))
    return 1 if refused else 0


def _row(entry: BatchItem) -> tuple[str | Text, ...]:
    decision = entry.decision
    if decision is None:
        assert isinstance(entry.item, Unreadable)
        return (str(entry.index), "-", Text(UNREADABLE_CODE, style="red"), "-",
                f"{entry.item.reason}: {entry.item.detail}")
    style = "red" if isinstance(decision, Failure) else "green"
    message = (f"{decision.headline}: {decision.host_message}"
               if isinstance(decision, Failure) else decision.host_message)
    return (str(entry.index), _first_number(entry.item), Text(decision.code.value, style=style),
            decision_mms_id(decision) or "-", message)


def _summary(counts: Counter[str], read: int) -> Table:
    table = Table(title="Summary by code", title_justify="left")
    table.add_column("code")
    table.add_column("records", justify="right")
    order = [code.value for code in Code] + [UNREADABLE_CODE]
    for code in sorted(counts, key=order.index):
        table.add_row(code, str(counts[code]))
    table.add_section()
    table.add_row("read", str(read))
    return table
