"""How the commands show results: rich tables for people, JSON for programs, progress on stderr.

Theory of operation: a command decides what to say; this module says it. People get a rich
``Console`` on stdout with markup off (host messages and MARC text hold ``[`` and ``$``, which must
print as they are). Programs get JSON lines in the one shape of ``almamatch.envelope`` (the codec's
decision with the record's place beside it), one line per record. Progress bars go to stderr
and only when stderr is a terminal, so that piped output and tests see only the results.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import IO, Any, assert_never

import attrs
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
)
from rich.table import Table
from rich.text import Text

from almamatch.cli.report import Report
from almamatch.core.brief import BriefLevel
from almamatch.core.decision import (
    Add,
    ConnectionClosed,
    Decision,
    Failure,
    LogonFailed,
    MarcXmlConversionFailed,
    Merge,
    MultiMatch,
    NoIntegrationProfile,
    NotAddedBrief,
    NotAddedLocked,
    NotAddedOld,
    SkippedCzLinked,
    named_mms_id,
)
from almamatch.core.oclc import OclcNumber
from almamatch.core.timestamp import Timestamp
from almamatch.envelope import UNREADABLE_CODE, json_line

__all__ = [
    "UNREADABLE_CODE",
    "Tick",
    "decision_mms_id",
    "decision_report",
    "evidence_lines",
    "evidence_text",
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


def decision_mms_id(decision: Decision) -> str | None:
    """The MMS ID the decision names: added, merged into, or the one bib that blocked."""
    return named_mms_id(decision)


def _moment(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="minutes")


def evidence_lines(decision: Decision) -> tuple[str, ...]:
    """What explains the decision, in words, one line per fact: levels, holder, versions..."""
    match decision:
        case Add():
            version = decision.originating_version
            return (f"new bib {decision.mms_id}",
                    f"originating version {version}" if version else "no 005 to store")
        case Merge():
            return (f"merged into {decision.mms_id} with {decision.merge_method}",)
        case NoIntegrationProfile():
            return ((f"{decision.profiles_found} Connexion integration profiles in "
                    f"{decision.institution}; exactly one is needed"),)
        case LogonFailed():
            return tuple(decision.problems) or ("the logon was refused",)
        case ConnectionClosed():
            return (decision.detail,)
        case MarcXmlConversionFailed():
            return tuple(problem.detail for problem in decision.problems)
        case MultiMatch():
            return tuple(f"bib {one.mms_id} found by {one.key} ({one.incoming_side.value} in the "
                         f"export, {one.zone_side.value} in the zone)"
                         for one in decision.candidates)
        case SkippedCzLinked():
            return (f"bib {decision.mms_id} is linked to the Community Zone",)
        case NotAddedLocked():
            lock = decision.lock
            since, lapses = _moment(lock.last_activity), _moment(lock.lapses_at)
            return ((f"bib {decision.mms_id} locked by {lock.holder} since {since}; the lock "
                    f"lapses at {lapses}"),)
        case NotAddedBrief():
            return ((f"bib {decision.mms_id} has brief level {decision.existing_level}, the "
                    f"incoming record {decision.incoming_level}"),)
        case NotAddedOld():
            existing = decision.existing_version or "none"
            incoming = decision.incoming_version or "none"
            return ((f"bib {decision.mms_id} has originating version {existing}, newer than the "
                    f"incoming 005 {incoming}"),)
        case _:
            assert_never(decision)


def evidence_text(decision: Decision) -> str:
    """``evidence_lines`` on one line, for a row of a table (a multi-match in brief)."""
    if isinstance(decision, MultiMatch):
        keys = list(dict.fromkeys(str(one.key) for one in decision.candidates))
        more = f" and {len(keys) - 1} more numbers" if len(keys) > 1 else ""
        return (f"{len(decision.mms_ids)} bibs match: {', '.join(decision.mms_ids)}; found by "
                f"{keys[0]}{more}")
    return "; ".join(evidence_lines(decision))


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


class Tick:
    """Advance a progress task by one; a no-op when there is no bar."""

    def __init__(self, bar: Progress | None, task: Any) -> None:
        self._bar = bar
        self._task = task

    def __call__(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=count)


@contextmanager
def progress(description: str, *, total: int | None = None, bytes_total: int | None = None,
             stream: IO[str] | None = None) -> Iterator[Tick]:
    """A progress bar on stderr while the block runs, shown only when stderr is a terminal.

    ``total`` counts items; ``bytes_total`` (a file's size) makes the bar count bytes read, so
    that its end is known before the records are counted (tick with the file's position).
    """
    target = stream or sys.stderr
    if not target.isatty():
        yield Tick(None, None)
        return
    counter = ((TaskProgressColumn(), DownloadColumn()) if bytes_total is not None
               else (MofNCompleteColumn(),))
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        *counter,
        console=Console(file=target),
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=bytes_total if bytes_total is not None else total)
        yield Tick(bar, task)
