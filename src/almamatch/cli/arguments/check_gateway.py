"""The arguments, help and examples of ``almamatch check-gateway``; its work is
``almamatch.cli.check_gateway``."""

from __future__ import annotations

import argparse
from typing import Any

from almamatch.cli.arguments.options import add_format_argument, exit_codes_epilog, run_in

__all__ = ["EPILOG", "register"]


EPILOG = """\
example:
  almamatch check-gateway examples/gateway/broken.toml
  almamatch check-gateway examples/gateway/good.toml --zones examples/gateway/ishare-zones.csv

""" + exit_codes_epilog("a finding of severity error")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-gateway",
        help="check Connexion Gateway Export settings, with cause and fix for each finding",
        description="Check a Connexion client's OCLC Gateway Export settings (TOML) against "
        "CARLI's I-Share instructions and a table of zones (host name, logon ID).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("settings", metavar="SETTINGS", help="gateway settings TOML")
    parser.add_argument("--zones", metavar="TABLE",
                        help="CSV with columns Zone, Host Name, Logon ID (default: CARLI's "
                        "I-Share table)")
    add_format_argument(parser, json_help="print one JSON object (the same as --format json)")
    parser.set_defaults(func=run_in("almamatch.cli.check_gateway"))
