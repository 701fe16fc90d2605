"""The arguments, help and examples of ``almamatch demo``; its work is ``almamatch.cli.demo``."""

from __future__ import annotations

import argparse
from typing import Any

from almamatch.cli.arguments.options import add_format_argument, run_in

__all__ = ["EPILOG", "register"]


EPILOG = """\
example:
  almamatch demo
  almamatch demo --format csv > outcomes.csv

the same as, in a checkout:
  almamatch batch examples/exports.mrc --zone examples/zone \\
      --profile examples/profiles/carli.toml --now 2026-03-05T10:30

exit codes: 0 ok; 2 usage error
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="decide the example exports shipped with the package: every outcome once",
        description="Run the example batch (eleven exports against the example zone, CARLI "
        "profile, at 2026-03-05 10:30) from the files installed with the package.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_format_argument(parser, json_help="as batch --json")
    parser.add_argument("--summary", action="store_true", help="as batch --summary")
    parser.set_defaults(func=run_in("almamatch.cli.demo"))
