"""The Gateway Export findings as data: one row per thing the seed says to set or to avoid.

Theory of operation: ``gateway.check_gateway`` decides which findings apply; this table says what
each one means. ``message`` is the seed's sentence (``seeds/000_4e2ae7b56ecb2778.txt``), ``cause``
and ``fix`` are filled with the values found, and ``outcomes`` says what the cataloger then sees:
a decision code of DESIGN.md, or something that happens before Alma answers. Where the seed names
a setting but not its effect, the outcome is almamatch's inference and the comment says so.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final

from attrs import field, frozen

__all__ = [
    "FINDINGS",
    "POSSIBLE_CAUSES",
    "FindingCode",
    "FindingText",
    "Outcome",
    "PossibleCause",
    "Severity",
]


class Severity(enum.StrEnum):
    """How much a finding matters: an error makes exports fail; a warning may."""

    ERROR = "error"  # CARLI's page requires otherwise; exports fail or go astray
    WARNING = "warning"  # CARLI's page recommends otherwise, or "may" matter


class Outcome(enum.StrEnum):
    """What a cataloger sees when the finding bites; the first three are decision codes."""

    CONNECTION_CLOSED = "CONNECTION_CLOSED"
    LOGON_FAILED = "LOGON_FAILED"
    MARCXML_CONVERSION_FAILED = "MARCXML_CONVERSION_FAILED"
    # "Some libraries may encounter problems where the Connexion client will crash after the
    # cataloger exports a record." (seed, Troubleshooting)
    CLIENT_CRASH = "CLIENT_CRASH"
    # The record waits for Batch processing and is not sent when the cataloger exports it.
    EXPORT_DEFERRED = "EXPORT_DEFERRED"


class FindingCode(enum.StrEnum):
    """One code per thing CARLI's Gateway Export page says to set or to avoid, for programs."""

    HOST_NAME_MISSING = "HOST_NAME_MISSING"
    HOST_NAME_PROTOCOL = "HOST_NAME_PROTOCOL"
    HOST_NAME_PATH = "HOST_NAME_PATH"
    HOST_NAME_OTHER_TEXT = "HOST_NAME_OTHER_TEXT"
    HOST_NAME_CASE = "HOST_NAME_CASE"
    HOST_NAME_UNKNOWN = "HOST_NAME_UNKNOWN"
    LOGON_ID_MISMATCH = "LOGON_ID_MISMATCH"
    LOGON_ID_CASE = "LOGON_ID_CASE"
    PORT = "PORT"
    PERMANENT_CONNECTION = "PERMANENT_CONNECTION"
    NOTIFY_HOST = "NOTIFY_HOST"
    TIMEOUT = "TIMEOUT"
    RETRIES = "RETRIES"
    DELAY = "DELAY"
    SEND_LOCAL_LOGIN = "SEND_LOCAL_LOGIN"
    LOGON_ID_MISSING = "LOGON_ID_MISSING"
    PASSWORD_MISSING = "PASSWORD_MISSING"  # noqa: S105  # a finding's name, not a password
    SEND_USER_ID = "SEND_USER_ID"
    BIB_FORMAT = "BIB_FORMAT"
    BIB_CHARSET = "BIB_CHARSET"
    AUTHORITY_FORMAT = "AUTHORITY_FORMAT"
    AUTHORITY_CHARSET = "AUTHORITY_CHARSET"
    BATCH_BIB_EXPORT = "BATCH_BIB_EXPORT"


def outcomes_tuple(values: Iterable[Outcome]) -> tuple[Outcome, ...]:
    """The converter for ``outcomes`` fields: any iterable of outcomes, kept as a tuple."""
    return tuple(values)


@frozen(kw_only=True)
class FindingText:
    """One row: severity, CARLI's setting name and words, cause and fix templates, outcomes."""

    severity: Severity
    setting: str
    message: str
    cause: str
    fix: str
    outcomes: tuple[Outcome, ...] = field(converter=outcomes_tuple)


