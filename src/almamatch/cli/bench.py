"""``almamatch bench``: the index-sizing run, with same-run baselines.

Theory of operation: synthesize a zone of N bibs (``index.synthetic``), build the compact index
from arrays, save it, memory-map it back, and time what a batch does with it: vectorized lookups
and full ``decide()`` calls in two worker processes that each map the saved index. Beside it, in
the same run, the baselines the design compares against: a full pymarc parse and the Rust-backed
mrrc reader against the key scanner on the same ISO 2709 bytes, and a dict of Python objects
against the index's bytes per bib. ``--for`` scales the measured figures to the user's zone size.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pymarc
from rich.console import Console
from rich.progress import Progress

from almamatch.cli.arguments.options import Format, format_of
from almamatch.cli.report import Report, write_report
from almamatch.core.decide import decide
from almamatch.core.errors import InvalidTimestamp
from almamatch.core.facts import Hit
from almamatch.core.oclc import OclcNumber
from almamatch.core.profile import IntegrationProfile
from almamatch.core.timestamp import Timestamp
from almamatch.core.zone import Export, Zone
from almamatch.index.keyscan import scan_columns
from almamatch.index.synthetic import incoming_record, synthesize_zone
from almamatch.index.version import NO_VERSION, InvalidVersion, encode_version
from almamatch.index.zone import ZoneIndex
from almamatch.marc.convert import bib_to_marc

__all__ = ["run"]

_HOST: Final = "i-share-xyz.alma.exlibrisgroup.com"
_LOGON: Final = "01CARLI_XYZ"
_PASSWORD: Final = "bench-password"  # noqa: S105 (a synthetic zone's logon)
_NOW: Final = datetime(2024, 5, 1, 9, 30)
_DICT_BIBS: Final = 200_000
_SCAN_RECORDS: Final = 3_000
_LOOKUPS: Final = 1_000_000


# -- decisions, in worker processes -----------------------------------------------------------
def _decide_chunk(directory: str, values: list[int], levels: str, versions: list[str]
                  ) -> dict[str, int]:
    index = ZoneIndex.load(directory)
    zone = Zone(institution=_LOGON, host=_HOST, logon_id=_LOGON,
                profiles=(IntegrationProfile.carli(_PASSWORD),), bibs=index)
    codes: Counter[str] = Counter()
    for value, level, version in zip(values, levels, versions, strict=True):
        export = Export(record=incoming_record(value, level=level, version=version),
                        logon_id=_LOGON, password=_PASSWORD, host=_HOST)
        codes[decide(export, zone, _NOW).code] += 1
    return dict(codes)


def _decisions(directory: Path, zone_values: np.ndarray, count: int, workers: int,
               rng: np.random.Generator) -> tuple[float, dict[str, int]]:
    known = zone_values[rng.integers(0, len(zone_values), count)]
    new = rng.integers(2_000_000_000, 3_000_000_000, count, dtype=np.uint64)
    values = np.where(rng.random(count) < 0.75, known, new).tolist()
    levels = "".join(rng.choice(list(" I7K8"), size=count).tolist())
    versions = [f"2024{m:02d}01120000.0" for m in rng.integers(1, 13, count).tolist()]
    size = -(-count // (workers * 4))
    started = time.perf_counter()
    codes: Counter[str] = Counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_decide_chunk, str(directory), values[i:i + size],
                               levels[i:i + size], versions[i:i + size])
                   for i in range(0, count, size)]
        for future in futures:
            codes.update(future.result())
    return count / (time.perf_counter() - started), dict(codes)


# -- baselines -----------------------------------------------------------------------------------
def _sample_marc(count: int, rng: np.random.Generator) -> bytes:
    """ISO 2709 records of a realistic size (about 25 fields) for the reader comparison."""
    from almamatch.core.record import ControlField, DataField  # noqa: PLC0415 (baseline only)

    out = io.BytesIO()
    for i in range(count):
        value = int(rng.integers(1, 2_000_000_000))
        bib = incoming_record(value, level=" ", version="20240501120000.0", title=f"Title {i}")
        # As a zone dump holds it: 001 the MMS ID, 003 gone (Alma's save rule), a 035 $z.
        kept = [one for one in bib.fields if one.tag not in ("001", "003")]
        bib = bib.with_fields([ControlField("001", f"99{10**9 + i}5681"), *kept])
        extra = [DataField.of("035", "  ", ("z", f"(OCoLC){value + 1}"))]
        extra += [DataField.of("650", " 0", ("a", f"Subject {j}"), ("x", "History"))
                  for j in range(8)]
        extra += [DataField.of("500", "  ", ("a", "A note " * 12)) for _ in range(6)]
        extra += [DataField.of("700", "1 ", ("a", f"Author {j}"), ("d", "1900-")) for j in range(4)]
        out.write(bib_to_marc(bib.with_fields((*bib.fields, *extra))))
    return out.getvalue()


def _rate(count: int, work: Callable[[], object], *, repeat: int = 1) -> float:
    """Items per second of ``work`` over ``count`` items, the best of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best


