"""A real almamatch HTTP server for the tests: the example zone, on a free port of 127.0.0.1.

The zone is opened as ``almamatch serve`` opens it (``cli.serve.build_gateway``) and the HTTP
door is started as ``serve --http`` starts it (``web.server.start_http``), on an asyncio loop in
a thread; the tests talk to it through a real HTTP client.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from almamatch.cli.serve import build_gateway
from almamatch.marc import read_bibs
from almamatch.serve.log import RequestLog
from almamatch.web.server import start_http
from almamatch.web.service import HttpZone

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOW = "2026-03-05T10:30"


def serve_args(**overrides: object) -> argparse.Namespace:
    """The arguments of ``almamatch serve`` over the example zone with the CARLI profile."""
    values: dict[str, object] = {
        "zone": [str(EXAMPLES / "zone")], "profile": [str(EXAMPLES / "profiles" / "carli.toml")],
        "port": [0], "host": "127.0.0.1", "now": None, "logon_item": "U", "answer_at": "record",
        "reply_end": "nul", "max_request_bytes": 100_000, "idle_timeout": 30.0,
        "max_connections": 64,
    }
    values.update(overrides)
    return argparse.Namespace(**values)


@contextmanager
def running_doors(max_body: int = 200_000) -> Iterator[tuple[str, int]]:
    """The HTTP base URL and the Connexion port of one server over the example zone, both doors
    on one loop through the same zone service, as ``serve --port 0 --http 0`` runs them."""
    with _running(max_body, connexion=True) as doors:
        yield doors


@contextmanager
def running_server(max_body: int = 200_000) -> Iterator[str]:
    """The base URL of a server over the example zone (HTTP only), stopped when the block ends."""
    with _running(max_body, connexion=False) as (url, _):
        yield url


@contextmanager
def _running(max_body: int, *, connexion: bool) -> Iterator[tuple[str, int]]:
    gateway = build_gateway(serve_args(), RequestLog(io.StringIO()))
    zone = HttpZone(gateway.services[0], examples=read_bibs(EXAMPLES / "exports.mrc"))
    loop = asyncio.new_event_loop()
    started = threading.Event()
    doors: list[tuple[str, int]] = []
    stop = asyncio.Event()

    async def serve() -> None:
        if connexion:
            await gateway.start()
        address, close = await start_http(zone, host="127.0.0.1", port=0, max_body=max_body)
        gateway.add_door(close)
        doors.append((address, gateway.listeners[0].address[1] if connexion else 0))
        started.set()
        await stop.wait()
        await gateway.stop()

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    if not started.wait(60):
        raise RuntimeError("the server did not start")
    try:
        yield doors[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(60)
        loop.close()
