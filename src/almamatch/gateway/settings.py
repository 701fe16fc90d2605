"""The Connexion client's Gateway Export settings, checked against CARLI's I-Share instructions.

Theory of operation: every rule here comes from CARLI's "Connexion Client Gateway Export
Configuration" page (``seeds/000_4e2ae7b56ecb2778.txt``, updated May 15, 2025): its zones table,
its "Common gateway export settings for all I-Share Zones", its "Additional Export Settings" and its
troubleshooting list. ``check_gateway`` is pure: it compares one ``GatewaySettings`` with those
rules and a zones table and returns ``Finding`` values, each with the seed's words, the cause, the
fix, and the host outcomes it leads to (``Outcome``: the decision codes ``CONNECTION_CLOSED``,
``LOGON_FAILED``, ``MARCXML_CONVERSION_FAILED``, or what happens before Alma answers: the client
crashes, or the export waits for batch processing). Causes that a settings file cannot show (a
corrupt gateway connections file, the port, a firewall) are ``possible_causes``.

Zones are patterns (``gateway.zones``); the finding texts are a table (``gateway.findings``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Final

from attrs import field, frozen

from almamatch.core.decision import Code
from almamatch.core.digits import digits_value
from almamatch.gateway.findings import (
    FINDINGS,
    POSSIBLE_CAUSES,
    FindingCode,
    Outcome,
    PossibleCause,
    Severity,
    outcomes_tuple,
)
from almamatch.gateway.zones import (
    ISHARE_ZONES,
    InvalidGatewaySettings,
    ZoneEntry,
    setting_key,
)

__all__ = [
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


class RecordFormat(enum.StrEnum):
    """Record Characteristics > Format."""

    MARC_21 = "MARC 21"
    MARC_XML = "MARC XML"


class CharacterSet(enum.StrEnum):
    """Record Characteristics > Character Set; Connexion's default is MARC-8 (OCLC, S43)."""

    UTF_8 = "UTF-8 Unicode"
    MARC_8 = "MARC-8"


