# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The numbers a batch's records can share, read from their ISO 2709 bytes in one C pass: the
compiled twin of ``almamatch.parallel.groups.link_numbers`` (numpy), which stays the definition
of every answer.

For each record ``content[starts[i]:ends[i]]``: its directory read as
``marc.directory.directory_entries`` reads it (a base address of five digits past the leader and
inside the record, ``(base - 25) // 12`` entries), the entries tagged 001, 019 and 035 whose
length and starting position are digits, each field clipped at the record's end; then in each
such field every run of ASCII digits in 001, and in 019 $a, 035 $a and 035 $z (a byte is in a
subfield from the second byte after its delimiter on), as its value when that is from 1 to
``MAX_OCLC_NUMBER``; each value once per record, the pairs in (record, value) order.
"""

import numpy as np

from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport free, malloc, realloc

from almamatch._native.marc cimport digits_number

from almamatch.core.oclc import MAX_OCLC_NUMBER

cdef enum:
    LEADER_LENGTH = 24
    ENTRY_LENGTH = 12
    BASE_ADDRESS = 12  # Leader/12-16
    DELIMITER = 0x1F
    MOST_DIGITS = 19  # more significant digits than this are beyond any OCLC number

cdef uint64_t _MAX_VALUE = <uint64_t>MAX_OCLC_NUMBER


cdef struct _Pairs:
    int64_t* records
    uint64_t* values
    Py_ssize_t count
    Py_ssize_t room


cdef int _add(_Pairs* pairs, int64_t record, uint64_t value) except -1:
    cdef int64_t* records
    cdef uint64_t* values
    if pairs.count == pairs.room:
        pairs.room = 2 * pairs.room + 1024
        records = <int64_t*>realloc(pairs.records, pairs.room * sizeof(int64_t))
        if records == NULL:
            raise MemoryError()
        pairs.records = records
        values = <uint64_t*>realloc(pairs.values, pairs.room * sizeof(uint64_t))
        if values == NULL:
            raise MemoryError()
        pairs.values = values
    pairs.records[pairs.count] = record
    pairs.values[pairs.count] = value
    pairs.count += 1
    return 0


cdef int _field(_Pairs* pairs, int64_t record, const unsigned char* field, int64_t length,
                bint control, bint with_z) except -1:
    """The values of the counted runs of digits in one field (``control``: every byte counts,
    as in 001; else $a, and $z where ``with_z``)."""
    cdef int64_t at, last = 0
    cdef bint in_delimited = False, counted, running = False
    cdef unsigned char octet, code = 0, digit
    cdef int significant = 0
    cdef uint64_t value = 0
    for at in range(length):
        octet = field[at]
        if at == 0 or octet == DELIMITER:
            last = at
            in_delimited = octet == DELIMITER
            code = field[at + 1] if at + 1 < length else 0
        counted = control or (in_delimited and at > last + 1 and (
            code == 0x61 or (with_z and code == 0x7A)))
        digit = octet - 48
        if counted and digit <= 9:
            if not running:
                running, significant, value = True, 0, 0
            if significant or digit:
                significant += 1
                if significant <= MOST_DIGITS:
                    value = value * 10 + digit
            continue
        if running:
            running = False
            if 0 < significant <= MOST_DIGITS and value <= _MAX_VALUE:
                _add(pairs, record, value)
    if running and 0 < significant <= MOST_DIGITS and value <= _MAX_VALUE:
        _add(pairs, record, value)
    return 0


cdef void _distinct(_Pairs* pairs, Py_ssize_t first) noexcept:
    """The values added from ``first`` on (one record's) sorted, each kept once."""
    cdef Py_ssize_t at, back, kept
    cdef uint64_t value
    for at in range(first + 1, pairs.count):  # a record has a few: insertion sort
        value = pairs.values[at]
        back = at - 1
        while back >= first and pairs.values[back] > value:
            pairs.values[back + 1] = pairs.values[back]
            back -= 1
        pairs.values[back + 1] = value
    kept = first
    for at in range(first, pairs.count):
        if kept == first or pairs.values[at] != pairs.values[kept - 1]:
            pairs.values[kept] = pairs.values[at]
            kept += 1
    pairs.count = kept


def link_numbers(const unsigned char[::1] content not None, const int64_t[::1] starts not None,
                 const int64_t[::1] ends not None):
    """``parallel.groups.link_numbers(content, starts, ends)`` (``content`` uint8, ``starts``
    and ``ends`` int64): (record position int64, value uint64) pairs."""
    if starts.shape[0] != ends.shape[0]:
        raise ValueError("as many ends as starts")
    cdef Py_ssize_t size = content.shape[0], record, entry, entries, first
    cdef const unsigned char* data = &content[0] if size else NULL
    cdef int64_t start, end, base, length, position, field_start, field_end
    cdef const unsigned char* at
    cdef int tag
    cdef _Pairs pairs
    pairs.records, pairs.values, pairs.count, pairs.room = NULL, NULL, 0, 0
    try:
        for record in range(starts.shape[0]):
            start, end = starts[record], ends[record]
            if start < 0 or end > size or end - start < LEADER_LENGTH:
                raise ValueError(f"record {record} is not inside the content")
            base = digits_number(data + start + BASE_ADDRESS, 5)
            if not (LEADER_LENGTH < base <= end - start):
                continue
            entries = (base - LEADER_LENGTH - 1) // ENTRY_LENGTH
            first = pairs.count
            for entry in range(entries):
                at = data + start + LEADER_LENGTH + ENTRY_LENGTH * entry
                if at[0] != 0x30:
                    continue
                if at[1] == 0x30 and at[2] == 0x31:
                    tag = 1
                elif at[1] == 0x31 and at[2] == 0x39:
                    tag = 19
                elif at[1] == 0x33 and at[2] == 0x35:
                    tag = 35
                else:
                    continue
                length = digits_number(at + 3, 4)
                position = digits_number(at + 7, 5)
                if length < 0 or position < 0:
                    continue
                field_start = start + base + position
                field_end = field_start + length
                if field_end > end:
                    field_end = end
                if field_start >= field_end:
                    continue
                _field(&pairs, record, data + field_start, field_end - field_start,
                       tag == 1, tag == 35)
            _distinct(&pairs, first)
        records = np.empty(pairs.count, dtype=np.int64)
        values = np.empty(pairs.count, dtype=np.uint64)
        if pairs.count:
            _copy(records, values, &pairs)
        return records, values
    finally:
        free(pairs.records)
        free(pairs.values)


cdef void _copy(int64_t[::1] records, uint64_t[::1] values, _Pairs* pairs) noexcept:
    cdef Py_ssize_t at
    for at in range(pairs.count):
        records[at] = pairs.records[at]
        values[at] = pairs.values[at]
