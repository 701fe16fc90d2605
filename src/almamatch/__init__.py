"""almamatch: what Ex Libris Alma does with a record exported from OCLC Connexion.

This module only re-exports the contract: the values a simulator or a web project builds (``Bib``,
``Export``, ``Zone``, ``IntegrationProfile``), ``decide()`` and the decisions it returns, the
parsed values (``OclcNumber``, ``Timestamp``, ``BriefLevel``) and the errors. The rest lives in
its subpackage: ``almamatch.marc`` reads MARC files, ``almamatch.zonefiles`` reads zones and
profiles on disk, ``almamatch.codec`` gives a decision's JSON, ``almamatch.gateway`` checks
Gateway Export settings, ``almamatch.index`` is the compact zone index, ``almamatch.core`` holds
every domain name.
"""

from typing import TYPE_CHECKING, Any, Final

from almamatch.core.brief import BriefLevel, BriefLevelRules
from almamatch.core.decide import InvalidDecisionInput, connection_closed, decide
from almamatch.core.decision import (
    SUCCESS_MESSAGE,
    Add,
    Candidate,
    Code,
    ConnectionClosed,
    ConversionProblem,
    Decision,
    Failure,
    LogonFailed,
    MarcXmlConversionFailed,
    Merge,
    MultiMatch,
    NoIntegrationProfile,
    NotAddedBrief,
    NotAddedLocked,
    NotAddedOld,
    SkippedCzLinked,
    Stage,
    Step,
    Verdict,
)
from almamatch.core.encoding import EncodingLevel
from almamatch.core.errors import (
    AlmamatchError,
    InvalidBriefLevel,
    InvalidEncodingLevel,
    InvalidLock,
    InvalidOclcNumber,
    InvalidRecord,
    InvalidTimestamp,
)
from almamatch.core.facts import BibFacts, Side, ZoneView
from almamatch.core.lock import Lock
from almamatch.core.merge import InvalidMergeRule, MergeAction, MergeMethod, UnknownMergeMethod
from almamatch.core.normalization import CopyCancelledTo035z, NormalizationStep, RemoveFields
from almamatch.core.oclc import OclcNumber
from almamatch.core.profile import Guard, IntegrationProfile, MatchMethod, OlderVersionGuard
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield
from almamatch.core.timestamp import Timestamp
from almamatch.core.zone import Export, InMemoryZone, InvalidZone, Zone, ZoneKind
from almamatch.lazy_names import lazy_names

if TYPE_CHECKING:
    from almamatch.gateway import GatewaySettings, InvalidGatewaySettings, check_gateway
    from almamatch.rules.merge import format_merge_rule, parse_merge_rule
    from almamatch.zonefiles.zones import open_zone

    __version__: str

__all__ = [
    "SUCCESS_MESSAGE",
    "Add",
    "AlmamatchError",
    "Bib",
    "BibFacts",
    "BriefLevel",
    "BriefLevelRules",
    "Candidate",
    "Code",
    "ConnectionClosed",
    "ControlField",
    "ConversionProblem",
    "CopyCancelledTo035z",
    "DataField",
    "Decision",
    "EncodingLevel",
    "Export",
    "Failure",
    "Field",
    "GatewaySettings",
    "Guard",
    "InMemoryZone",
    "IntegrationProfile",
    "InvalidBriefLevel",
    "InvalidDecisionInput",
    "InvalidEncodingLevel",
    "InvalidGatewaySettings",
    "InvalidLock",
    "InvalidMergeRule",
    "InvalidOclcNumber",
    "InvalidRecord",
    "InvalidTimestamp",
    "InvalidZone",
    "Lock",
    "LogonFailed",
    "MarcXmlConversionFailed",
    "MatchMethod",
    "Merge",
    "MergeAction",
    "MergeMethod",
    "MultiMatch",
    "NoIntegrationProfile",
    "NormalizationStep",
    "NotAddedBrief",
    "NotAddedLocked",
    "NotAddedOld",
    "OclcNumber",
    "OlderVersionGuard",
    "RemoveFields",
    "Side",
    "SkippedCzLinked",
    "Stage",
    "Step",
    "Subfield",
    "Timestamp",
    "UnknownMergeMethod",
    "Verdict",
    "Zone",
    "ZoneKind",
    "ZoneView",
    "__version__",
    "check_gateway",
    "connection_closed",
    "decide",
    "format_merge_rule",
    "open_zone",
    "parse_merge_rule",
]


#: The names read from their module on first use (``lazy_names``): ``open_zone`` brings numpy
#: (the zone on disk), which a program that only calls ``decide()`` does not need at import; the
#: gateway's check and the rule language are not what deciding or a batch reads.
_HOMES: Final = {
    "GatewaySettings": "gateway",
    "InvalidGatewaySettings": "gateway",
    "check_gateway": "gateway",
    "format_merge_rule": "rules.merge",
    "parse_merge_rule": "rules.merge",
    "open_zone": "zonefiles.zones",
}

# Out of the type checker's sight: a module's ``__getattr__`` would make it read any name of the
# package, a mistyped one too, as Any; it reads the names declared above instead.
if not TYPE_CHECKING:
    _name_from_home = lazy_names(__name__, _HOMES)

    def __getattr__(name: str) -> Any:
        """The names of ``_HOMES`` and ``__version__``, read on first use: the installed
        distribution's metadata (``importlib.metadata``) costs more than the rest of a
        command's start-up that does not print it."""
        if name == "__version__":
            from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

            try:
                return version("almamatch")
            except PackageNotFoundError:  # pragma: no cover (a source tree never installed)
                return "0+unknown"
        return _name_from_home(name)