@frozen(kw_only=True)
class PossibleCause:
    """A cause that no settings file shows, in CARLI's words, and what to do about it."""

    cause: str
    fix: str


_HOST_TEXT: Final = (
    "In the host name field, only include the host name as listed above. Including other text, "
    'such as "https://" or a "/" after the host name may corrupt the gateway settings.'
)
_CASE: Final = "Settings may be case sensitive, so follow the capitalization as shown."
_CORRESPOND: Final = (
    "Make sure that the host name and the Logon ID correspond to each other. For example, for "
    "i-share-network.alma.exlibrisgroup.com, use logon ID 01CARLI_NETWORK."
)
_RECORD_CHARACTERISTICS: Final = (
    "The Record Characteristics window controls the record format and character set for the "
    "exported data. Alma's import integration requires MARC21 and UTF-8."
)
_BOTH: Final = (
    "Select MARC 21 and UTF-8 Unicode for both bibliographic records and authority records."
)
_RECREATE: Final = "Delete and recreate the Gateway Export with the correct settings."
_CRASH_OR_CLOSED: Final = (Outcome.CLIENT_CRASH, Outcome.CONNECTION_CLOSED)
_FAILS_XML: Final = (Outcome.MARCXML_CONVERSION_FAILED,)

FINDINGS: Final[dict[FindingCode, FindingText]] = {
    FindingCode.HOST_NAME_MISSING: FindingText(
        severity=Severity.ERROR,
        setting="Host Name",
        message="Host Name: See Host Names and Logons table",
        cause="The Host Name is empty, so the client has no host to connect to.",
        fix="Enter the host name of the zone exactly as found in the zones table.",
        outcomes=(Outcome.CONNECTION_CLOSED,),
    ),
    FindingCode.HOST_NAME_PROTOCOL: FindingText(
        severity=Severity.ERROR,
        setting="Host Name",
        message=_HOST_TEXT,
        cause="The Host Name {value!r} begins with the protocol {protocol!r}.",
        fix="Enter the host name exactly as found; do not enter a protocol (e.g., https://) "
        "before the host name. " + _RECREATE,
        outcomes=_CRASH_OR_CLOSED,
    ),
    FindingCode.HOST_NAME_PATH: FindingText(
        severity=Severity.ERROR,
        setting="Host Name",
        message=_HOST_TEXT,
        cause='The Host Name {value!r} has a "/" after the host name.',
        fix='Remove everything from the first "/" on. ' + _RECREATE,
        outcomes=_CRASH_OR_CLOSED,
    ),
    FindingCode.HOST_NAME_OTHER_TEXT: FindingText(
        severity=Severity.ERROR,
        setting="Host Name",
        message=_HOST_TEXT,
        cause="The Host Name {value!r} holds other text: blanks, or a port after a colon.",
        fix="Enter only the host name; the port goes in the Port setting. " + _RECREATE,
        outcomes=_CRASH_OR_CLOSED,
    ),
    FindingCode.HOST_NAME_CASE: FindingText(
        severity=Severity.WARNING,
        setting="Host Name",
        message=_CASE,
        cause="The Host Name {value!r} differs from the zones table's {expected!r} only in "
        "capitalization.",
        fix="Enter the host name as {expected!r} (placeholders stand for your code, in this case).",
        outcomes=(),  # "may be case sensitive": the seed does not say what fails
    ),
    FindingCode.HOST_NAME_UNKNOWN: FindingText(
        severity=Severity.WARNING,
        setting="Host Name",
        message="Refer to the following table to create settings for each different zone "
        "(e.g., your institution zone, the Network Zone, one of the premium sandboxes).",
        cause="The Host Name {value!r} is not a host of the zones table.",
        fix="Use one of: {hosts} (XYZ/ABC stand for your institution's code).",
        outcomes=(Outcome.CONNECTION_CLOSED,),  # inference: no Alma listens there
    ),
    FindingCode.LOGON_ID_MISMATCH: FindingText(
        severity=Severity.ERROR,
        setting="Logon ID",
        message=_CORRESPOND,
        cause="The Logon ID {value!r} is not the logon of {host}.",
        fix="For {host}, use logon ID {expected}.",
        outcomes=(Outcome.LOGON_FAILED,),
    ),
    FindingCode.LOGON_ID_CASE: FindingText(
        severity=Severity.WARNING,
        setting="Logon ID",
        message=_CASE,
        cause="The Logon ID {value!r} differs from {expected} only in capitalization.",
        fix="For {host}, use logon ID {expected}.",
        outcomes=(Outcome.LOGON_FAILED,),  # inference: Alma compares the logon ID as sent
    ),
    FindingCode.PORT: FindingText(
        severity=Severity.ERROR,
        setting="Port",
        message="Common gateway export settings for all I-Share Zones: Port 5500",
        cause="The Port is {value}; Alma's Connexion integration listens on port 5500.",
        fix="Set Port to 5500. If exports still fail, consult your local IT group and inform "
        "them that you need port 5500 as an allowed port.",
        outcomes=(Outcome.CONNECTION_CLOSED,),
    ),
    FindingCode.PERMANENT_CONNECTION: FindingText(
        severity=Severity.ERROR,
        setting="Permanent Connection",
        message="Permanent Connection setting is checked.",
        cause="OCLC has identified this as a possible cause of the client crashing after the "
        "cataloger exports a record.",
        fix="Uncheck Options: Permanent Connection.",
        outcomes=_CRASH_OR_CLOSED,
    ),
    FindingCode.NOTIFY_HOST: FindingText(
        severity=Severity.WARNING,
        setting="Notify Host Before Disconnect",
        message="Options: Notify Host Before Disconnect unchecked",
        cause="Notify Host Before Disconnect is checked; CARLI's setting is unchecked.",
        fix="Uncheck Options: Notify Host Before Disconnect.",
        outcomes=(),  # the seed does not say what it breaks
    ),
    FindingCode.TIMEOUT: FindingText(
        severity=Severity.WARNING,
        setting="Timeout",
        message="Options: Timeout 90",
        cause="Timeout is {value}; CARLI's setting is 90.",
        fix="Set Options: Timeout to 90.",
        # inference: a shorter wait ends in "The local system has closed the connection".
        outcomes=(Outcome.CONNECTION_CLOSED,),
    ),
    FindingCode.RETRIES: FindingText(
        severity=Severity.WARNING,
        setting="Retries",
        message="Options: Retries 3",
        cause="Retries is {value}; CARLI's setting is 3.",
        fix="Set Options: Retries to 3.",
        # inference: "The local system has closed the connection, retries exceeded."
        outcomes=(Outcome.CONNECTION_CLOSED,),
    ),
    FindingCode.DELAY: FindingText(
        severity=Severity.WARNING,
        setting="Delay",
        message="Options: Delay 0",
        cause="Delay is {value}; CARLI's setting is 0.",
        fix="Set Options: Delay to 0.",
        outcomes=(),
    ),
    FindingCode.SEND_LOCAL_LOGIN: FindingText(
        severity=Severity.ERROR,
        setting="Send Local System Login ID and Password",
        message="Send Local System Login ID and Password checked",
        cause="The client does not send the Logon ID and Password, so Alma cannot find the "
        "zone's integration profile credentials.",
        fix="Check Send Local System Login ID and Password, and enter the zone's Logon ID and "
        "Password.",
        outcomes=(Outcome.LOGON_FAILED,),
    ),
    FindingCode.LOGON_ID_MISSING: FindingText(
        severity=Severity.ERROR,
        setting="Logon ID",
        message="Logon ID: See Hosts and Logons table",
        cause="The Logon ID is empty.",
        fix="Enter the zone's logon ID from the zones table.",
        outcomes=(Outcome.LOGON_FAILED,),
    ),
    FindingCode.PASSWORD_MISSING: FindingText(
        severity=Severity.ERROR,
        setting="Password",
        message="Passwords for institution zones, the network zone, and sandboxes, may be found "
        "in the XYZ Credentials subfolder for your institution's Box account.",
        cause="The Password is empty.",
        fix="Enter the zone's password from your institution's Credentials folder.",
        outcomes=(Outcome.LOGON_FAILED,),
    ),
    FindingCode.SEND_USER_ID: FindingText(
        severity=Severity.WARNING,
        setting="Send User ID",
        message="Send User ID unchecked",
        cause="Send User ID is checked; CARLI's setting is unchecked.",
        fix="Uncheck Send User ID.",
        outcomes=(),  # the seed does not say what it breaks
    ),
    FindingCode.BIB_FORMAT: FindingText(
        severity=Severity.ERROR,
        setting="Bibliographic Records Format",
        message=_RECORD_CHARACTERISTICS,
        cause="Bibliographic records are exported as {value}.",
        fix="In Record Characteristics, select MARC 21 for bibliographic records.",
        # "other settings may cause exports to fail conversion to XML" (CARLI, S7)
        outcomes=_FAILS_XML,
    ),
    FindingCode.BIB_CHARSET: FindingText(
        severity=Severity.ERROR,
        setting="Bibliographic Records Character Set",
        message=_RECORD_CHARACTERISTICS,
        cause="Bibliographic records are exported in {value}: Leader/09 is blank and any "
        "non-ASCII character fails Alma's MARCXML conversion.",
        fix="In Record Characteristics, select UTF-8 Unicode for bibliographic records.",
        outcomes=_FAILS_XML,
    ),
    FindingCode.AUTHORITY_FORMAT: FindingText(
        severity=Severity.WARNING,
        setting="Authority Records Format",
        message=_BOTH,
        cause="Authority records are exported as {value}.",
        fix="In Record Characteristics, select MARC 21 for authority records.",
        outcomes=(),  # authority exports are not bibliographic decisions
    ),
    FindingCode.AUTHORITY_CHARSET: FindingText(
        severity=Severity.WARNING,
        setting="Authority Records Character Set",
        message=_BOTH,
        cause="Authority records are exported in {value}.",
        fix="In Record Characteristics, select UTF-8 Unicode for authority records.",
        outcomes=(),
    ),
    FindingCode.BATCH_BIB_EXPORT: FindingText(
        severity=Severity.ERROR,
        setting="Bibliographic Record Export",
        message="Under Record Actions > Perform local actions in batch, make sure that "
        "Bibliographic Record Export remains Unchecked.",
        cause="Exports are performed as a batch local action: a record is marked for export and "
        "sent only when batch processing runs, not when the cataloger exports it.",
        fix="On the Batch tab, uncheck Bibliographic Record Export.",
        outcomes=(Outcome.EXPORT_DEFERRED,),
    ),
}

# "OCLC has identified a few additional possible causes for this issue: Permanent Connection
# setting is checked. Gateway connections file is corrupt. Alma integration port is unavailable.
# Local firewall settings may block connection." The first is a setting (PERMANENT_CONNECTION).
POSSIBLE_CAUSES: Final[dict[Outcome, tuple[PossibleCause, ...]]] = {
    Outcome.CONNECTION_CLOSED: (
        PossibleCause(cause="Gateway connections file is corrupt.", fix=_RECREATE),
        PossibleCause(
            cause="Alma integration port is unavailable.",
            fix="Consult your local IT group and inform them that you need port 5500 as an "
            "allowed port.",
        ),
        PossibleCause(
            cause="Local firewall settings may block connection.",
            fix="Consult your local IT group and inform them that you need port 5500 as an "
            "allowed port.",
        ),
        PossibleCause(
            cause="Other issues not found here.",
            fix="Consult OCLC's Connexion troubleshooting documentation or OCLC support for "
            "other issues not found here.",
        ),
    ),
}
