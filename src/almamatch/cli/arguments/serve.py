"""The arguments, help and examples of ``almamatch serve``; its work is ``almamatch.cli.serve``."""

from __future__ import annotations

import argparse
from typing import Any

from almamatch.cli.arguments.options import exit_codes_epilog, moment_argument, run_in
from almamatch.serve.limits import DEFAULT_PORT, Limits
from almamatch.serve.reply import ReplyEnd
from almamatch.serve.request import MAX_REQUEST_BYTES, AnswerAt, LogonItem

__all__ = ["EPILOG", "register"]


EPILOG = """\
examples:
  almamatch serve --zone examples/zone --profile examples/profiles/carli.toml --port 5500
  almamatch send examples/exports.mrc --port 5500 --logon 01CARLI_XYZ --password xyz-iz-password

  # two zones, each on its own port; the system picks free ports, printed on stdout
  almamatch serve --zone iz --profile iz.toml --port 0 --zone nz --profile nz.toml --port 0

  # JSON log lines to a file; judge locks at a fixed moment (a simulator's clock)
  almamatch serve --zone examples/zone --log requests.jsonl --json --now 2026-03-05T10:30

  # the HTTP API and the page on port 8080 (beside the Connexion port, or alone)
  almamatch serve --zone examples/zone --http 8080 --examples examples/exports.mrc
  almamatch serve --zone examples/zone --http 8080 --no-gateway

stdout: one line 'listening on HOST:PORT' per zone, in --zone order, once every port is bound;
with --http, then one line 'http://HOST:PORT/ (HTTP API and page)'.
stderr (or --log FILE): one line per request: time, zone, peer, outcome (the decision's code,
or UNREADABLE, BAD_REQUEST, TIMEOUT, BUSY, HEALTH_CHECK, STOPPED, STORE_FAILED), MMS ID,
logon ID, OCLC numbers, the zone's decision number, milliseconds. Never the password.
SIGTERM or Ctrl-C: stop accepting, finish the requests in flight, commit, exit 0.

""" + exit_codes_epilog("(not used)")


def _port(text: str) -> int:
    """A TCP port number, 0 to 65535 (0: the system picks a free one); else a usage error."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="listen for Connexion Gateway Exports: one TCP port per zone",
        description="Serve zones on the Connexion Gateway Export protocol: each request is "
        "decided against its zone in arrival order, applied and committed before the host "
        "message is sent back.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    zones = parser.add_argument_group("zones (repeat --zone, with --profile and --port in the "
                                      "same order, for several zones)")
    zones.add_argument("--zone", action="append", required=True, metavar="DIR",
                       help="a saved zone directory (almamatch zone build) or a MARC dump")
    zones.add_argument("--profile", action="append", metavar="PROFILE",
                       help="the zone's profile TOML: its integration profile and identity "
                       "(default: the CARLI I-Share IZ profile, password 'almamatch'); one for "
                       "all zones or one per zone")
    zones.add_argument("--port", action="append", type=_port, metavar="N",
                       help=f"the zone's port (default {DEFAULT_PORT}, Alma's; 0: a free port); "
                       "one per zone when there are several")
    parser.add_argument("--host", default="127.0.0.1", metavar="ADDR",
                        help="the address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--log", metavar="FILE",
                        help="append the request log to FILE instead of stderr")
    parser.add_argument("--json", action="store_true", help="log JSON lines")
    parser.add_argument("--now", metavar="TIME", type=moment_argument,
                        help="judge every export at this moment (a date and a time, as "
                        "almamatch decide --now takes it) instead of the clock")
    wire = parser.add_argument_group(
        "protocol choices where Alma's own receiver is unknown (see the README)")
    wire.add_argument("--logon-item", choices=[one.value for one in LogonItem],
                      default=LogonItem.U.value,
                      help="the item that carries the logon ID; the other one is read when it "
                      "is absent (default: U)")
    wire.add_argument("--answer-at", choices=[one.value for one in AnswerAt],
                      default=AnswerAt.RECORD.value,
                      help="answer as soon as one record has arrived (record, FOLIO) or at "
                      "NUL / the client's close (end, Koha) (default: record)")
    wire.add_argument("--reply-end", choices=[one.value for one in ReplyEnd],
                      default=ReplyEnd.NUL.value,
                      help="end each reply with NUL (Koha) or newline and NUL (FOLIO) "
                      "(default: nul)")
    http = parser.add_argument_group("HTTP API and page (needs almamatch[server])")
    http.add_argument("--http", type=_port, metavar="PORT",
                      help="also serve the HTTP API and the page for the first zone on PORT "
                      "(0: a free port), on --host")
    http.add_argument("--no-gateway", action="store_true",
                      help="serve only the HTTP API and page, no Connexion port")
    http.add_argument("--http-max-body", type=int, default=1_000_000, metavar="N",
                      help="refuse HTTP request bodies over N bytes (default 1000000)")
    http.add_argument("--examples", metavar="FILE",
                      help="a MARC file whose records the page offers as examples")
    limits = parser.add_argument_group("limits")
    limits.add_argument("--max-request-bytes", type=int, default=MAX_REQUEST_BYTES,
                        metavar="N", help=f"refuse longer requests (default {MAX_REQUEST_BYTES})")
    limits.add_argument("--idle-timeout", type=float, default=Limits().idle_timeout,
                        metavar="S", help="refuse a connection silent this long (default 30)")
    limits.add_argument("--max-connections", type=int, default=Limits().max_connections,
                        metavar="N", help="open connections per zone before new ones are "
                        f"refused (default {Limits().max_connections})")
    parser.set_defaults(func=run_in("almamatch.cli.serve"))
