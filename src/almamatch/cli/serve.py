"""``almamatch serve``: the Connexion Gateway Export endpoint, one port per zone.

Theory of operation: the options name one or more zones (``--zone``, repeated), each with its
profile (``--profile``) and port (``--port``), given in the same order; ``build_gateway`` opens
each zone's store and service and a ``ZoneListener`` for it (``serve.server``), and ``run``
binds every port, prints ``listening on HOST:PORT`` on stdout for each zone in order (scripts
and tests wait for these lines), then serves until SIGTERM or Ctrl-C, when it stops accepting,
finishes the requests in flight, commits, and exits 0. One log line per request goes to stderr
or ``--log FILE`` (appended to, never truncated), as JSON lines with ``--json``. Another door on
the same loop (an HTTP app) is started in ``serve_until_stopped`` after the Connexion ports and
registered with ``Gateway.add_door`` so that it stops with them: ``--http PORT`` serves the HTTP
API and the page (``almamatch.web``, the ``server`` extra) for the first zone, through the same
zone service, and prints its URL on stdout after the ``listening on`` lines; with
``--no-gateway`` it is the only door.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from attrs import frozen

from almamatch.cli.inputs import (
    EXIT_CODES_EPILOG,
    InvalidOption,
    moment_argument,
    profile_from_path,
)
from almamatch.core.zone import InMemoryZone, Zone
from almamatch.marc import read_bibs
from almamatch.serve.log import RequestLog
from almamatch.serve.reply import ReplyEnd
from almamatch.serve.request import MAX_REQUEST_BYTES, AnswerAt, LogonItem
from almamatch.serve.server import DEFAULT_PORT, Gateway, Limits, WireOptions, ZoneListener
from almamatch.serve.service import ZoneService, ZoneStore
from almamatch.store.zone_store import ZoneStore as SavedZone
from almamatch.zonefiles.manifest import MANIFEST
from almamatch.zonefiles.zones import load_zone, ready_zone

if TYPE_CHECKING:
    from almamatch.web.service import HttpZone

__all__ = ["build_gateway", "register", "run", "serve_until_stopped"]

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

""" + EXIT_CODES_EPILOG.format(failures="(not used)")


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
    parser.set_defaults(func=run)


def _per_zone(values: list[Any] | None, count: int, name: str, default: Any) -> list[Any]:
    if not values:
        return [default] * count
    if len(values) == 1:
        return values * count
    if len(values) != count:
        raise InvalidOption(name, "count", f"{len(values)} values for {count} zones: give one "
                            "for all zones or one per zone, in --zone order")
    return values


class _Unsaved:
    """A zone given as a MARC dump, in memory as the service's store: applied decisions last
    until the server stops (only a saved zone has a journal to commit to)."""

    def __init__(self, bibs: InMemoryZone) -> None:
        self.apply = bibs.apply
        self.record = bibs.record

    def commit(self) -> None:
        """Nothing to write: this zone lives in memory only."""

    def close(self) -> None:
        """Nothing to close."""


def _open_zone(path: str, profile_path: str | None) -> tuple[Zone, ZoneStore]:
    """The zone and its store: a saved zone (``zone build``) opened for writing, its journal
    committed to before each reply; a MARC dump held in memory."""
    profile = profile_from_path(profile_path)
    if (Path(path) / MANIFEST).is_file():
        saved = SavedZone.open(path, brief_rules=profile.profile.levels)
        return ready_zone(profile.identity, profile.profile, saved.view()), saved
    bibs = load_zone(path, brief_rules=profile.profile.levels, use_index=True)
    return ready_zone(profile.identity, profile.profile, bibs), _Unsaved(bibs)


def _clock(args: argparse.Namespace) -> Callable[[], datetime] | None:
    moment: datetime | None = args.now
    return None if moment is None else (lambda: moment)


def build_gateway(args: argparse.Namespace, log: RequestLog) -> Gateway:
    """Every zone the options name, opened, with its listener (not yet bound)."""
    count = len(args.zone)
    profiles = _per_zone(args.profile, count, "--profile", None)
    given = args.port or [DEFAULT_PORT]
    if count > 1 and len(given) != count and given != [0]:
        raise InvalidOption("--port", "count", "several zones need one --port each, in --zone "
                            "order (or a single --port 0: free ports for all)")
    ports = _per_zone(given, count, "--port", DEFAULT_PORT)
    limits = Limits(max_request_bytes=args.max_request_bytes, idle_timeout=args.idle_timeout,
                    max_connections=args.max_connections)
    wire = WireOptions(answer_at=AnswerAt(args.answer_at), reply_end=ReplyEnd(args.reply_end))
    clock = _clock(args)
    listeners = []
    for path, profile_path, port in zip(args.zone, profiles, ports, strict=True):
        zone, store = _open_zone(path, profile_path)
        service = ZoneService(zone, store, logon_item=LogonItem(args.logon_item), clock=clock)
        listeners.append(ZoneListener(service, host=args.host, port=port, limits=limits,
                                      wire=wire, log=log))
    return Gateway(listeners)


@frozen(kw_only=True)
class HttpDoor:
    """The HTTP API and page to serve beside (or instead of) the Connexion ports."""

    zone: HttpZone
    host: str
    port: int
    max_body: int
    alone: bool = False  # --no-gateway: no Connexion port


def _http_door(args: argparse.Namespace, gateway: Gateway) -> HttpDoor | None:
    if args.http is None:
        if args.no_gateway:
            raise InvalidOption("--no-gateway", "no_door", "--no-gateway needs --http PORT")
        return None
    try:
        from almamatch.web.service import HttpZone  # noqa: PLC0415 - the optional server extra
    except ImportError:
        raise InvalidOption("--http", "no_server_extra", "the HTTP API needs the server "
                            "extra: pip install 'almamatch[server]'") from None
    examples = list(read_bibs(args.examples)) if args.examples else []
    return HttpDoor(zone=HttpZone(gateway.services[0], examples=examples), host=args.host,
                    port=args.http, max_body=args.http_max_body, alone=args.no_gateway)


async def serve_until_stopped(gateway: Gateway, *, out: IO[str],
                              http: HttpDoor | None = None) -> None:
    """Bind, announce each port on ``out``, serve until SIGTERM/SIGINT, then stop gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if http is None or not http.alone:
            await gateway.start()
            for listener in gateway.listeners:
                host, port = listener.address
                out.write(f"listening on {host}:{port}\n")
        if http is not None:
            from almamatch.web.server import start_http  # noqa: PLC0415 - the server extra

            url, close = await start_http(http.zone, host=http.host, port=http.port,
                                          max_body=http.max_body)
            gateway.add_door(close)
            out.write(f"{url}/ (HTTP API and page)\n")
        out.flush()
        await stop.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await gateway.stop()


@contextlib.contextmanager
def _log_stream(path: str | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stderr
        return
    with Path(path).open("a", encoding="utf-8") as stream:
        yield stream


def run(args: argparse.Namespace) -> int:
    for name in ("max_request_bytes", "idle_timeout", "max_connections", "http_max_body"):
        if getattr(args, name) <= 0:
            raise InvalidOption(str(getattr(args, name)), "not_positive",
                                f"--{name.replace('_', '-')} must be positive")
    with _log_stream(args.log) as stream:
        gateway = build_gateway(args, RequestLog(stream, as_json=args.json))
        try:
            http = _http_door(args, gateway)
            asyncio.run(serve_until_stopped(gateway, out=sys.stdout, http=http))
        finally:
            for service in gateway.services:
                service.close()
    return 0
