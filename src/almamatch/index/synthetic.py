"""Synthetic zones and exports for index sizing: realistic mixes, reproducible from a seed.

Theory of operation: the index-sizing run needs zones of any size without anybody's catalog. The
mix follows what real zones hold (``reference/oclc-numbers-and-levels.md``): about 1.2 OCLC keys
per bib (one ``(OCoLC)`` number each; some bibs add a cancelled 035 $z, the same number written
``(OCoLC)ocm...``, or a number another bib also carries, which makes multi-matches), Leader/17
mostly blank or ``I`` with a tail of brief codes, a 005 per bib, a few CZ links and locks.
Everything is drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from attrs import frozen

from almamatch.core.brief import BriefLevelRules
from almamatch.core.lock import Lock
from almamatch.core.oclc import OclcForm
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.core.timestamp import Timestamp
from almamatch.index.version import NO_VERSION, encode_version
from almamatch.index.zone import ACTIVE, CANCELLED, ZoneIndex

__all__ = ["ENCODING_MIX", "SyntheticZone", "incoming_record", "synthesize_zone"]

Array = npt.NDArray[Any]
#: Leader/17 codes and their share of a zone (mostly full records, a tail of brief ones).
ENCODING_MIX: Final = {" ": 0.55, "I": 0.20, "1": 0.05, "7": 0.05, "K": 0.05, "8": 0.04,
                       "M": 0.03, "3": 0.02, "5": 0.01}
_SECOND_KEY: Final = 0.2  # share of bibs with a second key: cancelled, other form, or shared
_CZ_LINKED: Final = 0.01
_NO_VERSION_SHARE: Final = 0.02
_LOCKED_BIBS: Final = 1000
_SINCE: Final = encode_version(Timestamp.parse("20000101000000.0"))
_SPAN_SECONDS: Final = 24 * 365 * 86_400
_TENTH: Final = 10**6  # one tenth of a second in the index.version encoding


def _mms_ids(serials: Array) -> Array:
    # "99" + a ten-digit serial + the institution suffix 5681, e.g. 9910000000015681.
    return (np.uint64(99 * 10**14) + serials.astype(np.uint64) * np.uint64(10**4)
            + np.uint64(5681))


def _width(values: Array) -> Array:
    return np.floor(np.log10(values.astype(np.float64))).astype(np.uint8) + 1


def _code(qualified: bool, prefix: str, widths: Array) -> Array:
    base = OclcForm(qualified=qualified, prefix=prefix, width=0).code
    return (np.uint8(base) | (np.minimum(widths, 31) << 3)).astype(np.uint8)


@frozen(kw_only=True, eq=False)
class SyntheticZone:
    """Columns for ``ZoneIndex.from_arrays`` and the numbers exports can reuse."""

    columns: dict[str, Any]
    encoding_levels: Array  # Leader/17 of each bib, as uint8 characters
    first_values: Array  # each bib's own active number

    @property
    def bibs(self) -> int:
        return len(self.first_values)

    @property
    def keys(self) -> int:
        return len(self.columns["key_values"])

    def build(self) -> ZoneIndex:
        return ZoneIndex.from_arrays(**self.columns)


def synthesize_zone(bibs: int, *, seed: int = 0, rules: BriefLevelRules | None = None
                    ) -> SyntheticZone:
    """A zone of ``bibs`` bibs in the realistic mix of this module."""
    rng = np.random.default_rng(seed)
    rules = rules or BriefLevelRules.preset("carli")
    rows = np.arange(bibs, dtype=np.uint32)
    # Distinct numbers: a permutation spread over 17 x bibs (OCLC numbers are dense up to ~2e9).
    first = (rng.permutation(bibs).astype(np.uint64) * np.uint64(17) + np.uint64(1000)
             + rng.integers(0, 17, bibs, dtype=np.uint64))
    second = rng.random(bibs) < _SECOND_KEY
    kind = rng.integers(0, 4, bibs)  # 0-1 cancelled, 2 other form, 3 shared with another bib
    extra_rows = rows[second]
    extra_kind = kind[second]
    fresh = first.max(initial=1000) + np.uint64(1) + rng.permutation(len(extra_rows)).astype(
        np.uint64)
    other = first[rng.integers(0, max(bibs, 1), len(extra_rows))]
    extra_values = np.where(extra_kind <= 1, fresh, np.where(extra_kind == 2,
                            first[extra_rows], other))
    extra_sides = np.where(extra_kind <= 1, CANCELLED, ACTIVE).astype(np.uint8)
    ocm = _code(True, "ocm", np.full(len(extra_rows), 8, dtype=np.uint8))
    extra_forms = np.where((extra_kind == 2) & (extra_values < 10**8), ocm,
                           _code(True, "", _width(extra_values)))
    # Keys in row order: each bib's own number, then its second key.
    key_bibs = np.concatenate([rows, extra_rows])
    order = np.argsort(key_bibs, kind="stable")
    key_values = np.concatenate([first, extra_values])[order]
    key_sides = np.concatenate([np.zeros(bibs, dtype=np.uint8), extra_sides])[order]
    key_forms = np.concatenate([_code(True, "", _width(first)), extra_forms])[order]
    codes = np.array([ord(code) for code in ENCODING_MIX], dtype=np.uint8)
    shares = np.array(list(ENCODING_MIX.values()))
    encoding = rng.choice(codes, size=bibs, p=shares / shares.sum())
    level_table = np.zeros(256, dtype=np.uint8)
    for code in codes:
        level_table[code] = rules.level_of(chr(code)).value
    versions = (np.int64(_SINCE) + rng.integers(0, _SPAN_SECONDS, bibs) * np.int64(10**7)
                + rng.integers(0, 10, bibs) * np.int64(_TENTH))
    versions[rng.random(bibs) < _NO_VERSION_SHARE] = NO_VERSION
    mms_ids = _mms_ids(rows.astype(np.uint64) + np.uint64(10**9))
    locked = rng.choice(bibs, size=min(_LOCKED_BIBS, bibs // 100), replace=False)
    moment = datetime(2024, 5, 1, 9, 0)
    locks = {int(mms_ids[row]): Lock(institution="01CARLI_XYZ", user="cataloger",
                                     last_activity=moment) for row in locked}
    columns = {
        "mms_ids": mms_ids,
        "brief_levels": level_table[encoding],
        "versions": versions,
        "cz_linked": rng.random(bibs) < _CZ_LINKED,
        "key_bibs": key_bibs[order],
        "key_values": key_values,
        "key_sides": key_sides,
        "key_forms": key_forms,
        "locks": locks,
    }
    return SyntheticZone(columns=columns, encoding_levels=encoding, first_values=first)


def incoming_record(value: int, *, level: str, version: str, title: str = "A title") -> Bib:
    """A record as Connexion exports it: 001 ocm/ocn, 003 OCoLC, 005, 035 (OCoLC), a 245."""
    leader = f"00000nam a2200000{level}i 4500"
    return Bib(leader=leader, fields=(
        ControlField("001", f"ocm{value:08d}" if value < 10**8 else f"ocn{value:09d}"),
        ControlField("003", "OCoLC"),
        ControlField("005", version),
        ControlField("008", "240501s2024    ilu           000 0 eng d"),
        DataField.of("035", "  ", ("a", f"(OCoLC){value}")),
        DataField.of("245", "10", ("a", title)),
    ))
