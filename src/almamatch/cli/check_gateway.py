"""``almamatch check-gateway``: a Connexion Gateway Export's settings against CARLI's instructions.

Theory of operation: the settings file is TOML, keyed as the seed names the settings ("Host Name",
"Options: Timeout", ...) or in snake_case (``almamatch.gateway.GatewaySettings.from_mapping``); the
zones table is a CSV with the seed's columns "Zone, Host Name, Logon ID" and defaults to the
seed's I-Share table. ``check_gateway`` (pure, in ``core``) returns the findings; this command
shows each with the seed's words, its cause and its fix, and exits 1 when any is an error.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from almamatch.cli.inputs import EXIT_CODES_EPILOG
from almamatch.cli.render import json_line, stdout_console, to_json_value
from almamatch.gateway.settings import (
    ISHARE_ZONES,
    GatewaySettings,
    InvalidGatewaySettings,
    Severity,
    ZoneEntry,
    check_gateway,
)
from almamatch.zonefiles.tomlfile import load_toml

__all__ = ["read_settings", "read_zones", "register", "run"]

EPILOG = """\
example:
  almamatch check-gateway examples/gateway/broken.toml
  almamatch check-gateway examples/gateway/good.toml --zones examples/gateway/ishare-zones.csv

""" + EXIT_CODES_EPILOG.format(failures="a finding of severity error")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-gateway",
        help="check Connexion Gateway Export settings, with cause and fix for each finding",
        description="Check a Connexion client's OCLC Gateway Export settings (TOML) against "
        "CARLI's I-Share instructions and a table of zones (host name, logon ID).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("settings", metavar="SETTINGS", help="gateway settings TOML")
    parser.add_argument("--zones", metavar="TABLE",
                        help="CSV with columns Zone, Host Name, Logon ID (default: the seed's "
                        "I-Share table)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def read_settings(path: str | Path) -> GatewaySettings:
    """The settings in a TOML file; ``InvalidGatewaySettings`` names the file and the problem."""
    return GatewaySettings.from_mapping(load_toml(path, InvalidGatewaySettings))


def read_zones(path: str | Path) -> tuple[ZoneEntry, ...]:
    """A zones table from CSV (the seed's columns: Zone, Host Name, Logon ID)."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:  # Excel's BOM or none
        try:
            return tuple(ZoneEntry.from_mapping(row) for row in csv.DictReader(handle))
        except (csv.Error, UnicodeDecodeError) as error:
            raise InvalidGatewaySettings(str(path), "bad_csv", str(error)) from None


def run(args: argparse.Namespace) -> int:
    settings = read_settings(args.settings)
    zones = read_zones(args.zones) if args.zones else ISHARE_ZONES
    findings = check_gateway(settings, zones)
    errors = sum(finding.severity is Severity.ERROR for finding in findings)
    console = stdout_console()
    if args.json:
        document = {
            "settings": args.settings,
            "errors": errors,
            "findings": [to_json_value(finding) for finding in findings],
        }
        console.file.write(json_line(document) + "\n")
        return 1 if errors else 0
    if not findings:
        console.print(Text(f"{args.settings}: no findings; the settings follow the seed.",
                           style="green"))
        return 0
    table = Table(title=f"{args.settings}: {len(findings)} findings, {errors} errors",
                  title_justify="left", show_lines=True)
    table.add_column("setting", max_width=24)
    table.add_column("finding, cause and fix", min_width=40, overflow="fold")
    for finding in findings:
        style = "red" if finding.severity is Severity.ERROR else "yellow"
        setting = Text(f"{finding.setting}\n")
        setting.append(finding.severity.value, style=style)
        body = Text(finding.message)
        body.append("\ncause: ", style="bold")
        body.append(finding.cause)
        body.append("\nfix: ", style="bold")
        body.append(finding.fix)
        table.add_row(setting, body)
    console.print(table)
    return 1 if errors else 0
