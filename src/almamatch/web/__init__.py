"""almamatch.web: the HTTP API and the page, around the same ``decide()`` and zone.

Needs the ``server`` extra (``pip install 'almamatch[server]'``: aiohttp). ``make_app`` builds
the aiohttp application over a ``ZoneService``; ``almamatch serve --http PORT`` runs it.
"""

from almamatch.web.app import DEFAULT_MAX_BODY, MEDIA_TYPES, make_app
from almamatch.web.service import DecisionStore, Logon, Outcome, StoredBib, ZoneService

__all__ = [
    "DEFAULT_MAX_BODY",
    "MEDIA_TYPES",
    "DecisionStore",
    "Logon",
    "Outcome",
    "StoredBib",
    "ZoneService",
    "make_app",
]