def _pymarc_full(content: bytes) -> None:
    # Leader/09 is "a" in every sample record: pymarc decodes UTF-8, as the scanner does.
    reader = pymarc.MARCReader(io.BytesIO(content), to_unicode=True, force_utf8=True,
                               hide_utf8_warnings=True)
    for record in reader:
        assert record is not None


_NUMBER: Final = re.compile(r"\(OCoLC\)(ocm|ocn|on)?([0-9]{1,19})")
_PREFIX_CODE: Final = {None: 0, "ocm": 1, "ocn": 2, "on": 3}


def _version_or_none(raw: str) -> int:
    """A 005's index code, ``NO_VERSION`` when malformed (what the scanner stores)."""
    try:
        return encode_version(Timestamp.parse(raw))
    except (InvalidTimestamp, InvalidVersion):
        return NO_VERSION


def _mrrc_keys(content: bytes) -> None:
    """mrrc reading the same columns as ``scan_columns``, with the same fast paths on text."""
    import mrrc  # noqa: PLC0415 (optional: the bench extra)

    values: list[int] = []
    forms: list[int] = []
    levels: list[str] = []
    versions: list[int] = []
    for record in mrrc.MARCReader(io.BytesIO(content)):
        levels.append(str(record.leader)[17])
        raw = record.control_field("005")
        versions.append(_version_or_none(raw) if raw else NO_VERSION)
        _ = record.control_field("001")
        for one in record.get_fields("035"):
            for sub in one.subfields():
                if sub.code not in ("a", "z"):
                    continue
                match = _NUMBER.fullmatch(sub.value)
                if match is not None:
                    values.append(int(match[2]))
                    forms.append(4 | _PREFIX_CODE[match[1]] | min(len(match[2]), 31) << 3)
                    continue
                with contextlib.suppress(ValueError):
                    number = OclcNumber.parse(sub.value)
                    values.append(number.value)
                    forms.append(number.form.code)


def _scan_keys(content: bytes) -> None:
    columns = scan_columns((content,))
    assert len(columns.offsets) == _SCAN_RECORDS


def _dict_bytes_per_bib(index: ZoneIndex, bibs: int) -> float:
    """A dict of Python objects holding the same hits, measured with tracemalloc."""
    count = min(bibs, _DICT_BIBS)
    rows = index.key_rows
    chosen = np.flatnonzero(rows < count)
    tracemalloc.start()
    table: dict[int, list[Hit]] = {}
    for position in chosen.tolist():
        hit = index._hit(position)
        table.setdefault(hit.number.value, []).append(hit)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(table) > 0
    return size / count


# -- the run ---------------------------------------------------------------------------------------
def _directory_size(directory: Path) -> int:
    return sum(one.stat().st_size for one in directory.iterdir())


