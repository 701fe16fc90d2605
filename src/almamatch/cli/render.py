"""How the commands show results: rich tables for people, JSON for programs, progress on stderr.

Theory of operation: a command decides what to say; this module says it. People get a rich
``Console`` on stdout with markup off (host messages and MARC text hold ``[`` and ``$``, which must
print as they are). Programs get JSON lines in the one shape of ``almamatch.envelope`` (the codec's
decision with the record's place beside it), one line per record. Progress bars go to stderr
and only when stderr is a terminal, so that piped output and tests see only the results.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import IO, Any

import attrs
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from almamatch.core.brief import BriefLevel
from almamatch.core.decision import Add, Decision, Failure, Merge, named_mms_id
from almamatch.core.oclc import OclcNumber
from almamatch.core.timestamp import Timestamp
from almamatch.envelope import UNREADABLE_CODE, json_line

__all__ = [
    "UNREADABLE_CODE",
    "Tick",
    "decision_mms_id",
    "evidence_of",
    "json_line",
    "print_decision",
    "progress",
    "stdout_console",
    "to_json_value",
]


def stdout_console() -> Console:
    """The console for results: stdout as it is now (tests swap it), markup off."""
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


_NOT_EVIDENCE = frozenset({"trace", "record", "mms_id"})


def evidence_of(decision: Decision) -> dict[str, Any]:
    """The decision's typed evidence (candidates, levels, versions, lock...), as JSON values."""
    found = {
        one.name: to_json_value(getattr(decision, one.name))
        for one in attrs.fields(type(decision))
        if one.name not in _NOT_EVIDENCE
    }
    lock = getattr(decision, "lock", None)
    if lock is not None:
        found["lock"]["holder"] = lock.holder
        found["lock"]["lapses_at"] = lock.lapses_at.isoformat()
    mms_ids = getattr(decision, "mms_ids", None)
    if mms_ids is not None:
        found["mms_ids"] = list(mms_ids)
    return found


def decision_mms_id(decision: Decision) -> str | None:
    """The MMS ID the decision names: added, merged into, or the one bib that blocked."""
    return named_mms_id(decision)


def _host_text(decision: Decision) -> Text:
    if isinstance(decision, Failure):
        return Text(decision.host_message, style="bold red")
    return Text(decision.host_message, style="bold green")


def print_decision(console: Console, decision: Decision) -> None:
    """One decision for a cataloger: host message, code, MMS ID, evidence, trace, how to resolve."""
    console.print(Text("Host message", style="bold"))
    console.print(_host_text(decision))
    console.print()
    summary = Table(show_header=False, box=None, pad_edge=False)
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("code", decision.code.value)
    summary.add_row("MMS ID", decision_mms_id(decision) or "-")
    if isinstance(decision, Merge):
        summary.add_row("merge method", decision.merge_method)
    if isinstance(decision, Add | Merge) and decision.originating_version is not None:
        summary.add_row("originating version", str(decision.originating_version))
    for name, value in evidence_of(decision).items():
        if name not in ("merge_method", "originating_version"):
            summary.add_row(name, json.dumps(value, ensure_ascii=False))
    console.print(summary)
    console.print()
    trace = Table(title="Trace", title_justify="left", show_lines=False)
    trace.add_column("#", justify="right")
    trace.add_column("stage")
    trace.add_column("verdict")
    trace.add_column("detail")
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


class Tick:
    """Advance a progress task by one; a no-op when there is no bar."""

    def __init__(self, bar: Progress | None, task: Any) -> None:
        self._bar = bar
        self._task = task

    def __call__(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=count)


@contextmanager
def progress(description: str, *, total: int | None = None,
             stream: IO[str] | None = None) -> Iterator[Tick]:
    """A progress bar on stderr while the block runs, shown only when stderr is a terminal."""
    target = stream or sys.stderr
    if not target.isatty():
        yield Tick(None, None)
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(file=target),
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield Tick(bar, task)
