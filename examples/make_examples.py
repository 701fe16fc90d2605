"""Write the example exports and zone from the shared corpus, the same bytes on every run.

Theory of operation: every export in ``exports.mrc`` is a real record copied byte for byte from
``../shared/corpus`` (the last one is a real record cut short, as a transfer broken off mid-record
leaves it). The zone ``zone/`` holds copies of some of the same records as Alma would keep them:
003 folded into 035 (Alma's save rule), 001 replaced by an MMS ID. ``zone/facts.csv`` gives the
facts MARC does not carry, chosen so that one batch meets every outcome of the decision:

====  =======================================  ===========================================
 #    export                                   what the zone holds for it
====  =======================================  ===========================================
 0    Cornell 0, (OCoLC)1604275                nothing: ADDED
 1    FOLIO 3, (OCoLC)1028332                  nothing: ADDED
 2    FOLIO 3 again                            the bib export 1 added: MERGED
 3    FOLIO 5, (OCoLC)1028686                  a copy, older originating version: MERGED
 4    FOLIO 6, (OCoLC)8011210                  two copies (duplicate bibs): MULTI_MATCH
 5    Cornell 36, Leader/17 "3"                a copy rated brief level 10: NOT_ADDED_BRIEF
 6    FOLIO 7, (OCoLC)1029022                  a copy locked at 10:00: NOT_ADDED_LOCKED
 7    FOLIO 16, 005 of 2016                    a copy with a 2018 version: NOT_ADDED_OLD
 8    Cornell 16, (OCoLC)34818133              a copy linked to the CZ: SKIPPED_CZ_LINKED
 9    UVA 1, MARC-8 with non-ASCII data        -: MARCXML_CONVERSION_FAILED
10    Cornell 10 cut after 200 bytes           -: UNREADABLE
====  =======================================  ===========================================

Run from the repository root: ``python examples/make_examples.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from attrs import evolve

from almamatch.core.brief import BriefLevel
from almamatch.core.lock import Lock
from almamatch.core.normalization import fold_003
from almamatch.core.record import Bib, ControlField
from almamatch.core.timestamp import Timestamp
from almamatch.marc import bib_to_marc, bib_to_marcxml, read_bibs
from almamatch.zonefiles.facts import FactsRow, facts_to_csv, parse_moment

CORPUS: Final = Path(__file__).resolve().parents[2] / "shared" / "corpus"
HERE: Final = Path(__file__).resolve().parent

CORNELL: Final = "folio_CornellFOLIOExemplars_Bibs.mrc"
FOLIO: Final = "folio_test1_err.mrc"
UVA: Final = "solrmarc_uva_001_2000.mrc"

#: The exports, in order: (corpus file, record index, bytes kept or None for all).
EXPORTS: Final = (
    (CORNELL, 0, None),
    (FOLIO, 3, None),
    (FOLIO, 3, None),
    (FOLIO, 5, None),
    (FOLIO, 6, None),
    (CORNELL, 36, None),
    (FOLIO, 7, None),
    (FOLIO, 16, None),
    (CORNELL, 16, None),
    (UVA, 1, None),
    (CORNELL, 10, 200),
)

#: The zone's bibs: (corpus file, record index, facts other than the MMS ID).
ZONE: Final[tuple[tuple[str, int, dict[str, object]], ...]] = (
    (CORNELL, 1, {}),
    (CORNELL, 2, {}),
    (CORNELL, 3, {}),
    (FOLIO, 5, {"originating_version": "20170101120000.0"}),
    (FOLIO, 6, {}),
    (FOLIO, 6, {"originating_version": "20190126093037.1"}),
    (CORNELL, 36, {"brief_level": "10"}),
    (FOLIO, 7, {"lock": ("01CARLI_XYZ", "jsmith", "2026-03-05T10:00:00+00:00")}),
    (FOLIO, 16, {"originating_version": "20180928111449.7"}),
    (CORNELL, 16, {"cz_linked": "true"}),
)

FIRST_SERIAL: Final = 1000000001
SUFFIX: Final = "5681"


def raw_records(name: str) -> list[bytes]:
    """The records of a corpus ISO 2709 file as their bytes, framed by Leader/00-04."""
    content = (CORPUS / name).read_bytes()
    records: list[bytes] = []
    offset = 0
    while offset < len(content):
        length = int(content[offset : offset + 5])
        records.append(content[offset : offset + length])
        offset += length
    return records


def corpus_bib(name: str, index: int) -> Bib:
    for position, item in enumerate(read_bibs(CORPUS / name)):
        if position == index:
            if not isinstance(item, Bib):
                raise SystemExit(f"{name} record {index} does not load: {item}")
            return item
    raise SystemExit(f"{name} has no record {index}")


def as_zone_bib(bib: Bib, mms_id: str) -> Bib:
    """The bib as Alma keeps it: 003 folded into 035, then 001 holding the MMS ID."""
    saved = fold_003(bib)
    fields = [one for one in saved.fields if one.tag != "001"]
    return evolve(saved, fields=(ControlField("001", mms_id), *fields))


def facts_row(mms_id: str, facts: dict[str, object]) -> FactsRow:
    lock = facts.get("lock")
    level = facts.get("brief_level")
    version = facts.get("originating_version")
    return FactsRow(
        mms_id=mms_id,
        brief_level=BriefLevel.parse(str(level)) if level else None,
        originating_version=Timestamp.parse(str(version)) if version else None,
        cz_linked=facts.get("cz_linked") == "true",
        lock=Lock(institution=lock[0], user=lock[1], last_activity=parse_moment(lock[2]))
        if isinstance(lock, tuple)
        else None,
    )


def main() -> None:
    exports = bytearray()
    for name, index, keep in EXPORTS:
        record = raw_records(name)[index]
        exports += record if keep is None else record[:keep]
    (HERE / "exports.mrc").write_bytes(bytes(exports))
    # One export alone as MARCXML, for the HTTP API's examples: the fourth, which merges.
    name, index, _ = EXPORTS[3]
    (HERE / "record.xml").write_text(bib_to_marcxml(corpus_bib(name, index)) + "\n",
                                     encoding="utf-8")

    zone_dir = HERE / "zone"
    zone_dir.mkdir(exist_ok=True)
    dump = bytearray()
    rows: list[FactsRow] = []
    for serial, (name, index, facts) in enumerate(ZONE, start=FIRST_SERIAL):
        mms_id = f"99{serial}{SUFFIX}"
        dump += bib_to_marc(as_zone_bib(corpus_bib(name, index), mms_id))
        if facts:
            rows.append(facts_row(mms_id, facts))
    (zone_dir / "bibs.mrc").write_bytes(bytes(dump))
    (zone_dir / "facts.csv").write_text(facts_to_csv(rows), encoding="utf-8")
    print(f"wrote {len(EXPORTS)} exports and a zone of {len(ZONE)} bibs under {HERE}")


if __name__ == "__main__":
    main()
