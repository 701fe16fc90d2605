"""The options several commands share, and how a command's work is found when it runs.

Theory of operation: the parser of every command is built on each start (``cli.main`` registers
them all, so that ``--help`` lists them and a mistyped option is matched against every one), so
building it must cost no more than argparse itself. This module and the one module per command
in ``cli.arguments`` therefore import nothing but argparse and the core's names: a command's
work (``cli.batch``, ``cli.serve``, ...) is imported by ``run_in`` when that command runs.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import textwrap
from collections.abc import Callable
from datetime import datetime
from typing import Final

from almamatch.core.zone import ZoneKind

__all__ = [
    "Format",
    "add_format_argument",
    "add_logon_arguments",
    "add_now_argument",
    "add_profile_argument",
    "add_zone_arguments",
    "count",
    "exit_codes_epilog",
    "format_of",
    "moment_argument",
    "run_in",
]


def run_in(module: str, name: str = "run") -> Callable[[argparse.Namespace], int]:
    """The command function ``name`` of ``module``, imported only when it is called."""

    def run(args: argparse.Namespace) -> int:
        command: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module(module), name)
        return command(args)

    return run


_EXIT_CODES: Final = (
    "exit codes: 0 ok; 1 {failures}; 2 usage error; "
    "3 unreadable input file, bad profile or bad zone; 130 interrupted (Ctrl-C); "
    "143 terminated (SIGTERM)"
)


def exit_codes_epilog(failures: str) -> str:
    """The exit codes, for the end of a command's help (every command's, ``cli.main``'s too):
    ``failures`` says what exit 1 means for it; wrapped for an 80-column terminal."""
    return textwrap.fill(_EXIT_CODES.format(failures=failures), width=79)


def add_zone_arguments(parser: argparse.ArgumentParser) -> None:
    """``--zone``, ``--facts`` and the zone-identity overrides."""
    group = parser.add_argument_group("zone")
    group.add_argument(
        "--zone", required=True, metavar="ZONE",
        help="the zone's bibs: a MARC dump (MMS ID in 001) or a saved zone directory",
    )
    group.add_argument(
        "--facts", metavar="CSV",
        help="facts MARC does not carry: mms_id, brief_level, originating_version, cz_linked, "
        "lock_institution, lock_user, lock_last_activity",
    )
    group.add_argument("--zone-kind", choices=[kind.value for kind in ZoneKind],
                       help="institution, network or sandbox (default: from the profile)")
    group.add_argument("--institution", help="institution code (default: from the profile, "
                       "else 01CARLI_XYZ)")
    group.add_argument("--host", help="the zone's host name (default: from the profile, else "
                       "i-share-xyz.alma.exlibrisgroup.com)")
    group.add_argument("--zone-logon-id", help="the zone's logon ID (default: from the profile)")


def add_profile_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile", metavar="PROFILE",
        help="integration profile TOML (default: CARLI I-Share IZ profile, password "
        "'almamatch', zone 01CARLI_XYZ at i-share-xyz.alma.exlibrisgroup.com)",
    )


def add_logon_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Gateway Export logon")
    group.add_argument("--logon", metavar="ID", help="logon ID sent (default: the zone's)")
    group.add_argument("--password", metavar="PW", help="password sent (default: the profile's)")


def count(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``; anything else exits 2."""

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is outside {low:,} to {high:,}")
        return value

    return parse


def moment_argument(text: str) -> datetime:
    """``--now TIME`` read by the one moment parser; a refusal is a usage error (exit 2)."""
    # The moment parser (and dateutil) only when a command is given --now, not for --help.
    from almamatch.zonefiles.moments import InvalidMoment, parse_moment  # noqa: PLC0415

    try:
        return parse_moment(text)
    except InvalidMoment as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_now_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now", metavar="TIME", type=moment_argument,
        help="the moment of the export: a date and a time, e.g. 2026-03-05T10:30, "
        "'2026-03-05 10:30 Europe/Paris' or 'March 5, 2026 10:30 AM'; an offset or an IANA zone "
        "name may follow, no zone means UTC; default: the clock",
    )


class Format(enum.StrEnum):
    """How a reporting command prints: for people, for spreadsheets, or for programs."""

    TABLE = "table"
    TSV = "tsv"
    CSV = "csv"
    JSON = "json"


def add_format_argument(parser: argparse.ArgumentParser, *, json_help: str) -> None:
    """``--format`` and its shorthand ``--json``."""
    parser.add_argument(
        "--format", choices=[one.value for one in Format], default=None,
        help="table (default: a table at a terminal, plain rows when stdout is a pipe or a file; "
        "never cut), tsv, csv, or json (as --json)",
    )
    parser.add_argument("--json", action="store_true", help=json_help)


def format_of(args: argparse.Namespace) -> Format:
    """The format the arguments ask for; ``--json`` means ``--format json``."""
    if getattr(args, "json", False):
        return Format.JSON
    chosen: str | None = getattr(args, "format", None)
    return Format(chosen) if chosen else Format.TABLE
