"""The arguments, help and examples of ``almamatch rules``; its work is ``almamatch.cli.rules``."""

from __future__ import annotations

import argparse
from typing import Any

from almamatch.cli.arguments.options import exit_codes_epilog, run_in

__all__ = ["EPILOG", "register"]


EPILOG = """\
examples:
  almamatch rules check examples/rules/*.txt
  almamatch rules apply examples/rules/connexion-normalization.txt examples/exports.mrc --index 1
  almamatch rules level examples/rules/brief-levels.txt examples/exports.mrc --json

""" + exit_codes_epilog("check: a file has an error")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="check Alma rule files; preview normalization and brief levels on a record",
        description="Alma's rule language (normalization, merge, brief-level and indication "
        "rules), as the Metadata Editor's rule preview shows it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    check = commands.add_parser(
        "check", help="parse rule files and report every error (exit 1 on any)",
        epilog="example:\n  almamatch rules check examples/rules/*.txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("files", metavar="FILE", nargs="+", help="rule files")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    apply = commands.add_parser(
        "apply", help="run normalization rules on one record: the fields before and after",
        epilog="example:\n  almamatch rules apply examples/rules/connexion-normalization.txt "
        "examples/exports.mrc --index 1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    level = commands.add_parser(
        "level", help="which brief-level rule a record matches, and why",
        epilog="example:\n  almamatch rules level examples/rules/brief-levels.txt "
        "examples/exports.mrc",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for sub in (apply, level):
        sub.add_argument("file", metavar="FILE", help="a rule file")
        sub.add_argument("record", metavar="RECORD", help="MARC file holding the record")
        sub.add_argument("--index", type=int, default=0, metavar="N",
                         help="which record of the file, counting from 0 (default: 0)")
        sub.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run_in("almamatch.cli.rules"))
