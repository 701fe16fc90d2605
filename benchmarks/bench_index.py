"""Index-sizing runs recorded in benchmarks/RESULTS.md: ``almamatch bench`` at a given size.

Usage: ``python benchmarks/bench_index.py 10000000`` runs ``almamatch bench --bibs 10000000
--exports 1000000 --json`` (exports capped at 1,000,000, the batch size of the target) and prints
the JSON object; the recorded runs redirect it to a file.
"""

from __future__ import annotations

import sys

from almamatch.cli.main import main

if __name__ == "__main__":
    bibs = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    exports = min(bibs // 10 if bibs <= 1_000_000 else 1_000_000, 1_000_000)
    raise SystemExit(main(["bench", "--bibs", str(bibs), "--exports", str(exports), "--json"]))