def measure(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    """Every figure of the run, as a JSON-ready dict."""
    rng = np.random.default_rng(args.seed + 1)
    exports = args.exports if args.exports is not None else min(args.bibs, 50_000)
    with Progress(console=console, transient=True, disable=args.json) as progress:
        step = progress.add_task("synthesizing zone", total=8)
        zone = synthesize_zone(args.bibs, seed=args.seed)
        progress.update(step, advance=1, description="building index from arrays")
        started = time.perf_counter()
        index = zone.build()
        build_seconds = time.perf_counter() - started
        progress.update(step, advance=1, description="saving")
        with tempfile.TemporaryDirectory(prefix="almamatch-bench-") as folder:
            directory = index.save(Path(folder) / "zone")
            file_bytes = _directory_size(directory)
            progress.update(step, advance=1, description="opening (memory-mapped)")
            started = time.perf_counter()
            opened = ZoneIndex.load(directory)
            open_seconds = time.perf_counter() - started
            progress.update(step, advance=1, description="batch lookups")
            wanted = np.where(rng.random(_LOOKUPS) < 0.7,
                              zone.first_values[rng.integers(0, max(args.bibs, 1), _LOOKUPS)],
                              rng.integers(1, 3_000_000_000, _LOOKUPS, dtype=np.uint64))
            opened.lookup(wanted[:1000])
            lookups = _rate(_LOOKUPS, lambda: opened.lookup(wanted))
            progress.update(step, advance=1, description=f"deciding {exports} exports")
            decisions, codes = _decisions(directory, zone.first_values, exports, args.workers,
                                          rng) if exports else (0.0, {})
        progress.update(step, advance=1, description="readers: pymarc, mrrc, scanner")
        content = _sample_marc(_SCAN_RECORDS, rng)
        # Each reader the best of three passes over the same bytes (the machine is shared).
        scan = _rate(_SCAN_RECORDS, lambda: _scan_keys(content), repeat=3)
        full = _rate(_SCAN_RECORDS, lambda: _pymarc_full(content), repeat=3)
        try:
            mrrc_rate: float | None = _rate(_SCAN_RECORDS, lambda: _mrrc_keys(content), repeat=3)
        except ImportError:
            mrrc_rate = None
        progress.update(step, advance=1, description="dict of objects")
        dict_bytes = _dict_bytes_per_bib(index, args.bibs)
        progress.update(step, advance=1)
    bytes_per_bib = index.nbytes / max(args.bibs, 1)
    result: dict[str, Any] = {
        "bibs": args.bibs,
        "keys": index.key_count,
        "keys_per_bib": index.key_count / max(args.bibs, 1),
        "bytes_per_bib": bytes_per_bib,
        "build_seconds": build_seconds,
        "file_bytes": file_bytes,
        "open_seconds": open_seconds,
        "lookups_per_second": lookups,
        "exports": exports,
        "decisions_per_second": decisions,
        "decision_codes": codes,
        "workers": args.workers,
        "scan_records_per_second": scan,
        "pymarc_records_per_second": full,
        "mrrc_records_per_second": mrrc_rate,
        "scan_vs_pymarc": scan / full,
        "scan_vs_mrrc": scan / mrrc_rate if mrrc_rate else None,
        "dict_bytes_per_bib": dict_bytes,
        "index_vs_dict_memory": bytes_per_bib / dict_bytes,
    }
    if args.target:
        scale = args.target / max(args.bibs, 1)
        result["for"] = {
            "bibs": args.target,
            "memory_bytes": bytes_per_bib * args.target,
            "file_bytes": file_bytes * scale,
            "build_seconds": build_seconds * scale,
            "dict_memory_bytes": dict_bytes * args.target,
        }
    return result


def _report(result: dict[str, Any]) -> Report:
    mib = 2**20
    rows = [
        ("bibs (keys per bib)", f"{result['bibs']:,} ({result['keys_per_bib']:.2f})"),
        ("build from arrays", f"{result['build_seconds']:.2f} s"),
        ("memory per bib", f"{result['bytes_per_bib']:.1f} B"),
        ("file size", f"{result['file_bytes'] / mib:,.1f} MiB"),
        ("open (memory-mapped)", f"{result['open_seconds'] * 1000:.1f} ms"),
        ("batch lookups", f"{result['lookups_per_second']:,.0f} keys/s"),
        (f"decide() x{result['exports']:,}, {result['workers']} workers",
         f"{result['decisions_per_second']:,.0f} /s"),
        ("scanner vs full pymarc parse", f"{result['scan_vs_pymarc']:.1f}x"),
        ("scanner vs mrrc", "mrrc not installed (pip install 'almamatch[bench]')"
         if result["scan_vs_mrrc"] is None else f"{result['scan_vs_mrrc']:.1f}x"),
        ("dict of objects per bib", (f"{result['dict_bytes_per_bib']:.0f} B "
                                     f"(index uses {result['index_vs_dict_memory']:.0%})")),
    ]
    target = result.get("for")
    if target:
        rows += [
            (f"for {target['bibs']:,} bibs: memory", f"{target['memory_bytes'] / mib:,.0f} MiB"),
            ("  file", f"{target['file_bytes'] / mib:,.0f} MiB"),
            ("  build (linear estimate)", f"{target['build_seconds']:.0f} s"),
            ("  dict of objects instead", f"{target['dict_memory_bytes'] / mib:,.0f} MiB"),
        ]
    return Report(title=f"almamatch bench: zone of {result['bibs']:,} bibs",
                  columns=("measure", "value"), rows=rows, right=frozenset({"value"}))


def run(args: argparse.Namespace) -> int:
    fmt = format_of(args)
    console = Console(stderr=True)  # progress only; the results go to stdout
    result = measure(args, console)
    if fmt is Format.JSON:
        print(json.dumps(result))
    else:
        write_report(_report(result), fmt)
    return 0
