"""Instructions per record of stage 4 alone (``core.zone.prepare`` and its step), by callgrind.

Run, with one or more source trees to compare (each an ``src`` folder)::

    python benchmarks/bench_prepare_instructions.py EXPORTS --src BASE/src --src MINE/src \\
        [--records 2000]

For each tree it reads the first ``--records`` records of EXPORTS, then prepares each under the
CARLI profile with one ``DecisionCache`` made as the batch makes it
(``parallel.batch.decision_cache``: its memo of parsed numbers and its compiled makers, the tag
line and the parse among them, where the tree has them) and looks up stage 4's step, as
``decide()`` does. That loop alone is counted: it runs inside
``functools.reduce``, the one function callgrind collects (``--toggle-collect``), so reading and
start-up are not in the figure. Needs valgrind; ``setarch -R`` (address randomization off) is
used where present, which keeps two runs of one tree within a fraction of a per mille.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROFILE = str(Path(__file__).resolve().parents[1] / "examples" / "profiles" / "carli.toml")
LOOP = """\
import functools, gc, inspect, sys
from almamatch.cli.inputs import profile_from_path
from almamatch.core.record import Bib
from almamatch.parallel.batch import decision_cache
from almamatch.core.zone import prepare
from almamatch.marc import read_bibs
with open(sys.argv[1], "rb") as f:
    bibs = [bib for bib in read_bibs(f) if isinstance(bib, Bib)][: int(sys.argv[2])]
steps = profile_from_path(sys.argv[3]).profile.normalization_steps
cache = decision_cache()
numbers = cache.numbers
# as decide() calls it: with the batch's makers (or its tag line) where its prepare takes them
taken = inspect.signature(prepare).parameters
more = ({"makers": cache.makers} if "makers" in taken
        else {"tags_of": cache.makers.tags} if "tags_of" in taken else {})
gc.disable()
def one(count, bib):
    cache.normalization_step(prepare(bib, steps, numbers=numbers, **more).notes)
    return count + 1
print(functools.reduce(one, bibs, 0))
"""


def count(src: Path, exports: Path, records: int) -> tuple[int, int]:
    """The instructions collected and the records prepared."""
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                   "--toggle-collect=functools_reduce", f"--callgrind-out-file={out}",
                   sys.executable, "-c", LOOP, str(exports), str(records), PROFILE]
        if shutil.which("setarch"):
            command = ["setarch", "-R", *command]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : ([0-9]+)", done.stderr)
    if found is None:
        raise SystemExit(f"no count from callgrind for {src}")
    return int(found[1]), int(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exports", type=Path)
    parser.add_argument("--src", type=Path, action="append", required=True)
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    for src in args.src:
        total, prepared = count(src, args.exports, args.records)
        print(f"{src}: {total:,} instructions, {prepared:,} records, "
              f"{total // prepared:,} a record")


if __name__ == "__main__":
    main()
