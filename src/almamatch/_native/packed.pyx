# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""A record packed and unpacked in C: the compiled twins of ``store.packed.pack`` and
``unpack``, which stay the definition of the packed form and of every answer.

``pack`` reads the record's members straight from its slots (the offsets of the attrs classes'
slot descriptors, as ``jsontext`` reads them) and writes each text's UTF-8 (a surrogate as its
three bytes, as ``surrogatepass`` writes it) into one buffer kept between calls, looking for a
terminator in each field as it goes; the bytes are then copied out once. ``unpack`` decodes the bytes with CPython's UTF-8 decoder
(``surrogatepass``) and makes each field as ``core.record.checked_*`` makes one (``slots.pxd``),
a numeric tag as the one text of that tag (as ``marcread`` does), each other member a slice of
the decoded text.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.object cimport PyObject, PyTypeObject
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.ref cimport Py_INCREF
from libc.stdint cimport uint8_t, uint16_t, uint32_t
from cpython.mem cimport PyMem_Realloc
from libc.string cimport memchr, memcpy

from almamatch._native.marc cimport RecordLayout, record_layout, tag_texts
from almamatch._native.memory cimport prefetch
from almamatch._native.slots cimport new_empty, put

cdef extern from "Python.h":
    bint PyUnicode_Check(PyObject* value)
    bint PyTuple_CheckExact(PyObject* value)
    Py_ssize_t PyTuple_GET_SIZE(PyObject* value)
    PyObject* PyTuple_GET_ITEM(PyObject* value, Py_ssize_t index)
    PyTypeObject* Py_TYPE(PyObject* value)
    Py_ssize_t PyUnicode_GET_LENGTH(PyObject* text)
    int PyUnicode_KIND(PyObject* text)
    void* PyUnicode_DATA(PyObject* text)
    bint PyUnicode_IS_ASCII(PyObject* text)
    uint32_t PyUnicode_READ(int kind, void* data, Py_ssize_t index)
    object PyUnicode_DecodeUTF8(const char* data, Py_ssize_t size, const char* errors)
    object PyUnicode_Substring(object text, Py_ssize_t start, Py_ssize_t end)

cdef RecordLayout _RECORD = record_layout()  # ``marc.pxd``
cdef tuple _TAGS = tag_texts()

cdef enum:
    LEADER_LENGTH = 24
    TERMINATOR = 0x1E


cdef inline PyObject* _slot(PyObject* value, Py_ssize_t offset) noexcept:
    """The object in the slot at ``offset`` (borrowed; NULL when unset)."""
    return (<PyObject**>((<char*>value) + offset))[0]


#: The bytes being packed: one buffer, grown as needed and kept between calls (the module's own;
#: ``pack`` calls nothing of Python's while it writes, so no other call writes it meanwhile).
cdef char* _buffer = NULL
cdef Py_ssize_t _capacity = 0
cdef Py_ssize_t _used = 0

cdef enum:
    SHORT = 8  # the longest text copied character by character
    FITS = 0
    NOT_HELD = 1  # a member that is not text, or a terminator inside a field


cdef int _room(Py_ssize_t more) except -1:
    """At least ``more`` bytes free in the buffer after ``_used``."""
    global _buffer, _capacity
    cdef Py_ssize_t wanted = _used + more
    if wanted <= _capacity:
        return 0
    cdef Py_ssize_t capacity = max(wanted, 2 * _capacity, 4096)
    cdef char* grown = <char*>PyMem_Realloc(_buffer, capacity)
    if grown == NULL:
        raise MemoryError()
    _buffer, _capacity = grown, capacity
    return 0


