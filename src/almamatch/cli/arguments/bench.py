"""The arguments, help and examples of ``almamatch bench``; its work is ``almamatch.cli.bench``."""

from __future__ import annotations

import argparse
from typing import Any, Final

from almamatch.cli.arguments.options import add_format_argument, count, run_in

__all__ = ["MAX_BIBS", "register"]


#: The largest zone a run may synthesize: past it the arrays alone outgrow common machines'
#: memory (benchmarks/RESULTS.md records runs up to 50 million).
MAX_BIBS: Final = 100_000_000


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="size a zone index: memory, build, open, lookups and decisions per second",
        description="Synthesize a zone of N bibs, build and memory-map its index, and measure it "
        "against pymarc, mrrc and a dict of objects in the same run.\n\n"
        "example: almamatch bench --bibs 1000000 --for 30000000",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--bibs", type=count(1, MAX_BIBS), default=1_000_000,
                        help=f"zone size, 1 to {MAX_BIBS:,} (default 1M)")
    parser.add_argument("--for", dest="target", type=count(1, 10**10), default=None,
                        help="extrapolate the figures to a zone of this many bibs")
    parser.add_argument("--exports", type=count(1, MAX_BIBS), default=None,
                        help="exports to decide (default: min(bibs, 50000))")
    parser.add_argument("--workers", type=count(1, 256), default=2,
                        help="decision processes, 1 to 256 (default 2)")
    parser.add_argument("--seed", type=count(0, 2**32 - 1), default=0,
                        help="random seed (default 0)")
    add_format_argument(parser, json_help="print one JSON object (the same as --format json)")
    parser.set_defaults(func=run_in("almamatch.cli.bench"))
