"""Running the HTTP API: the zone loaded as the commands load it, served on a host and port.

Theory of operation: ``service_for`` builds the ``ZoneService`` from the same arguments the
commands take (``--zone``, ``--facts``, ``--profile``..., through ``cli.inputs``), so the server
decides against the zone ``almamatch decide`` would. ``serve_http`` runs the application on the
running asyncio loop until it is cancelled, so it can run beside other servers in one loop. Each
decision the server makes is logged as one JSON line in the one shape (``almamatch.envelope``)
on the ``almamatch.decisions`` logger.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

from aiohttp import web

from almamatch.cli.inputs import profile_from_path, zone_for
from almamatch.marc import read_bibs
from almamatch.web.app import DEFAULT_MAX_BODY, make_app
from almamatch.web.service import ZoneService

__all__ = ["serve_http", "service_for"]


def service_for(args: argparse.Namespace) -> ZoneService:
    """The zone the arguments name, as a service; ``args.examples`` offers a file's records."""
    profile = profile_from_path(args.profile)
    zone, store = zone_for(args, profile)
    examples = list(read_bibs(args.examples)) if args.examples else []
    return ZoneService(zone, store, examples=examples)


async def serve_http(service: ZoneService, *, host: str, port: int,
                     max_body: int = DEFAULT_MAX_BODY,
                     on_ready: Callable[[str], None] | None = None) -> None:
    """Serve the API and the page on ``host:port`` until cancelled; ``on_ready`` gets the URL."""
    runner = web.AppRunner(make_app(service, max_body=max_body), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        if on_ready is not None:
            on_ready(f"http://{bound_host}:{bound_port}")
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
