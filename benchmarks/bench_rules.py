"""Normalization on every incoming record: the hard-coded steps beside the same work as rule text.

Run: ``python benchmarks/bench_rules.py [--records N] [--repeat R]``. Reads up to N records from
the corpus (``ALMAMATCH_CORPUS`` or ../shared/corpus; a synthetic record set otherwise) and times,
per record, each way of normalizing them, R times; prints the minimum and the median in
microseconds per record and records per second on one core:

* baseline, same run: CARLI's hard-coded step ``Marc21 Bib Copy 019a to 035z`` alone
  (``CopyCancelledTo035z.apply``), and CSU's hard-coded ``RemoveFields``;
* stage 4 as ``decide()`` runs it: ``prepare(bib, profile.normalization_steps)`` for the CARLI
  profile (the step, the save rule, the match keys), beside ``prepare`` given the step tuple
  itself as before rule files existed (the baseline);
* CSU's removal as rule text (examples/rules/csu-normalization.txt), compiled once;
* real rule files: Harvard's Connexion normalization (3 rules) and Bergen's 112-rule set;
* parsing and compiling Bergen's file, which a profile does once.

The machine is shared: the script prints the load average beside the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from almamatch import rules
from almamatch.core import Bib, ControlField, DataField, IntegrationProfile
from almamatch.core.normalization import CopyCancelledTo035z, RemoveFields
from almamatch.core.zone import prepare
from almamatch.marc import read_bibs
from almamatch.rules.normalize import compile_normalization

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "alma-rules"
CORPUS = Path(os.environ.get("ALMAMATCH_CORPUS", ROOT.parent / "shared" / "corpus"))


def corpus_records(limit: int) -> list[Bib]:
    found: list[Bib] = []
    for name in ("solrmarc_uva_001_2000.mrc", "folio_CornellFOLIOExemplars_Bibs.mrc"):
        path = CORPUS / name
        if path.is_file():
            found += [item for item in read_bibs(path) if isinstance(item, Bib)]
    if not found:  # no corpus: OCLC-like records with 019, 029 and 035s
        found = [
            Bib(leader="00000cam a2200000 a 4500", fields=[
                ControlField("001", f"ocm{n:08d}"), ControlField("003", "OCoLC"),
                DataField.of("019", "  ", ("a", str(n + 7))),
                DataField.of("029", "1 ", ("a", "AU@"), ("b", "000")),
                DataField.of("035", "  ", ("a", f"(OCoLC){n}")),
                DataField.of("245", "10", ("a", f"Title {n}")),
            ])
            for n in range(1, 2001)
        ]
    return (found * (limit // len(found) + 1))[:limit]


def timed(work: Callable[[Bib], object], records: list[Bib], repeat: int) -> list[float]:
    """Seconds per record for each of ``repeat`` passes over ``records``."""
    runs: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        for bib in records:
            work(bib)
        runs.append((time.perf_counter() - started) / len(records))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    records = corpus_records(args.records)
    carli = IntegrationProfile.carli("p")
    csu_step = RemoveFields(("029", "936", "938", "948", "984"))
    csu_text = compile_normalization(rules.parse(
        (ROOT / "examples" / "rules" / "csu-normalization.txt").read_text(encoding="utf-8")))
    harvard = compile_normalization(rules.parse((
        FIXTURES / "norm__cbaksik__NormRules_zSYS_-_External_Resources_and_Connexion.txt"
    ).read_text(encoding="utf-8")))
    bergen_text = (FIXTURES / "norm__carinath__versions_ubb-norcat-norms-20240110.txt").read_text(
        encoding="utf-8")
    bergen = compile_normalization(rules.parse(bergen_text))
    copy_019 = CopyCancelledTo035z()
    # Every rule-text result must equal its hard-coded twin before it is timed.
    assert all(csu_text.apply(bib) == csu_step.apply(bib) for bib in records[:2000])
    measures: list[tuple[str, Callable[[Bib], object]]] = [
        ("baseline: CARLI 019a->035z step (hard-coded)", copy_019.apply),
        ("baseline: stage 4, CARLI: prepare(profile.normalization)",
         lambda bib: prepare(bib, carli.normalization)),
        ("stage 4, CARLI: prepare(profile.normalization_steps)",
         lambda bib: prepare(bib, carli.normalization_steps)),
        ("baseline: CSU remove 029,936,... (hard-coded)", csu_step.apply),
        ("CSU remove 029,936,... as rule text", csu_text.apply),
        ("Harvard Connexion rules (3 rules, 31 actions)", harvard.apply),
        ("Bergen rule set (112 rules)", bergen.apply),
    ]
    print(f"machine: {platform.machine()} {platform.processor() or ''}, "
          f"Python {platform.python_version()}, {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.2f} (shared machine, other jobs running)")
    print(f"{len(records)} records, {args.repeat} passes each; us/record (min, median), "
          "records/s/core at the minimum")
    for name, work in measures:
        runs = timed(work, records, args.repeat)
        best, middle = min(runs), statistics.median(runs)
        print(f"  {name:55s} {best * 1e6:8.2f} {middle * 1e6:8.2f}  {1 / best:12,.0f}")
    compile_runs: list[float] = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        compile_normalization(rules.parse(bergen_text))
        compile_runs.append(time.perf_counter() - started)
    print(f"  parse + compile Bergen's file once ({len(bergen_text):,} characters): "
          f"{min(compile_runs) * 1e3:.1f} ms min, {statistics.median(compile_runs) * 1e3:.1f} ms "
          "median")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
