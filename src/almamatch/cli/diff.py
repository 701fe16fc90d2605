"""``almamatch diff``: the same batch under two profiles, and what the policy change does.

Theory of operation: the zone is loaded twice, once under each profile (its brief-level rules
rate the bibs), and the file is read once. Each record is decided under profile A against zone A
and under profile B against zone B, and each decision is applied to its own zone, so each side is
the batch exactly as ``almamatch batch`` would run it. A record "changes" when its code or MMS ID
differs; the reason shown is every stage whose verdict differs between the two traces, with what
each side saw. Counts are by (code under A, code under B) over every record.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

from almamatch.cli.arguments.options import Format, format_of
from almamatch.cli.evidence import decision_mms_id
from almamatch.cli.inputs import (
    export_for,
    now_from_args,
    profile_from_path,
    zone_for,
)
from almamatch.cli.progress import progress
from almamatch.cli.render import UNREADABLE_CODE, json_line, stdout_console
from almamatch.cli.report import Report, write_report
from almamatch.codec import to_jsonable
from almamatch.core.decide import decide
from almamatch.core.decision import Decision, Stage
from almamatch.core.record import Bib
from almamatch.marc import Unreadable, read_bibs

__all__ = ["run", "trace_differences"]


def trace_differences(first: Decision, second: Decision) -> list[str]:
    """Each stage whose verdict differs between two decisions, as ``stage: A verdict -> B``."""
    by_stage = {step.stage: step for step in second.trace}
    found: list[str] = []
    for step in first.trace:
        other = by_stage.get(step.stage)
        if other is None or other.verdict == step.verdict or step.stage is Stage.OUTCOME:
            continue
        found.append(f"{step.stage.value}: {step.verdict.value} ({step.detail}) -> "
                     f"{other.verdict.value} ({other.detail})")
    return found


def _code(decision: Decision | None) -> str:
    return UNREADABLE_CODE if decision is None else decision.code.value


def run(args: argparse.Namespace) -> int:
    if len(args.profile) != 2:
        sys.stderr.write("almamatch diff: error: give --profile exactly twice (A, then B)\n")
        return 2
    now = now_from_args(args)
    profiles = [profile_from_path(path) for path in args.profile]
    sides = [zone_for(args, profile) for profile in profiles]
    counts: Counter[tuple[str, str]] = Counter()
    changed: list[dict[str, Any]] = []
    with progress(f"deciding {args.exports} twice") as tick:
        for index, item in enumerate(read_bibs(args.exports)):
            decisions: list[Decision | None] = []
            for zone, store in sides:
                if isinstance(item, Unreadable):
                    decisions.append(None)
                    continue
                decision = decide(export_for(item, args, zone), zone, now)
                store.apply(decision)
                decisions.append(decision)
            first, second = decisions
            counts[(_code(first), _code(second))] += 1
            if first is not None and second is not None and (
                first.code != second.code or decision_mms_id(first) != decision_mms_id(second)
            ):
                changed.append(_change(index, item, first, second))
            tick(index + 1)
    if format_of(args) is Format.JSON:
        document = {
            "profiles": list(args.profile),
            "records": sum(counts.values()),
            "changed": changed,
            "counts": [{"a": a, "b": b, "records": n} for (a, b), n in sorted(counts.items())],
        }
        stdout_console().file.write(json_line(document) + "\n")
    else:
        _print(args, changed, counts)
    return 1 if changed else 0


def _change(index: int, item: Bib | Unreadable, first: Decision, second: Decision
            ) -> dict[str, Any]:
    numbers = item.oclc_numbers.active if isinstance(item, Bib) else ()
    return {
        "index": index,
        "oclc_number": str(numbers[0]) if numbers else None,
        "a": to_jsonable(first),
        "b": to_jsonable(second),
        "why": trace_differences(first, second),
    }


def _print(args: argparse.Namespace, changed: list[dict[str, Any]],
           counts: Counter[tuple[str, str]]) -> None:
    fmt = format_of(args)
    a_path, b_path = args.profile
    rows = [(str(change["index"] + 1), change["oclc_number"] or "-", change["a"]["code"],
             change["b"]["code"], "; ".join(change["why"]) or "a different MMS ID")
            for change in changed]
    write_report(Report(title=f"Records that change outcome ({len(changed)})",
                        about=(("A", a_path), ("B", b_path)),
                        columns=("#", "OCLC number", "under A", "under B",
                                 "why (stage: A -> B)"),
                        rows=rows, right=frozenset({"#"})), fmt)
    if fmt is Format.TABLE:
        write_report(Report(title="Counts by (code under A, code under B)",
                            columns=("under A", "under B", "records"),
                            rows=[(a, b, str(n)) for (a, b), n in sorted(counts.items())],
                            right=frozenset({"records"})), fmt)
