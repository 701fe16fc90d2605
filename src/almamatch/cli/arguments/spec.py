"""The arguments, help and examples of ``almamatch spec``; its work is ``almamatch.cli.spec``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from almamatch.cli.arguments.options import add_format_argument, run_in

__all__ = ["EXAMPLE", "register"]


EXAMPLE = """example:
  almamatch spec specs/                      run every .feature file under specs/
  almamatch spec specs/brief_levels.feature --json
  almamatch spec --write-reference specs/README.md
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "spec",
        help="run Gherkin policy specs (.feature files) and report expected beside actual",
        description="Run specification-by-example files: every Scenario and every Examples row "
        "of a Scenario Outline. Exit 0 if all pass, 1 if any fails (or none ran), 2 for "
        "unreadable specs or a folder without .feature files.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help=".feature files or folders holding them")
    add_format_argument(parser, json_help="print the report as JSON (the same as --format json)")
    parser.add_argument("--failures-only", action="store_true",
                        help="list only scenarios that did not pass")
    parser.add_argument("--write-reference", type=Path, metavar="README",
                        help="rewrite the step reference section of this README and exit")
    parser.set_defaults(func=run_in("almamatch.cli.spec"))
