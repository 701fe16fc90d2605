"""The arguments, help and examples of ``almamatch send``; its work is ``almamatch.cli.send``."""

from __future__ import annotations

import argparse
from typing import Any

from almamatch.cli.arguments.options import exit_codes_epilog, run_in
from almamatch.serve.limits import DEFAULT_PORT
from almamatch.serve.request import Framing, LogonItem

__all__ = ["EPILOG", "register"]


EPILOG = """\
examples:
  almamatch serve --zone examples/zone --profile examples/profiles/carli.toml --port 5500 &
  almamatch send examples/exports.mrc --port 5500 --logon 01CARLI_XYZ --password xyz-iz-password
  almamatch send examples/exports.mrc --index 2 --port 5500 --logon 01CARLI_XYZ \\
      --password xyz-iz-password --framing browser --json

""" + exit_codes_epilog("a record got no reply (refused, timed out or closed on every attempt)")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "send",
        help="export each record of a MARC file to a Connexion port, one connection each",
        description="Send each record of a MARC file to a Connexion Gateway Export port (such "
        "as almamatch serve), one connection per record as the Connexion client does, and print "
        "the host message it answers.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="MARC file of records to export")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                        help=f"the server's port (default {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1", metavar="H",
                        help="the server's address (default 127.0.0.1)")
    parser.add_argument("--logon", required=True, metavar="ID", help="the Gateway logon ID")
    parser.add_argument("--password", required=True, metavar="PW",
                        help="the Gateway password (may be empty: '')")
    parser.add_argument("--framing", choices=[one.value for one in Framing],
                        default=Framing.DESKTOP.value,
                        help="item lengths as the desktop client (one byte) or the browser "
                        "(decimal digits) writes them (default: desktop)")
    parser.add_argument("--logon-item", choices=[one.value for one in LogonItem],
                        default=LogonItem.U.value, help="send the logon ID as U or A "
                        "(default: U)")
    parser.add_argument("--index", type=int, metavar="N",
                        help="send only the record at this position (0-based, as --json's "
                        "index; the plain lines number records from 1, as the batch table does)")
    parser.add_argument("--timeout", type=float, default=100.0, metavar="S",
                        help="seconds to wait for each reply (default 100, as Koha's manual "
                        "sets the client)")
    parser.add_argument("--retries", type=int, default=3, metavar="N",
                        help="attempts after the first (default 3, Connexion's)")
    parser.add_argument("--json", action="store_true", help="one JSON line per record")
    parser.set_defaults(func=run_in("almamatch.cli.send"))
