"""Rows for people and for spreadsheets: ``--format table|tsv|csv|json`` on every reporting command.

Theory of operation: a reporting command builds a ``Report`` (a title, a few "about" lines such
as the profile and the moment used, column names, rows of text) and ``write_report`` prints it in
the format asked. Nothing is ever cut:

- ``table`` at a terminal is a rich table whose every column folds long text onto more lines;
- ``table`` anywhere else (a pipe, a file, an 80-column log) is plain rows, columns padded with
  spaces to the widest value, so that ``> out.txt`` holds every MMS ID and host message whole;
- ``tsv`` and ``csv`` are one header line and one line per row (tabs and line breaks inside a TSV
  cell become spaces; CSV quotes as RFC 4180 says), without the title and about lines;
- ``json`` is the command's own JSON (``--json`` is the same as ``--format json``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import IO

from attrs import field, frozen

from almamatch.cli.arguments.options import Format

__all__ = ["Report", "write_report"]


def _rows(rows: Iterable[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(row) for row in rows)


@frozen(kw_only=True)
class Report:
    """What a command shows: a title, lines about the run, named columns, rows of text."""

    title: str
    about: tuple[tuple[str, str], ...] = ()
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = field(converter=_rows)
    right: frozenset[str] = frozenset()  # columns aligned right (numbers)


def write_report(report: Report, fmt: Format, stream: IO[str] | None = None) -> None:
    """``report`` on ``stream`` (stdout) as ``fmt`` asks; ``json`` is the caller's to write."""
    target = stream if stream is not None else sys.stdout
    match fmt:
        case Format.TABLE:
            if target.isatty():
                _rich(report, target)
            else:
                _plain(report, target)
        case Format.TSV:
            for row in (report.columns, *report.rows):
                target.write("\t".join(" ".join(cell.split()) for cell in row) + "\n")
        case Format.CSV:
            import csv  # noqa: PLC0415 (a CSV report only)

            writer = csv.writer(target, lineterminator="\n")
            writer.writerow(report.columns)
            writer.writerows(report.rows)
        case Format.JSON:
            raise ValueError("a JSON report is written by the command, in its own shape")


def _rich(report: Report, target: IO[str]) -> None:
    # rich only at a terminal: a command printing to a pipe or a file starts without it.
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    console = Console(file=target, markup=False, highlight=False)
    for label, value in report.about:
        console.print(Text.assemble((f"{label}: ", "bold"), value))
    table = Table(title=report.title, title_justify="left")
    for name in report.columns:
        table.add_column(name, overflow="fold",
                         justify="right" if name in report.right else "left")
    for row in report.rows:
        table.add_row(*row)
    console.print(table)


def _plain(report: Report, target: IO[str]) -> None:
    if report.title:
        target.write(report.title + "\n")
    for label, value in report.about:
        target.write(f"{label}: {value}\n")
    rows = (report.columns, *report.rows)
    widths = [max(len(row[column]) for row in rows) for column in range(len(report.columns))]
    for row in rows:
        cells = [
            cell.rjust(width) if name in report.right else cell.ljust(width)
            for cell, width, name in zip(row, widths, report.columns, strict=True)
        ]
        target.write("  ".join(cells).rstrip() + "\n")
