"""Instructions of a merge's parts under callgrind: the zone record read, the merge, the apply.

Run (valgrind installed; ``setarch`` too, where it is, to turn address randomisation off)::

    python benchmarks/bench_merge_instructions.py EXPORTS --zone ZONE \\
        [--profile PROFILE] [--now 2026-03-05T10:30] [--records 2000] [--src SRC ...]

The first ``--records`` exports are decided and applied in order, as ``almamatch batch
--workers 1`` does (the zone opened as the batch opens it, one ``DecisionCache`` made as the
batch makes it, ``parallel.batch.decision_cache``), keeping each decision with what
``decide()`` derived for it. Then three parts run again on what the run gave
them, each between two calls of ``os.getppid`` (callgrind's ``--dump-before=getppid`` writes a
count at each, so a part's count is its own):

* ``read``: for each Merge into a bib of the saved zone, the saved zone's ``record_part`` with
  the merge's ``MergePlans.reader`` (``positions_read`` in a tree without it; the bib's row
  noted first, as stage 5's look-up notes it in a batch);
* ``merge``: ``MergeMethod.apply`` of each of those records and the prepared incoming record;
* ``apply``: every decision applied in order to a fresh overlay over the same saved zone, with
  its groundwork (``InMemoryZone.apply``).

Each ``--src`` (a source tree's ``src`` folder, its compiled modules built in place; default:
this checkout's) is counted in turn with ``PYTHONHASHSEED=0``, so trees compare in one run. The
counts do not move with the machine's load: the whole command's count does, by tens of
millions on a busy machine, where its threads take and drop the interpreter lock a varying
number of times. Run ``python -m compileall -q SRC`` first where bytecode is not written.
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

_TOTAL = re.compile(rb"^(?:summary|totals): (\d+)", re.MULTILINE)
_PARTS = ("read", "merge", "apply")
PROFILE = Path(__file__).resolve().parents[1] / "examples" / "profiles" / "carli.toml"


def measured(args: argparse.Namespace) -> None:
    """The run itself (inside callgrind): decide, then each part between two markers."""
    import gc  # noqa: PLC0415 (the measured run alone needs these)
    from functools import partial  # noqa: PLC0415

    from almamatch.cli.inputs import (  # noqa: PLC0415
        export_for,
        now_from_args,
        profile_from_path,
        zone_for,
    )
    from almamatch.cli.main import build_parser  # noqa: PLC0415
    from almamatch.core.decide import decide  # noqa: PLC0415
    from almamatch.core.decision import Merge  # noqa: PLC0415
    from almamatch.core.zone import InMemoryZone  # noqa: PLC0415
    from almamatch.marc import Unreadable, read_bibs  # noqa: PLC0415
    from almamatch.parallel.batch import decision_cache  # noqa: PLC0415
    from almamatch.zonefiles.zones import IndexedZoneView  # noqa: PLC0415

    batch = build_parser().parse_args(
        ["batch", args.exports, "--zone", args.zone, "--profile", args.profile, "--now",
         args.now, "--json", "--workers", "1"])
    profile = profile_from_path(batch.profile)
    zone, bibs = zone_for(batch, profile, None)
    saved = bibs.base
    while not isinstance(saved, IndexedZoneView):
        saved = saved.saved if hasattr(saved, "saved") else saved.base  # type: ignore[union-attr]
    cache = decision_cache()  # the batch's: its makers (and merge loops) compiled where built
    now = now_from_args(batch)
    decisions = []
    merges = []
    for count, item in enumerate(read_bibs(args.exports, convertible=cache.note_convertible)):
        if count >= args.records:
            break
        if isinstance(item, Unreadable):
            continue
        export = export_for(item, batch, zone)
        decision = decide(export, zone, now, cache=cache)
        groundwork = cache.groundwork(decision)
        decisions.append((decision, groundwork))
        if (isinstance(decision, Merge) and decision.record is not None
                and decision.mms_id not in bibs):  # the incoming record as decide() merged it
            steps = zone.profiles[0].normalization_steps
            merges.append((decision.mms_id, export.prepared(steps, numbers=cache.numbers).record))
        bibs.apply(decision, groundwork=groundwork)
    method = zone.profiles[0].merge
    plans = cache.merge_plans(method)
    rows = {mms_id: saved._row_of(mms_id) for mms_id, _ in merges}
    # As ``decide()`` asks (``partial(plans.positions_read, incoming)`` before ``reader``).
    reader = getattr(plans, "reader", None) or partial(partial, plans.positions_read)
    parts = [(incoming, saved.record_part(mms_id, reader(incoming)))
             for mms_id, incoming in merges]
    sys.stderr.write(f"records {len(decisions)} merges {len(merges)}\n")
    gc.disable()
    saved._rows = rows  # each row noted, as stage 5 notes the row it found
    os.getppid()
    for mms_id, incoming in merges:
        saved.record_part(mms_id, reader(incoming))
    os.getppid()
    for incoming, existing in parts:
        if existing is not None:
            method.apply(existing, incoming, plans)
    os.getppid()
    fresh = InMemoryZone(brief_rules=profile.profile.levels, base=bibs.base)
    for decision, groundwork in decisions:
        fresh.apply(decision, groundwork=groundwork)
    os.getppid()


def counts(src: Path, args: argparse.Namespace) -> tuple[dict[str, int], str]:
    """Each part's instructions with ``src`` first on the path, and the run's counts line."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--dump-before=getppid",
                   f"--callgrind-out-file={out}", sys.executable, __file__, "--measured",
                   args.exports, "--zone", args.zone, "--profile", args.profile, "--now",
                   args.now, "--records", str(args.records)]
        if shutil.which("setarch"):
            command = ["setarch", "-R", *command]
        env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0",
               "OPENBLAS_NUM_THREADS": "1"}
        done = subprocess.run(command, env=env, capture_output=True, check=True, cwd=folder)
        said = [line for line in done.stderr.decode().splitlines() if line.startswith("records")]
        dumps = sorted(Path(folder).glob("callgrind.out.*"),
                       key=lambda one: int(one.name.rsplit(".", 1)[1]))
        totals = []
        for dump in dumps:
            found = _TOTAL.search(dump.read_bytes())
            totals.append(int(found.group(1)) if found else 0)
    # The dumps: the run up to the first marker, then one per part.
    return dict(zip(_PARTS, totals[1:4], strict=True)), said[0] if said else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exports")
    parser.add_argument("--zone", required=True)
    parser.add_argument("--profile", default=str(PROFILE))
    parser.add_argument("--now", default="2026-03-05T10:30")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--src", type=Path, action="append")
    parser.add_argument("--measured", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measured:
        measured(args)
        return
    for src in args.src or [Path(__file__).resolve().parents[1] / "src"]:
        found, said = counts(src, args)
        merges = int(said.split()[-1]) if said else 0
        records = int(said.split()[1]) if said else 0
        print(f"{src}: {said}")
        for part in _PARTS:
            per = records if part == "apply" else merges
            unit = "a record" if part == "apply" else "a merge"
            print(f"  {part:6s} {found[part]:>13,} instructions, {found[part] // max(per, 1):,} "
                  f"{unit}")


if __name__ == "__main__":
    main()
