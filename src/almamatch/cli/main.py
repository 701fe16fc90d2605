"""The ``almamatch`` command: one subcommand per module in ``almamatch.cli``.

Each command module exposes ``register(subparsers)``, which adds its parser and sets
``func=run`` as a default, where ``run(args) -> int`` returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "build_parser", "main"]

#: Command modules under ``almamatch.cli``, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="almamatch",
        description="What Ex Libris Alma does with a record exported from OCLC Connexion.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"almamatch.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    code: int = args.func(args)
    return code
