"""The Gateway Export settings check: one test per row of CARLI's tables (seed 000) and more.

Rows of "Common gateway export settings for all I-Share Zones", of "Additional Export Settings",
of the zones table and of the troubleshooting list each get a case; the example files in
``examples/gateway`` load with tomllib and csv as the CLI loads them.
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest
from attrs import evolve

from almamatch.core.decision import Code
from almamatch.gateway.findings import FINDINGS
from almamatch.gateway.settings import (
    ISHARE_ZONES,
    CharacterSet,
    FindingCode,
    GatewaySettings,
    InvalidGatewaySettings,
    Outcome,
    RecordFormat,
    Severity,
    ZoneEntry,
    check_gateway,
    possible_causes,
)
from corpus_files import CORPUS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "gateway"
#: CARLI's Gateway Export page as the project received it, spaces folded.
SEED_PAGE = " ".join((CORPUS.parent / "seeds" / "000_4e2ae7b56ecb2778.txt").read_text(
    encoding="utf-8").split())


def in_seed(message: str) -> bool:
    """Every part of ``message`` (a heading, then its text) is on CARLI's page as written."""
    return all(" ".join(part.split()) in SEED_PAGE for part in message.split(": "))
NETWORK = GatewaySettings.recommended(
    host_name="i-share-network.alma.exlibrisgroup.com", logon_id="01CARLI_NETWORK", password="pw"
)


def codes(settings: GatewaySettings) -> list[FindingCode]:
    return [finding.code for finding in check_gateway(settings)]


def test_recommended_settings_have_no_findings() -> None:
    assert check_gateway(NETWORK) == ()


# -- "Common gateway export settings for all I-Share Zones": one row each -----------------------
COMMON_ROWS = [
    # (setting changed, finding, severity, outcomes)
    ({"port": 210}, FindingCode.PORT, Severity.ERROR, (Outcome.CONNECTION_CLOSED,)),
    (
        {"permanent_connection": True},
        FindingCode.PERMANENT_CONNECTION,
        Severity.ERROR,
        (Outcome.CLIENT_CRASH, Outcome.CONNECTION_CLOSED),
    ),
    ({"notify_host_before_disconnect": True}, FindingCode.NOTIFY_HOST, Severity.WARNING, ()),
    ({"timeout": 30}, FindingCode.TIMEOUT, Severity.WARNING, (Outcome.CONNECTION_CLOSED,)),
    ({"retries": 0}, FindingCode.RETRIES, Severity.WARNING, (Outcome.CONNECTION_CLOSED,)),
    ({"delay": 5}, FindingCode.DELAY, Severity.WARNING, ()),
    (
        {"send_local_login": False},
        FindingCode.SEND_LOCAL_LOGIN,
        Severity.ERROR,
        (Outcome.LOGON_FAILED,),
    ),
    ({"logon_id": ""}, FindingCode.LOGON_ID_MISSING, Severity.ERROR, (Outcome.LOGON_FAILED,)),
    ({"password": ""}, FindingCode.PASSWORD_MISSING, Severity.ERROR, (Outcome.LOGON_FAILED,)),
    ({"send_user_id": True}, FindingCode.SEND_USER_ID, Severity.WARNING, ()),
    (
        {"host_name": " "},
        FindingCode.HOST_NAME_MISSING,
        Severity.ERROR,
        (Outcome.CONNECTION_CLOSED,),
    ),
]


@pytest.mark.parametrize(
    ("change", "code", "severity", "outcomes"), COMMON_ROWS, ids=[r[1].value for r in COMMON_ROWS]
)
def test_common_settings_row(
    change: dict[str, object], code: FindingCode, severity: Severity, outcomes: tuple[Outcome, ...]
) -> None:
    (finding,) = check_gateway(evolve(NETWORK, **change))  # type: ignore[arg-type]  # each row sets one field of its type
    assert (finding.code, finding.severity, finding.outcomes) == (code, severity, outcomes)
    assert in_seed(finding.message)  # the words of CARLI's page, not of our own table
    assert len(finding.cause) > 20
    assert len(finding.fix) > 20