def _folded(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_FORMATS: Final = {"marc21": RecordFormat.MARC_21, "marcxml": RecordFormat.MARC_XML}
_CHARSETS: Final = {
    "utf8unicode": CharacterSet.UTF_8,
    "utf8": CharacterSet.UTF_8,
    "unicode": CharacterSet.UTF_8,
    "marc8": CharacterSet.MARC_8,
}


def _positive(instance: object, attribute: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        name = getattr(attribute, "name", "")
        raise InvalidGatewaySettings(name, "bad_value", f"{value!r}: a whole number, 0 or more")


@frozen(kw_only=True)
class GatewaySettings:
    """One OCLC Gateway Export destination's Local System Settings, plus the client's Record
    Characteristics and Batch options that apply to every export.

    ``password`` is ``None`` when the settings at hand do not record it (it is never printed).
    """

    host_name: str
    port: int = field(validator=_positive)
    logon_id: str
    password: str | None = field(default=None, repr=False)
    permanent_connection: bool
    notify_host_before_disconnect: bool
    print_results: bool  # "Print Results to Default Printer": "institution preference"
    timeout: int = field(validator=_positive)
    retries: int = field(validator=_positive)
    delay: int = field(validator=_positive)
    send_local_login: bool  # "Send Local System Login ID and Password"
    send_user_id: bool
    bibliographic_format: RecordFormat
    bibliographic_charset: CharacterSet
    authority_format: RecordFormat
    authority_charset: CharacterSet
    batch_bibliographic_export: bool  # Batch > Perform local actions in batch > Bib Record Export

    @classmethod
    def recommended(
        cls, *, host_name: str, logon_id: str, password: str | None = None
    ) -> GatewaySettings:
        """The seed's settings for any I-Share zone, with this zone's host and logon."""
        return cls(
            host_name=host_name,
            port=5500,
            logon_id=logon_id,
            password=password,
            permanent_connection=False,
            notify_host_before_disconnect=False,
            print_results=False,
            timeout=90,
            retries=3,
            delay=0,
            send_local_login=True,
            send_user_id=False,
            bibliographic_format=RecordFormat.MARC_21,
            bibliographic_charset=CharacterSet.UTF_8,
            authority_format=RecordFormat.MARC_21,
            authority_charset=CharacterSet.UTF_8,
            batch_bibliographic_export=False,
        )

    @classmethod
    def from_mapping(cls, settings: Mapping[str, object]) -> GatewaySettings:
        """Settings from a parsed file: keys as CARLI's page names them ("Host Name", "Options:
        Timeout", "Send Local System Login ID and Password") or in snake_case, optionally grouped
        in "Options", "Record Characteristics" or "Batch" tables. Every setting but "Password" is
        required; ``InvalidGatewaySettings`` names an unknown, repeated, missing or bad one."""
        values: dict[str, object] = {}
        for key, value in _flatten(settings):
            name = _SETTING_BY_KEY.get(setting_key(key))
            if name is None:
                raise InvalidGatewaySettings(key, "unknown_setting", "known: " + _KNOWN)
            if name in values:
                raise InvalidGatewaySettings(key, "duplicate_setting", f"{LABELS[name]} again")
            values[name] = _convert(name, key, value)
        missing = [LABELS[name] for name in LABELS if name not in values and name != "password"]
        if missing:
            raise InvalidGatewaySettings(missing[0], "missing_setting", ", ".join(missing))
        return cls(**values)  # type: ignore[arg-type]  # each value converted for its field


#: The seed's names of the settings, by field.
LABELS: Final = {
    "host_name": "Host Name",
    "port": "Port",
    "permanent_connection": "Permanent Connection",
    "notify_host_before_disconnect": "Notify Host Before Disconnect",
    "print_results": "Print Results to Default Printer",
    "timeout": "Timeout",
    "retries": "Retries",
    "delay": "Delay",
    "send_local_login": "Send Local System Login ID and Password",
    "logon_id": "Logon ID",
    "password": "Password",
    "send_user_id": "Send User ID",
    "bibliographic_format": "Bibliographic Records Format",
    "bibliographic_charset": "Bibliographic Records Character Set",
    "authority_format": "Authority Records Format",
    "authority_charset": "Authority Records Character Set",
    "batch_bibliographic_export": "Bibliographic Record Export",
}
_SECTIONS: Final = {"options", "record_characteristics", "batch", "perform_local_actions_in_batch"}
_KNOWN: Final = ", ".join(LABELS.values())
_BOOLEANS: Final = {"checked": True, "true": True, "yes": True, "on": True,
                    "unchecked": False, "false": False, "no": False, "off": False}  # fmt: skip


_SETTING_BY_KEY: Final = {setting_key(label): name for name, label in LABELS.items()} | {
    name: name for name in LABELS
}


def _flatten(settings: Mapping[str, object]) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = []
    for key, value in settings.items():
        if not isinstance(key, str):
            raise InvalidGatewaySettings(key, "unknown_setting", "setting names are text")
        if isinstance(value, Mapping):
            if setting_key(key) not in _SECTIONS:
                raise InvalidGatewaySettings(key, "unknown_setting", "not a settings section")
            pairs.extend(_flatten(value))
        else:
            pairs.append((key, value))
    return pairs


def _convert(name: str, key: str, value: object) -> object:
    bad = InvalidGatewaySettings(key, "bad_value", f"{value!r}")
    found: object
    match name:
        case "host_name" | "logon_id" | "password":
            if not isinstance(value, str):
                raise bad
            return value
        case "port" | "timeout" | "retries" | "delay":
            if isinstance(value, str) and value.strip().isdigit():
                number = digits_value(value.strip(), max_digits=9)
                if number is None:
                    raise bad
                return number
            if isinstance(value, bool) or not isinstance(value, int):
                raise bad
            return value
        case "bibliographic_format" | "authority_format":
            found = _FORMATS.get(_folded(value)) if isinstance(value, str) else None
        case "bibliographic_charset" | "authority_charset":
            found = _CHARSETS.get(_folded(value)) if isinstance(value, str) else None
        case _:
            if isinstance(value, bool):
                return value
            found = _BOOLEANS.get(value.strip().lower()) if isinstance(value, str) else None
    if found is None:
        raise bad
    return found


# -- the check -----------------------------------------------------------------------------------


@frozen(kw_only=True)
class Finding:
    """One thing wrong with the settings: CARLI's words, why it matters, how to fix it."""

    code: FindingCode
    severity: Severity
    setting: str  # CARLI's name of the setting
    message: str  # CARLI's words
    cause: str
    fix: str
    outcomes: tuple[Outcome, ...] = field(converter=outcomes_tuple)

    @property
    def codes(self) -> tuple[Code, ...]:
        """The decision codes among the outcomes (a client crash has none)."""
        return tuple(Code(o.value) for o in self.outcomes if o.value in Code.__members__)


def _finding(code: FindingCode, **values: object) -> Finding:
    text = FINDINGS[code]
    return Finding(
        code=code,
        severity=text.severity,
        setting=text.setting,
        message=text.message,
        cause=text.cause.format(**values),
        fix=text.fix.format(**values),
        outcomes=text.outcomes,
    )


def _host_findings(host_name: str) -> tuple[str, list[Finding]]:
    """The bare host name, and what the host name field holds besides it."""
    found: list[Finding] = []
    bare = host_name.strip()
    protocol = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", bare)
    if protocol:
        found.append(
            _finding(FindingCode.HOST_NAME_PROTOCOL, value=host_name, protocol=protocol.group())
        )
        bare = bare[protocol.end() :]
    if "/" in bare:
        found.append(_finding(FindingCode.HOST_NAME_PATH, value=host_name))
        bare = bare.split("/", 1)[0]
    if ":" in bare or re.search(r"\s", host_name) is not None:
        found.append(_finding(FindingCode.HOST_NAME_OTHER_TEXT, value=host_name))
        bare = re.sub(r"\s", "", bare.split(":", 1)[0])
    return bare, found


def _zone_findings(
    host_name: str, settings: GatewaySettings, zones: tuple[ZoneEntry, ...]
) -> list[Finding]:
    logon_id = settings.logon_id.strip()
    serving = [z for z in zones if z.serves(host_name)]
    if not serving:
        serving = [z for z in zones if z.serves(host_name, ignore_case=True)]
        if not serving:
            hosts = ", ".join(dict.fromkeys(z.host_name for z in zones))
            return [_finding(FindingCode.HOST_NAME_UNKNOWN, value=host_name, hosts=hosts)]
        shown = serving[0].host_name
        found = [_finding(FindingCode.HOST_NAME_CASE, value=host_name, expected=shown)]
    else:
        found = []
    if not logon_id or any(z.accepts(host_name, logon_id) for z in serving):
        return found
    expected = " or ".join(dict.fromkeys(z.logon_for(host_name) for z in serving))
    if any(z.accepts(host_name, logon_id, ignore_case=True) for z in serving):
        code = FindingCode.LOGON_ID_CASE
    else:
        code = FindingCode.LOGON_ID_MISMATCH
    return [*found, _finding(code, value=logon_id, host=host_name, expected=expected)]


def check_gateway(
    settings: GatewaySettings, zones: tuple[ZoneEntry, ...] = ISHARE_ZONES
) -> tuple[Finding, ...]:
    """Every finding for these settings, in the order of the seed's settings table; () if none.

    ``zones`` is the table of hosts and logon IDs that host and logon must correspond to; an empty
    table skips that check.
    """
    found: list[Finding] = []
    if not settings.host_name.strip():
        found.append(_finding(FindingCode.HOST_NAME_MISSING))
    else:
        bare, host_findings = _host_findings(settings.host_name)
        found.extend(host_findings)
        if zones:
            found.extend(_zone_findings(bare, settings, tuple(zones)))
    # "Port 5500"
    if settings.port != 5500:
        found.append(_finding(FindingCode.PORT, value=settings.port))
    # "Options: Permanent Connection unchecked" / "Notify Host Before Disconnect unchecked"
    if settings.permanent_connection:
        found.append(_finding(FindingCode.PERMANENT_CONNECTION))
    if settings.notify_host_before_disconnect:
        found.append(_finding(FindingCode.NOTIFY_HOST))
    # "Print Results to Default Printer: institution preference": either value is right.
    # "Options: Timeout 90", "Retries 3", "Delay 0"
    for code, number, wanted in (
        (FindingCode.TIMEOUT, settings.timeout, 90),
        (FindingCode.RETRIES, settings.retries, 3),
        (FindingCode.DELAY, settings.delay, 0),
    ):
        if number != wanted:
            found.append(_finding(code, value=number))
    # "Send Local System Login ID and Password checked"
    if not settings.send_local_login:
        found.append(_finding(FindingCode.SEND_LOCAL_LOGIN))
    else:
        if not settings.logon_id.strip():
            found.append(_finding(FindingCode.LOGON_ID_MISSING))
        if settings.password is not None and not settings.password:
            found.append(_finding(FindingCode.PASSWORD_MISSING))
    # "Send User ID unchecked"
    if settings.send_user_id:
        found.append(_finding(FindingCode.SEND_USER_ID))
    # "Select MARC 21 and UTF-8 Unicode for both bibliographic records and authority records."
    for code, chosen, required in (
        (FindingCode.BIB_FORMAT, settings.bibliographic_format, RecordFormat.MARC_21),
        (FindingCode.BIB_CHARSET, settings.bibliographic_charset, CharacterSet.UTF_8),
        (FindingCode.AUTHORITY_FORMAT, settings.authority_format, RecordFormat.MARC_21),
        (FindingCode.AUTHORITY_CHARSET, settings.authority_charset, CharacterSet.UTF_8),
    ):
        if chosen is not required:
            found.append(_finding(code, value=chosen.value))
    # "make sure that Bibliographic Record Export remains Unchecked"
    if settings.batch_bibliographic_export:
        found.append(_finding(FindingCode.BATCH_BIB_EXPORT))
    return tuple(found)


def possible_causes(outcome: Outcome = Outcome.CONNECTION_CLOSED) -> tuple[PossibleCause, ...]:
    """Causes of ``outcome`` that the settings cannot show ("OCLC has identified a few additional
    possible causes for this issue", seed); () for outcomes with none."""
    return POSSIBLE_CAUSES.get(outcome, ())
