"""``almamatch demo``: the example batch, from the files the package ships.

Theory of operation: the README's first command needs a checkout (``examples/``). ``demo`` runs the
same batch on the copies installed with the package (``almamatch/demo``: the eleven exports, the
example zone and the CARLI profile), so that ``pip install almamatch && almamatch demo`` shows
every outcome of the decision once. It is ``almamatch batch`` with those files and the moment
``2026-03-05 10:30`` filled in; every other batch option (``--format``, ``--json``, ``--summary``)
passes through. A test keeps the copies equal to ``examples/``.
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from importlib.resources import as_file, files
from typing import Final

from almamatch.cli.main import main

__all__ = ["DEMO_NOW", "run"]

#: The moment the example batch is decided at (the lock in the example zone is then active).
DEMO_NOW: Final = "2026-03-05T10:30"


def run(args: argparse.Namespace) -> int:
    demo = files("almamatch") / "demo"
    with ExitStack() as stack:
        exports = stack.enter_context(as_file(demo / "exports.mrc"))
        zone = stack.enter_context(as_file(demo / "zone"))
        profile = stack.enter_context(as_file(demo / "carli.toml"))
        argv = ["batch", str(exports), "--zone", str(zone), "--profile", str(profile),
                "--now", DEMO_NOW]
        if args.format:
            argv += ["--format", args.format]
        if args.json:
            argv.append("--json")
        if args.summary:
            argv.append("--summary")
        return main(argv)
