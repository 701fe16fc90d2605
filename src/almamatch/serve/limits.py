"""The port a Connexion client exports to, and what one connection may cost.

Apart from ``serve.server`` so that the command's arguments (``cli.arguments.serve``) can show
these defaults without importing the event loop and the zones' services.
"""

from __future__ import annotations

from typing import Final

from attrs import field, frozen

from almamatch.serve.request import MAX_REQUEST_BYTES

__all__ = ["DEFAULT_PORT", "Limits"]

#: Alma's Gateway Export port on the zone host (CARLI, alma-behaviour.md S1).
DEFAULT_PORT: Final = 5500


def _positive(_: object, attribute: object, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{getattr(attribute, 'name', attribute)} must be positive, not {value}")


@frozen(kw_only=True)
class Limits:
    """What one connection may cost; each limit reached is a logged refusal."""

    max_request_bytes: int = field(default=MAX_REQUEST_BYTES, validator=_positive)
    idle_timeout: float = field(default=30.0, validator=_positive)  # FOLIO: 30 s
    max_connections: int = field(default=512, validator=_positive)  # open at once, per zone
    linger: float = field(default=2.0, validator=_positive)  # reading after the reply
    grace: float = field(default=5.0, validator=_positive)  # for requests still arriving at stop