cdef int _put(PyObject* text, bint in_field) except -1:
    """Write ``text`` as UTF-8 (a surrogate as its three bytes, as ``surrogatepass``) after
    ``_used``: ``FITS``; ``NOT_HELD`` when it is no ``str``, or when ``in_field`` and it holds
    the terminator 0x1E."""
    global _used
    if text == NULL or not PyUnicode_Check(text):
        return NOT_HELD
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(text), index
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef uint32_t character
    cdef char* out
    if kind == 1 and PyUnicode_IS_ASCII(text):
        _room(length)
        out = _buffer + _used
        if length <= SHORT:  # a tag, an indicator: copied here, no call into the C library
            for index in range(length):
                character = (<uint8_t*>data)[index]
                if in_field and character == TERMINATOR:
                    return NOT_HELD
                out[index] = <char>character
        else:
            if in_field and memchr(data, TERMINATOR, length) != NULL:
                return NOT_HELD
            memcpy(out, data, length)
        _used += length
        return FITS
    _room(4 * length)
    out = _buffer + _used
    if kind == 1:  # Latin-1 text: one byte or two for each character
        for index in range(length):
            character = (<uint8_t*>data)[index]
            if character < 0x80:
                if in_field and character == TERMINATOR:
                    return NOT_HELD
                out[0] = <char>character
                out += 1
            else:
                out[0] = <char>(0xC0 | (character >> 6))
                out[1] = <char>(0x80 | (character & 0x3F))
                out += 2
        _used = out - _buffer
        return FITS
    for index in range(length):
        if kind == 2:
            character = (<uint16_t*>data)[index]
        else:
            character = (<uint32_t*>data)[index]
        if character < 0x80:
            if in_field and character == TERMINATOR:
                return NOT_HELD
            out[0] = <char>character
            out += 1
        elif character < 0x800:
            out[0] = <char>(0xC0 | (character >> 6))
            out[1] = <char>(0x80 | (character & 0x3F))
            out += 2
        elif character < 0x10000:
            out[0] = <char>(0xE0 | (character >> 12))
            out[1] = <char>(0x80 | ((character >> 6) & 0x3F))
            out[2] = <char>(0x80 | (character & 0x3F))
            out += 3
        else:
            out[0] = <char>(0xF0 | (character >> 18))
            out[1] = <char>(0x80 | ((character >> 12) & 0x3F))
            out[2] = <char>(0x80 | ((character >> 6) & 0x3F))
            out[3] = <char>(0x80 | (character & 0x3F))
            out += 4
    _used = out - _buffer
    return FITS


cdef inline bint _ascii_of(PyObject* text, Py_ssize_t length) noexcept:
    """Whether ``text`` is a ``str`` of ``length`` ASCII characters, none the terminator."""
    if text == NULL or not PyUnicode_Check(text) or not PyUnicode_IS_ASCII(text):
        return False
    if PyUnicode_GET_LENGTH(text) != length:
        return False
    cdef const uint8_t* data = <const uint8_t*>PyUnicode_DATA(text)
    cdef Py_ssize_t index
    for index in range(length):  # one to three characters: no call into the C library
        if data[index] == TERMINATOR:
            return False
    return True


cdef int _put_field(PyObject* one) except -1:
    """Write a field's packed text: ``FITS``, or ``NOT_HELD`` (``_put``; a field of another
    class)."""
    global _used
    cdef PyTypeObject* cls = Py_TYPE(one)
    cdef PyObject* tag
    cdef PyObject* first
    cdef PyObject* second
    cdef char* out
    if cls is _RECORD.data:
        tag = _slot(one, _RECORD.data_tag)
        first = _slot(one, _RECORD.data_indicator1)
        second = _slot(one, _RECORD.data_indicator2)
        # The usual tag and indicators (three ASCII characters and one each, as ``Bib`` checks
        # them): their five bytes written at once, what ``_put`` writes for each in turn.
        if _ascii_of(tag, 3) and _ascii_of(first, 1) and _ascii_of(second, 1):
            _room(5)
            out = _buffer + _used
            memcpy(out, PyUnicode_DATA(tag), 3)
            out[3] = (<char*>PyUnicode_DATA(first))[0]
            out[4] = (<char*>PyUnicode_DATA(second))[0]
            _used += 5
            return _put(_slot(one, _RECORD.data_coded), True)
        if (_put(tag, True)
                or _put(first, True)
                or _put(second, True)
                or _put(_slot(one, _RECORD.data_coded), True)):
            return NOT_HELD
        return FITS
    if cls is _RECORD.control:
        if (_put(_slot(one, _RECORD.control_tag), True)
                or _put(_slot(one, _RECORD.control_value), True)):
            return NOT_HELD
        return FITS
    return NOT_HELD


