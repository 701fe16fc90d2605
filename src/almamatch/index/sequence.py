"""The MMS ID sequence rule (``core.facts.MmsIdSequence.after``) for a column of MMS IDs.

Theory of operation: the rule lives in the core: a zone's next MMS ID is "99", then one more than
the highest serial held under the zone's suffix (the suffix most of its IDs carry), then the
suffix. A zone of tens of millions of bibs holds its MMS IDs as a uint64 column; this module
folds the same rule over the column in blocks of a million, with numpy, and
``tests/test_store_sequence.py`` checks that both give the same sequence for generated zones.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from almamatch.core.facts import DEFAULT_SUFFIX, MmsIdSequence

__all__ = ["mms_id_sequence_of"]

#: MMS IDs read per block: small temporaries, so that opening a large zone does not page in
#: hundreds of megabytes of fresh memory for one pass.
_BLOCK: Final = 1 << 20
_POWERS: Final = np.array([10**n for n in range(20)], dtype=np.uint64)
#: 99 * 10**(d - 2), the least d-digit value that leads with 99, for d = 2..19 (a 20-digit uint64
#: is below 1.9e19 and cannot lead with 99).
_LEADING_99: Final = np.array([99 * 10**n for n in range(18)], dtype=np.uint64)
#: Values read at a time from the end of a sorted slice, looking for the suffix's last one.
_TAIL: Final = 1 << 12


def _alma_shaped(block: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The Alma-shaped MMS IDs ("99" + serial + four-digit suffix) of a block, and their digits."""
    values = np.asarray(block, dtype=np.uint64)
    digits = np.searchsorted(_POWERS, values, side="right")  # decimal digits of each value
    # "99" + at least one serial digit + four suffix digits: seven digits or more, and a
    # d-digit value leads with 99 exactly when it is at least 99 * 10**(d - 2).
    bounded = np.clip(digits, 2, 19)
    shaped = (digits >= 7) & (digits <= 19) & (values >= _LEADING_99[bounded - 2])
    return values[shaped], digits[shaped]


def mms_id_sequence_of(mms_ids: npt.ArrayLike, *, suffix: str | None = None,
                       default_suffix: str = DEFAULT_SUFFIX) -> MmsIdSequence:
    """``MmsIdSequence.after`` for a uint64 column of MMS IDs, vectorized for large zones."""
    column = np.asarray(mms_ids)
    if len(column) and bool(np.all(column[:-1] <= column[1:])):
        return _of_sorted(column, suffix=suffix, default_suffix=default_suffix)
    blocks = range(0, len(column), _BLOCK)
    if suffix is None:
        counts = np.zeros(10_000, dtype=np.int64)
        for begin in blocks:
            values, _ = _alma_shaped(column[begin:begin + _BLOCK])
            counts += np.bincount((values % np.uint64(10_000)).astype(np.intp), minlength=10_000)
        if not counts.any():
            return MmsIdSequence(1, default_suffix)
        suffix = _most_common(counts)
    wanted = np.uint64(int(suffix))
    highest = 0
    for begin in blocks:
        values, digits = _alma_shaped(column[begin:begin + _BLOCK])
        mine = values % np.uint64(10_000) == wanted
        if mine.any():
            serials = (values[mine] // np.uint64(10_000)) % _POWERS[digits[mine] - 6]
            highest = max(highest, int(serials.max()))
    return MmsIdSequence(highest + 1, suffix)


def _most_common(counts: npt.NDArray[Any]) -> str:
    """The suffix most bibs carry, the highest of those that tie."""
    return f"{int(9_999 - np.argmax(counts[::-1])):04d}"


def _of_sorted(column: npt.NDArray[Any], *, suffix: str | None,
               default_suffix: str) -> MmsIdSequence:
    """The same sequence for a sorted column (a zone index keeps its MMS IDs sorted): the
    d-digit values that lead with 99 are one slice of it, from 99 * 10**(d - 2) to 10**d, and in
    a slice the serials of one suffix rise with the values, so the highest is the last value of
    the slice that ends with the suffix, found from the end; only the suffix count reads every
    Alma-shaped value."""
    values = column.astype(np.uint64, copy=False)
    slices = [(int(np.searchsorted(values, _LEADING_99[digits - 2], side="left")),
               int(np.searchsorted(values, _POWERS[digits], side="left")), digits)
              for digits in range(7, 20)]
    slices = [(low, high, digits) for low, high, digits in slices if low < high]
    if suffix is None:
        counts = np.zeros(10_000, dtype=np.int64)
        for low, high, _ in slices:
            for begin in range(low, high, _BLOCK):
                part = values[begin:min(begin + _BLOCK, high)] % np.uint64(10_000)
                counts += np.bincount(part.astype(np.intp), minlength=10_000)
        if not counts.any():
            return MmsIdSequence(1, default_suffix)
        suffix = _most_common(counts)
    wanted = np.uint64(int(suffix))
    highest = 0
    for low, high, digits in slices:
        end = high
        while end > low:
            begin = max(low, end - _TAIL)
            found = np.flatnonzero(values[begin:end] % np.uint64(10_000) == wanted)
            if len(found):
                last = values[begin + int(found[-1])]
                serial = (last // np.uint64(10_000)) % _POWERS[digits - 6]
                highest = max(highest, int(serial))
                break
            end = begin
    return MmsIdSequence(highest + 1, suffix)
