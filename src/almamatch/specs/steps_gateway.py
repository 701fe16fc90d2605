"""Steps that check a cataloger's Connexion Gateway Export settings against CARLI's page.

Theory of operation: the settings are a two-column table (setting, value) with the seed's names
("Host Name", "Port", "Permanent Connection", ...). A scenario usually starts from the
recommended settings for a zone and changes one, so that it states one troubleshooting rule;
``almamatch.gateway.check_gateway`` then lists its findings against CARLI's hosts and logons table.
"""

from __future__ import annotations

import enum

import attrs

from almamatch.core.errors import AlmamatchError
from almamatch.gateway.settings import LABELS, GatewaySettings, check_gateway
from almamatch.specs.errors import SpecError
from almamatch.specs.tables import row_error, rows_by_column
from almamatch.specs.vocabulary import Mismatch, StepCall, StepKind, step
from almamatch.specs.world import World

__all__: list[str] = []

GATEWAY = "The Gateway Export settings check"


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "checked" if value else "unchecked"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return "" if value is None else str(value)


@step(StepKind.CONTEXT,
      'the Gateway Export settings are the recommended ones for host "{host}" and logon ID '
      '"{logon_id}"',
      topic=GATEWAY,
      example='Given the Gateway Export settings are the recommended ones for host '
              '"i-share-xyz.alma.exlibrisgroup.com" and logon ID "01CARLI_XYZ"')
def recommended(world: World, call: StepCall) -> None:
    """Starts from CARLI's "Common gateway export settings for all I-Share Zones": port 5500,
    Permanent Connection and Notify Host unchecked, Timeout 90, Retries 3, Delay 0, Send Local
    System Login ID and Password checked, Send User ID unchecked, MARC 21 and UTF-8 Unicode,
    batch Bibliographic Record Export unchecked."""
    settings = GatewaySettings.recommended(host_name=call.values["host"],
                                           logon_id=call.values["logon_id"])
    world.gateway_settings = {
        LABELS[one.name]: _as_text(getattr(settings, one.name))
        for one in attrs.fields(GatewaySettings)
        if one.name != "password"
    }


@step(StepKind.CONTEXT, "the Gateway Export settings are changed to:", topic=GATEWAY, table=True,
      example="""
And the Gateway Export settings are changed to:
  | setting              | value   |
  | Permanent Connection | checked |
  | Port                 | 5501    |
""")
def changed(world: World, call: StepCall) -> None:
    """Changes settings, one per row, by the names on CARLI's page (Host Name, Port, Permanent
    Connection, Notify Host Before Disconnect, Timeout, Retries, Delay, Send Local System Login ID
    and Password, Logon ID, Password, Send User ID, Bibliographic Records Format, Bibliographic
    Records Character Set, Authority Records Format, Authority Records Character Set,
    Bibliographic Record Export). Checkboxes are checked or unchecked."""
    columns = {"setting": ("setting",), "value": ("value",)}
    known = {" ".join(label.lower().split()): label for label in LABELS.values()}
    for index, row, cells in rows_by_column(call.table, columns, required=("setting", "value"),
                                            line=call.line):
        label = known.get(" ".join(cells["setting"].lower().split()))
        if label is None:
            raise row_error(row, index, f"unknown setting {cells['setting']!r}; known: "
                                        + ", ".join(LABELS.values()))
        world.gateway_settings[label] = cells["value"]


@step(StepKind.ACTION, "the Gateway Export settings are checked", topic=GATEWAY,
      example="When the Gateway Export settings are checked")
def check(world: World, call: StepCall) -> None:
    """Checks the settings against CARLI's settings table and its hosts and logon IDs table."""
    if not world.gateway_settings:
        raise SpecError("", "no_settings", "no settings yet: start from the recommended ones")
    try:
        settings = GatewaySettings.from_mapping(world.gateway_settings)
    except AlmamatchError as error:
        raise SpecError(error.text, error.reason, f"bad setting: {error}") from None
    world.findings = check_gateway(settings)


def _findings(world: World) -> tuple[object, ...]:
    if world.findings is None:
        raise SpecError("", "not_checked",
                        "add 'When the Gateway Export settings are checked' first")
    return world.findings


@step(StepKind.OUTCOME, "the check finds nothing to fix", topic=GATEWAY,
      example="Then the check finds nothing to fix")
def nothing(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The settings are as CARLI recommends."""
    found = _findings(world)
    if not found:
        return ()
    actual = "\n".join(f"{getattr(one, 'code', one)}: {getattr(one, 'message', '')}"
                       for one in found)
    return (Mismatch(what="gateway findings", expected="(none)", actual=actual),)


@step(StepKind.OUTCOME, "the check finds:", topic=GATEWAY, table=True, example="""
Then the check finds:
  | finding              | setting              | severity | can cause                     |
  | PERMANENT_CONNECTION | Permanent Connection | error    | CONNECTION_CLOSED, CLIENT_CRASH |
""")
def finds(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """Exactly these findings, one per row: the finding's code, and optionally the setting it
    names, its severity (error or warning) and what it can cause for the cataloger
    (CONNECTION_CLOSED, LOGON_FAILED, MARCXML_CONVERSION_FAILED, CLIENT_CRASH; every one listed
    must be among the finding's). Only the columns given are compared."""
    columns = {"code": ("finding", "code"), "setting": ("setting",),
               "severity": ("severity",), "causes": ("can cause", "outcomes")}
    rows = rows_by_column(call.table, columns, required=("code",), line=call.line)
    expected: list[str] = []
    actual: list[str] = []
    found = list(_findings(world))
    for _, _, cells in rows:
        expected.append(_line(cells))
    for one in found:
        facts = {
            "code": str(getattr(one, "code", "")),
            "setting": str(getattr(one, "setting", "")),
            "severity": str(getattr(one, "severity", "")),
            "causes": ", ".join(str(o) for o in getattr(one, "outcomes", ())),
        }
        wanted = next((cells for _, _, cells in rows if cells["code"] == facts["code"]), None)
        shown = {name: facts[name] for name in (wanted or {"code": ""})}
        if wanted is not None and "causes" in wanted:
            listed = {part.strip() for part in wanted["causes"].split(",") if part.strip()}
            have = {part.strip() for part in facts["causes"].split(",")}
            shown["causes"] = wanted["causes"] if listed <= have else facts["causes"]
        actual.append(_line(shown))
    want, got = "\n".join(sorted(expected)), "\n".join(sorted(actual))
    return () if want == got else (Mismatch(what="gateway findings", expected=want,
                                            actual=got or "(none)"),)


def _line(cells: dict[str, str]) -> str:
    order = ("code", "setting", "severity", "causes")
    return " | ".join(cells[name].strip() for name in order if name in cells)
