"""almamatch.web: the HTTP API and the page, around the same ``decide()`` and zone.

Needs the ``server`` extra (``pip install 'almamatch[server]'``: aiohttp). ``make_app`` builds
the aiohttp application over an ``HttpZone``; ``almamatch serve --http PORT`` runs it.
"""

from almamatch.web.app import DEFAULT_MAX_BODY, MEDIA_TYPES, make_app
from almamatch.web.service import HttpZone, Logon, Outcome, StoredBib

__all__ = [
    "DEFAULT_MAX_BODY",
    "MEDIA_TYPES",
    "HttpZone",
    "Logon",
    "Outcome",
    "StoredBib",
    "make_app",
]