@pytest.mark.parametrize("print_results", [True, False])
def test_print_results_is_institution_preference(print_results: bool) -> None:
    assert check_gateway(evolve(NETWORK, print_results=print_results)) == ()


def test_password_not_recorded_is_not_a_finding() -> None:
    assert check_gateway(evolve(NETWORK, password=None)) == ()
    assert "pw" not in repr(NETWORK)  # the password never prints


# -- "Additional Export Settings" ----------------------------------------------------------------
ADDITIONAL_ROWS = [
    (
        {"bibliographic_format": RecordFormat.MARC_XML},
        FindingCode.BIB_FORMAT,
        (Outcome.MARCXML_CONVERSION_FAILED,),
    ),
    (
        {"bibliographic_charset": CharacterSet.MARC_8},
        FindingCode.BIB_CHARSET,
        (Outcome.MARCXML_CONVERSION_FAILED,),
    ),
    ({"authority_format": RecordFormat.MARC_XML}, FindingCode.AUTHORITY_FORMAT, ()),
    ({"authority_charset": CharacterSet.MARC_8}, FindingCode.AUTHORITY_CHARSET, ()),
    (
        {"batch_bibliographic_export": True},
        FindingCode.BATCH_BIB_EXPORT,
        (Outcome.EXPORT_DEFERRED,),
    ),
]


@pytest.mark.parametrize(
    ("change", "code", "outcomes"), ADDITIONAL_ROWS, ids=[r[1].value for r in ADDITIONAL_ROWS]
)
def test_additional_settings_row(
    change: dict[str, object], code: FindingCode, outcomes: tuple[Outcome, ...]
) -> None:
    (finding,) = check_gateway(evolve(NETWORK, **change))  # type: ignore[arg-type]  # each row sets one field of its type
    assert (finding.code, finding.outcomes) == (code, outcomes)


def test_marc8_leads_to_the_marcxml_decision_code() -> None:
    (finding,) = check_gateway(evolve(NETWORK, bibliographic_charset=CharacterSet.MARC_8))
    assert finding.codes == (Code.MARCXML_CONVERSION_FAILED,)
    assert "Alma's import integration requires MARC21 and UTF-8." in finding.message


# -- the zones table: every row, with XYZ and ABC standing for any code -------------------------
ZONE_ROWS = [
    ("i-share-uiu.alma.exlibrisgroup.com", "01CARLI_UIU", []),  # Institution, XYZ = UIU
    ("i-share-network.alma.exlibrisgroup.com", "01CARLI_NETWORK", []),  # Network
    ("sandbox02-na.alma.exlibrisgroup.com", "01CARLI_ISU", []),  # Sandbox, ABC = ISU
    ("sandbox02-na.alma.exlibrisgroup.com", "01CARLI_NETWORK", []),  # Network Sandbox
    # the seed's example: "for i-share-network.alma.exlibrisgroup.com, use logon ID 01CARLI_NETWORK"
    ("i-share-network.alma.exlibrisgroup.com", "01CARLI_UIU", [FindingCode.LOGON_ID_MISMATCH]),
    # XYZ is the same code in the host and in the logon ID
    ("i-share-uiu.alma.exlibrisgroup.com", "01CARLI_ISU", [FindingCode.LOGON_ID_MISMATCH]),
    ("i-share-uiu.alma.exlibrisgroup.com", "01CARLI_NETWORK", [FindingCode.LOGON_ID_MISMATCH]),
    # "Settings may be case sensitive, so follow the capitalization as shown."
    ("i-share-uiu.alma.exlibrisgroup.com", "01carli_uiu", [FindingCode.LOGON_ID_CASE]),
    ("I-Share-Network.alma.exlibrisgroup.com", "01CARLI_NETWORK", [FindingCode.HOST_NAME_CASE]),
    ("i-share-uiuc.alma.exlibrisgroup.com", "01CARLI_UIUC", [FindingCode.HOST_NAME_UNKNOWN]),
    ("alma.exlibrisgroup.com", "01CALS_NETWORK", [FindingCode.HOST_NAME_UNKNOWN]),
]