def pack(bib):
    """``store.packed.pack(bib)``."""
    global _used
    cdef PyObject* record = <PyObject*>bib
    if Py_TYPE(record) is not _RECORD.bib:
        return None
    cdef PyObject* fields = _slot(record, _RECORD.bib_fields)
    if fields == NULL or not PyTuple_CheckExact(fields):
        return None
    cdef Py_ssize_t count = PyTuple_GET_SIZE(fields), index
    cdef PyObject* one
    cdef PyObject* coded
    # The fields, then their texts, asked for before any is read: a record packed some time
    # after it was made is mostly out of the caches, and its lines come in together rather than
    # one miss after another.
    for index in range(count):
        prefetch(PyTuple_GET_ITEM(fields, index))
    for index in range(count):
        one = PyTuple_GET_ITEM(fields, index)
        if Py_TYPE(one) is _RECORD.data:
            coded = _slot(one, _RECORD.data_coded)
            if coded != NULL:
                prefetch(coded)
    _used = 0
    if _put(_slot(record, _RECORD.bib_leader), False):
        return None
    for index in range(count):
        if index:
            _room(1)
            _buffer[_used] = TERMINATOR
            _used += 1
        if _put_field(PyTuple_GET_ITEM(fields, index)):
            return None
    return PyBytes_FromStringAndSize(_buffer, _used)


cdef inline int _digit(uint32_t character) noexcept:
    return <int>(character - 0x30) if 0x30 <= character <= 0x39 else -1


cdef object _field(object text, int kind, void* data, Py_ssize_t start, Py_ssize_t end):
    """The field whose packed text is ``text[start:end]``."""
    if end - start < 3:
        raise ValueError("not a packed record: a field shorter than its tag")
    cdef int hundreds = _digit(PyUnicode_READ(kind, data, start))
    cdef int tens = _digit(PyUnicode_READ(kind, data, start + 1))
    cdef int units = _digit(PyUnicode_READ(kind, data, start + 2))
    if hundreds >= 0 and tens >= 0 and units >= 0:
        tag = _TAGS[hundreds * 100 + tens * 10 + units]
    else:
        tag = PyUnicode_Substring(text, start, start + 3)
    if hundreds == 0 and tens == 0 and units >= 0:
        made = new_empty(_RECORD.control)
        put(made, _RECORD.control_tag, tag)
        put(made, _RECORD.control_value, PyUnicode_Substring(text, start + 3, end))
        return made
    if end - start < 5:
        raise ValueError("not a packed record: a data field without its indicators")
    made = new_empty(_RECORD.data)
    put(made, _RECORD.data_tag, tag)
    put(made, _RECORD.data_indicator1, PyUnicode_Substring(text, start + 3, start + 4))
    put(made, _RECORD.data_indicator2, PyUnicode_Substring(text, start + 4, start + 5))
    put(made, _RECORD.data_coded, PyUnicode_Substring(text, start + 5, end))
    return made


def unpack(bytes data):
    """``store.packed.unpack(data)``."""
    text = PyUnicode_DecodeUTF8(PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data),
                                "surrogatepass")
    cdef PyObject* raw = <PyObject*>text
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(raw), index, start, count = 0, at = 0
    cdef int kind = PyUnicode_KIND(raw)
    cdef void* data_ = PyUnicode_DATA(raw)
    if length < LEADER_LENGTH:
        raise ValueError("not a packed record: shorter than a leader")
    if length > LEADER_LENGTH:
        count = 1
        for index in range(LEADER_LENGTH, length):
            if PyUnicode_READ(kind, data_, index) == TERMINATOR:
                count += 1
    fields = PyTuple_New(count)
    start = LEADER_LENGTH
    if count:
        for index in range(LEADER_LENGTH, length + 1):
            if index == length or PyUnicode_READ(kind, data_, index) == TERMINATOR:
                one = _field(text, kind, data_, start, index)
                Py_INCREF(one)
                PyTuple_SET_ITEM(fields, at, one)
                at += 1
                start = index + 1
    made = new_empty(_RECORD.bib)
    put(made, _RECORD.bib_leader, PyUnicode_Substring(text, 0, LEADER_LENGTH))
    put(made, _RECORD.bib_fields, fields)
    return made
