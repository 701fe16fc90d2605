"""The spec report: a rich text report for people at a terminal, and JSON for programs.

Theory of operation: both forms are built from the runner's result values only. A failure shows
the expected value beside the actual one, a two-column table that makes one differing line
stand out; an undefined step shows the closest known step; an error names file and line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from almamatch.specs.runner import FileResult, ScenarioResult, Status

__all__ = ["failure_text", "print_report", "report_json", "summary_counts"]

_STYLE = {Status.PASSED: "green", Status.FAILED: "red", Status.UNDEFINED: "yellow",
          Status.ERROR: "magenta"}


def summary_counts(files: Sequence[FileResult]) -> dict[str, int]:
    counts = {status.value: 0 for status in Status}
    counts["unreadable files"] = 0
    for one in files:
        if one.error:
            counts["unreadable files"] += 1
        for result in one.results:
            counts[result.status.value] += 1
    return counts


def failure_text(result: ScenarioResult) -> str:
    """A plain-text account of a scenario that did not pass (for pytest and logs)."""
    lines = [f"{result.scenario.where}: {result.scenario.name}: {result.status.value}"]
    for undefined in result.undefined:
        lines.append(f"  {result.scenario.path}:{undefined.line}: undefined step "
                     f"{undefined.text!r}; {undefined.hint}")
    for failed in result.failures:
        lines.append(f"  {result.scenario.path}:{failed.line}: {failed.text}")
        lines.append(f"    {failed.mismatch.what}:")
        expected = failed.mismatch.expected.splitlines() or [""]
        actual = failed.mismatch.actual.splitlines() or [""]
        width = max(len("expected"), *(len(one) for one in expected))
        lines.append(f"      {'expected'.ljust(width)} | actual")
        for index in range(max(len(expected), len(actual))):
            left = expected[index] if index < len(expected) else ""
            right = actual[index] if index < len(actual) else ""
            mark = " " if left == right else "*"
            lines.append(f"    {mark} {left.ljust(width)} | {right}")
    if result.error:
        lines.append(f"  {result.error}")
    return "\n".join(lines)


def _result_renderable(result: ScenarioResult) -> RenderableType:
    style = _STYLE[result.status]
    head = Text.assemble((f"{result.status.value.upper():9}", style), " ",
                         (result.scenario.name, "bold"), f"  {result.scenario.where}")
    parts: list[RenderableType] = [head]
    for undefined in result.undefined:
        parts.append(Text(f"    line {undefined.line}: undefined step {undefined.text!r}\n"
                          f"    {undefined.hint}", style="yellow"))
    for failed in result.failures:
        table = Table(title=f"line {failed.line}: {failed.text}", title_justify="left",
                      show_lines=False, expand=False)
        table.add_column(f"expected {failed.mismatch.what}", style="green")
        table.add_column(f"actual {failed.mismatch.what}", style="red")
        table.add_row(failed.mismatch.expected, failed.mismatch.actual)
        parts.append(table)
    if result.error:
        parts.append(Text(f"    {result.error}", style="magenta"))
    return Group(*parts)


def print_report(files: Sequence[FileResult], console: Console, *, verbose: bool = True) -> None:
    """Every scenario with its status; details for those that did not pass; then the counts."""
    for one in files:
        console.print(Text(str(one.path), style="bold underline"))
        if one.error:
            console.print(Text(f"  unreadable: {one.error}", style="magenta"))
        for result in one.results:
            if verbose or not result.passed:
                console.print(_result_renderable(result))
    counts = summary_counts(files)
    console.print(", ".join(f"{count} {name}" for name, count in counts.items() if count)
                  or "no scenarios")


def report_json(files: Sequence[FileResult]) -> dict[str, Any]:
    """The report as JSON-ready data: counts, then every scenario with its details."""
    scenarios: list[dict[str, Any]] = []
    for one in files:
        for result in one.results:
            scenarios.append({
                "file": str(result.scenario.path),
                "line": result.scenario.line,
                "feature": result.scenario.feature,
                "name": result.scenario.name,
                "status": result.status.value,
                "failures": [
                    {"line": failed.line, "step": failed.text, "what": failed.mismatch.what,
                     "expected": failed.mismatch.expected, "actual": failed.mismatch.actual}
                    for failed in result.failures
                ],
                "undefined": [
                    {"line": undefined.line, "step": undefined.text,
                     "closest": undefined.closest.example_text if undefined.closest else None}
                    for undefined in result.undefined
                ],
                "error": result.error or None,
            })
    return {
        "counts": summary_counts(files),
        "unreadable": [{"file": str(one.path), "error": one.error} for one in files if one.error],
        "scenarios": scenarios,
    }
