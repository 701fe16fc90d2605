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
    InvalidOption,
    profile_from_path,
)
from almamatch.core.zone import InMemoryZone, Zone
from almamatch.marc import read_bibs
from almamatch.serve.log import RequestLog
from almamatch.serve.reply import ReplyEnd
from almamatch.serve.request import AnswerAt, LogonItem
from almamatch.serve.server import DEFAULT_PORT, Gateway, Limits, WireOptions, ZoneListener
from almamatch.serve.service import ZoneService, ZoneStore
from almamatch.store.zone_store import ZoneStore as SavedZone
from almamatch.zonefiles.manifest import MANIFEST
from almamatch.zonefiles.zones import load_zone, ready_zone

if TYPE_CHECKING:
    from almamatch.web.service import HttpZone

__all__ = ["build_gateway", "run", "serve_until_stopped"]


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
