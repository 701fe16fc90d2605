"""The arguments, help and examples of ``almamatch decide``; its work is ``cli.decide``."""

from __future__ import annotations

import argparse
from typing import Any

from almamatch.cli.arguments.options import (
    add_format_argument,
    add_logon_arguments,
    add_now_argument,
    add_profile_argument,
    add_zone_arguments,
    count,
    exit_codes_epilog,
    run_in,
)

__all__ = ["EPILOG", "register"]


EPILOG = """\
example:
  almamatch decide examples/exports.mrc --index 1 --zone examples/zone \\
      --profile examples/profiles/carli.toml --now 2026-03-05T10:30
  almamatch decide examples/exports.mrc --record 7 --zone examples/zone --now 2026-03-05T10:30

""" + exit_codes_epilog(
    "with --strict, Alma would refuse the record (Import Failed or skipped) or it could "
    "not be read (without --strict these are outcomes, exit 0)"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "decide",
        help="what Alma does with one exported record",
        description="Decide one Connexion Gateway Export: add, merge or refuse, with the host "
        "message, evidence and trace.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("record", metavar="RECORD", help="MARC file holding the exported record")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--index", type=count(0, 2**62), default=None, metavar="N",
                       help="which record of the file, counting from 0 as the JSON 'index' does "
                       "(default: the first)")
    which.add_argument("--record", dest="number", type=count(1, 2**62), default=None,
                       metavar="N", help="which record, counting from 1 as the batch table's # "
                       "does")
    add_zone_arguments(parser)
    add_profile_argument(parser)
    add_logon_arguments(parser)
    add_now_argument(parser)
    add_format_argument(parser, json_help="print one JSON line, as batch --json writes "
                        "(almamatch.envelope); the same as --format json")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when Alma would refuse the record or it could not be read")
    parser.set_defaults(func=run_in("almamatch.cli.decide"))
