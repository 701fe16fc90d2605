"""The arguments, help and examples of ``almamatch diff``; its work is ``almamatch.cli.diff``."""

from __future__ import annotations

import argparse
from typing import Any

from almamatch.cli.arguments.options import (
    add_format_argument,
    add_now_argument,
    add_zone_arguments,
    exit_codes_epilog,
    run_in,
)

__all__ = ["EPILOG", "register"]


EPILOG = """\
example:
  almamatch diff examples/exports.mrc --zone examples/zone --now 2026-03-05T10:30 \\
      --profile examples/profiles/carli.toml --profile examples/profiles/guards-off.toml

""" + exit_codes_epilog("some record changes outcome between the profiles")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="the same batch under two profiles: which records change outcome, and why",
        description="Run one batch under two integration profiles and show the records whose "
        "outcome changes, the stages that make the difference, and counts by (code under A, "
        "code under B).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("exports", metavar="EXPORTS", help="MARC file of exported records")
    add_zone_arguments(parser)
    parser.add_argument("--profile", action="append", required=True, metavar="PROFILE",
                        help="profile TOML; give it twice, A then B")
    add_now_argument(parser)
    add_format_argument(parser, json_help="print one JSON object (the same as --format json)")
    parser.set_defaults(func=run_in("almamatch.cli.diff"), logon=None, password=None)
