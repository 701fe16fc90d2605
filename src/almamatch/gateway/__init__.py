"""almamatch.gateway: a Connexion client's Gateway Export settings, checked against CARLI's page.

A second, small domain beside the decision's: pure like ``almamatch.core`` (no I/O, no clock),
it reads one ``GatewaySettings`` and returns ``Finding`` values with cause and fix. It imports
only ``almamatch.core`` (for the decision codes an export meets).
"""

from almamatch.gateway.findings import FINDINGS, FindingCode, Outcome, PossibleCause, Severity
from almamatch.gateway.settings import (
    LABELS,
    CharacterSet,
    Finding,
    GatewaySettings,
    RecordFormat,
    check_gateway,
    possible_causes,
)
from almamatch.gateway.zones import ISHARE_ZONES, InvalidGatewaySettings, ZoneEntry

__all__ = [
    "FINDINGS",
    "ISHARE_ZONES",
    "LABELS",
    "CharacterSet",
    "Finding",
    "FindingCode",
    "GatewaySettings",
    "InvalidGatewaySettings",
    "Outcome",
    "PossibleCause",
    "RecordFormat",
    "Severity",
    "ZoneEntry",
    "check_gateway",
    "possible_causes",
]
