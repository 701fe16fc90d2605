"""``almamatch spec PATH...``: run policy specs and print what passed, failed or is undefined.

Exit status: 0 when every scenario passes, 1 when any fails, has an undefined step or cannot run
(or when the files hold no scenario at all), 2 for a usage error, a folder without .feature files,
or a spec file that cannot be read or parsed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

from almamatch.cli.arguments.options import Format, format_of
from almamatch.cli.report import Report, write_report
from almamatch.specs.errors import SpecError
from almamatch.specs.reference import replace_section
from almamatch.specs.report import print_report, report_json
from almamatch.specs.runner import Status, load_vocabulary, run_paths

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, soft_wrap=False)
    if args.write_reference is not None:
        return _write_reference(args.write_reference)
    if not args.paths:
        sys.stderr.write("almamatch spec: name at least one .feature file or folder\n")
        return 2
    try:
        files = list(run_paths(args.paths))
    except SpecError as error:
        sys.stderr.write(f"almamatch spec: {error}\n")
        return 2
    fmt = format_of(args)
    if fmt is Format.JSON:
        sys.stdout.write(json.dumps(report_json(files), indent=2) + "\n")
    elif fmt is Format.TABLE:
        print_report(files, console, verbose=not args.failures_only)
    else:
        write_report(_scenario_rows(report_json(files)), fmt)
    if any(one.error for one in files):
        return 2
    statuses = {result.status for one in files for result in one.results}
    if not statuses:
        # Nothing checked is not a pass: a misspelled "Scenario:" leaves a file without any.
        sys.stderr.write("almamatch spec: no scenarios to run in "
                         + ", ".join(str(path) for path in args.paths) + "\n")
        return 1
    return 0 if statuses <= {Status.PASSED} else 1


def _scenario_rows(report: dict[str, Any]) -> Report:
    """One row per scenario, for ``--format tsv`` or ``csv``."""
    rows = [(one["file"], str(one["line"]), one["feature"], one["name"], one["status"],
             "; ".join(f"line {failed['line']}: {failed['what']}: expected {failed['expected']}, "
                       f"got {failed['actual']}" for failed in one["failures"])
             or one["error"] or "")
            for one in report["scenarios"]]
    return Report(title="", columns=("file", "line", "feature", "scenario", "status", "why"),
                  rows=rows)


def _write_reference(path: Path) -> int:
    """Rewrite the README's reference section: a new file beside it, then renamed over it, so
    that an interrupted run never leaves half a README."""
    try:
        text = replace_section(path.read_text(encoding="utf-8"), load_vocabulary())
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         prefix=f".{path.name}.", delete=False) as handle:
            handle.write(text)
        written = Path(handle.name)
        written.chmod(path.stat().st_mode & 0o7777)  # the README keeps its permissions
        written.replace(path)
    except (OSError, SpecError) as error:
        sys.stderr.write(f"almamatch spec: {error}\n")
        return 2
    return 0
