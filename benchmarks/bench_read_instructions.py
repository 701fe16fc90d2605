"""Instructions per record of the batch's reading, and of the whole command, counted by callgrind.

Run, with one or more source trees to compare (each an ``src`` folder)::

    python benchmarks/bench_read_instructions.py EXPORTS --zone ZONE \\
        --src BASE/src --src MINE/src [--records 4000]

A loaded machine makes CPU seconds wander by tens of percent; instruction counts do not. For
each tree it runs, under ``valgrind --tool=callgrind`` (one fixed hash seed, one BLAS thread):

* ``read``: ``read_bibs`` of the first ``--records`` records of EXPORTS with each record's
  MARCXML word noted in a ``DecisionCache`` (the batch's reading), the collector off, less the
  same process reading the first record alone: instructions per record;
* ``batch``: ``almamatch batch`` of those records (``--json --workers 1`` against ZONE), less
  the command on the first record alone: instructions per record; and that one-record command's
  count, which is the start-up.

Needs valgrind. Run ``python -m compileall -q src`` first for each tree.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from almamatch.marc.framing import frame_records

PROFILE = str(Path(__file__).resolve().parents[1] / "examples" / "profiles" / "carli.toml")
NOW = "2026-03-05T10:30"
READ = """\
import gc, sys
from almamatch.core.decide import DecisionCache
from almamatch.marc import read_bibs
gc.disable()
cache = DecisionCache()
for _ in read_bibs(sys.argv[1], convertible=cache.note_convertible):
    pass
"""
COMMAND = "import sys; from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))"


def instructions(src: str, argv: list[str]) -> int:
    """The instructions callgrind counts for ``python argv`` with ``src`` first on the path."""
    env = dict(os.environ, PYTHONPATH=src, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         *argv], env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    assert found is not None, done.stderr[-2000:]
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exports", type=Path)
    parser.add_argument("--zone", required=True, help="a saved zone folder")
    parser.add_argument("--src", action="append", required=True, help="a source tree")
    parser.add_argument("--records", type=int, default=4000)
    given = parser.parse_args()
    with given.exports.open("rb") as stream:
        framed = []
        for item in frame_records([stream.read()]):
            if isinstance(item, tuple):
                framed.append(item[0])
            if len(framed) == given.records:
                break
    count = len(framed)
    print(f"load average {os.getloadavg()}; {count} records of {given.exports}")
    with tempfile.TemporaryDirectory() as folder:
        some, one = Path(folder, "some.mrc"), Path(folder, "one.mrc")
        some.write_bytes(b"".join(framed))
        one.write_bytes(framed[0])
        for src in given.src:
            read = (instructions(src, ["-c", READ, str(some)])
                    - instructions(src, ["-c", READ, str(one)]))
            batch = [["-c", COMMAND, "batch", str(path), "--zone", given.zone, "--profile",
                      PROFILE, "--now", NOW, "--json", "--workers", "1"] for path in (some, one)]
            whole, start = (instructions(src, argv) for argv in batch)
            print(f"{src}: read {read // (count - 1):,} per record; batch "
                  f"{(whole - start) // (count - 1):,} per record; one-record command "
                  f"{start:,}")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
