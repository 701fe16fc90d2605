# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""A saved zone's lookups of one export at a time, in C: the compiled twin of
``index.zone.ZoneIndex.hits``, ``row_of`` and ``facts_of_row``, which stay the definition of
every answer.

``ZoneKeys`` reads the index's columns through typed memoryviews: the search of a number's bucket
of the key directory, of an MMS ID in its column and the walk over a bib's keys are C loops, and
the values are made as ``core.facts.checked_hit``/``checked_facts`` and
``core.oclc.checked_number`` make them (``object.__new__`` and the slots set, ``slots.pxd``), from
the tables the Python path reads (the sides, the forms, the brief levels, passed in by
``index.zone``) and by its own ``decode_version`` (the originating version is decoded in Python:
its encoding is ``index.version``'s alone). A column whose values the Python path would not
read as a usual index's (a key's row past the bibs, a side or a brief level out of their tables,
a directory pointing past the keys) is never read here: the lookup is handed to the index's own
method, which gives whatever answer (or error) it gives.

A look-up of a million-bib zone is bound by cache misses, not instructions: each column it reads
is a line of its own, far past the caches, and each read waited for the one before (the
directory's region, the bucket's offset, the keys, the keys' rows, the hit's MMS ID; then, in
``facts_of_row``, the bib's start, its keys, its facts). So the look-ups ask for lines ahead
(``memory.pxd``), which changes no answer: ``hits`` guesses where a number's keys are from its
place in its region (the region table, made once when the zone opens: one line a region) and
asks for them, their rows, sides and forms while the bucket's offset is read, then asks for the
lines of each hit's bib that ``facts_of_row`` reads next; ``facts_of_row`` asks for what it reads
after the walk over the bib's keys before that walk.
"""

from cpython.dict cimport PyDict_GetItem, PyDict_SetItem
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.long cimport PyLong_FromSsize_t, PyLong_FromUnsignedLongLong
from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_FromStringAndSize
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t

from almamatch._native.facts cimport FactsLayout, facts_layout, make_facts, make_timestamp
from almamatch._native.memory cimport prefetch
from almamatch._native.slots cimport new_empty, put, slot_offset

from almamatch.core.facts import Hit
from almamatch.core.oclc import OclcNumber
from almamatch.index.version import NO_VERSION

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)
    Py_ssize_t PyUnicode_GET_LENGTH(object text)
    const unsigned char* PyUnicode_1BYTE_DATA(object text)
    # A borrowed item of a tuple, its position known to be inside it.
    PyObject* PyTuple_GET_ITEM_ "PyTuple_GET_ITEM" (object tuple, Py_ssize_t at)

# -- the values' slots (``core.slots``: ``new_instance`` and each slot's descriptor) -----------------
#: ``index.version``'s code of no version (``decode_version`` gives None for it).
cdef int64_t _NO_VERSION = NO_VERSION
cdef PyTypeObject* _HIT = <PyTypeObject*>Hit
cdef PyTypeObject* _NUMBER = <PyTypeObject*>OclcNumber
cdef FactsLayout _FACTS = facts_layout()  # ``facts.pxd``
cdef Py_ssize_t _HIT_MMS_ID = slot_offset(Hit, "mms_id")
cdef Py_ssize_t _HIT_SIDE = slot_offset(Hit, "side")
cdef Py_ssize_t _HIT_NUMBER = slot_offset(Hit, "number")
cdef Py_ssize_t _NUMBER_VALUE = slot_offset(OclcNumber, "value")
cdef Py_ssize_t _NUMBER_FORM = slot_offset(OclcNumber, "form")

#: Digits of the largest uint64 (the MMS ID column's type): a longer MMS ID is past every row.
cdef enum:
    MMS_ID_DIGITS = 20
    #: The sides' codes, as ``index.zone`` stores them (the tables' positions).
    ACTIVE = 0
    CANCELLED = 1
    #: ``index.version``: a code is seconds since 0001-01-01T00:00:00 times 10**7 plus the
    #: fraction as seven decimal places; ``date.fromordinal`` reads day counts up to 9999-12-31.
    FRACTION_DIGITS = 7
    SECONDS_A_DAY = 86_400
    LAST_DAY = 3_652_058  # days from 0001-01-01 to 9999-12-31


cdef inline void _two(char* into, int64_t value) noexcept:
    """Two decimal digits of ``0 <= value < 100``."""
    into[0] = <char>(48 + value // 10)
    into[1] = <char>(48 + value % 10)


cdef object _moment(int64_t code):
    """``index.version.decode_version(code)`` for ``0 <= code`` whose day is at most
    ``LAST_DAY`` (the caller checks both): the ``Timestamp`` of that moment. The calendar date
    of the day count is the proleptic Gregorian one ``date.fromordinal`` gives, by the civil
    calendar's 400-year eras (146,097 days each), counted from a March 1st so that a leap day
    ends its year."""
    cdef int64_t fraction = code % 10_000_000
    cdef int64_t seconds = code // 10_000_000
    cdef int64_t days = seconds // SECONDS_A_DAY
    cdef int64_t rest = seconds % SECONDS_A_DAY
    # Days since 0000-03-01: 0001-01-01 is day 306 of that count.
    cdef int64_t shifted = days + 306
    cdef int64_t era = shifted // 146_097
    cdef int64_t of_era = shifted - era * 146_097
    cdef int64_t year_of_era = (of_era - of_era // 1460 + of_era // 36_524
                                - of_era // 146_096) // 365
    cdef int64_t of_year = of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    cdef int64_t month_from_march = (5 * of_year + 2) // 153
    cdef int64_t day = of_year - (153 * month_from_march + 2) // 5 + 1
    cdef int64_t month = month_from_march + 3 if month_from_march < 10 else month_from_march - 9
    cdef int64_t year = year_of_era + era * 400 + (1 if month <= 2 else 0)
    cdef char digits[14]
    cdef char text[22]
    cdef Py_ssize_t at, kept
    _two(digits, year // 100)
    _two(digits + 2, year % 100)
    _two(digits + 4, month)
    _two(digits + 6, day)
    _two(digits + 8, rest // 3600)
    _two(digits + 10, rest // 60 % 60)
    _two(digits + 12, rest % 60)
    for at in range(14):
        text[at] = digits[at]
    kept = 0
    if fraction:  # seven places, trailing zeros dropped (``str(fraction).zfill(7).rstrip("0")``)
        text[14] = 46  # "."
        for at in range(FRACTION_DIGITS - 1, -1, -1):
            text[15 + at] = <char>(48 + fraction % 10)
            fraction //= 10
        kept = FRACTION_DIGITS
        while text[14 + kept] == 48:
            kept -= 1
    return make_timestamp(&_FACTS, PyUnicode_FromStringAndSize(digits, 14),
                          PyUnicode_FromStringAndSize(text + 15, kept),
                          PyUnicode_FromStringAndSize(text, 15 + kept if kept else 14))


def moment_of(code):
    """``index.version.decode_version(code)`` where ``_moment`` reads it, else None: what the
    tests compare with the Python decoding (``ZoneKeys.facts_of_row`` reads it so)."""
    cdef int64_t value
    if type(code) is not int or not 0 <= code < 2**63:
        return None
    value = code
    if value // 10_000_000 // SECONDS_A_DAY > LAST_DAY:
        return None
    return _moment(value)


cdef inline object _number(object value, object form):
    """``checked_number(value, form)``: an ``OclcNumber`` with its two slots set."""
    number = new_empty(_NUMBER)
    put(number, _NUMBER_VALUE, value)
    put(number, _NUMBER_FORM, form)
    return number


cdef object _decimal(uint64_t value):
    """``str(value)``: the decimal digits of an MMS ID read from its column."""
    cdef char digits[MMS_ID_DIGITS]
    cdef Py_ssize_t at = MMS_ID_DIGITS
    while True:
        at -= 1
        digits[at] = <char>(48 + value % 10)
        value //= 10
        if value == 0:
            break
    return PyUnicode_FromStringAndSize(digits + at, MMS_ID_DIGITS - at)


# A region of the key directory as a look-up reads it, in one line: its first bucket and bucket
# shift (the directory's ``bases`` and ``shifts``), and where its keys start and how many there
# are (its first bucket's offset and the next region's): the place its keys are guessed at, so
# that they are asked for while the bucket's offset is read.
ctypedef struct Region:
    uint32_t base
    uint32_t shift
    uint32_t start
    uint32_t width

#: A value's place inside its region as a fraction of ``2**GUESS_BITS`` (the guess of where its
#: keys are: ``start + width * fraction``, which fits 64 bits).
cdef enum:
    GUESS_BITS = 24


cdef class ZoneKeys:
    """``index``'s one-at-a-time lookups over its columns, made by ``index.zone`` with the tables
    its Python path reads (the ``ZoneIndex`` methods stay the definition of each answer)."""

    cdef object index  # the ZoneIndex, whose methods answer anything unusual
    cdef const uint32_t[::1] keys32
    cdef const uint64_t[::1] keys64
    cdef bint wide  # the key values are uint64 (else uint32)
    cdef const uint32_t[::1] key_rows
    cdef const uint8_t[::1] key_sides
    cdef const uint8_t[::1] key_forms
    cdef const uint32_t[::1] row_keys
    cdef const uint32_t[::1] row_starts
    cdef const uint64_t[::1] mms_ids
    cdef const uint8_t[::1] brief_levels
    cdef const int64_t[::1] versions
    cdef const uint8_t[::1] cz_linked
    cdef const uint32_t[::1] bases
    cdef const uint32_t[::1] shifts
    cdef const uint32_t[::1] offsets
    cdef Py_ssize_t key_count, bib_count
    cdef unsigned int coarse
    cdef uint64_t mask, largest_key, largest_mms_id
    cdef object largest  # largest_key as a Python int, compared with each number's value
    cdef tuple sides, forms, levels
    cdef object decode_version
    cdef object locks
    cdef Py_ssize_t noted_rows
    cdef Region* regions  # the directory's regions, made when opened (``_regions``)
    cdef Py_ssize_t region_count

    def __cinit__(self):
        self.regions = NULL
        self.region_count = 0

    def __dealloc__(self):
        PyMem_Free(self.regions)

    def __init__(self, index, *, keys32, keys64, key_rows, key_sides, key_forms, row_keys,
                 row_starts, mms_ids, brief_levels, versions, cz_linked, coarse, bases, shifts,
                 offsets, sides, forms, levels, decode_version, locks, noted_rows):
        self.index = index
        self.wide = keys64 is not None
        if self.wide:
            self.keys64 = keys64
            self.key_count = self.keys64.shape[0]
        else:
            self.keys32 = keys32
            self.key_count = self.keys32.shape[0]
        self.key_rows, self.key_sides, self.key_forms = key_rows, key_sides, key_forms
        self.row_keys, self.row_starts = row_keys, row_starts
        self.mms_ids, self.brief_levels = mms_ids, brief_levels
        self.versions, self.cz_linked = versions, cz_linked
        self.bib_count = self.mms_ids.shape[0]
        if not (self.key_rows.shape[0] == self.key_sides.shape[0] == self.key_forms.shape[0]
                == self.key_count and self.brief_levels.shape[0] == self.versions.shape[0]
                == self.cz_linked.shape[0] == self.bib_count):
            raise ValueError("the index's columns differ in length")
        if not 0 <= coarse < 64:
            raise ValueError(f"a directory of {coarse} coarse bits")
        self.coarse = coarse
        self.mask = (<uint64_t>1 << self.coarse) - 1
        self.bases, self.shifts, self.offsets = bases, shifts, offsets
        self._regions()
        self.largest_key = self._key(self.key_count - 1) if self.key_count else 0
        self.largest = self.largest_key
        self.largest_mms_id = self.mms_ids[self.bib_count - 1] if self.bib_count else 0
        self.sides, self.forms, self.levels = sides, forms, levels
        if len(self.sides) != 2 or len(self.forms) != 256:  # every side and form code has one
            raise ValueError("a side for each of the 2 codes and a form for each of the 256")
        self.decode_version, self.locks, self.noted_rows = decode_version, locks, noted_rows

    cdef int _regions(self) except -1:
        """The region table: one ``Region`` for each region both ``bases`` and ``shifts`` hold
        (the others are left to the index's method, as before). Its starts and widths are
        guesses alone (no answer reads them): a base past the offsets gives a region of no
        width."""
        cdef Py_ssize_t count = min(self.bases.shape[0], self.shifts.shape[0]), at
        cdef Py_ssize_t buckets = self.offsets.shape[0]
        cdef uint32_t start, following
        cdef Region* table = <Region*>PyMem_Malloc(max(count, 1) * sizeof(Region))
        if table == NULL:
            raise MemoryError()
        PyMem_Free(self.regions)
        self.regions, self.region_count = table, count
        for at in range(count):
            table[at].base = self.bases[at]
            table[at].shift = self.shifts[at]
            start = self.offsets[self.bases[at]] if self.bases[at] < buckets else 0
            following = start
            if at + 1 < count and self.bases[at + 1] < buckets:
                following = self.offsets[self.bases[at + 1]]
            table[at].start = start
            table[at].width = following - start if following > start else 0
        return 0

    cdef inline void _prefetch_keys(self, Py_ssize_t at) noexcept:
        """Ask for the line of the key at ``at`` (``< key_count``) and those of its row, side
        and form."""
        if self.wide:
            prefetch(&self.keys64[at])
        else:
            prefetch(&self.keys32[at])
        prefetch(&self.key_rows[at])
        prefetch(&self.key_sides[at])
        prefetch(&self.key_forms[at])

    cdef inline void _prefetch_row_keys(self, Py_ssize_t row) noexcept:
        """Ask for the line of ``row``'s (``< bib_count``) first key position among the row
        keys: ``facts_of_row`` reads it after its start, which ``_prefetch_row`` asked for (by
        the end of ``hits``, mostly here)."""
        cdef uint32_t at
        if row + 1 < self.row_starts.shape[0]:
            at = self.row_starts[row]
            if at < self.row_keys.shape[0]:
                prefetch(&self.row_keys[at])

    cdef inline uint64_t _key(self, Py_ssize_t at) noexcept:
        return self.keys64[at] if self.wide else self.keys32[at]

    cdef inline void _prefetch_row(self, Py_ssize_t row) noexcept:
        """Ask for the lines of ``row`` (``< bib_count``) that ``facts_of_row`` reads first:
        its start among the row keys, its brief level, version and CZ link."""
        if row + 1 < self.row_starts.shape[0]:
            prefetch(&self.row_starts[row])
        prefetch(&self.brief_levels[row])
        prefetch(&self.versions[row])
        prefetch(&self.cz_linked[row])

    def hits(self, number, rows=None):
        """``ZoneIndex.hits(number, rows)``."""
        cdef object value = number.value
        cdef uint64_t wanted, bucket, within, guess
        cdef Region* place
        cdef Py_ssize_t region, first, last, start, end, position, low, high, middle, noted
        cdef uint32_t row
        if type(value) is not int or (rows is not None and type(rows) is not dict):
            return self.index.hits(number, rows)
        if value > self.largest:  # as Python ints: a value past uint64 is past every key
            return ()
        if value < 1:
            return self.index.hits(number, rows)
        wanted = value
        # The number's bucket of the key directory (``index.directory``), read where the
        # directory holds it: a region and a bucket inside the parts, a shift C can make, the
        # bucket's keys inside the keys.
        region = <Py_ssize_t>(wanted >> self.coarse)
        if region >= self.region_count or self.regions[region].shift >= 64:
            return self.index.hits(number, rows)
        place = &self.regions[region]
        # Where the value's keys are guessed to be (its place in the region, the region's keys
        # spread evenly): asked for now, their misses overlap the offset's.
        within = wanted & self.mask
        if self.coarse > GUESS_BITS:
            within >>= self.coarse - GUESS_BITS
        else:
            within <<= GUESS_BITS - self.coarse
        guess = place.start + ((within * place.width) >> GUESS_BITS)
        if guess < <uint64_t>self.key_count:
            self._prefetch_keys(<Py_ssize_t>guess)
        bucket = place.base + ((wanted & self.mask) >> place.shift)
        if bucket + 1 >= <uint64_t>self.offsets.shape[0]:
            return self.index.hits(number, rows)
        first, last = self.offsets[bucket], self.offsets[bucket + 1]
        if not first <= last <= self.key_count:
            return self.index.hits(number, rows)
        if first < last:
            # The bucket's keys (a few, mostly one line) and the same positions of the rows,
            # sides and forms are read next: asked for together, their misses overlap (where
            # the guess was right, they are on their way already).
            self._prefetch_keys(first)
        # ``bisect_left`` over the bucket, then a step over the value's keys (one or two).
        low, high = first, last
        while low < high:
            middle = (low + high) >> 1
            if self._key(middle) < wanted:
                low = middle + 1
            else:
                high = middle
        start = end = low
        while end < last and self._key(end) == wanted:
            end += 1
        for position in range(start, end):  # every key's row and side in the tables
            row = self.key_rows[position]
            if row >= self.bib_count or self.key_sides[position] > CANCELLED:
                return self.index.hits(number, rows)
            # The hit's MMS ID is read below; its facts (``facts_of_row``) are what a caller asks
            # for next: their lines are on their way meanwhile.
            prefetch(&self.mms_ids[row])
            self._prefetch_row(row)
        if rows is not None and len(rows) >= self.noted_rows:
            rows.clear()
        found = PyTuple_New(end - start)
        for position in range(start, end):
            row = self.key_rows[position]
            mms_id = _decimal(self.mms_ids[row])
            hit = new_empty(_HIT)
            put(hit, _HIT_MMS_ID, mms_id)
            put(hit, _HIT_SIDE, <object>PyTuple_GET_ITEM_(self.sides, self.key_sides[position]))
            put(hit, _HIT_NUMBER, _number(value, <object>PyTuple_GET_ITEM_(
                self.forms, self.key_forms[position])))
            Py_INCREF(hit)
            PyTuple_SET_ITEM(found, position - start, hit)
            if rows is not None:
                PyDict_SetItem(rows, mms_id, PyLong_FromSsize_t(row))
        for position in range(start, end):
            self._prefetch_row_keys(self.key_rows[position])
        return found

    def row_of(self, mms_id):
        """``ZoneIndex.row_of(mms_id)``."""
        cdef Py_ssize_t length, at, low, high, middle
        cdef const unsigned char* digits
        cdef uint64_t wanted = 0
        cdef unsigned int digit
        if type(mms_id) is not str:
            return self.index.row_of(mms_id)
        # ASCII digits alone, at most 20 of them (the column is uint64): else no row.
        length = PyUnicode_GET_LENGTH(mms_id)
        if length == 0 or length > MMS_ID_DIGITS or not PyUnicode_IS_ASCII(mms_id):
            return None
        digits = PyUnicode_1BYTE_DATA(mms_id)
        for at in range(length):
            digit = digits[at] - 48
            if digit > 9:
                return None
            if wanted > (0xFFFFFFFFFFFFFFFF - digit) // 10:
                return None  # past uint64: past the last row's MMS ID
            wanted = wanted * 10 + digit
        if self.bib_count == 0 or wanted > self.largest_mms_id:
            return None
        low, high = 0, self.bib_count
        while low < high:
            middle = (low + high) >> 1
            if self.mms_ids[middle] < wanted:
                low = middle + 1
            else:
                high = middle
        if low < self.bib_count and self.mms_ids[low] == wanted:
            return PyLong_FromSsize_t(low)
        return None

    def facts_of_row(self, row):
        """``ZoneIndex.facts_of_row(row)``."""
        cdef Py_ssize_t at, first, stop, position, actives = 0, cancels = 0
        cdef uint8_t level
        cdef uint64_t wanted
        cdef int64_t code
        if type(row) is not int or not 0 <= row < self.bib_count:
            return self.index.facts_of_row(row)
        at = row
        if at + 1 >= self.row_starts.shape[0]:
            return self.index.facts_of_row(row)
        # What is read after the walk over the bib's keys, asked for before it (a row that no
        # ``hits`` met just before is mostly out of the caches).
        prefetch(&self.mms_ids[at])
        prefetch(&self.versions[at])
        prefetch(&self.cz_linked[at])
        first, stop = self.row_starts[at], self.row_starts[at + 1]
        level = self.brief_levels[at]
        if not first <= stop <= self.row_keys.shape[0] or not 1 <= level <= len(self.levels):
            return self.index.facts_of_row(row)
        for position in range(first, stop):  # each of the bib's keys, with a side in the table
            if self.row_keys[position] >= self.key_count or (
                    self.key_sides[self.row_keys[position]] > CANCELLED):
                return self.index.facts_of_row(row)
            if self.key_sides[self.row_keys[position]] == ACTIVE:
                actives += 1
            else:
                cancels += 1
        active, cancelled = PyTuple_New(actives), PyTuple_New(cancels)
        actives = cancels = 0
        for position in range(first, stop):
            key = self.row_keys[position]
            number = _number(PyLong_FromUnsignedLongLong(self._key(key)),
                             <object>PyTuple_GET_ITEM_(self.forms, self.key_forms[key]))
            Py_INCREF(number)
            if self.key_sides[key] == ACTIVE:
                PyTuple_SET_ITEM(active, actives, number)
                actives += 1
            else:
                PyTuple_SET_ITEM(cancelled, cancels, number)
                cancels += 1
        wanted = self.mms_ids[at]
        code = self.versions[at]
        if 0 <= code and code // 10_000_000 // SECONDS_A_DAY <= LAST_DAY:
            version = _moment(code)
        elif code == _NO_VERSION:  # most bibs: no Python call to be told None
            version = None
        else:  # what the Python decoding refuses
            version = self.decode_version(code)
        lock = None
        if type(self.locks) is not dict:
            lock = self.locks.get(PyLong_FromUnsignedLongLong(wanted))
        elif self.locks:
            found = PyDict_GetItem(self.locks, PyLong_FromUnsignedLongLong(wanted))
            if found != NULL:
                lock = <object>found
        return make_facts(&_FACTS, _decimal(wanted), active, cancelled,
                          <object>PyTuple_GET_ITEM_(self.levels, level - 1), version,
                          True if self.cz_linked[at] else False, lock)
