"""almamatch.serve: the Connexion Gateway Export endpoint around ``decide()`` and a zone's store.

``request`` reads one request from bytes (sans I/O, both framings) and writes one for clients;
``reply`` words and ends the answer; ``service`` decides, applies and commits one zone's requests
in arrival order on that zone's own thread; ``server`` runs one port per zone on one asyncio loop
(``Gateway``, which other doors such as an HTTP app join); ``log`` writes one line per request;
``client`` sends records as the Connexion client does.

Each name is imported from its module when first used, so that reading one small module (the
command's arguments read ``request`` and ``limits``) does not import the server and the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from almamatch.lazy_names import lazy_names

if TYPE_CHECKING:
    from almamatch.serve.limits import Limits
    from almamatch.serve.request import (
        AnswerAt,
        ExportRequest,
        Framing,
        LogonItem,
        RequestParser,
        encode_request,
    )
    from almamatch.serve.server import Gateway, WireOptions, ZoneListener
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

#: The module of ``almamatch.serve`` that defines each name.
_HOMES = {
    "AnswerAt": "request",
    "ExportRequest": "request",
    "Framing": "request",
    "Gateway": "server",
    "Limits": "limits",
    "LogonItem": "request",
    "RequestParser": "request",
    "WireOptions": "server",
    "ZoneListener": "server",
    "ZoneService": "service",
    "encode_request": "request",
}


# Out of the type checker's sight: a module's ``__getattr__`` would make it read any name of the
# package, a mistyped one too, as Any; it reads the names imported above instead.
if not TYPE_CHECKING:
    __getattr__ = lazy_names(__name__, _HOMES)
