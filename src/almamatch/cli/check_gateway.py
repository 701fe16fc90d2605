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

from rich.text import Text

from almamatch.cli.arguments.options import Format, format_of
from almamatch.cli.render import json_line, stdout_console, to_json_value
from almamatch.cli.report import Report, write_report
from almamatch.gateway.settings import (
    ISHARE_ZONES,
    GatewaySettings,
    InvalidGatewaySettings,
    Severity,
    ZoneEntry,
    check_gateway,
)
from almamatch.zonefiles.tomlfile import load_toml

__all__ = ["read_settings", "read_zones", "run"]


def read_settings(path: str | Path) -> GatewaySettings:
    """The settings in a TOML file; ``InvalidGatewaySettings`` names the file and the problem."""
    return GatewaySettings.from_mapping(load_toml(path, InvalidGatewaySettings))


def read_zones(path: str | Path) -> tuple[ZoneEntry, ...]:
    """A zones table from CSV (the columns of CARLI's table: Zone, Host Name, Logon ID)."""
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
    fmt = format_of(args)
    if fmt is Format.JSON:
        document = {
            "settings": args.settings,
            "errors": errors,
            "findings": [to_json_value(finding) for finding in findings],
        }
        console.file.write(json_line(document) + "\n")
        return 1 if errors else 0
    if not findings and fmt is Format.TABLE:
        console.print(Text(f"{args.settings}: no findings; the settings follow CARLI's "
                           "instructions.",
                           style="green"))
        return 0
    write_report(Report(title=f"{args.settings}: {len(findings)} findings, {errors} errors",
                        columns=("setting", "severity", "finding", "cause", "fix"),
                        rows=[(finding.setting, finding.severity.value, finding.message,
                               finding.cause, finding.fix) for finding in findings]), fmt)
    return 1 if errors else 0
