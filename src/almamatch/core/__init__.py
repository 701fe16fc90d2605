"""The almamatch domain: pure values and rules, no I/O, no clock, no pymarc, no numpy."""

from almamatch.core.brief import BriefLevel, BriefLevelRules
from almamatch.core.encoding import EncodingLevel, EncodingScheme
from almamatch.core.errors import (
    AlmamatchError,
    InvalidBriefLevel,
    InvalidEncodingLevel,
    InvalidLock,
    InvalidOclcNumber,
    InvalidRecord,
    InvalidTimestamp,
)
from almamatch.core.facts import BibFacts, Hit, Side, ZoneView
from almamatch.core.identifiers import Diagnostic, OclcNumbers
from almamatch.core.lock import LOCK_TIMEOUT, Lock, is_locked
from almamatch.core.oclc import OclcForm, OclcNumber
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield
from almamatch.core.timestamp import Timestamp

__all__ = [
    "LOCK_TIMEOUT",
    "AlmamatchError",
    "Bib",
    "BibFacts",
    "BriefLevel",
    "BriefLevelRules",
    "ControlField",
    "DataField",
    "Diagnostic",
    "EncodingLevel",
    "EncodingScheme",
    "Field",
    "Hit",
    "InvalidBriefLevel",
    "InvalidEncodingLevel",
    "InvalidLock",
    "InvalidOclcNumber",
    "InvalidRecord",
    "InvalidTimestamp",
    "Lock",
    "OclcForm",
    "OclcNumber",
    "OclcNumbers",
    "Side",
    "Subfield",
    "Timestamp",
    "ZoneView",
    "is_locked",
]