@pytest.mark.parametrize(("host_name", "logon_id", "expected"), ZONE_ROWS)
def test_zone_row(host_name: str, logon_id: str, expected: list[FindingCode]) -> None:
    assert codes(evolve(NETWORK, host_name=host_name, logon_id=logon_id)) == expected


def test_mismatch_names_the_logon_to_use() -> None:
    settings = evolve(NETWORK, host_name="i-share-uiu.alma.exlibrisgroup.com", logon_id="01CARLI_X")
    (finding,) = check_gateway(settings)
    assert finding.fix == "For i-share-uiu.alma.exlibrisgroup.com, use logon ID 01CARLI_UIU."
    assert finding.codes == (Code.LOGON_FAILED,)
    sandbox = evolve(NETWORK, host_name="sandbox02-na.alma.exlibrisgroup.com", logon_id="X")
    (finding,) = check_gateway(sandbox)
    assert finding.fix.endswith("use logon ID 01CARLI_ABC or 01CARLI_NETWORK.")


def test_empty_zones_table_skips_the_zone_check() -> None:
    settings = evolve(NETWORK, host_name="alma.exlibrisgroup.com", logon_id="01CALS_NETWORK")
    assert check_gateway(settings, zones=()) == ()


# -- the troubleshooting list -------------------------------------------------------------------
HOST_ROWS = [
    ("https://i-share-network.alma.exlibrisgroup.com", [FindingCode.HOST_NAME_PROTOCOL]),
    ("i-share-network.alma.exlibrisgroup.com/", [FindingCode.HOST_NAME_PATH]),
    (
        "http://i-share-network.alma.exlibrisgroup.com/view/",
        [FindingCode.HOST_NAME_PROTOCOL, FindingCode.HOST_NAME_PATH],
    ),
    ("i-share-network.alma.exlibrisgroup.com:5500", [FindingCode.HOST_NAME_OTHER_TEXT]),
    (" i-share-network.alma.exlibrisgroup.com", [FindingCode.HOST_NAME_OTHER_TEXT]),
]


@pytest.mark.parametrize(("host_name", "expected"), HOST_ROWS)
def test_host_name_holds_only_the_host(host_name: str, expected: list[FindingCode]) -> None:
    findings = check_gateway(evolve(NETWORK, host_name=host_name))
    assert [f.code for f in findings] == expected
    for finding in findings:
        assert '"https://" or a "/" after the host name' in finding.message
        assert Outcome.CLIENT_CRASH in finding.outcomes


def test_troubleshooting_host_and_logon_do_not_correspond() -> None:
    settings = evolve(NETWORK, logon_id="01CARLI_XYZ")
    (finding,) = check_gateway(settings)
    assert finding.code is FindingCode.LOGON_ID_MISMATCH
    assert "For example, for i-share-network.alma.exlibrisgroup.com" in finding.message


def test_troubleshooting_permanent_connection_checked() -> None:
    (finding,) = check_gateway(evolve(NETWORK, permanent_connection=True))
    assert finding.message == "Permanent Connection setting is checked."
    assert finding.codes == (Code.CONNECTION_CLOSED,)


def test_possible_causes_the_settings_cannot_show() -> None:
    causes = [cause.cause for cause in possible_causes()]
    assert causes[:3] == [
        "Gateway connections file is corrupt.",
        "Alma integration port is unavailable.",
        "Local firewall settings may block connection.",
    ]
    assert possible_causes(Outcome.LOGON_FAILED) == ()


# -- the zones table as shipped, and from_mapping -----------------------------------------------


def test_ishare_zones_csv_is_the_seed_table() -> None:
    with (EXAMPLES / "ishare-zones.csv").open(encoding="utf-8", newline="") as stream:
        rows = tuple(ZoneEntry.from_mapping(row) for row in csv.DictReader(stream))
    assert rows == ISHARE_ZONES


def test_zone_placeholders() -> None:
    institution = ISHARE_ZONES[0]
    assert institution.serves("i-share-abc.alma.exlibrisgroup.com")
    assert not institution.serves("i-share-ABC.alma.exlibrisgroup.com")
    assert institution.serves("i-share-ABC.alma.exlibrisgroup.com", ignore_case=True)
    assert institution.accepts("i-share-abc.alma.exlibrisgroup.com", "01CARLI_ABC")
    assert institution.logon_for("i-share-abc.alma.exlibrisgroup.com") == "01CARLI_ABC"


