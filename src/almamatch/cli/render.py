"""How the commands show results: rich tables for people, JSON for programs, progress on stderr.

Theory of operation: a command decides what to say; this module says it. People get a rich
``Console`` on stdout with markup off (host messages and MARC text hold ``[`` and ``$``, which must
print as they are). Programs get JSON lines in the one shape of ``almamatch.envelope`` (the codec's
decision with the record's place beside it), one line per record. A decision's evidence in words
is ``cli.evidence``; progress on stderr is ``cli.progress``. rich is imported when something is
drawn with it, so that a command that only writes JSON starts without it.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from almamatch.cli.evidence import decision_mms_id, evidence_lines
from almamatch.cli.report import Report
from almamatch.core.brief import BriefLevel
from almamatch.core.decision import (
    Decision,
    Failure,
)
from almamatch.core.oclc import OclcNumber
from almamatch.core.timestamp import Timestamp
from almamatch.envelope import UNREADABLE_CODE, json_line

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "UNREADABLE_CODE",
    "decision_report",
    "json_line",
    "print_decision",
    "stdout_console",
    "to_json_value",
]


def stdout_console() -> Console:
    """The console for results: stdout as it is now (tests swap it), markup off."""
    from rich.console import Console  # noqa: PLC0415 (see the module's doc)

    return Console(file=sys.stdout, markup=False, highlight=False, soft_wrap=False)


def to_json_value(value: object) -> Any:
    """A core value as JSON: numbers, levels and 005 values as their printed forms."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, OclcNumber | Timestamp | BriefLevel):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [to_json_value(item) for item in value]
    kind = type(value)
    if attrs.has(kind):
        return {one.name: to_json_value(getattr(value, one.name)) for one in attrs.fields(kind)}
    return str(value)


def decision_report(decision: Decision) -> Report:
    """One decision as rows of (item, value), for ``--format tsv`` or ``csv``."""
    rows = [("host message", decision.host_message), ("headline", decision.headline),
            ("reason", decision.reason if isinstance(decision, Failure) else ""),
            ("code", decision.code.value), ("MMS ID", decision_mms_id(decision) or "")]
    rows += [("evidence", line) for line in evidence_lines(decision)]
    rows += [(f"trace {number}", f"{step.stage.value}: {step.verdict.value}: {step.detail}")
             for number, step in enumerate(decision.trace, start=1)]
    if isinstance(decision, Failure):
        rows += [(f"resolve {number}", text)
                 for number, text in enumerate(decision.resolution, start=1)]
    return Report(title="", columns=("item", "value"), rows=rows)


def print_decision(console: Console, decision: Decision) -> None:
    """One decision for a cataloger: host message, code, MMS ID, evidence, trace, how to resolve."""
    from rich.table import Table  # noqa: PLC0415 (see the module's doc)
    from rich.text import Text  # noqa: PLC0415

    console.print(Text("Host message", style="bold"))
    console.print(Text(decision.host_message,
                       style="bold red" if isinstance(decision, Failure) else "bold green"))
    console.print()
    summary = Table(show_header=False, box=None, pad_edge=False)
    summary.add_column(style="bold")
    summary.add_column(overflow="fold")
    summary.add_row("code", decision.code.value)
    summary.add_row("MMS ID", decision_mms_id(decision) or "-")
    for number, line in enumerate(evidence_lines(decision)):
        summary.add_row("evidence" if number == 0 else "", line)
    console.print(summary)
    console.print()
    trace = Table(title="Trace", title_justify="left", show_lines=False)
    trace.add_column("#", justify="right")
    trace.add_column("stage")
    trace.add_column("verdict")
    trace.add_column("detail", overflow="fold")
    for number, step in enumerate(decision.trace, start=1):
        style = {"failed": "red", "passed": "green"}.get(step.verdict.value, "dim")
        trace.add_row(str(number), step.stage.value, Text(step.verdict.value, style=style),
                      step.detail)
    console.print(trace)
    if isinstance(decision, Failure):
        console.print()
        console.print(Text("Cause", style="bold"))
        console.print(decision.text.cause)
        console.print(Text("Steps to resolve", style="bold"))
        for number, step_text in enumerate(decision.resolution, start=1):
            console.print(f"{number}. {step_text}")
