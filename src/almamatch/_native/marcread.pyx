# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The usual ISO 2709 record read into a ``Bib`` in one C pass: the compiled twin of the direct
path of ``almamatch.marc.iso2709``, which stays the definition of every answer.

``usual_bib`` answers only for the record that ``iso2709._decode_direct`` reads laid out field
after field and builds at once (``_fields_at_once``): a UTF-8 record (Leader/09 ``a``) with an
ASCII leader whose length and base address are digits, a directory of digits whose entries
place the fields one after another from the base address, each ended by the one terminator it
holds; the control fields 000-009 first; every data field led by two ASCII indicators and a
delimiter, and no delimiter anywhere standing as an empty subfield or before a byte over 0x7F.
For any other record it answers None, and the caller takes the Python path. Its ``Bib`` is made
as ``core.record.checked_bib`` makes one: each value allocated as ``object.__new__`` does and
its slots set directly (the offsets the classes' own slot descriptors give), the values decoded
by CPython's UTF-8 decoder with ``surrogateescape`` as the Python path decodes them.

``selected_bib`` is the same for ``iso2709.decode_selected``: the checks of that function on
the bytes, then only the fields its ``select`` picks decoded; ``part_bib`` for
``iso2709.decode_part``, which picks them itself from a table of tags where it is given one.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_Check, PyDict_GetItemWithError
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.object cimport PyObject, PyTypeObject, Py_TYPE
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE, PyTuple_New, PyTuple_SET_ITEM
from libc.stdint cimport uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memchr, memcpy, memset

from almamatch._native.marc cimport RecordLayout, digits_number, record_layout, tag_texts
from almamatch._native.slots cimport member_offset, new_empty, put

from almamatch.core import merge as _merge

cdef extern from "Python.h":
    bint PyByteArray_CheckExact(object value)
    Py_ssize_t PyByteArray_GET_SIZE(object value)
    char* PyByteArray_AS_STRING(object value)
    object PyUnicode_DecodeUTF8(const char* data, Py_ssize_t size, const char* errors)
    object PyUnicode_FromOrdinal(int ordinal)
    object PyUnicode_DecodeASCII(const char* data, Py_ssize_t size, const char* errors)
    object PyUnicode_New(Py_ssize_t size, unsigned int maxchar)
    void* PyUnicode_DATA(object text)
    PyObject* Py_True   # the objects themselves (``<PyObject*>True`` is the C value 1)
    PyObject* Py_False

cdef extern from *:
    int __builtin_ctzll(unsigned long long value) nogil

# -- the classes' slots (``marc.pxd``, ``slots.pxd``) -------------------------------------------
# Each value here is made as ``slots.pxd`` makes one, at the offsets ``marc.record_layout`` gives
# (and checks, when the module is imported); a numeric tag as the one text of that tag.

cdef RecordLayout _RECORD = record_layout()
cdef tuple _TAGS = tag_texts()


# -- reading the bytes -----------------------------------------------------------------------------

cdef enum:
    LEADER_LENGTH = 24
    ENTRY_LENGTH = 12
    FIELD_TERMINATOR = 0x1E
    SUBFIELD_DELIMITER = 0x1F
    RECORD_TERMINATOR = 0x1D

#: The C0 controls that XML 1.0 forbids (``core.marcxml.FORBIDDEN_CONTROL_BYTES``: all below
#: 0x20 but tab, line feed and carriage return) less the field terminator and the subfield
#: delimiter, as bits of a 32-bit mask: what ``iso2709._convertible`` finds with ``translate``.
cdef unsigned int _STRAY = 0xFFFFFFFF & ~((1 << 0x09) | (1 << 0x0A) | (1 << 0x0D)
                                          | (1 << FIELD_TERMINATOR) | (1 << SUBFIELD_DELIMITER))


cdef inline bint _stray(unsigned char octet) noexcept:
    return octet < 0x20 and (_STRAY >> octet) & 1


cdef struct Opened:
    Py_ssize_t base      # the base address (Leader/12-16)
    Py_ssize_t entries   # directory entries
    Py_ssize_t controls  # how many leading entries are control fields (000-009)
    bint later_control   # a control field after a data field
    bint data_heads      # every field after the leading control fields led by two ASCII
                         # indicators and a delimiter
    bint empty           # a delimiter before a delimiter or a terminator (an empty subfield)
    bint high_code       # a delimiter before a byte over 0x7F
    bint non_ascii       # a byte over 0x7F in the data area
    bint noncharacter    # EF BF BE or EF BF BF in the data area (U+FFFE, U+FFFF when valid)
    bint stray           # a forbidden control byte in the leader or the data area
    bint control_delimiter  # a delimiter inside a leading control field
    uint64_t wide        # bit i: field i (of the first 64) holds a byte over 0x7F


cdef inline uint64_t _unplain(const unsigned char* at) noexcept:
    """Of the eight bytes at ``at``, those that are not 0x20-0x7F, as the high bit of each
    byte's place (little-endian): the classic test for a byte less than n (exact for "any"
    with n at most 128) and the high bit. A borrow runs only upwards, so the lowest bit set,
    if any, marks exactly the first byte that is not plain (bytes after it may be marked
    wrongly); zero when all eight are plain."""
    cdef uint64_t word
    memcpy(&word, at, 8)
    return (((word - 0x2020202020202020ULL) & ~word) | word) & 0x8080808080808080ULL


cdef extern from *:
    """
    #if PY_BIG_ENDIAN
    #error "marcread reads eight bytes at a time as a little-endian word"
    #endif
    """


cdef inline void _look_at(const unsigned char* record, Py_ssize_t piece, Py_ssize_t end,
                          bint control, Opened* found) noexcept:
    """What the byte at ``piece`` of a field ending (terminator) at ``end`` tells, into
    ``found``; ``control``: the field is one of the leading control fields."""
    cdef unsigned char octet = record[piece]
    cdef unsigned char following
    if octet < 0x20:
        if octet == SUBFIELD_DELIMITER:
            following = record[piece + 1]  # at most the field's terminator
            if following == SUBFIELD_DELIMITER or following == FIELD_TERMINATOR:
                found.empty = True
            elif following >= 0x80:
                found.high_code = True
            if control:
                found.control_delimiter = True
        elif _stray(octet):
            found.stray = True
    elif octet >= 0x80:
        found.non_ascii = True
        if (octet == 0xEF and piece + 2 < end and record[piece + 1] == 0xBF
                and (record[piece + 2] == 0xBE or record[piece + 2] == 0xBF)):
            found.noncharacter = True


cdef inline bint _any_high(const unsigned char* data, Py_ssize_t size) noexcept:
    """Whether one of the ``size`` bytes at ``data`` is over 0x7F: eight at a time, then the
    last few one by one."""
    cdef uint64_t word, high = 0
    cdef Py_ssize_t at = 0
    while at + 8 <= size:
        memcpy(&word, data + at, 8)
        high |= word
        at += 8
    while at < size:
        high |= data[at]
        at += 1
    return (high & 0x8080808080808080ULL) != 0


cdef bint _open(const unsigned char* record, Py_ssize_t size, Opened* found,
               bint each_byte=True) noexcept:
    """Whether the record's leader, directory and data area have the layout the direct path
    reads field after field (``iso2709._opened``, then its directory equal to the one written
    from its pieces' lengths), its tags all digits; what the builders need to know of it.
    Without ``each_byte``, of the data's bytes only the delimiters are looked at: ``empty``,
    ``non_ascii``, ``noncharacter``, ``stray`` and ``control_delimiter`` are left False and every
    field taken as wide; ``high_code`` is found all the same."""
    cdef Py_ssize_t declared, base, entries, entry, tag, length, offset, at, end, data_end
    cdef Py_ssize_t piece
    cdef const unsigned char* entry_at
    cdef const unsigned char* delimiter
    cdef unsigned char octet
    cdef uint64_t marks
    cdef bint data_seen = False
    cdef bint control, wide
    found.base = found.entries = found.controls = 0
    found.later_control = found.empty = found.high_code = found.non_ascii = False
    found.noncharacter = found.stray = found.control_delimiter = False
    found.data_heads = True
    found.wide = 0 if each_byte else ~(<uint64_t>0)
    # ``_opened``: room for a leader and more; Leader/09 "a"; the leader ASCII.
    if size < LEADER_LENGTH + 2 or record[9] != 0x61:
        return False
    for at in range(LEADER_LENGTH):
        if record[at] >= 0x80:
            return False
    # Leader/00-04 digits and not past the bytes (pymarc refuses a record shorter than it
    # says); Leader/12-16 digits, inside the record just after the directory's terminator.
    declared = digits_number(record, 5)
    base = digits_number(record + 12, 5)
    if declared < 0 or base < 0 or declared > size:
        return False
    if not (LEADER_LENGTH < base < size) or record[base - 1] != FIELD_TERMINATOR:
        return False
    entries = base - LEADER_LENGTH - 1
    if entries == 0 or entries % ENTRY_LENGTH:
        return False
    entries //= ENTRY_LENGTH
    found.base, found.entries = base, entries
    data_end = size - 1  # the last byte is the record's terminator, not field data
    at = base
    for entry in range(entries):
        entry_at = record + LEADER_LENGTH + ENTRY_LENGTH * entry
        tag = digits_number(entry_at, 3)
        length = digits_number(entry_at + 3, 4)
        offset = digits_number(entry_at + 7, 5)
        if tag < 0 or length < 0 or offset < 0:  # a directory of digits (the Python path
            return False                          # reads letters in tags, slower)
        # Each field right after the one before, from the base address, its length counting
        # its terminator, which is the first one after its start; the last ends where the
        # record terminator begins.
        if offset != at - base or length == 0 or at + length > data_end:
            return False
        end = at + length - 1
        if (<const unsigned char*>memchr(record + at, FIELD_TERMINATOR, length)
                != record + end):  # no terminator where it should be, or one earlier
            return False
        if tag < 10 and not data_seen:
            found.controls += 1
        else:
            if tag < 10:
                found.later_control = True
            data_seen = True
            # Two indicators, ASCII and not delimiters (never terminators: none inside), then
            # the first delimiter.
            if (length < 4 or record[at] >= 0x80 or record[at] == SUBFIELD_DELIMITER
                    or record[at + 1] >= 0x80 or record[at + 1] == SUBFIELD_DELIMITER
                    or record[at + 2] != SUBFIELD_DELIMITER):
                found.data_heads = False
        if not each_byte:
            # Each delimiter, and the byte after it (at most the field's terminator): only in a
            # field with a byte over 0x7F (of most fields none, found eight bytes at a time).
            if not _any_high(record + at, end - at):
                at += length
                continue
            delimiter = <const unsigned char*>memchr(record + at, SUBFIELD_DELIMITER, end - at)
            while delimiter != NULL:
                if delimiter[1] >= 0x80:
                    found.high_code = True
                delimiter += 1
                delimiter = <const unsigned char*>memchr(delimiter, SUBFIELD_DELIMITER,
                                                         record + end - delimiter)
            at += length
            continue
        # Eight bytes at a time while they are all plain (0x20-0x7F, which no rule here looks
        # at); where one is not, straight to it, then on from the byte after it; the last few
        # bytes one by one.
        piece = at
        control = tag < 10 and not data_seen
        wide = found.non_ascii
        found.non_ascii = False
        while piece + 8 <= end:
            marks = _unplain(record + piece)
            if marks == 0:
                piece += 8
                continue
            piece += __builtin_ctzll(marks) >> 3
            _look_at(record, piece, end, control, found)
            piece += 1
        while piece < end:
            octet = record[piece]
            if octet < 0x20 or octet >= 0x80:
                _look_at(record, piece, end, control, found)
            piece += 1
        if found.non_ascii and entry < 64:
            found.wide |= (<uint64_t>1) << entry
        found.non_ascii = found.non_ascii or wide
        at += length
    return at == data_end


cdef inline object _text(const unsigned char* data, Py_ssize_t size, bint* valid):
    """The bytes as the Python path decodes them: UTF-8, an invalid byte kept as a lone
    surrogate (``surrogateescape``). While ``valid`` holds, strictly first, so that an invalid
    text turns it False (the Python path asks whether the data area decodes strictly)."""
    if valid[0]:
        try:
            return PyUnicode_DecodeUTF8(<const char*>data, size, NULL)
        except UnicodeDecodeError:
            valid[0] = False
    return PyUnicode_DecodeUTF8(<const char*>data, size, "surrogateescape")


cdef inline object _ascii(const unsigned char* data, Py_ssize_t size):
    """ASCII bytes as the text the UTF-8 decoder gives for them (a new compact ASCII string,
    the shared ones for no character and for one), without the decoder's own passes."""
    if size < 2:
        return "" if size == 0 else PyUnicode_FromOrdinal(data[0])
    text = PyUnicode_New(size, 127)
    memcpy(PyUnicode_DATA(text), data, size)
    return text


cdef inline object _control_field(const unsigned char* record, Py_ssize_t tag,
                                  Py_ssize_t at, Py_ssize_t size, bint* valid, bint wide):
    """A control field of the record's bytes at ``at`` (``size`` of them, the terminator
    off); ``wide``: they may hold a byte over 0x7F (else they are ASCII)."""
    made = new_empty(_RECORD.control)
    put(made, _RECORD.control_tag, _TAGS[tag])
    put(made, _RECORD.control_value, _text(record + at, size, valid) if wide
        else _ascii(record + at, size))
    return made


cdef inline object _data_field(const unsigned char* record, Py_ssize_t tag, Py_ssize_t at,
                               Py_ssize_t size, bint* valid, object text, bint wide):
    """A data field of the record's bytes at ``at`` (``size`` of them, the terminator off):
    its indicators, then its subfields as their text (``text``, or decoded from the bytes
    after the indicators when None; ``wide`` as for ``_control_field``)."""
    made = new_empty(_RECORD.data)
    put(made, _RECORD.data_tag, _TAGS[tag])
    put(made, _RECORD.data_indicator1, PyUnicode_FromOrdinal(record[at]))
    put(made, _RECORD.data_indicator2, PyUnicode_FromOrdinal(record[at + 1]))
    if text is None:
        text = (_text(record + at + 2, size - 2, valid) if wide
                else _ascii(record + at + 2, size - 2))
    put(made, _RECORD.data_coded, text)
    return made


cdef inline object _bib(const unsigned char* record, tuple fields):
    bib = new_empty(_RECORD.bib)
    put(bib, _RECORD.bib_leader, PyUnicode_DecodeASCII(<const char*>record, LEADER_LENGTH, NULL))
    put(bib, _RECORD.bib_fields, fields)
    return bib


cdef object _read(const unsigned char* record, Py_ssize_t size, bint check, bint* vouched):
    """The record's ``Bib`` (``vouched``: whether it converts to MARCXML, with ``check``), or
    None for a record that is not the usual one."""
    cdef Opened opened
    cdef Py_ssize_t entry, tag, length, at
    cdef const unsigned char* entry_at
    cdef bint valid = check
    cdef bint convertible, wide
    if not _open(record, size, &opened):
        return None
    # ``_fields_at_once``: control fields first, then data fields of the usual head; with one
    # data field or more, no empty subfield and no code over U+007F anywhere in the data area.
    if opened.later_control or not opened.data_heads:
        return None
    if opened.controls < opened.entries and (opened.empty or opened.high_code):
        return None
    fields = PyTuple_New(opened.entries)
    at = opened.base  # the fields follow one another (``_open``)
    for entry in range(opened.entries):
        entry_at = record + LEADER_LENGTH + ENTRY_LENGTH * entry
        tag = digits_number(entry_at, 3)
        length = digits_number(entry_at + 3, 4)
        wide = entry >= 64 or (opened.wide >> entry) & 1
        if entry < opened.controls:
            made = _control_field(record, tag, at, length - 1, &valid, wide)
        else:
            made = _data_field(record, tag, at, length - 1, &valid, None, wide)
        at += length
        Py_INCREF(made)
        PyTuple_SET_ITEM(fields, entry, made)
    bib = _bib(record, fields)
    # ``_convertible``, for a data area that decodes strictly: no forbidden control byte but
    # the record terminator at its end; no terminator or delimiter in the leader; no U+FFFE or
    # U+FFFF; no delimiter in a control field.
    convertible = valid and not (
        opened.stray or opened.noncharacter or opened.control_delimiter
        or _stray(record[size - 1]) and record[size - 1] != RECORD_TERMINATOR)
    if convertible:
        for at in range(LEADER_LENGTH):
            if (_stray(record[at]) or record[at] == FIELD_TERMINATOR
                    or record[at] == SUBFIELD_DELIMITER):
                convertible = False
                break
    vouched[0] = convertible
    return bib


# ``not None`` on each function's bytes: their size and buffer are read without a check, and a
# ``bytes`` argument would otherwise let None through (TypeError instead).
def usual_bib(bytes content not None, Py_ssize_t start, Py_ssize_t end, bint check):
    """``iso2709._decode_direct(content[start:end], check=check)`` for the usual record (see
    the module's text); None for any other, and for a span that is not inside ``content``."""
    cdef bint vouched = False
    if not 0 <= start <= end <= PyBytes_GET_SIZE(content):
        return None
    bib = _read(<const unsigned char*>PyBytes_AS_STRING(content) + start, end - start, check,
                &vouched)
    return None if bib is None else (bib, vouched)


def usual_bibs(bytes content not None, Py_ssize_t start, list ends not None, bint check):
    """``usual_bib`` of each record of a run, ``content[start:ends[0]]``, then
    ``content[ends[0]:ends[1]]`` and so on, in one call: the list of their ``Bib``s (None for a
    record ``usual_bib`` leaves, and for a span that is not inside ``content``), and whether
    each converts to MARCXML (``check``; else all False), as one byte each (1 or 0)."""
    cdef Py_ssize_t count = len(ends)
    cdef Py_ssize_t at, end
    cdef Py_ssize_t size = PyBytes_GET_SIZE(content)
    cdef const unsigned char* data = <const unsigned char*>PyBytes_AS_STRING(content)
    cdef bint vouched
    bibs = PyList_New(count)
    flags = bytearray(count)
    cdef unsigned char* marks = flags
    for at in range(count):
        end = ends[at]
        vouched = False
        if 0 <= start <= end <= size:
            bib = _read(data + start, end - start, check, &vouched)
        else:
            bib = None
        marks[at] = vouched
        Py_INCREF(bib)
        PyList_SET_ITEM(bibs, at, bib)
        start = end
    return bibs, bytes(flags)


# -- a record's selected fields ---------------------------------------------------------------------

cdef class _Chosen:
    """A ``select`` that gives positions already chosen, for the Python path."""

    cdef object chosen

    def __init__(self, chosen):
        self.chosen = chosen

    def __call__(self, tags):
        return self.chosen


cdef object _subfields_text(const unsigned char* data, Py_ssize_t size, bint wide):
    """The subfields of a data field as ``DataField`` keeps them, from the bytes after its
    indicators (a delimiter first): empty subfields left out, as ``_fields_one_by_one`` leaves
    them out (the delimiter is ASCII, so the bytes left decode to the text left); ``wide``: the
    bytes may hold one over 0x7F (else they are ASCII)."""
    cdef Py_ssize_t at, kept = 0
    cdef bint clean = True
    cdef bint valid = False
    cdef const unsigned char* delimiter = <const unsigned char*>memchr(data, SUBFIELD_DELIMITER,
                                                                       size)
    while delimiter != NULL:  # each delimiter, straight to it
        at = delimiter - data + 1
        if at == size or data[at] == SUBFIELD_DELIMITER:
            clean = False
            break
        delimiter = <const unsigned char*>memchr(data + at, SUBFIELD_DELIMITER, size - at)
    if clean:
        return _text(data, size, &valid) if wide else _ascii(data, size)
    kept_bytes = bytearray(size)
    cdef unsigned char* out = kept_bytes
    for at in range(size):
        if data[at] == SUBFIELD_DELIMITER and (at + 1 == size
                                               or data[at + 1] == SUBFIELD_DELIMITER):
            continue
        out[kept] = data[at]
        kept += 1
    return _text(out, kept, &valid)


def selected_bib(bytes record not None, select, python):
    """``python(record, select)``, which is ``iso2709.decode_selected``: the leader and the
    fields at the positions ``select`` picks from the record's tags, for a record the direct
    path reads field after field; None when ``select`` gives None or the record is not such.

    Read here for the record laid out as ``usual_bib`` reads it (the fields one after another
    in directory order, tags of digits), every field after the leading control fields led by
    two ASCII indicators and a delimiter, no delimiter before a byte over 0x7F; ``select`` is
    called once. Any other record, or positions that are not ascending list positions of the
    tags, are left to ``python``.
    """
    cdef const unsigned char* data = <const unsigned char*>PyBytes_AS_STRING(record)
    cdef Py_ssize_t size = PyBytes_GET_SIZE(record)
    cdef Opened opened
    cdef Py_ssize_t entry, count, position, previous, tag
    cdef const unsigned char* entry_at
    if not _open(data, size, &opened) or not opened.data_heads or opened.high_code:
        return python(record, select)
    tags = PyList_New(opened.entries)
    for entry in range(opened.entries):
        tag = digits_number(data + LEADER_LENGTH + ENTRY_LENGTH * entry, 3)
        text = _TAGS[tag]
        Py_INCREF(text)
        PyList_SET_ITEM(tags, entry, text)
    chosen = select(tags)
    if chosen is None:
        return None
    if type(chosen) is not list:
        return python(record, _Chosen(chosen))
    # A tuple of them, which nothing run while the fields are made (a collection, say) can
    # change under the loops below.
    positions = tuple(<list>chosen)
    count = len(positions)
    previous = 0
    for item in positions:
        # An int (not a bool), at or after the one before it, one of the tags' positions.
        if type(item) is not int or not previous <= item < opened.entries:
            return python(record, _Chosen(chosen))
        previous = item
    fields = PyTuple_New(count)
    for entry in range(count):
        position = positions[entry]
        entry_at = data + LEADER_LENGTH + ENTRY_LENGTH * position
        made = _chosen_field(data, entry_at, opened.base + digits_number(entry_at + 7, 5), True)
        Py_INCREF(made)
        PyTuple_SET_ITEM(fields, entry, made)
    return _bib(data, fields)


cdef inline object _chosen_field(const unsigned char* data, const unsigned char* entry_at,
                                 Py_ssize_t at, bint wide):
    """The field of the directory entry at ``entry_at``, its bytes at ``at``, as
    ``iso2709._decode_selected`` decodes a field it picks (``wide`` as for
    ``_control_field``)."""
    cdef Py_ssize_t tag = digits_number(entry_at, 3)
    cdef Py_ssize_t length = digits_number(entry_at + 3, 4)
    cdef bint valid = False
    if tag < 10:
        return _control_field(data, tag, at, length - 1, &valid, wide)
    return _data_field(data, tag, at, length - 1, &valid,
                       _subfields_text(data + at + 2, length - 3, wide), wide)


cdef enum:
    MOST_ENTRIES = 8331  # the entries of the longest directory a base address of five digits
                         # leaves room for: (99999 - 25) // 12


def part_bib(bytes record not None, positions, python):
    """``python(record, positions)``, which is ``iso2709.decode_part``: the leader, the fields
    at ``positions(tags)`` and every 001 of a record with an 001 and no 003, read here for the
    record ``selected_bib`` reads (any other is left to ``python``); None for a record with no
    001 or with an 003.

    ``positions`` is called once at most, and not at all when it is a ``dict`` that holds every
    tag of the record, each as True or False: the fields picked are then those of the tags it
    maps to True (what ``decode_part`` asks of such a ``positions``). Positions that are not
    ascending list positions of the tags are left to ``python``.
    """
    found = _part(<const unsigned char*>PyBytes_AS_STRING(record), PyBytes_GET_SIZE(record),
                  positions)
    if found is _HANDED:  # ``positions`` not called
        return python(record, positions)
    if type(found) is _Chosen:  # ``positions`` called: its answer handed on
        return python(record, found)
    return found


#: What ``_part`` answers for a record it leaves to the Python path before asking for positions.
cdef object _HANDED = object()


#: ``core.merge._Read``, the table of tags ``MergePlans.reader`` gives, and where its ``marks``
#: live: each tag of three digits marked by its number (1 True, 2 False, 0 not held), read here
#: a byte a tag rather than by a look-up.
cdef type _READ = _merge._Read
cdef Py_ssize_t _READ_MARKS = member_offset(_merge._Read.__dict__["marks"], _merge._Read)
cdef enum:
    TAG_NUMBERS = 1000


cdef inline const unsigned char* _marks_of(object positions) noexcept:
    """The marks of ``positions`` when it is a ``core.merge._Read`` (``_READ``) whose marks are
    a bytearray of one byte a tag number; else NULL."""
    if type(positions) is not _READ:
        return NULL
    cdef PyObject* marks = (<PyObject**>((<char*><PyObject*>positions) + _READ_MARKS))[0]
    if (marks == NULL or not PyByteArray_CheckExact(<object>marks)
            or PyByteArray_GET_SIZE(<object>marks) != TAG_NUMBERS):
        return NULL
    return <const unsigned char*>PyByteArray_AS_STRING(<object>marks)


cdef object _part(const unsigned char* data, Py_ssize_t size, positions):
    """``part_bib`` of the record of ``size`` bytes at ``data``: its ``Bib``, or None (no 001, or
    an 003); ``_HANDED`` for a record it leaves to the Python path (``positions`` not called),
    a ``_Chosen`` of what ``positions`` gave when that is no list of ascending positions."""
    cdef Opened opened
    cdef Py_ssize_t entry, tag, length, at, previous, count = 0, numbers = 0
    cdef const unsigned char* entry_at
    cdef unsigned char marks[MOST_ENTRIES]  # whether each entry's field is picked
    cdef PyObject* read = NULL
    cdef Py_ssize_t previous_tag = -1
    cdef bint looked_up
    if not _open(data, size, &opened, False) or not opened.data_heads or opened.high_code:
        return _HANDED
    # ``_open`` reads a directory no longer than ``MOST_ENTRIES``: its base address has five
    # digits. An 001, no 003; with a table, each tag looked up in the same pass (a look-up
    # changes nothing), once for a run of entries with the same tag.
    looked_up = PyDict_Check(positions)
    cdef const unsigned char* marked = _marks_of(positions) if looked_up else NULL
    cdef unsigned char mark
    for entry in range(opened.entries):
        tag = digits_number(data + LEADER_LENGTH + ENTRY_LENGTH * entry, 3)
        if tag == 3:
            return None
        numbers += tag == 1
        if not looked_up:
            continue
        if marked != NULL:  # what the look-up below answers, read from the marks
            mark = marked[tag]
            if mark == 1 or tag == 1:
                marks[entry] = 1
                count += 1
            elif mark == 2:
                marks[entry] = 0
            else:
                looked_up = False
            continue
        if tag != previous_tag:
            read = PyDict_GetItemWithError(positions, _TAGS[tag])
            previous_tag = tag
        if read == Py_True or tag == 1:
            marks[entry] = 1
            count += 1
        elif read == Py_False:
            marks[entry] = 0
        else:  # a tag it does not hold (or holds as no bool): called
            looked_up = False
    if numbers == 0:
        return None
    if not looked_up:
        tags = PyList_New(opened.entries)
        for entry in range(opened.entries):
            text = _TAGS[digits_number(data + LEADER_LENGTH + ENTRY_LENGTH * entry, 3)]
            Py_INCREF(text)
            PyList_SET_ITEM(tags, entry, text)
        chosen = positions(tags)
        if type(chosen) is not list:
            return _Chosen(chosen)
        memset(marks, 0, opened.entries)
        previous = -1
        # A tuple of them, which nothing run here can change.
        for item in tuple(<list>chosen):
            # An int (not a bool), after the one before it, one of the tags' positions.
            if type(item) is not int or not previous < item < opened.entries:
                return _Chosen(chosen)
            previous = item
            marks[previous] = 1
        count = 0
        for entry in range(opened.entries):
            if digits_number(data + LEADER_LENGTH + ENTRY_LENGTH * entry, 3) == 1:
                marks[entry] = 1
            count += marks[entry]
    fields = PyTuple_New(count)
    count = 0
    at = opened.base  # the fields follow one another (``_open``)
    for entry in range(opened.entries):
        entry_at = data + LEADER_LENGTH + ENTRY_LENGTH * entry
        length = digits_number(entry_at + 3, 4)
        if marks[entry]:
            made = _chosen_field(data, entry_at, at, _any_high(data + at, length - 1))
            Py_INCREF(made)
            PyTuple_SET_ITEM(fields, count, made)
            count += 1
        at += length
    return _bib(data, fields)


# -- a saved zone's records, read at their offsets ----------------------------------------------------

cdef extern from *:
    """
    #if defined(_WIN32)
    static Py_ssize_t almamatch_read_at(int descriptor, void* into, Py_ssize_t size,
                                        unsigned long long at) { return -1; }
    #else
    #include <unistd.h>
    static Py_ssize_t almamatch_read_at(int descriptor, void* into, Py_ssize_t size,
                                        unsigned long long at) {
        return (Py_ssize_t)pread(descriptor, into, (size_t)size, (off_t)at);
    }
    #endif
    """
    Py_ssize_t _read_at "almamatch_read_at" (int descriptor, void* into, Py_ssize_t size,
                                            unsigned long long at) nogil


cdef enum:
    FIRST_READ = 8192  # ``zonefiles.zones._FIRST_READ``
    LENGTH_DIGITS = 5  # ``zonefiles.zones._LENGTH_DIGITS``


cdef class SavedParts:
    """A saved zone's ``bibs.mrc`` (an open descriptor) and where each row's record starts
    (``bibs.offsets.npy``): ``part`` is ``decode_part`` of the record ``IndexedZoneView._framed``
    reads for a row (the twin of the two, which stay the definition), for the usual case alone.
    The view owns the descriptor (open while this is in use) and the offsets."""

    cdef int descriptor
    cdef const uint64_t[::1] starts

    def __init__(self, int descriptor, const uint64_t[::1] starts not None):
        self.descriptor = descriptor
        self.starts = starts

    def part(self, Py_ssize_t row, positions, number=None):
        """``decode_part(framed, positions)`` of the record ``_framed`` reads for ``row`` (read
        with one ``pread``, two for a record longer than the first read, as ``_framed`` reads
        it), when that is a ``Bib`` that ``part_bib`` reads here; None for anything else (a row
        out of range, a failed or short read, no record at the offset, a record ``part_bib``
        leaves to the Python path or answers None for): the caller then takes its Python path,
        which reads the record again and says what is wrong. ``positions`` is called at most
        once; again by that path only where it answered what is no list of ascending
        positions. ``number`` given (a text), None too unless the record's first 001 is that
        very text (what ``IndexedZoneView._numbered`` keeps as it is)."""
        cdef Py_ssize_t count = self.starts.shape[0]
        if row < 0 or row >= count:
            return None
        cdef uint64_t at = self.starts[row]
        cdef uint64_t following = self.starts[row + 1] if row + 1 < count else 0
        cdef Py_ssize_t size = FIRST_READ, got, length, more
        # As ``_framed``: no further than the next row's record, never less than the length.
        if at + LENGTH_DIGITS <= following < at + FIRST_READ:
            size = <Py_ssize_t>(following - at)
        cdef unsigned char first[FIRST_READ]
        cdef unsigned char* data = first
        cdef int descriptor = self.descriptor
        with nogil:
            got = _read_at(descriptor, first, size, at)
        if got < LENGTH_DIGITS:
            return None
        length = digits_number(first, LENGTH_DIGITS)
        if length < 0:
            return None
        if length <= got:
            return _numbered(_found(_part(first, length, positions)), number)
        data = <unsigned char*>malloc(length)
        if data == NULL:
            return None
        try:
            memcpy(data, first, got)
            more = length - got
            with nogil:
                more = _read_at(descriptor, data + got, more, at + got)
            if more != length - got:
                return None
            return _numbered(_found(_part(data, length, positions)), number)
        finally:
            free(data)


cdef inline PyObject* _slot_of(PyObject* value, Py_ssize_t offset) noexcept:
    """The object in the slot at ``offset`` (borrowed; NULL when unset)."""
    return (<PyObject**>((<char*>value) + offset))[0]


cdef object _numbered(object part, object number):
    """``part`` (a ``Bib`` made here, or None) when ``number`` is None or the value of its first
    001 (``Bib.control_value``: every field made here is a ``ControlField`` or a ``DataField``,
    an 001 a control field) is ``number``; else None."""
    if part is None or number is None:
        return part
    cdef PyObject* fields = _slot_of(<PyObject*>part, _RECORD.bib_fields)
    cdef PyObject* one
    cdef PyObject* value
    cdef Py_ssize_t index
    for index in range(PyTuple_GET_SIZE(<object>fields)):
        one = PyTuple_GET_ITEM(<object>fields, index)
        if (<PyTypeObject*>Py_TYPE(<object>one)) is _RECORD.control:
            if _slot_of(one, _RECORD.control_tag) == <PyObject*>_TAGS[1]:
                value = _slot_of(one, _RECORD.control_value)
                return part if <object>value == number else None
    return None


cdef inline object _found(object part):
    """What ``SavedParts.part`` answers for what ``_part`` found: a ``Bib``, else None."""
    if part is None or part is _HANDED or type(part) is _Chosen:
        return None
    return part


# -- framing ------------------------------------------------------------------------------------------

cdef enum:
    MOST_ENDS = 1024  # records framed by one call, at most (the list stays small)


def usual_ends(const unsigned char[::1] content not None, Py_ssize_t position):
    """Where each of the records that follow one another from ``position`` in ``content`` ends,
    for as long as each frames the usual way (``marc.framing.frame_spans``'s first case, a
    whole record in the buffer at hand): Leader/00-04 digits giving a length over 24 that ends
    inside ``content`` at the record terminator 0x1D, no other 0x1D before it, and a base
    address (Leader/12-16, digits) inside the record just after a field terminator. At most
    1,024 ends; none when the record at ``position`` is any other (the Python path frames it).
    ``content`` is ``bytes`` or any buffer of bytes (a file's memory map).
    """
    cdef Py_ssize_t size = content.shape[0]
    cdef Py_ssize_t length, end, base
    ends = []
    if position < 0 or size - position <= LEADER_LENGTH:
        return ends
    cdef const unsigned char* data = &content[0]
    while len(ends) < MOST_ENDS and size - position > LEADER_LENGTH:
        length = digits_number(data + position, 5)  # a digit is never a byte between records
        if length <= LEADER_LENGTH or length > size - position:
            break
        end = position + length
        if data[end - 1] != RECORD_TERMINATOR or memchr(data + position, RECORD_TERMINATOR,
                                                        length - 1) != NULL:
            break
        base = digits_number(data + position + 12, 5)
        if not LEADER_LENGTH < base < length or data[position + base - 1] != FIELD_TERMINATOR:
            break
        ends.append(end)
        position = end
    return ends
