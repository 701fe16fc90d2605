"""Running the HTTP API beside the Connexion ports: one more door on the gateway's loop.

Theory of operation: ``start_http`` binds the application (``web.app``) for one zone's
``HttpZone`` on the running asyncio loop and returns its URL and the coroutine that closes it,
which ``almamatch serve`` registers with ``Gateway.add_door`` so that the HTTP door stops with the
Connexion ports, before the zones close. Each decision the server makes is logged as one JSON
line in the one shape (``almamatch.envelope``) on the ``almamatch.decisions`` logger.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from almamatch.web.app import DEFAULT_MAX_BODY, make_app
from almamatch.web.service import HttpZone

__all__ = ["start_http"]


async def start_http(zone: HttpZone, *, host: str, port: int,
                     max_body: int = DEFAULT_MAX_BODY) -> tuple[str, Callable[[], Awaitable[None]]]:
    """Serve the API and the page on ``host:port`` (0: a free port): the URL, and the closer."""
    runner = web.AppRunner(make_app(zone, max_body=max_body), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    return f"http://{bound_host}:{bound_port}", runner.cleanup
