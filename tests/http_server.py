"""A real almamatch HTTP server for the tests: the example zone, on a free port of 127.0.0.1.

The server runs ``almamatch.web.server.serve_http`` on its own asyncio loop in a thread, exactly
as ``almamatch serve --http`` runs it; the tests talk to it through a real HTTP client.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from almamatch.web.server import serve_http, service_for

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOW = "2026-03-05T10:30"


def example_args(**overrides: object) -> argparse.Namespace:
    """The arguments of ``almamatch serve`` over the examples: zone, CARLI profile, examples."""
    values: dict[str, object] = {
        "zone": str(EXAMPLES / "zone"), "facts": None, "load_records": False,
        "zone_kind": None, "institution": None, "host": None, "zone_logon_id": None,
        "profile": str(EXAMPLES / "profiles" / "carli.toml"),
        "examples": str(EXAMPLES / "exports.mrc"),
    }
    values.update(overrides)
    return argparse.Namespace(**values)


@contextmanager
def running_server(max_body: int = 200_000, **overrides: object) -> Iterator[str]:
    """The base URL of a server over the example zone, stopped when the block ends."""
    service = service_for(example_args(**overrides))
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    url: list[str] = []

    def on_ready(address: str) -> None:
        url.append(address)
        ready.set()

    task = loop.create_task(serve_http(service, host="127.0.0.1", port=0, max_body=max_body,
                                       on_ready=on_ready))

    def run() -> None:
        asyncio.set_event_loop(loop)
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(task)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("the server did not start")
    try:
        yield url[0]
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(30)
        loop.close()
