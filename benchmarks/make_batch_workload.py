"""A realistic batch workload: a zone dump with its facts, and a day's exports to decide against it.

Run: ``python benchmarks/make_batch_workload.py OUT [--bibs 1000000] [--exports 100000] [--seed 0]``
then ``almamatch zone build OUT/dump.mrc --facts OUT/facts.csv -o OUT/zone`` and
``almamatch batch OUT/exports.mrc --zone OUT/zone --now 2026-03-05T10:30 --json``.

The records are the corpus's UTF-8 records (about 25 fields each, as libraries catalog them) with
their identifiers replaced: the zone's bibs carry an MMS ID in 001 and one OCLC number in 035 $a,
a fifth of them a second, cancelled one in 035 $z (1.2 numbers per bib); Leader/17 follows the mix
of ``index.synthetic``. The facts give 70% of the bibs an originating system version, 1% a
Community Zone link and 0.1% a lock. The exports come as Connexion sends them (001 ocm/ocn, 003
OCoLC, 005, 035 $a, often 019 $a), in the code mix of a real day: new numbers (added; one in ten
exported again later the same day, which then merges into the bib the first export added), numbers
the zone holds with a newer 005 (merged), a number of one bib beside a cancelled number of another
(multi-match), brief records against full bibs and records older than the bib's version
(refused), and what the facts make of the rest (locked, CZ-linked).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from almamatch.core.record import Bib, ControlField, DataField, Field
from almamatch.marc import bib_to_marc, read_bibs

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TEMPLATE_FILES = (
    "folio_CornellFOLIOExemplars_Bibs.mrc",
    "traject_test_data.utf8.mrc",
    "marc4j_pride-and-prejudice-fixed.mrc",
    "solrmarc_uva_001_2000.mrc",
)
# The identifiers the generator writes itself; every other field is kept as cataloged.
REPLACED = frozenset({"001", "003", "005", "019", "035"})
# Leader/17 in a zone (as index.synthetic): mostly full, some OCLC and minimal levels.
ZONE_LEVELS = ((" ", 70), ("I", 12), ("K", 6), ("M", 4), ("1", 3), ("3", 3), ("7", 2))
BRIEF_LEVELS = ("3", "K", "M")
SHARES = {"add": 35, "merge": 47, "multi": 3, "brief": 6, "old": 6, "repeat": 3}


def templates(corpus: Path) -> list[Bib]:
    """Corpus records in UTF-8 with 15-60 fields, their identifiers removed."""
    found: list[Bib] = []
    for name in TEMPLATE_FILES:
        path = corpus / name
        if not path.exists():
            continue
        for item in read_bibs(path):
            if not isinstance(item, Bib) or not 15 <= len(item.fields) <= 60:
                continue
            kept = [one for one in item.fields if one.tag not in REPLACED]
            bib = Bib(leader=item.leader[:9] + "a" + item.leader[10:], fields=kept)
            try:
                bib_to_marc(bib)
            except ValueError:
                continue
            found.append(bib)
    if not found:
        raise SystemExit(f"no template records under {corpus}")
    return found


def stamp(rng: random.Random, first_year: int, last_year: int) -> str:
    """A 005 value between two years."""
    year = rng.randint(first_year, last_year)
    return (f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}."
            f"{rng.randint(0, 9)}")


def with_identifiers(template: Bib, level: str, head: list[Field], numbers: list[Field]) -> Bib:
    """The template with Leader/17, the control fields and the number fields in tag order."""
    rest = list(template.fields)
    control = [one for one in rest if one.tag < "010"]
    data = [one for one in rest if one.tag >= "010"]
    leader = template.leader[:17] + level + template.leader[18:]
    ordered = sorted(head + control, key=lambda one: one.tag)
    cut = next((i for i, one in enumerate(data) if one.tag > "035"), len(data))
    return Bib(leader=leader, fields=[*ordered, *data[:cut], *numbers, *data[cut:]])


def zone_bib(template: Bib, mms_id: str, active: int, cancelled: int | None, level: str) -> Bib:
    subfields = [("a", f"(OCoLC){active}")]
    if cancelled is not None:
        subfields.append(("z", f"(OCoLC){cancelled}"))
    return with_identifiers(template, level, [ControlField("001", mms_id)],
                            [DataField.of("035", "  ", *subfields)])


def export_bib(template: Bib, rng: random.Random, active: int, *, level: str, version: str,
               cancelled: int | None = None) -> Bib:
    control = f"ocm{active:08d}" if active < 10**8 else f"ocn{active:09d}"
    head: list[Field] = [ControlField("001", control), ControlField("003", "OCoLC"),
                         ControlField("005", version)]
    numbers: list[Field] = []
    if cancelled is not None:
        numbers.append(DataField.of("019", "  ", ("a", str(cancelled))))
    numbers.append(DataField.of("035", "  ", ("a", f"(OCoLC){active}")))
    if rng.random() < 0.3:
        numbers.append(DataField.of("035", "  ", ("a", f"(OCoLC)ocm{active:08d}")))
    return with_identifiers(template, level, head, numbers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--bibs", type=int, default=1_000_000)
    parser.add_argument("--exports", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = templates(args.corpus)
    args.out.mkdir(parents=True, exist_ok=True)
    # Distinct numbers below 2^31: the zone's actives, its cancelled ones, and new ones.
    needed = args.bibs * 2 + args.exports
    numbers = rng.sample(range(1000, 2_000_000_000), needed)
    actives, spare = numbers[: args.bibs], numbers[args.bibs :]
    cancelled: list[int | None] = [spare.pop() if rng.random() < 0.2 else None
                                   for _ in range(args.bibs)]
    versions: list[str | None] = []
    levels = [level for level, weight in ZONE_LEVELS for _ in range(weight)]
    bib_levels: list[str] = []
    with (args.out / "dump.mrc").open("wb") as dump, \
            (args.out / "facts.csv").open("w", encoding="utf-8") as facts:
        facts.write("mms_id,brief_level,originating_version,cz_linked,lock_institution,"
                    "lock_user,lock_last_activity\n")
        for row in range(args.bibs):
            mms_id = f"99{10**9 + row}5681"
            level = rng.choice(levels)
            bib_levels.append(level)
            dump.write(bib_to_marc(zone_bib(pool[row % len(pool)], mms_id, actives[row],
                                            cancelled[row], level)))
            version = stamp(rng, 2012, 2024) if rng.random() < 0.7 else None
            versions.append(version)
            linked = "true" if rng.random() < 0.01 else ""
            lock = (",01CARLI_XYZ,cataloger,2026-03-05T10:00:00+00:00"
                    if rng.random() < 0.001 else ",,")
            facts.write(f"{mms_id},,{version or ''},{linked}{lock}\n")
    kinds = [kind for kind, weight in SHARES.items() for _ in range(weight)]
    added: list[int] = []
    with (args.out / "exports.mrc").open("wb") as exports:
        for index in range(args.exports):
            kind = rng.choice(kinds)
            template = pool[rng.randrange(len(pool))]
            row = rng.randrange(args.bibs)
            today = stamp(rng, 2025, 2026)
            if kind == "repeat" and added:
                record = export_bib(template, rng, rng.choice(added), level=" ", version=today)
            elif kind in ("add", "repeat"):
                number = spare.pop()
                added.append(number)
                gone = spare.pop() if rng.random() < 0.1 else None
                record = export_bib(template, rng, number, level=rng.choice(" IM"),
                                    version=today, cancelled=gone)
            elif kind == "merge":
                record = export_bib(template, rng, actives[row], level=rng.choice("  I"),
                                    version=today, cancelled=cancelled[row])
            elif kind == "multi":
                other = (row + 1 + rng.randrange(args.bibs - 1)) % args.bibs
                record = export_bib(template, rng, actives[row], level=" ", version=today,
                                    cancelled=actives[other])
            elif kind == "brief":
                full = next(r for r in (rng.randrange(args.bibs) for _ in range(50))
                            if bib_levels[r] == " ")
                record = export_bib(template, rng, actives[full], level=rng.choice(BRIEF_LEVELS),
                                    version=today)
            else:  # old: a 005 before the bib's originating system version
                dated = next((r for r in (rng.randrange(args.bibs) for _ in range(50))
                              if versions[r] is not None), row)
                record = export_bib(template, rng, actives[dated], level=" ",
                                    version=stamp(rng, 2005, 2011))
            exports.write(bib_to_marc(record))
            if index and index % 100_000 == 0:
                print(f"{index} exports", flush=True)
    print(f"wrote {args.out}/dump.mrc ({args.bibs} bibs), facts.csv, exports.mrc "
          f"({args.exports} exports); templates: {len(pool)}")


if __name__ == "__main__":
    main()
