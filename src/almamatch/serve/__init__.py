"""almamatch.serve: the Connexion Gateway Export endpoint around ``decide()`` and a zone's store.

``request`` reads one request from bytes (sans I/O, both framings) and writes one for clients;
``reply`` words and ends the answer; ``service`` decides, applies and commits one zone's requests
in arrival order on that zone's own thread; ``server`` runs one port per zone on one asyncio loop
(``Gateway``, which other doors such as an HTTP app join); ``log`` writes one line per request;
``client`` sends records as the Connexion client does.
"""

from almamatch.serve.request import (
    AnswerAt,
    ExportRequest,
    Framing,
    LogonItem,
    RequestParser,
    encode_request,
)
from almamatch.serve.server import Gateway, Limits, WireOptions, ZoneListener
from almamatch.serve.service import ZoneService

__all__ = [
    "AnswerAt",
    "ExportRequest",
    "Framing",
    "Gateway",
    "Limits",
    "LogonItem",
    "RequestParser",
    "WireOptions",
    "ZoneListener",
    "ZoneService",
    "encode_request",
]