def test_good_example_has_no_findings() -> None:
    settings = GatewaySettings.from_mapping(tomllib.loads((EXAMPLES / "good.toml").read_text()))
    assert settings.host_name == "i-share-network.alma.exlibrisgroup.com"
    assert settings.password is None
    assert check_gateway(settings) == ()


def test_broken_example_findings() -> None:
    settings = GatewaySettings.from_mapping(tomllib.loads((EXAMPLES / "broken.toml").read_text()))
    assert codes(settings) == [
        FindingCode.HOST_NAME_PROTOCOL,
        FindingCode.HOST_NAME_PATH,
        FindingCode.LOGON_ID_MISMATCH,
        FindingCode.PORT,
        FindingCode.PERMANENT_CONNECTION,
        FindingCode.TIMEOUT,
        FindingCode.BIB_CHARSET,
        FindingCode.AUTHORITY_CHARSET,
        FindingCode.BATCH_BIB_EXPORT,
    ]


SNAKE = {
    "host_name": "i-share-network.alma.exlibrisgroup.com",
    "port": "5500",
    "logon_id": "01CARLI_NETWORK",
    "password": "pw",
    "permanent_connection": "unchecked",
    "notify_host_before_disconnect": False,
    "print_results": "yes",
    "timeout": 90,
    "retries": 3,
    "delay": 0,
    "send_local_login": "Checked",
    "send_user_id": "off",
    "bibliographic_format": "MARC21",
    "bibliographic_charset": "utf-8",
    "authority_format": "marc 21",
    "authority_charset": "UTF-8 Unicode",
    "batch_bibliographic_export": False,
}


def test_from_mapping_snake_case() -> None:
    assert GatewaySettings.from_mapping(SNAKE) == evolve(NETWORK, print_results=True)


def test_from_mapping_seed_names_with_options_prefix() -> None:
    settings = dict(SNAKE)
    settings["Options: Timeout"] = settings.pop("timeout")
    settings["Send Local System Login ID and Password"] = settings.pop("send_local_login")
    assert GatewaySettings.from_mapping(settings).timeout == 90


@pytest.mark.parametrize(
    ("change", "key", "reason"),
    [
        ({"Host": "x"}, "Host", "unknown_setting"),
        ({"Port": 5500}, "Port", "duplicate_setting"),
        ({"port": "fifty"}, "port", "bad_value"),
        ({"port": True}, "port", "bad_value"),
        ({"timeout": -1}, "timeout", "bad_value"),
        ({"permanent_connection": "maybe"}, "permanent_connection", "bad_value"),
        ({"bibliographic_charset": "Latin-1"}, "bibliographic_charset", "bad_value"),
        ({"host_name": 5}, "host_name", "bad_value"),
        ({"Proxy": {"Port": 1}}, "Proxy", "unknown_setting"),
    ],
)
def test_from_mapping_names_a_bad_key(change: dict[str, object], key: str, reason: str) -> None:
    with pytest.raises(InvalidGatewaySettings) as caught:
        GatewaySettings.from_mapping({**SNAKE, **change})
    assert (caught.value.text, caught.value.reason) == (key, reason)
    assert isinstance(caught.value, ValueError)


def test_from_mapping_names_a_missing_setting() -> None:
    settings = {k: v for k, v in SNAKE.items() if k != "retries"}
    with pytest.raises(InvalidGatewaySettings, match="Retries") as caught:
        GatewaySettings.from_mapping(settings)
    assert caught.value.reason == "missing_setting"


def test_every_finding_has_the_seed_words_and_a_fix() -> None:
    """Each message is CARLI's own words: every part of it (a heading, then its text) is in the
    seed page as written, compared with the page itself, not with the table under test."""
    assert set(FINDINGS) == set(FindingCode)
    for code, text in FINDINGS.items():
        assert in_seed(text.message), code
        assert text.cause != text.fix, code
        assert len(text.cause) > 20, code
        assert len(text.fix) > 20, code
