# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""A record's JSON text in one C pass: the compiled twin of ``codec.JsonWriter._record``.

Theory of operation: ``RecordText`` writes exactly what ``JsonWriter._record`` writes for a
record (``json.dumps`` of the converter's shape, compact), from the texts that writer derives
from the converter: the record's opening, middle and close, each control field's text up to its
value (the writer's table by tag), each data field's head (by tag and indicators), each
subfield's opening (by code), and what ends a value, a subfield and a field. Nothing of the JSON
shape is written here; only JSON's string escape is, as the ``json`` encoder writes it: each
ASCII character as the encoder's own text for it (given, 128 of them), and past ASCII, with
``ensure_ascii``, ``\\uXXXX`` in lower-case hex, a character past the BMP as its surrogate pair
(RFC 8259, section 7; ``json``'s ``ascii_escape_unichar``), else the character itself.

A record is read in two passes: the first checks its shape (a ``Bib`` of ``ControlField`` and
``DataField`` values whose members are ``str``, each data field's subfields a non-empty
``marc_text``) and finds the widest character the text will hold (``PyUnicode_MAX_CHAR_VALUE``
of each part, without reading the characters); the second writes the text into a buffer of that
width, from which the ``str`` is copied. Members are read straight from each class's slots
(the offsets of the attrs classes' member descriptors). For anything else ``text`` answers None
and the caller writes the record in Python, which stays the definition of the text.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.object cimport PyObject, PyTypeObject
from cpython.dict cimport PyDict_GetItem
from cpython.ref cimport Py_INCREF, Py_XDECREF
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

from almamatch._native.slots cimport member_offset

cimport cython


cdef extern from "Python.h":
    Py_ssize_t PyUnicode_GET_LENGTH(object text)
    int PyUnicode_KIND(object text)
    void* PyUnicode_DATA(object text)
    uint32_t PyUnicode_MAX_CHAR_VALUE(object text)
    object PyUnicode_New(Py_ssize_t size, uint32_t maxchar)
    bint PyUnicode_CheckExact(PyObject* value)
    bint PyTuple_CheckExact(PyObject* value)
    Py_ssize_t PyTuple_GET_SIZE(PyObject* value)
    PyObject* PyTuple_GET_ITEM(PyObject* value, Py_ssize_t index)
    PyTypeObject* Py_TYPE(PyObject* value)
    # The same macros on a borrowed reference (no reference counting around them).
    Py_ssize_t _raw_length "PyUnicode_GET_LENGTH"(PyObject* text)
    int _raw_kind "PyUnicode_KIND"(PyObject* text)
    void* _raw_data "PyUnicode_DATA"(PyObject* text)
    uint32_t _raw_width "PyUnicode_MAX_CHAR_VALUE"(PyObject* text)

ctypedef uint8_t ucs1
ctypedef uint16_t ucs2
ctypedef uint32_t ucs4

ctypedef fused out_t:
    ucs1
    ucs2
    ucs4

ctypedef fused src_t:
    ucs1
    ucs2
    ucs4

#: The subfield delimiter and field terminator of ISO 2709: a data field's text
#: (``DataField.marc_text``) holds the delimiter before each code and never the terminator.
cdef enum:
    DELIMITER = 0x1F
    TERMINATOR = 0x1E
    ASCII_END = 0x80
    #: At most this many characters written for one character read: ``\\u001f`` for a control
    #: character, two escapes for a character past the BMP with ``ensure_ascii``.
    WIDEST_ESCAPE = 6
    WIDEST_ASCII_ESCAPE = 12
    #: The longest text that opens a subfield kept as C characters (``RecordText``).
    OPENING_BYTES = 16

cdef const char* HEX = b"0123456789abcdef"

#: What a pass answers for a record it leaves to the Python writer (exceptions are -2).
cdef enum:
    UNUSUAL = -1

#: The texts of the writer's tables looked up again by a key packed from the characters of
#: an ASCII tag (and indicators), in a C table of this many slots (a power of two), at most
#: half of them filled: past that, the writer's own tables answer.
cdef enum:
    KEPT_BITS = 13
    KEPT_SLOTS = 1 << KEPT_BITS
    #: What leads each key: a data field's head and a control field's text are kept apart.
    HEAD_KEY = 1
    CONTROL_KEY = 2
    #: Added to either: the text after another field's, what ends that field (``field_next``)
    #: before it, written in one piece.
    AFTER_KEY = 4


cdef inline uint64_t _with_characters(uint64_t key, PyObject* text, Py_ssize_t length) noexcept:
    """``key`` followed by the ``length`` ASCII characters of the ``str`` ``text`` (borrowed),
    7 bits each; 0 when ``text`` is not that many ASCII characters."""
    if key == 0 or _raw_length(text) != length or _raw_width(text) >= 0x80:
        return 0
    cdef const ucs1* characters = <const ucs1*>_raw_data(text)
    cdef Py_ssize_t index
    for index in range(length):
        key = (key << 7) | characters[index]
    return key


cdef inline PyObject* _slot(PyObject* value, Py_ssize_t offset) noexcept:
    """The object in a slot (borrowed; NULL when the slot is unset)."""
    return (<PyObject**>((<char*>value) + offset))[0]


cdef inline PyObject* _text_slot(PyObject* value, Py_ssize_t offset) noexcept:
    """The ``str`` in a slot (borrowed), or NULL for an unset slot or another class."""
    cdef PyObject* found = _slot(value, offset)
    if found is NULL or not PyUnicode_CheckExact(found):
        return NULL
    return found


cdef inline object _text_or_none(PyObject* value, Py_ssize_t offset):
    """The ``str`` in a slot, or None (``_text_slot``)."""
    cdef PyObject* found = _text_slot(value, offset)
    if found is NULL:
        return None
    return <object>found


cdef inline uint32_t _widest(uint32_t so_far, object text) noexcept:
    cdef uint32_t width = PyUnicode_MAX_CHAR_VALUE(text)
    return width if width > so_far else so_far


@cython.final
cdef class RecordText:
    """Writes a record's JSON text from the texts a ``JsonWriter`` derives (see the module)."""

    cdef object bib_class, control_class, data_class
    cdef Py_ssize_t leader, fields, control_tag, control_value
    cdef Py_ssize_t data_tag, indicator1, indicator2, subfields
    cdef bint ensure_ascii
    cdef object opening, middle, close, field_next, control_end, subfield_next, data_end
    cdef object quote, controls, heads, codes
    cdef uint32_t fixed_width, quote_character
    cdef uint8_t escape_length[ASCII_END]
    # Whether each character of Latin-1 is written as it is (past it: unless ensure_ascii).
    cdef uint8_t plain[0x100]
    # Whether every character 0x20-0x7E but the quote and the backslash is written as it is,
    # so that ``_first_special`` may pass over many such at once.
    cdef bint words_plain
    cdef uint8_t escape_text[ASCII_END][WIDEST_ESCAPE]
    # Each ASCII code's text (borrowed from ``kept``, which holds them), NULL until first used.
    cdef PyObject* code_texts[ASCII_END]
    # The same after what ends the subfield before (``subfield_next``): a subfield's opening
    # but the first's, written in one piece (borrowed from ``kept`` too).
    cdef PyObject* next_code_texts[ASCII_END]
    # The same texts (first and after another subfield), each as its ASCII characters where
    # they are at most ``OPENING_BYTES``: their count (0 until known, or where they are not).
    cdef uint8_t opening_text[2][ASCII_END][OPENING_BYTES]
    cdef uint8_t opening_length[2][ASCII_END]
    # What ends a data field (``data_end``) and a control field's value (``control_end``),
    # each as its ASCII characters where they are at most ``OPENING_BYTES``: their count (0
    # where they are not).
    cdef uint8_t data_end_text[OPENING_BYTES]
    cdef uint8_t data_end_length
    cdef uint8_t control_end_text[OPENING_BYTES]
    cdef uint8_t control_end_length
    cdef list kept
    # Texts by packed key (``_with_characters``): each held (a reference) while kept.
    cdef uint64_t* kept_keys
    cdef PyObject** kept_texts
    cdef Py_ssize_t kept_count
    cdef char* buffer
    cdef Py_ssize_t capacity

    def __cinit__(self):
        self.buffer = NULL
        self.capacity = 0
        self.kept_count = 0
        self.kept_keys = <uint64_t*>PyMem_Malloc(KEPT_SLOTS * sizeof(uint64_t))
        self.kept_texts = <PyObject**>PyMem_Malloc(KEPT_SLOTS * sizeof(PyObject*))
        if self.kept_keys is NULL or self.kept_texts is NULL:
            raise MemoryError()
        memset(self.kept_keys, 0, KEPT_SLOTS * sizeof(uint64_t))
        memset(self.kept_texts, 0, KEPT_SLOTS * sizeof(PyObject*))

    def __init__(self, *, slots, ensure_ascii, escapes, quote, opening, middle, close,
                 field_next, control_end, subfield_next, data_end, controls, heads, codes):
        (leader, fields, control_tag, control_value,
         data_tag, indicator1, indicator2, subfields) = slots
        self.bib_class = leader.__objclass__
        self.control_class = control_tag.__objclass__
        self.data_class = data_tag.__objclass__
        self.leader = member_offset(leader, self.bib_class)
        self.fields = member_offset(fields, self.bib_class)
        self.control_tag = member_offset(control_tag, self.control_class)
        self.control_value = member_offset(control_value, self.control_class)
        self.data_tag = member_offset(data_tag, self.data_class)
        self.indicator1 = member_offset(indicator1, self.data_class)
        self.indicator2 = member_offset(indicator2, self.data_class)
        self.subfields = member_offset(subfields, self.data_class)
        self.ensure_ascii = bool(ensure_ascii)
        fixed = (quote, opening, middle, close, field_next, control_end, subfield_next,
                 data_end)
        if not all(type(text) is str for text in fixed) or len(quote) != 1:
            raise TypeError("the texts of a record are str, the quote one character")
        (self.quote, self.opening, self.middle, self.close, self.field_next,
         self.control_end, self.subfield_next, self.data_end) = fixed
        self.data_end_length = self.control_end_length = 0
        if data_end.isascii() and 0 < len(data_end) <= OPENING_BYTES:
            for place, character in enumerate(data_end):
                self.data_end_text[place] = ord(character)
            self.data_end_length = len(data_end)
        if control_end.isascii() and 0 < len(control_end) <= OPENING_BYTES:
            for place, character in enumerate(control_end):
                self.control_end_text[place] = ord(character)
            self.control_end_length = len(control_end)
        self.fixed_width = 0
        for text in fixed:
            self.fixed_width = _widest(self.fixed_width, text)
        self.quote_character = ord(quote)
        if not all(isinstance(table, dict) for table in (controls, heads, codes)):
            raise TypeError("the tables of texts are dicts")
        self.controls, self.heads, self.codes = controls, heads, codes
        self.kept = []
        cdef Py_ssize_t code, at
        if len(escapes) != ASCII_END:
            raise ValueError("one escape for each ASCII character")
        for code in range(ASCII_END, 0x100):
            self.plain[code] = not self.ensure_ascii
        for code in range(ASCII_END):
            self.code_texts[code] = NULL
            self.next_code_texts[code] = NULL
            self.opening_length[0][code] = 0
            self.opening_length[1][code] = 0
            escape = escapes[code]
            self.plain[code] = escape == chr(code)
            if self.plain[code]:  # written as it is
                self.escape_length[code] = 0
                continue
            if (type(escape) is not str or not escape.isascii()
                    or not 0 < len(escape) <= WIDEST_ESCAPE):
                raise ValueError(f"an escape is 1 to 6 ASCII characters: {escape!r}")
            self.escape_length[code] = len(escape)
            for at in range(len(escape)):
                self.escape_text[code][at] = ord(escape[at])
        self.words_plain = all(self.plain[code] for code in range(0x20, 0x7F)
                               if code != 0x22 and code != 0x5C)

    def __dealloc__(self):
        cdef Py_ssize_t slot
        if self.kept_texts is not NULL:
            for slot in range(KEPT_SLOTS):
                Py_XDECREF(self.kept_texts[slot])
        PyMem_Free(self.kept_texts)
        PyMem_Free(self.kept_keys)
        PyMem_Free(self.buffer)

    def string(self, text):
        """``text`` as the string encoder writes it (quoted, escaped, as a record's values are
        written), or None for anything but a ``str``."""
        return self._string(text)

    cdef object _string(self, object text):
        """``string``, from C."""
        if type(text) is not str:
            return None
        cdef uint32_t width = self.fixed_width
        if not self.ensure_ascii:
            width = _widest(width, text)
        cdef Py_ssize_t length
        if width <= 0xFF:
            length = self._put_string(<ucs1>0, 0, width, text)
        elif width <= 0xFFFF:
            length = self._put_string(<ucs2>0, 0, width, text)
        else:
            length = self._put_string(<ucs4>0, 0, width, text)
        if length < 0:
            return None
        written = PyUnicode_New(length, width)
        memcpy(PyUnicode_DATA(written), self.buffer, length * PyUnicode_KIND(written))
        return written

    def text(self, bib):
        """The JSON text of ``bib``, or None for a record of any unusual shape."""
        return self._text(bib)

    cdef object _text(self, object bib):
        """``text``, from C."""
        cdef PyObject* record = <PyObject*>bib
        if Py_TYPE(record) is not <PyTypeObject*>self.bib_class:
            return None
        cdef PyObject* leader = _text_slot(record, self.leader)
        cdef PyObject* fields = _slot(record, self.fields)
        if leader is NULL or fields is NULL or not PyTuple_CheckExact(fields):
            return None
        cdef uint32_t width = self._width(<object>leader, fields)
        if width == 0:
            return None
        cdef Py_ssize_t length
        if width <= 0xFF:
            length = self._fill(<ucs1>0, width, bib)
        elif width <= 0xFFFF:
            length = self._fill(<ucs2>0, width, bib)
        else:
            length = self._fill(<ucs4>0, width, bib)
        if length == UNUSUAL:
            return None
        written = PyUnicode_New(length, width)
        memcpy(PyUnicode_DATA(written), self.buffer, length * PyUnicode_KIND(written))
        return written

    cdef uint32_t _width(self, object leader, PyObject* fields) noexcept:
        """The widest character class (``PyUnicode_MAX_CHAR_VALUE``) the text will hold, or 0
        for a record the Python writer writes (a field of another class, a member not ``str``,
        a data field whose subfields are not a non-empty text)."""
        cdef uint32_t width = self.fixed_width
        cdef Py_ssize_t index
        cdef PyObject* one
        cdef PyTypeObject* kind
        cdef PyObject* tag
        cdef PyObject* value
        cdef PyObject* first
        cdef PyObject* second
        if not self.ensure_ascii:
            width = _widest(width, leader)
        for index in range(PyTuple_GET_SIZE(fields)):
            one = PyTuple_GET_ITEM(fields, index)
            kind = Py_TYPE(one)
            if kind is <PyTypeObject*>self.control_class:
                tag = _text_slot(one, self.control_tag)
                value = _text_slot(one, self.control_value)
                if tag is NULL or value is NULL:
                    return 0
            elif kind is <PyTypeObject*>self.data_class:
                tag = _text_slot(one, self.data_tag)
                value = _text_slot(one, self.subfields)
                first = _text_slot(one, self.indicator1)
                second = _text_slot(one, self.indicator2)
                if (tag is NULL or value is NULL or first is NULL or second is NULL
                        or PyUnicode_GET_LENGTH(<object>value) == 0):
                    return 0
                if not self.ensure_ascii:
                    width = _widest(_widest(width, <object>first), <object>second)
            else:
                return 0
            if not self.ensure_ascii:
                width = _widest(_widest(width, <object>tag), <object>value)
        return width

    cdef inline int _reserve(self, Py_ssize_t count, int kind) except -1:
        """Room in the buffer for ``count`` characters of ``kind`` bytes."""
        if count * kind <= self.capacity:
            return 0
        return self._grow(count * kind)

    cdef int _grow(self, Py_ssize_t size) except -1:
        if size < 2 * self.capacity:
            size = 2 * self.capacity
        cdef char* grown = <char*>PyMem_Realloc(self.buffer, size)
        if grown is NULL:
            raise MemoryError()
        self.buffer = grown
        self.capacity = size
        return 0

    cdef object _code_text(self, uint32_t code):
        """The text that opens a subfield of ``code`` (the writer's table), or None."""
        text = self.codes[chr(code)]
        if type(text) is not str:
            return None
        if code < ASCII_END:
            after = self.subfield_next + text
            self.kept.append(text)
            self.kept.append(after)
            self.code_texts[code] = <PyObject*>text
            self.next_code_texts[code] = <PyObject*>after
            for which, one in enumerate((text, after)):  # as C characters too, if they fit
                if one.isascii() and 0 < len(one) <= OPENING_BYTES:
                    for at in range(len(one)):
                        self.opening_text[which][code][at] = ord(one[at])
                    self.opening_length[which][code] = len(one)
        return text

    cdef inline size_t _slot_of(self, uint64_t packed) noexcept:
        """Where the text of key ``packed`` is kept, or the empty slot where it goes."""
        cdef size_t slot = <size_t>((packed * <uint64_t>0x9E3779B97F4A7C15) >> (64 - KEPT_BITS))
        while self.kept_keys[slot] != 0 and self.kept_keys[slot] != packed:
            slot = (slot + 1) & (KEPT_SLOTS - 1)
        return slot

    cdef inline PyObject* _kept(self, uint64_t packed) noexcept:
        """The text kept by key ``packed`` (borrowed), or NULL (not kept, or ``packed`` 0)."""
        if packed == 0:
            return NULL
        return self.kept_texts[self._slot_of(packed)]

    cdef object _looked_up(self, object table, object key, uint64_t packed, bint after):
        """``table[key]`` (not kept by ``packed``): a dict lookup, else the table's own
        (``__missing__``), after ``field_next`` if ``after``; kept by ``packed`` unless 0 or
        the C table is full."""
        cdef PyObject* found = PyDict_GetItem(table, key)
        text = <object>found if found is not NULL else table[key]
        if after and type(text) is str:
            text = self.field_next + text
        cdef size_t slot
        if packed and type(text) is str and self.kept_count < KEPT_SLOTS // 2:
            slot = self._slot_of(packed)
            Py_INCREF(text)
            self.kept_texts[slot] = <PyObject*>text
            self.kept_keys[slot] = packed
            self.kept_count += 1
        return text

    cdef Py_ssize_t _fill(self, out_t unused, uint32_t width, object bib) except -2:
        """The record's text written into the buffer as characters of ``out_t``: its length,
        or ``UNUSUAL``."""
        cdef PyObject* record = <PyObject*>bib
        # Held here, in case a table's own lookup runs Python code that changes the record.
        cdef PyObject* held = _slot(record, self.fields)
        if held is NULL or not PyTuple_CheckExact(held):
            return UNUSUAL
        fields = <tuple>held
        leader = _text_or_none(record, self.leader)
        cdef Py_ssize_t at = 0, index, count = len(fields)
        cdef PyObject* one
        cdef uint64_t after
        at = self._put(unused, at, width, <PyObject*>self.opening)
        at = self._put_string(unused, at, width, leader)
        at = self._put(unused, at, width, <PyObject*>self.middle)
        for index in range(count):
            if at < 0:
                return UNUSUAL
            # Each field's opening text, after the first with what ends the field before it
            # (``field_next``, which ``_looked_up`` puts before it: keys with ``AFTER_KEY``).
            after = AFTER_KEY if index else 0
            one = PyTuple_GET_ITEM(<PyObject*>fields, index)
            if Py_TYPE(one) is <PyTypeObject*>self.control_class:
                tag = _text_slot(one, self.control_tag)
                if tag is NULL:
                    return UNUSUAL
                at = self._put_opening(unused, at, width, after, tag, NULL, NULL)
                at = self._put_string(unused, at, width, _text_or_none(one, self.control_value))
                if at >= 0 and self.control_end_length:
                    self._reserve(at + OPENING_BYTES, sizeof(out_t))
                    _copy_ascii((<out_t*>self.buffer) + at, self.control_end_text,
                                self.control_end_length)
                    at += self.control_end_length
                else:
                    at = self._put(unused, at, width, <PyObject*>self.control_end)
            elif Py_TYPE(one) is <PyTypeObject*>self.data_class:
                tag = _text_slot(one, self.data_tag)
                first = _text_slot(one, self.indicator1)
                second = _text_slot(one, self.indicator2)
                if tag is NULL or first is NULL or second is NULL:
                    return UNUSUAL
                at = self._put_opening(unused, at, width, after, tag, first, second)
                at = self._put_subfields(unused, at, width,
                                         _text_or_none(one, self.subfields))
            else:
                return UNUSUAL
        if at < 0:
            return UNUSUAL
        return self._put(unused, at, width, <PyObject*>self.close)

    cdef inline Py_ssize_t _put_opening(self, out_t unused, Py_ssize_t at, uint32_t width,
                                        uint64_t after, PyObject* tag, PyObject* first,
                                        PyObject* second) except -2:
        """A field's opening text: a control field's up to its value (``first`` NULL, by its
        tag) or a data field's head (by its tag and indicators; each a ``str``, borrowed),
        kept by the key packed from their characters, else looked up (``_put_looked_up``);
        after what ends the field before it where ``after`` (``AFTER_KEY``)."""
        cdef uint64_t packed
        if first is NULL:
            packed = _with_characters(CONTROL_KEY + after, tag, 3)
        else:
            packed = _with_characters(_with_characters(
                _with_characters(HEAD_KEY + after, tag, 3), first, 1), second, 1)
        cdef PyObject* found = self._kept(packed)
        if found is NULL:
            return self._put_looked_up(unused, at, width, after, packed, <object>tag,
                                       None if first is NULL else <object>first,
                                       None if second is NULL else <object>second)
        return self._put(unused, at, width, found)

    cdef Py_ssize_t _put_looked_up(self, out_t unused, Py_ssize_t at, uint32_t width,
                                   uint64_t after, uint64_t packed, object tag, object first,
                                   object second) except -2:
        """``_put_opening`` of a text not kept by its key: from the writer's table of control
        fields' texts (``first`` None) or of heads, held here while written (a text the C
        table does not keep is this reference's)."""
        if first is None:
            text = self._looked_up(self.controls, tag, packed, after)
        else:
            text = self._looked_up(self.heads, (tag, first, second), packed, after)
        return self._put(unused, at, width, <PyObject*>text)

    cdef inline PyObject* _subfield_opening(self, uint32_t code, bint after) noexcept:
        """The text that opens a subfield of an ASCII ``code`` (borrowed: ``kept`` holds
        it), after what ends the subfield before it where ``after`` (``next_code_texts``,
        written in one piece), once the writer's table has given it (``_code_text``); else
        NULL."""
        if code >= ASCII_END:
            return NULL
        return self.next_code_texts[code] if after else self.code_texts[code]

    cdef inline Py_ssize_t _put(self, out_t unused, Py_ssize_t at, uint32_t width,
                                PyObject* text) except -2:
        """A text of the writer's tables, as it is (borrowed: the writer or a table holds
        it)."""
        if at < 0 or not PyUnicode_CheckExact(text) or _raw_width(text) > width:
            return UNUSUAL
        self._reserve(at + _raw_length(text), sizeof(out_t))
        return at + _copy_text((<out_t*>self.buffer) + at, text)

    cdef inline bint _fits(self, object text, uint32_t width) noexcept:
        """Whether a value's characters, escaped, fit the width: with ``ensure_ascii`` every
        character past ASCII is escaped, so any do."""
        return self.ensure_ascii or PyUnicode_MAX_CHAR_VALUE(text) <= width

    cdef Py_ssize_t _put_string(self, out_t unused, Py_ssize_t at, uint32_t width,
                                object text) except -2:
        """A value as the string encoder writes it: quoted, escaped."""
        if at < 0 or type(text) is not str or not self._fits(text, width):
            return UNUSUAL
        cdef Py_ssize_t length = PyUnicode_GET_LENGTH(text)
        self._reserve(at + 2 + length * (WIDEST_ASCII_ESCAPE if self.ensure_ascii
                                         else WIDEST_ESCAPE), sizeof(out_t))
        cdef out_t* out = <out_t*>self.buffer
        cdef out_t quote = <out_t>self.quote_character
        out[at] = quote
        at += 1
        cdef int kind = PyUnicode_KIND(text)
        cdef Py_ssize_t end = 0
        if kind == 1:
            at = self._escaped(out, at, <ucs1*>PyUnicode_DATA(text), 0, length, False, &end)
        elif kind == 2:
            at = self._escaped(out, at, <ucs2*>PyUnicode_DATA(text), 0, length, False, &end)
        else:
            at = self._escaped(out, at, <ucs4*>PyUnicode_DATA(text), 0, length, False, &end)
        out[at] = quote
        return at + 1

    cdef Py_ssize_t _put_subfields(self, out_t unused, Py_ssize_t at, uint32_t width,
                                   object text) except -2:
        """A data field's subfields from its ``marc_text``, each opened by its code's text and
        its value written as a string, then what ends the field."""
        if at < 0 or type(text) is not str or not self._fits(text, width):
            return UNUSUAL
        cdef int kind = PyUnicode_KIND(text)
        if kind == 1:
            return self._subfields(unused, at, width, <ucs1*>PyUnicode_DATA(text),
                                   PyUnicode_GET_LENGTH(text))
        if kind == 2:
            return self._subfields(unused, at, width, <ucs2*>PyUnicode_DATA(text),
                                   PyUnicode_GET_LENGTH(text))
        return self._subfields(unused, at, width, <ucs4*>PyUnicode_DATA(text),
                               PyUnicode_GET_LENGTH(text))

    cdef Py_ssize_t _subfields(self, out_t unused, Py_ssize_t at, uint32_t width,
                               src_t* text, Py_ssize_t length) except -2:
        # A field's text, as ``DataField`` keeps it: each subfield the delimiter, a code that is
        # neither the delimiter nor the terminator, and a value without either; the text
        # starts with a delimiter and does not end with one. Any other text: the Python writer.
        cdef Py_ssize_t index = 0, following = 0, opened
        cdef uint32_t code
        cdef bint after
        cdef PyObject* found
        cdef out_t* out
        cdef out_t quote = <out_t>self.quote_character
        cdef Py_ssize_t escape = (WIDEST_ASCII_ESCAPE if self.ensure_ascii
                                  else WIDEST_ESCAPE)
        if length == 0 or text[0] != DELIMITER:
            return UNUSUAL
        # Room for the rest of the field at once: each subfield (at most one for two
        # characters of the text) its opening (at most ``OPENING_BYTES``, else written by
        # ``_put``, which makes room for it, and room is made again) and its quotes, each
        # character of its value escaped, and what ends the field (``data_end_text``).
        self._reserve(at + length * escape + (length + 1) // 2 * (OPENING_BYTES + 2)
                      + OPENING_BYTES, sizeof(out_t))
        out = <out_t*>self.buffer
        while index < length:
            if index + 1 == length:  # a delimiter without a code
                return UNUSUAL
            code = text[index + 1]
            if code == DELIMITER or code == TERMINATOR:
                return UNUSUAL
            # What ends the subfield before (after the first), with the opening, kept.
            after = index != 0
            opened = self.opening_length[after][code] if code < ASCII_END else 0
            if opened:
                _copy_ascii(out + at, self.opening_text[after][code], opened)
                at += opened
            else:
                found = self._subfield_opening(code, after)
                if found is NULL:
                    if after:
                        at = self._put(unused, at, width, <PyObject*>self.subfield_next)
                    opening = self._code_text(code)  # held here while written
                    found = <PyObject*>opening
                at = self._put(unused, at, width, found)
                if at < 0:
                    return UNUSUAL
                self._reserve(at + (length - index) * escape
                              + (length - index + 1) // 2 * (OPENING_BYTES + 2)
                              + OPENING_BYTES, sizeof(out_t))
                out = <out_t*>self.buffer
            out[at] = quote
            at = self._escaped(out, at + 1, text, index + 2, length, True, &following)
            if at < 0:
                return UNUSUAL
            out[at] = quote
            at += 1
            index = following
        if self.data_end_length:  # room made for it with the last subfield's
            _copy_ascii(out + at, self.data_end_text, self.data_end_length)
            return at + self.data_end_length
        return self._put(unused, at, width, <PyObject*>self.data_end)

    cdef Py_ssize_t _escaped(self, out_t* out, Py_ssize_t at, src_t* text, Py_ssize_t start,
                             Py_ssize_t end, bint subfield, Py_ssize_t* stopped) noexcept:
        """``text[start:end]`` escaped as the string encoder escapes it, into ``out`` from
        ``at`` (room reserved); a subfield's value stops at the next delimiter (its index put
        in ``stopped``) and holds no terminator (else ``UNUSUAL``)."""
        cdef Py_ssize_t index = start, run
        cdef uint32_t character, high, low
        cdef uint8_t length, step
        cdef bint ensure_ascii = self.ensure_ascii
        while True:
            # The characters written as they are, up to the next one that is not, at once.
            run = index
            if src_t is ucs1:
                if self.words_plain:
                    # Straight to the next character that may be special, many at a time;
                    # on from it where it is written as it is (past ASCII, without
                    # ``ensure_ascii``).
                    while True:
                        run = _first_special(text, run, end)
                        if run == end or not self.plain[text[run]]:
                            break
                        run += 1
                else:
                    while run < end and self.plain[text[run]]:
                        run += 1
            else:
                while run < end:
                    character = text[run]
                    if (not self.plain[character] if character <= 0xFF else ensure_ascii):
                        break
                    run += 1
            _copy(out + at, text + index, run - index)
            at += run - index
            if run == end:
                stopped[0] = end
                return at
            character = text[run]
            index = run + 1
            if character >= ASCII_END:  # with ensure_ascii
                if character >= 0x10000:  # a surrogate pair
                    character -= 0x10000
                    high = 0xD800 | (character >> 10)
                    low = 0xDC00 | (character & 0x3FF)
                    _unicode_escape(out + at, high)
                    _unicode_escape(out + at + 6, low)
                    at += 12
                else:
                    _unicode_escape(out + at, character)
                    at += 6
                continue
            if subfield:
                if character == DELIMITER:
                    stopped[0] = run
                    return at
                if character == TERMINATOR:
                    return UNUSUAL
            length = self.escape_length[character]
            for step in range(length):
                out[at + step] = self.escape_text[character][step]
            at += length


cdef extern from *:
    """
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #endif
    /* The index of the first byte of ``text[at:end]`` that is under 0x20, over 0x7E, a quote
       or a backslash (a character the string encoder may escape), or ``end`` when there is
       none. Where SSE2 is (x86-64 always): sixteen bytes at a time, each tested on its own,
       and the last fewer than sixteen as the sixteen that end at ``end`` (where the text
       holds that many before it), the bytes before ``at`` left out of the marks. Else eight
       at a time (the lowest byte marked is the first such: a borrow or a carry runs only
       upwards, from a byte the test finds), then one at a time. */
    static CYTHON_INLINE Py_ssize_t almamatch_first_special(const unsigned char* text,
                                                            Py_ssize_t at, Py_ssize_t end) {
    #if defined(__SSE2__)
        const __m128i space = _mm_set1_epi8(0x20), last = _mm_set1_epi8(0x7F);
        const __m128i quote = _mm_set1_epi8(0x22), backslash = _mm_set1_epi8(0x5C);
        __m128i bytes, found;
        unsigned int marks;
        if (at < end && end >= 16) {
            for (;;) {
                if (at + 16 > end) {
                    bytes = _mm_loadu_si128((const __m128i*)(text + end - 16));
                } else {
                    bytes = _mm_loadu_si128((const __m128i*)(text + at));
                }
                /* signed: under 0x20, or 0x80 and over */
                found = _mm_or_si128(
                    _mm_or_si128(_mm_cmplt_epi8(bytes, space), _mm_cmpeq_epi8(bytes, last)),
                    _mm_or_si128(_mm_cmpeq_epi8(bytes, quote),
                                 _mm_cmpeq_epi8(bytes, backslash)));
                marks = (unsigned int)_mm_movemask_epi8(found);
                if (at + 16 > end) {
                    marks >>= 16 - (end - at);
                    return marks ? at + __builtin_ctz(marks) : end;
                }
                if (marks)
                    return at + __builtin_ctz(marks);
                at += 16;
                if (at == end)
                    return end;
            }
        }
    #endif
        while (at + 8 <= end) {
            uint64_t word, quoted, escaped, marked;
            memcpy(&word, text + at, 8);
            quoted = word ^ 0x2222222222222222ULL;
            escaped = word ^ 0x5C5C5C5C5C5C5C5CULL;
            marked = (((word - 0x2020202020202020ULL) & ~word)
                      | (word + 0x0101010101010101ULL) | word
                      | ((quoted - 0x0101010101010101ULL) & ~quoted)
                      | ((escaped - 0x0101010101010101ULL) & ~escaped))
                     & 0x8080808080808080ULL;
            if (marked) {
    #if PY_LITTLE_ENDIAN
                return at + (__builtin_ctzll(marked) >> 3);
    #else
                break;
    #endif
            }
            at += 8;
        }
        for (; at < end; at++) {
            unsigned char one = text[at];
            if (one < 0x20 || one > 0x7E || one == 0x22 || one == 0x5C)
                return at;
        }
        return end;
    }

    /* Of the ``length`` bytes at ``text``, the characters written as two bytes each at
       ``out``, sixteen at a time where SSE2 is: how many (a multiple of sixteen; the rest are
       the caller's). */
    static CYTHON_INLINE Py_ssize_t almamatch_widened(const unsigned char* text,
                                                      Py_ssize_t length, uint16_t* out) {
        Py_ssize_t at = 0;
    #if defined(__SSE2__)
        const __m128i zero = _mm_setzero_si128();
        while (at + 16 <= length) {
            __m128i bytes = _mm_loadu_si128((const __m128i*)(text + at));
            _mm_storeu_si128((__m128i*)(out + at), _mm_unpacklo_epi8(bytes, zero));
            _mm_storeu_si128((__m128i*)(out + at + 8), _mm_unpackhi_epi8(bytes, zero));
            at += 16;
        }
    #endif
        return at;
    }

    /* Of the ``length`` two-byte characters at ``text``, the ASCII ones up to the first
       sixteen that are not all ASCII, written as one byte each at ``out``, sixteen at a time
       where SSE2 is: how many (a multiple of sixteen; the rest are the caller's). */
    static CYTHON_INLINE Py_ssize_t almamatch_ascii_pairs(const uint16_t* text,
                                                          Py_ssize_t length, uint8_t* out) {
        Py_ssize_t at = 0;
    #if defined(__SSE2__)
        const __m128i high = _mm_set1_epi16((short)0xFF80), zero = _mm_setzero_si128();
        while (at + 16 <= length) {
            __m128i first = _mm_loadu_si128((const __m128i*)(text + at));
            __m128i second = _mm_loadu_si128((const __m128i*)(text + at + 8));
            __m128i past = _mm_and_si128(_mm_or_si128(first, second), high);
            if (_mm_movemask_epi8(_mm_cmpeq_epi16(past, zero)) != 0xFFFF)
                break;
            _mm_storeu_si128((__m128i*)(out + at), _mm_packus_epi16(first, second));
            at += 16;
        }
    #endif
        return at;
    }
    """
    Py_ssize_t _first_special "almamatch_first_special"(const ucs1* text, Py_ssize_t at,
                                                         Py_ssize_t end) noexcept
    Py_ssize_t _widened "almamatch_widened"(const ucs1* text, Py_ssize_t length,
                                            ucs2* out) noexcept
    Py_ssize_t _ascii_pairs "almamatch_ascii_pairs"(const ucs2* text, Py_ssize_t length,
                                                    uint8_t* out) noexcept


cdef inline void _unicode_escape(out_t* out, uint32_t character) noexcept:
    """``\\uXXXX`` of a character of the BMP, hex digits in lower case as ``json`` writes."""
    out[0] = <out_t>ord("\\")
    out[1] = <out_t>ord("u")
    out[2] = <out_t>HEX[(character >> 12) & 0xF]
    out[3] = <out_t>HEX[(character >> 8) & 0xF]
    out[4] = <out_t>HEX[(character >> 4) & 0xF]
    out[5] = <out_t>HEX[character & 0xF]


cdef inline void _copy(out_t* out, src_t* text, Py_ssize_t length) noexcept:
    """Characters of one width into another (no character wider than ``out_t``)."""
    cdef Py_ssize_t index
    if out_t is src_t:
        if length * sizeof(out_t) <= 16:
            _short_copy(<char*>out, <const char*>text, length * sizeof(out_t))
        else:
            memcpy(out, text, length * sizeof(out_t))
    else:
        index = 0
        if out_t is ucs2 and src_t is ucs1:  # sixteen at a time where it can
            index = _widened(text, length, out)
        while index < length:
            out[index] = <out_t>text[index]
            index += 1


cdef inline void _short_copy(char* out, const char* text, size_t size) noexcept:
    """``memcpy`` of at most 16 bytes, inline: most texts a record is written from (a
    subfield's opening, what ends a field) are a few characters, for which a call of the
    library's ``memcpy`` costs more than the copy. Two copies of fixed size that overlap when
    ``size`` is not their sum (each compiled to a load and a store), none past either end."""
    cdef uint64_t first8, last8
    cdef uint32_t first4, last4
    if size >= 8:
        memcpy(&first8, text, 8)
        memcpy(&last8, text + size - 8, 8)
        memcpy(out, &first8, 8)
        memcpy(out + size - 8, &last8, 8)
    elif size >= 4:
        memcpy(&first4, text, 4)
        memcpy(&last4, text + size - 4, 4)
        memcpy(out, &first4, 4)
        memcpy(out + size - 4, &last4, 4)
    elif size:
        out[0] = text[0]
        out[size // 2] = text[size // 2]
        out[size - 1] = text[size - 1]


cdef inline void _copy_ascii(out_t* out, const uint8_t* text, Py_ssize_t length) noexcept:
    """At most 16 ASCII characters (C characters) into ``out``."""
    cdef Py_ssize_t index
    if out_t is ucs1:
        _short_copy(<char*>out, <const char*>text, length)
    else:
        for index in range(length):
            out[index] = <out_t>text[index]


cdef inline Py_ssize_t _copy_text(out_t* out, PyObject* text) noexcept:
    """The characters of the ``str`` ``text`` (borrowed; none wider than ``out_t``) copied
    into ``out`` (room reserved): their count."""
    cdef Py_ssize_t length = _raw_length(text)
    cdef int kind = _raw_kind(text)
    if kind == 1:
        _copy(out, <ucs1*>_raw_data(text), length)
    elif kind == 2:
        _copy(out, <ucs2*>_raw_data(text), length)
    else:
        _copy(out, <ucs4*>_raw_data(text), length)
    return length


cdef extern from "Python.h":
    int PyUnicode_4BYTE_KIND
    object PyUnicode_FromKindAndData(int kind, const void* data, Py_ssize_t size)


@cython.final
cdef class RecurringText:
    """Writes a tuple of values that recur as the same objects (a trace's steps): the compiled
    twin of what ``JsonWriter`` writes for ``tuple[Step, ...]``.

    Each value's text is kept by the value's identity (the value held while its text is kept,
    so that no other object can have its address; past half of ``KEPT_SLOTS`` values, all are
    let go and kept again from the next), as ``codec._Recurring`` keeps them. A value not kept
    is written here from the texts the writer's generated function writes between its members
    (``members``: each the text before it, its slot, and the table of an enum's texts, or None
    for a ``str`` written as a string by ``strings``); a value of another class, or whose member
    is not of its type, is written by ``write``, the generated function itself. The tuple's
    text is then the kept texts joined, as the Python writer joins them.
    """

    cdef RecordText strings
    cdef object cls, write, opening, separator, closing, value_open, value_close
    cdef list before, tables
    cdef Py_ssize_t* offsets
    cdef Py_ssize_t count
    cdef PyObject** kept_values
    cdef PyObject** kept_texts
    cdef Py_ssize_t kept_count
    # The widest character class of the texts written between members (``_members``).
    cdef uint32_t fixed_width
    # A value's text is written here (``capacity`` bytes) at the width it needs.
    cdef char* buffer
    cdef Py_ssize_t capacity
    cdef PyObject** pieces
    cdef Py_ssize_t pieces_capacity

    def __cinit__(self):
        self.pieces = NULL
        self.pieces_capacity = 0
        self.offsets = NULL
        self.buffer = NULL
        self.capacity = 0
        self.kept_count = 0
        self.kept_values = <PyObject**>PyMem_Malloc(KEPT_SLOTS * sizeof(PyObject*))
        self.kept_texts = <PyObject**>PyMem_Malloc(KEPT_SLOTS * sizeof(PyObject*))
        if self.kept_values is NULL or self.kept_texts is NULL:
            raise MemoryError()
        memset(self.kept_values, 0, KEPT_SLOTS * sizeof(PyObject*))
        memset(self.kept_texts, 0, KEPT_SLOTS * sizeof(PyObject*))

    def __init__(self, *, strings, cls, members, value_open, value_close, opening, separator,
                 closing, write):
        self.strings = strings
        self.cls, self.write = cls, write
        fixed = (value_open, value_close, opening, separator, closing)
        if not all(type(text) is str for text in fixed):
            raise TypeError("the texts of a tuple of values are str")
        (self.value_open, self.value_close, self.opening, self.separator,
         self.closing) = fixed
        self.before, self.tables = [], []
        self.count = len(members)
        self.offsets = <Py_ssize_t*>PyMem_Malloc(max(self.count, 1) * sizeof(Py_ssize_t))
        if self.offsets is NULL:
            raise MemoryError()
        cdef Py_ssize_t index
        self.fixed_width = _widest(_widest(0, value_open), value_close)
        for index, (text, member, table) in enumerate(members):
            if type(text) is not str or not (table is None or type(table) is dict):
                raise TypeError("a member's text is str, its table a dict or None")
            if table is not None and not all(type(one) is str for one in table.values()):
                raise TypeError("an enum's texts are str")
            self.before.append(text)
            self.fixed_width = _widest(self.fixed_width, text)
            # An enum's members by identity (each member is one object; ``Enum`` compares by
            # identity), rather than by a hash that ``Enum`` computes in Python.
            self.tables.append(None if table is None else tuple(table.items()))
            self.offsets[index] = member_offset(member, cls)

    def __dealloc__(self):
        self._let_go()
        PyMem_Free(self.kept_values)
        PyMem_Free(self.kept_texts)
        PyMem_Free(self.offsets)
        PyMem_Free(self.pieces)
        PyMem_Free(self.buffer)

    cdef void _let_go(self) noexcept:
        """Every value and text kept let go."""
        cdef Py_ssize_t slot
        if self.kept_values is NULL or self.kept_texts is NULL:
            return
        for slot in range(KEPT_SLOTS):
            Py_XDECREF(self.kept_values[slot])
            Py_XDECREF(self.kept_texts[slot])
            self.kept_values[slot] = NULL
            self.kept_texts[slot] = NULL
        self.kept_count = 0

    def text(self, values):
        """The JSON text of the tuple ``values``, or None for anything but a tuple."""
        return self._text(values)

    cdef object _text(self, object values):
        """``text``, from C."""
        if type(values) is not tuple:
            return None
        cdef tuple items = <tuple>values
        cdef Py_ssize_t count = len(items), index, at = 0, length, held = 0
        cdef uint32_t width = _widest(_widest(PyUnicode_MAX_CHAR_VALUE(self.opening),
                                              self.separator), self.closing)
        length = (PyUnicode_GET_LENGTH(self.opening) + PyUnicode_GET_LENGTH(self.closing)
                  + max(count - 1, 0) * PyUnicode_GET_LENGTH(self.separator))
        self._reserve_pieces(count)
        # Each value's text held (a reference) until the tuple's is written: a value written
        # later may let go of the texts kept before it. No list: nothing for the cyclic
        # garbage collector to count.
        written = None
        try:
            for index in range(count):
                text = self._value_text(items[index])
                if text is None:
                    return None
                Py_INCREF(text)
                self.pieces[index] = <PyObject*>text
                held += 1
                width = _widest(width, text)
                length += PyUnicode_GET_LENGTH(text)
            written = PyUnicode_New(length, width)
            at = _into(written, at, self.opening)
            for index in range(count):
                if index:
                    at = _into(written, at, self.separator)
                at = _into(written, at, <object>self.pieces[index])
            _into(written, at, self.closing)
        finally:
            for index in range(held):
                Py_XDECREF(self.pieces[index])
        return written

    cdef Py_ssize_t _pieces(self, object values, PyObject** pieces, Py_ssize_t room
                            ) except -2:
        """The texts ``text`` joins for the tuple ``values`` (the opening, each value's text,
        the separators between them, the closing), each a reference put in ``pieces``: their
        count; -1, with none put, for anything but a tuple, a tuple of more than ``room``
        pieces or a value whose text is not a ``str`` (the caller writes the tuple by
        ``_text``)."""
        if type(values) is not tuple:
            return -1
        cdef Py_ssize_t count = PyTuple_GET_SIZE(<PyObject*>values), index, held = 0
        if 2 * count + 2 > room:
            return -1
        Py_INCREF(self.opening)
        pieces[0] = <PyObject*>self.opening
        held = 1
        try:
            for index in range(count):
                text = self._value_text(<object>PyTuple_GET_ITEM(<PyObject*>values, index))
                if text is None:
                    for index in range(held):
                        Py_XDECREF(pieces[index])
                    return -1
                if index:
                    Py_INCREF(self.separator)
                    pieces[held] = <PyObject*>self.separator
                    held += 1
                Py_INCREF(text)
                pieces[held] = <PyObject*>text
                held += 1
        except BaseException:
            for index in range(held):
                Py_XDECREF(pieces[index])
            raise
        Py_INCREF(self.closing)
        pieces[held] = <PyObject*>self.closing
        return held + 1

    cdef int _reserve_pieces(self, Py_ssize_t count) except -1:
        """Room for ``count`` texts of values."""
        if count <= self.pieces_capacity:
            return 0
        cdef PyObject** grown = <PyObject**>PyMem_Realloc(self.pieces,
                                                          count * sizeof(PyObject*))
        if grown is NULL:
            raise MemoryError()
        self.pieces = grown
        self.pieces_capacity = count
        return 0

    cdef object _value_text(self, object value):
        """The text of one value: kept, or written and kept."""
        cdef PyObject* address = <PyObject*>value
        cdef size_t slot = self._slot_of(address)
        if self.kept_values[slot] is not NULL:
            return <object>self.kept_texts[slot]
        text = None
        if Py_TYPE(address) is <PyTypeObject*>self.cls:
            text = self._members(address)
        if text is None:
            text = self.write(value)
            if type(text) is not str:
                return None
        if self.kept_count >= KEPT_SLOTS // 2:  # let all go, and keep again from this one
            self._let_go()
        # Looked for again: writing the value ran Python code, which may have kept others.
        slot = self._slot_of(address)
        if self.kept_values[slot] is NULL:
            Py_INCREF(value)
            Py_INCREF(text)
            self.kept_values[slot] = address
            self.kept_texts[slot] = <PyObject*>text
            self.kept_count += 1
        return text

    cdef inline size_t _slot_of(self, PyObject* address) noexcept:
        """Where the text of the value at ``address`` is kept, or the empty slot where it
        goes (the table is never more than half full)."""
        cdef size_t slot = <size_t>(((<uint64_t><size_t>address >> 4)
                                     * <uint64_t>0x9E3779B97F4A7C15) >> (64 - KEPT_BITS))
        while self.kept_values[slot] is not NULL and self.kept_values[slot] is not address:
            slot = (slot + 1) & (KEPT_SLOTS - 1)
        return slot

    cdef object _members(self, PyObject* value):
        """The text of a value of ``cls`` from its members, or None (a member not of its
        type, an enum's value not in its table): the widest character class of the parts it
        is made of found first (``PyUnicode_MAX_CHAR_VALUE`` of each ``str`` member and of
        each enum's text, without reading their characters; of the texts between them:
        ``fixed_width``), then the text written at that width, as ``RecordText`` writes a
        record (the class of the widest part is the class of the whole: escaping writes ASCII
        for ASCII and, with ``ensure_ascii``, for everything)."""
        cdef uint32_t width = self.fixed_width
        cdef Py_ssize_t index, length
        cdef PyObject* member
        cdef PyObject* found
        for index in range(self.count):
            member = _slot(value, self.offsets[index])
            if member is NULL:
                return None
            table = self.tables[index]
            if table is not None:
                found = _by_identity(<tuple>table, member)
                if found is NULL:
                    return None
                width = _widest(width, <object>found)
            elif not PyUnicode_CheckExact(member):
                return None
            elif not self.strings.ensure_ascii:  # else every character past ASCII escaped
                width = _widest(width, <object>member)
        if width <= 0xFF:
            length = self._fill(<ucs1>0, value)
        elif width <= 0xFFFF:
            length = self._fill(<ucs2>0, value)
        else:
            length = self._fill(<ucs4>0, value)
        if length == UNUSUAL:
            return None
        written = PyUnicode_New(length, width)
        memcpy(PyUnicode_DATA(written), self.buffer, length * PyUnicode_KIND(written))
        return written

    cdef Py_ssize_t _fill(self, out_t unused, PyObject* value) except -2:
        """The value's text written into the buffer as characters of ``out_t`` (each member
        looked at by ``_members`` first): its length, or ``UNUSUAL``."""
        cdef Py_ssize_t index, at = 0, end = 0, length
        cdef PyObject* member
        cdef PyObject* found
        cdef out_t* out
        cdef int kind
        at = self._put(unused, at, self.value_open)
        for index in range(self.count):
            at = self._put(unused, at, self.before[index])
            member = _slot(value, self.offsets[index])
            if member is NULL:
                return UNUSUAL
            table = self.tables[index]
            if table is not None:
                found = _by_identity(<tuple>table, member)
                if found is NULL:
                    return UNUSUAL
                at = self._put(unused, at, <object>found)
                continue
            if not PyUnicode_CheckExact(member):
                return UNUSUAL
            length = _raw_length(member)
            self._reserve(at + 2 + length * WIDEST_ASCII_ESCAPE, sizeof(out_t))
            out = <out_t*>self.buffer
            out[at] = <out_t>self.strings.quote_character
            at += 1
            kind = _raw_kind(member)
            if kind == 1:
                at = self.strings._escaped(out, at, <ucs1*>_raw_data(member), 0, length, False,
                                           &end)
            elif kind == 2:
                at = self.strings._escaped(out, at, <ucs2*>_raw_data(member), 0, length, False,
                                           &end)
            else:
                at = self.strings._escaped(out, at, <ucs4*>_raw_data(member), 0, length, False,
                                           &end)
            out[at] = <out_t>self.strings.quote_character
            at += 1
        return self._put(unused, at, self.value_close)

    cdef Py_ssize_t _put(self, out_t unused, Py_ssize_t at, object text) except -2:
        """A text of the writer's tables as it is, into the buffer (none wider than
        ``fixed_width``, which is at most the width written)."""
        if type(text) is not str:
            raise TypeError("a text of the writer's tables is str")
        self._reserve(at + PyUnicode_GET_LENGTH(text), sizeof(out_t))
        return at + _copy_text((<out_t*>self.buffer) + at, <PyObject*>text)

    cdef int _reserve(self, Py_ssize_t count, Py_ssize_t size) except -1:
        """Room in the buffer for ``count`` characters of ``size`` bytes."""
        count *= size
        if count <= self.capacity:
            return 0
        if count < 2 * self.capacity:
            count = 2 * self.capacity
        cdef char* grown = <char*>PyMem_Realloc(self.buffer, count)
        if grown is NULL:
            raise MemoryError()
        self.buffer = grown
        self.capacity = count
        return 0


cdef PyObject* _by_identity(tuple pairs, PyObject* key) noexcept:
    """The value paired with the object ``key`` itself in ``pairs`` (borrowed), or NULL."""
    cdef Py_ssize_t index
    cdef PyObject* pair
    for index in range(PyTuple_GET_SIZE(<PyObject*>pairs)):
        pair = PyTuple_GET_ITEM(<PyObject*>pairs, index)
        if PyTuple_GET_ITEM(pair, 0) is key:
            return PyTuple_GET_ITEM(pair, 1)
    return NULL


cdef Py_ssize_t _into(object written, Py_ssize_t at, object text) except -1:
    """``text`` copied into the new string ``written`` from ``at`` (as wide or wider)."""
    cdef int kind = PyUnicode_KIND(written)
    cdef void* data = PyUnicode_DATA(written)
    if kind == 1:
        return at + _copy_text((<ucs1*>data) + at, <PyObject*>text)
    if kind == 2:
        return at + _copy_text((<ucs2*>data) + at, <PyObject*>text)
    return at + _copy_text((<ucs4*>data) + at, <PyObject*>text)


cdef extern from "Python.h":
    uint32_t PyUnicode_READ(int kind, void* data, Py_ssize_t index)
    object PyUnicode_FromStringAndSize "PyUnicode_DecodeASCII"(
        const char* text, Py_ssize_t size, const char* errors)
    Py_ssize_t PyLong_AsSsize_t(object value) except? -1

#: What ``_number`` answers: a number read, none (the text is no OCLC number: certain), or
#: a text it leaves to the Python path (which alone says whether it is one).
cdef enum:
    NO_NUMBER = 0
    A_NUMBER = 1
    UNSURE = -1
    #: A place of more numbers than this, a side, is left to the Python path.
    PLACE_NUMBERS = 64
    #: The longest number's text the C path writes: ``(OCoLC)``, a prefix, 18 digits.
    NUMBER_TEXT = 28
    #: The most digits of a number the C path reads (``core.oclc._parse``'s fast path: 18).
    NUMBER_DIGITS = 18


#: The qualifier of an OCLC number, lower case (``(OCoLC)`` in any case is read as one).
cdef const char* _QUALIFIER = b"(ocolc)"

#: An index past this is left to the Python path (its digits are written here).
cdef Py_ssize_t _LARGEST_INDEX = 1 << 62


cdef struct _Found:
    # A number found: its value, where its text is (the field's text and the span of the value)
    int64_t value
    PyObject* text
    Py_ssize_t start
    Py_ssize_t end


cdef struct _Read:
    # What ``_number`` read from a value: the number's value and whether the text marks it as
    # OCLC's (the ``(OCoLC)`` qualifier or a prefix: ``OclcForm.is_marked``).
    int64_t value
    bint marked



cdef inline bint _at(int kind, void* data, Py_ssize_t at, Py_ssize_t end, const char* ascii,
                     Py_ssize_t length) noexcept:
    """Whether the characters at ``at`` are the ASCII ``ascii`` of ``length``, exactly."""
    cdef Py_ssize_t index
    if end - at < length:
        return False
    for index in range(length):
        if PyUnicode_READ(kind, data, at + index) != <uint32_t>ascii[index]:
            return False
    return True


cdef int _number(int kind, void* data, Py_ssize_t start, Py_ssize_t end, _Read* read) noexcept:
    """The OCLC number the text ``[start, end)`` writes, as ``core.oclc.parsed_or_none`` reads
    it, where that is certain here: ``A_NUMBER`` for a text of the form OCLC writes, with no
    blank at either end (``core.oclc._parse``'s fast path: ``(OCoLC)``, then ``ocm``, ``ocn``
    or ``on``, each optional, then 1 to 18 ASCII digits not all zeros; its text is then the
    number's ``literal``); ``NO_NUMBER`` for an empty text and for one that the pattern cannot
    match from its first character (another qualifier; an ASCII character that opens neither
    the qualifier, a prefix nor digits); else ``UNSURE``."""
    cdef Py_ssize_t at = start, digits, index
    cdef uint32_t first, last, character
    cdef int64_t value = 0
    cdef bint qualified = False, nonzero = False
    cdef Py_ssize_t prefix = 0
    if end == start:
        return NO_NUMBER
    first = PyUnicode_READ(kind, data, start)
    last = PyUnicode_READ(kind, data, end - 1)
    if first <= 0x20 or first >= 0x7F or last <= 0x20 or last >= 0x7F:
        return UNSURE  # blanks stripped, or any character past ASCII: the Python path
    if _at(kind, data, at, end, b"(OCoLC)", 7):
        qualified = True
        at += 7
    if _at(kind, data, at, end, b"ocm", 3) or _at(kind, data, at, end, b"ocn", 3):
        prefix = 3
    elif _at(kind, data, at, end, b"on", 2):
        prefix = 2
    at += prefix
    digits = end - at
    if 0 < digits <= NUMBER_DIGITS:
        for index in range(at, end):
            character = PyUnicode_READ(kind, data, index)
            if character < 0x30 or character > 0x39:
                break
            value = value * 10 + (character - 0x30)
            nonzero = nonzero or character != 0x30
        else:
            if nonzero:
                read.value = value
                read.marked = qualified or prefix != 0
                return A_NUMBER
    if first == 0x28:  # "(": only the qualifier opens so, "(ocolc)" in any case
        for index in range(1, 7):
            if start + index >= end:
                return NO_NUMBER
            character = PyUnicode_READ(kind, data, start + index)
            if character >= 0x80:
                return UNSURE
            if character < 0x80 and 0x41 <= character <= 0x5A:
                character += 0x20
            if character != <uint32_t>_QUALIFIER[index]:
                return NO_NUMBER
        return UNSURE
    if first == 0x4F or first == 0x6F or 0x30 <= first <= 0x39:  # "O", "o", a digit
        return UNSURE
    return NO_NUMBER


cdef int _identifier_is_oclc(object text) noexcept:
    """Whether a 003 value, its blanks removed and in lower case, is ``ocolc``: 1 or 0; -1 for
    a value with a character past ASCII (the Python path)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t index, seen = 0
    cdef uint32_t character
    for index in range(PyUnicode_GET_LENGTH(text)):
        character = PyUnicode_READ(kind, data, index)
        if character >= 0x80:
            return -1
        if character == 0x20:
            continue
        if 0x41 <= character <= 0x5A:
            character += 0x20
        if seen >= 5 or character != <uint32_t>_QUALIFIER[seen + 1]:
            return 0
        seen += 1
    return seen == 5


@cython.final
cdef class PlaceText:
    """The members of a decided record's place as JSON text (``index``, then the active and
    the cancelled OCLC numbers the record carries): the compiled twin of what a ``JsonWriter``
    writes for ``envelope.Place.of(index, record)`` without the braces.

    The numbers are those ``core.identifiers.extract_oclc_numbers`` finds (001 under an 003
    ``OCoLC``, then each 035 $a and $z marked as OCLC's and each 019 $a, in record order; each
    value once, a cancelled one not also active), each written as its text, which is the
    number's ``literal`` for a text of the form OCLC writes. A record with any text this path is
    not sure of (``_number``), a field of another class, a member not ``str``, or more than
    ``PLACE_NUMBERS`` numbers a side is left to the Python path: ``text`` answers None.
    """

    cdef object bib_class, control_class, data_class
    cdef Py_ssize_t fields, control_tag, control_value, data_tag, subfields
    cdef bytes before_index, before_active, before_cancelled, closing, opening, separator
    cdef bytes list_close, quote
    cdef _Found active[PLACE_NUMBERS]
    cdef _Found cancelled[PLACE_NUMBERS]
    cdef char* buffer
    cdef Py_ssize_t capacity

    def __cinit__(self):
        self.buffer = NULL
        self.capacity = 0

    def __init__(self, *, slots, before_index, before_active, before_cancelled, closing,
                 opening, separator, list_close, quote):
        fields, control_tag, control_value, data_tag, subfields = slots
        self.bib_class = fields.__objclass__
        self.control_class = control_tag.__objclass__
        self.data_class = data_tag.__objclass__
        self.fields = member_offset(fields, self.bib_class)
        self.control_tag = member_offset(control_tag, self.control_class)
        self.control_value = member_offset(control_value, self.control_class)
        self.data_tag = member_offset(data_tag, self.data_class)
        self.subfields = member_offset(subfields, self.data_class)
        texts = (before_index, before_active, before_cancelled, closing, opening, separator,
                 list_close, quote)
        if not all(type(text) is str and text.isascii() for text in texts) or len(quote) != 1:
            raise TypeError("the texts of a place are ASCII str, the quote one character")
        (self.before_index, self.before_active, self.before_cancelled, self.closing,
         self.opening, self.separator, self.list_close, self.quote) = (
            text.encode("ascii") for text in texts)

    def __dealloc__(self):
        PyMem_Free(self.buffer)

    def text(self, index, bib):
        """The place's members as JSON text, or None for a record the Python path writes."""
        if type(index) is not int or not 0 <= index < _LARGEST_INDEX:
            return None
        cdef PyObject* record = <PyObject*>bib
        if Py_TYPE(record) is not <PyTypeObject*>self.bib_class:
            return None
        cdef PyObject* held = _slot(record, self.fields)
        if held is NULL or not PyTuple_CheckExact(held):
            return None
        fields = <tuple>held  # held here while read
        cdef Py_ssize_t active = 0, cancelled = 0, at, count = len(fields)
        cdef PyObject* identifier = NULL
        cdef PyObject* control = NULL
        cdef PyObject* one
        cdef PyObject* tag
        cdef PyObject* value
        cdef int found
        cdef _Read read
        for at in range(count):  # the first 003 and the first 001
            one = PyTuple_GET_ITEM(held, at)
            if Py_TYPE(one) is <PyTypeObject*>self.control_class:
                tag = _text_slot(one, self.control_tag)
                value = _text_slot(one, self.control_value)
                if tag is NULL or value is NULL:
                    return None
                if identifier is NULL and _is_tag(tag, b"003"):
                    identifier = value
                elif control is NULL and _is_tag(tag, b"001"):
                    control = value
            elif Py_TYPE(one) is not <PyTypeObject*>self.data_class:
                return None
        if identifier is not NULL and control is not NULL:
            found = _identifier_is_oclc(<object>identifier)
            if found < 0:
                return None
            if found:
                found = _number(_raw_kind(control), _raw_data(control), 0,
                                _raw_length(control), &read)
                if found == UNSURE:
                    return None
                if found == A_NUMBER:
                    active = self._keep(self.active, active, read.value, control, 0,
                                        _raw_length(control))
        for at in range(count):  # 035 $a and $z, 019 $a, in record order
            one = PyTuple_GET_ITEM(held, at)
            if Py_TYPE(one) is not <PyTypeObject*>self.data_class:
                continue
            tag = _text_slot(one, self.data_tag)
            if tag is NULL:
                return None
            if _is_tag(tag, b"035"):
                if not self._field(one, &active, &cancelled, False):
                    return None
            elif _is_tag(tag, b"019"):
                if not self._field(one, &active, &cancelled, True):
                    return None
        return self._written(PyLong_AsSsize_t(index), active, cancelled)

    cdef bint _field(self, PyObject* one, Py_ssize_t* active, Py_ssize_t* cancelled,
                     bint is_019) noexcept:
        """The numbers of one 035 or 019 field added to the sides; False for a field the
        Python path reads (its subfields not a text, a text not of ``DataField``'s form, a text
        not certain, more numbers than kept)."""
        cdef PyObject* text = _text_slot(one, self.subfields)
        if text is NULL:
            return False
        cdef int kind = _raw_kind(text)
        cdef void* data = _raw_data(text)
        cdef Py_ssize_t length = _raw_length(text), index = 0, end
        cdef uint32_t code
        cdef int found
        cdef _Read read
        if length == 0 or PyUnicode_READ(kind, data, 0) != DELIMITER:
            return False
        while index < length:
            if index + 1 == length:
                return False
            code = PyUnicode_READ(kind, data, index + 1)
            if code == DELIMITER:
                return False
            end = index + 2
            while end < length and PyUnicode_READ(kind, data, end) != DELIMITER:
                end += 1
            if code == 0x61 or (code == 0x7A and not is_019):  # $a; $z of an 035
                found = _number(kind, data, index + 2, end, &read)
                if found == UNSURE:
                    return False
                if found == A_NUMBER and (is_019 or read.marked):
                    if code == 0x61 and not is_019:
                        active[0] = self._keep(self.active, active[0], read.value, text,
                                               index + 2, end)
                    else:
                        cancelled[0] = self._keep(self.cancelled, cancelled[0], read.value,
                                                  text, index + 2, end)
                    if active[0] < 0 or cancelled[0] < 0:
                        return False
            index = end
        return True

    cdef Py_ssize_t _keep(self, _Found* side, Py_ssize_t count, int64_t value, PyObject* text,
                          Py_ssize_t start, Py_ssize_t end) noexcept:
        """A number added to a side (its count after), unless its value is there already;
        -1 past ``PLACE_NUMBERS``."""
        cdef Py_ssize_t index
        if count < 0:
            return -1
        for index in range(count):
            if side[index].value == value:
                return count
        if count >= PLACE_NUMBERS:
            return -1
        side[count].value = value
        side[count].text = text
        side[count].start = start
        side[count].end = end
        return count + 1

    cdef object _written(self, Py_ssize_t index, Py_ssize_t active, Py_ssize_t cancelled):
        """The members' text: the index, the active numbers, the cancelled numbers whose value
        is not also active."""
        cdef Py_ssize_t at = 0, number, other, written = 0
        cdef bint shown
        cdef char digits[24]
        cdef Py_ssize_t width = 0
        self._reserve(24 + self._fixed_length() + (active + cancelled) * (
            NUMBER_TEXT + 2 * len(self.quote) + len(self.separator)))
        at = self._put(at, self.before_index)
        if index == 0:
            digits[0] = 0x30
            width = 1
        while index > 0:
            digits[width] = <char>(0x30 + index % 10)
            index //= 10
            width += 1
        for number in range(width):
            self.buffer[at + number] = digits[width - 1 - number]
        at += width
        at = self._put(at, self.before_active)
        at = self._put(at, self.opening)
        for number in range(active):
            if number:
                at = self._put(at, self.separator)
            at = self._put_number(at, &self.active[number])
        at = self._put(at, self.list_close)
        at = self._put(at, self.before_cancelled)
        at = self._put(at, self.opening)
        for number in range(cancelled):
            shown = True
            for other in range(active):
                if self.active[other].value == self.cancelled[number].value:
                    shown = False
                    break
            if not shown:
                continue
            if written:
                at = self._put(at, self.separator)
            at = self._put_number(at, &self.cancelled[number])
            written += 1
        at = self._put(at, self.list_close)
        at = self._put(at, self.closing)
        text = PyUnicode_New(at, 0x7F)  # ASCII: copied, not decoded
        memcpy(PyUnicode_DATA(text), self.buffer, at)
        return text

    cdef Py_ssize_t _fixed_length(self) noexcept:
        return (len(self.before_index) + len(self.before_active) + len(self.before_cancelled)
                + len(self.closing) + 2 * (len(self.opening) + len(self.list_close)))

    cdef Py_ssize_t _put(self, Py_ssize_t at, bytes text) noexcept:
        cdef Py_ssize_t length = len(text)
        memcpy(self.buffer + at, <const char*>text, length)
        return at + length

    cdef Py_ssize_t _put_number(self, Py_ssize_t at, _Found* found) noexcept:
        """A number's text, quoted: its characters are ASCII (``_number``)."""
        cdef int kind = _raw_kind(found.text)
        cdef void* data = _raw_data(found.text)
        cdef Py_ssize_t index
        at = self._put(at, self.quote)
        for index in range(found.start, found.end):
            self.buffer[at] = <char>PyUnicode_READ(kind, data, index)
            at += 1
        return self._put(at, self.quote)

    cdef int _reserve(self, Py_ssize_t size) except -1:
        cdef char* grown
        if size <= self.capacity:
            return 0
        grown = <char*>PyMem_Realloc(self.buffer, size)
        if grown is NULL:
            raise MemoryError()
        self.buffer = grown
        self.capacity = size
        return 0


cdef inline bint _is_tag(PyObject* tag, const char* expected) noexcept:
    """Whether a tag (a ``str``) is the three ASCII characters ``expected``."""
    if _raw_length(tag) != 3:
        return False
    cdef int kind = _raw_kind(tag)
    cdef void* data = _raw_data(tag)
    return (PyUnicode_READ(kind, data, 0) == <uint32_t>expected[0]
            and PyUnicode_READ(kind, data, 1) == <uint32_t>expected[1]
            and PyUnicode_READ(kind, data, 2) == <uint32_t>expected[2])



cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)
    object PyBytes_FromStringAndSize(const char* text, Py_ssize_t size)
    char* PyBytes_AS_STRING(object value)
    int _PyBytes_Resize(PyObject** value, Py_ssize_t size) except -1
    PyObject* _new_bytes "PyBytes_FromStringAndSize"(const char* text, Py_ssize_t size)
    char* _raw_bytes "PyBytes_AS_STRING"(PyObject* value)
    bint _raw_is_ascii "PyUnicode_IS_ASCII"(PyObject* text)

cdef extern from *:
    """
    /* The items of a tuple, in place (borrowed). */
    #define almamatch_tuple_items(value) (((PyTupleObject*)(value))->ob_item)
    """
    PyObject** _tuple_items "almamatch_tuple_items"(PyObject* value)

#: The high bit of each byte of a word: eight ASCII characters of one byte have none; and the
#: bits past ASCII of each of four characters of two bytes.
cdef uint64_t _HIGH_BYTES = 0x8080808080808080ULL
cdef uint64_t _HIGH_PAIRS = 0xFF80FF80FF80FF80ULL


def utf8_line(text):
    """``(text + "\\n").encode("utf-8")``: a line's bytes, for a ``str`` that holds no
    surrogate (which UTF-8 cannot encode strictly); None for anything else, which the caller
    encodes in Python. Runs of ASCII are copied a word at a time."""
    if type(text) is not str:
        return None
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(text), at
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    if PyUnicode_IS_ASCII(text):
        ascii = PyBytes_FromStringAndSize(NULL, length + 1)
        memcpy(PyBytes_AS_STRING(ascii), data, length)
        PyBytes_AS_STRING(ascii)[length] = 0x0A
        return ascii
    # Room for the widest encoding of each character, then cut to what was written (the
    # bytes held by this reference alone until then, as ``_PyBytes_Resize`` needs).
    cdef PyObject* line = _new_bytes(NULL, length * (kind + 1) + 1)
    if line is NULL:
        raise MemoryError()
    cdef uint8_t* out = <uint8_t*>_raw_bytes(line)
    if kind == 1:
        at = _utf8_narrow(<const ucs1*>data, length, out)
    elif kind == 2:
        at = _utf8_pairs(<const ucs2*>data, length, out)
    else:
        at = _utf8_wide(<const ucs4*>data, length, out)
    if at < 0:
        Py_XDECREF(line)
        return None
    out[at] = 0x0A
    _PyBytes_Resize(&line, at + 1)  # on failure it frees the bytes and raises
    result = <object>line
    Py_XDECREF(line)
    return result


def utf8_join(parts):
    """``("".join(parts) + "\\n").encode("utf-8")``: a line's bytes from its parts, none
    joined first, for a tuple of ``str`` none of which holds a surrogate; None for anything
    else, which the caller joins and encodes in Python. An ASCII part is copied as it is, any
    other encoded as ``utf8_line`` encodes a line."""
    if type(parts) is not tuple:
        return None
    cdef PyObject* held = <PyObject*>parts
    return _utf8_parts(_tuple_items(held), PyTuple_GET_SIZE(held))


cdef object _utf8_parts(PyObject** parts, Py_ssize_t count):
    """``utf8_join`` of the ``count`` objects at ``parts`` (borrowed)."""
    cdef Py_ssize_t index, length, at = 0, size = 1
    cdef PyObject* part
    for index in range(count):  # the most bytes the parts may take
        part = parts[index]
        if not PyUnicode_CheckExact(part):
            return None
        length = _raw_length(part)
        size += length if _raw_is_ascii(part) else length * (_raw_kind(part) + 1)
    cdef PyObject* line = _new_bytes(NULL, size)
    if line is NULL:
        raise MemoryError()
    cdef uint8_t* out = <uint8_t*>_raw_bytes(line)
    cdef Py_ssize_t written
    cdef int kind
    for index in range(count):
        part = parts[index]
        length = _raw_length(part)
        kind = _raw_kind(part)
        if _raw_is_ascii(part):
            if length <= 16:
                _short_copy(<char*>(out + at), <const char*>_raw_data(part), length)
            else:
                memcpy(out + at, _raw_data(part), length)
            written = length
        elif kind == 1:
            written = _utf8_narrow(<const ucs1*>_raw_data(part), length, out + at)
        elif kind == 2:
            written = _utf8_pairs(<const ucs2*>_raw_data(part), length, out + at)
        else:
            written = _utf8_wide(<const ucs4*>_raw_data(part), length, out + at)
        if written < 0:
            Py_XDECREF(line)
            return None
        at += written
    out[at] = 0x0A
    if at + 1 != size:
        _PyBytes_Resize(&line, at + 1)  # on failure it frees the bytes and raises
    result = <object>line
    Py_XDECREF(line)
    return result


cdef inline Py_ssize_t _utf8_character(uint32_t character, uint8_t* out,
                                       Py_ssize_t at) noexcept:
    """One character's UTF-8 bytes written at ``at``: where the next go; -1 for a surrogate."""
    if character < 0x80:
        out[at] = <uint8_t>character
        return at + 1
    if character < 0x800:
        out[at] = <uint8_t>(0xC0 | (character >> 6))
        out[at + 1] = <uint8_t>(0x80 | (character & 0x3F))
        return at + 2
    if 0xD800 <= character <= 0xDFFF:
        return -1
    if character < 0x10000:
        out[at] = <uint8_t>(0xE0 | (character >> 12))
        out[at + 1] = <uint8_t>(0x80 | ((character >> 6) & 0x3F))
        out[at + 2] = <uint8_t>(0x80 | (character & 0x3F))
        return at + 3
    out[at] = <uint8_t>(0xF0 | (character >> 18))
    out[at + 1] = <uint8_t>(0x80 | ((character >> 12) & 0x3F))
    out[at + 2] = <uint8_t>(0x80 | ((character >> 6) & 0x3F))
    out[at + 3] = <uint8_t>(0x80 | (character & 0x3F))
    return at + 4


cdef Py_ssize_t _utf8_narrow(const ucs1* text, Py_ssize_t length, uint8_t* out) noexcept:
    """Characters of one byte: 32 ASCII ones copied at once, else eight."""
    cdef Py_ssize_t index = 0, at = 0, step
    cdef uint64_t word, second, third, fourth
    while index + 8 <= length:
        if index + 32 <= length:
            memcpy(&word, text + index, 8)
            memcpy(&second, text + index + 8, 8)
            memcpy(&third, text + index + 16, 8)
            memcpy(&fourth, text + index + 24, 8)
            if (word | second | third | fourth) & _HIGH_BYTES == 0:
                memcpy(out + at, text + index, 32)
                at += 32
                index += 32
                continue
        memcpy(&word, text + index, 8)
        if word & _HIGH_BYTES == 0:
            memcpy(out + at, &word, 8)
            at += 8
        else:
            for step in range(8):
                at = _utf8_character(text[index + step], out, at)
        index += 8
    while index < length:
        at = _utf8_character(text[index], out, at)
        index += 1
    return at


cdef Py_ssize_t _utf8_pairs(const ucs2* text, Py_ssize_t length, uint8_t* out) noexcept:
    """Characters of two bytes: eight ASCII ones written at once, else four; -1 at a
    surrogate."""
    cdef Py_ssize_t index = 0, at = 0, step
    cdef uint64_t word, second
    while index + 4 <= length:
        if index + 16 <= length:  # sixteen ASCII ones at once where it can
            step = _ascii_pairs(text + index, length - index, out + at)
            if step:
                index += step
                at += step
                continue
        if index + 8 <= length:
            memcpy(&word, text + index, 8)
            memcpy(&second, text + index + 4, 8)
            if (word | second) & _HIGH_PAIRS == 0:
                for step in range(8):
                    out[at + step] = <uint8_t>text[index + step]
                at += 8
                index += 8
                continue
        memcpy(&word, text + index, 8)
        if word & _HIGH_PAIRS == 0:
            for step in range(4):
                out[at + step] = <uint8_t>text[index + step]
            at += 4
        else:
            for step in range(4):
                at = _utf8_character(text[index + step], out, at)
                if at < 0:
                    return -1
        index += 4
    while index < length:
        at = _utf8_character(text[index], out, at)
        if at < 0:
            return -1
        index += 1
    return at


cdef Py_ssize_t _utf8_wide(const ucs4* text, Py_ssize_t length, uint8_t* out) noexcept:
    """Characters of four bytes, one at a time; -1 at a surrogate."""
    cdef Py_ssize_t index, at = 0
    for index in range(length):
        at = _utf8_character(text[index], out, at)
        if at < 0:
            return -1
    return at


cdef extern from "Python.h":
    PyObject* PyObject_CallOneArg(PyObject* function, PyObject* argument) except NULL

#: How a member of a ``LineText`` is written, each kind with its Python writer (``pure``) for a
#: value its compiled writer leaves (answers None for).
cdef enum:
    #: A ``str``, as the string encoder writes it (``RecordText.string``).
    MEMBER_STRING = 0
    #: A record (``RecordText.text``).
    MEMBER_RECORD = 1
    #: A tuple of recurring values (``RecurringText.text``).
    MEMBER_RECURRING = 2
    #: The ``str`` a hook gives (``HOOK_SCHEMAS``), as the string encoder writes it.
    MEMBER_HOOK = 3
    #: By the Python writer alone.
    MEMBER_PURE = 4
    #: The most pieces a line is written from: a text before ``before``, before each member,
    #: after the last, each member's (at most three, or a tuple's: two a value and two).
    MOST_PIECES = 256


cdef inline Py_ssize_t _put_piece(PyObject** pieces, Py_ssize_t held, object text) noexcept:
    """``text`` put in ``pieces`` at ``held`` (a reference): the count held after."""
    Py_INCREF(text)
    pieces[held] = <PyObject*>text
    return held + 1


@cython.final
cdef class LineText:
    """Writes the line of a decision of one class as UTF-8 bytes, at once: the compiled twin of
    ``JsonWriter.members_after_parts`` with its pieces joined, a newline after them, encoded
    (``utf8_join``).

    Given the constant texts the generated writer writes between its pieces (``texts``: the
    one before ``before``, the one before each member, the one after the last) and each
    member: where it is read (a slot descriptor, read at its offset; a property, whose getter is
    called), whether None is written ``null``, its kind (``MEMBER_*``), the compiled writer or
    hook of that kind, and its Python writer (``JsonWriter.writer`` of its type hint), which
    writes any value the compiled one leaves. ``line`` answers None for a value of another
    class, a ``before`` that is not a ``str``, a member that is not set, a piece that is not a
    ``str``, a line holding a surrogate: the caller writes that line in Python."""

    cdef RecordText strings
    cdef object cls
    cdef tuple texts, getters, writers, pures
    cdef Py_ssize_t count
    cdef Py_ssize_t* offsets
    cdef uint8_t* kinds
    cdef uint8_t* optional
    cdef object null

    def __cinit__(self):
        self.offsets = NULL
        self.kinds = NULL
        self.optional = NULL

    def __init__(self, *, strings, cls, texts, members, null):
        self.strings = strings
        self.cls = cls
        if type(null) is not str or type(texts) is not tuple or type(members) is not tuple:
            raise TypeError("null is str, texts and members tuples")
        if len(texts) != len(members) + 2 or not all(type(text) is str for text in texts):
            raise TypeError("a text before before, before each member and after the last")
        self.null, self.texts = null, texts
        self.count = len(members)
        self.offsets = <Py_ssize_t*>PyMem_Malloc(max(self.count, 1) * sizeof(Py_ssize_t))
        self.kinds = <uint8_t*>PyMem_Malloc(max(self.count, 1))
        self.optional = <uint8_t*>PyMem_Malloc(max(self.count, 1))
        if 4 * self.count + 3 > MOST_PIECES:
            raise ValueError(f"at most {(MOST_PIECES - 3) // 4} members")
        if self.offsets is NULL or self.kinds is NULL or self.optional is NULL:
            raise MemoryError()
        getters, writers, pures = [], [], []
        cdef Py_ssize_t index
        for index, (source, optional, kind, writer, pure) in enumerate(members):
            if not MEMBER_STRING <= kind <= MEMBER_PURE or not callable(pure):
                raise TypeError(f"a member's kind and Python writer: {kind!r}, {pure!r}")
            if kind == MEMBER_RECURRING and type(writer) is not RecurringText:
                raise TypeError("a tuple of recurring values is written by a RecurringText")
            if kind == MEMBER_HOOK and not callable(writer):
                raise TypeError("a hook is callable")
            if type(source) is property:
                getters.append(source.fget)
                self.offsets[index] = -1
            else:
                getters.append(None)
                self.offsets[index] = member_offset(source, source.__objclass__)
                if not issubclass(cls, source.__objclass__):
                    raise TypeError(f"not a slot of {cls!r}: {source!r}")
            self.kinds[index] = kind
            self.optional[index] = bool(optional)
            writers.append(writer)
            pures.append(pure)
        self.getters, self.writers, self.pures = tuple(getters), tuple(writers), tuple(pures)

    def __dealloc__(self):
        PyMem_Free(self.offsets)
        PyMem_Free(self.kinds)
        PyMem_Free(self.optional)

    def line(self, before, value):
        """``("".join(members_after_parts(cls)(before, value)) + "\\n").encode("utf-8")``,
        or None for a line the caller writes in Python."""
        return self._line(before, value)

    cdef object _line(self, object before, object value):
        """``line``, from C."""
        if type(before) is not str or Py_TYPE(<PyObject*>value) is not <PyTypeObject*>self.cls:
            return None
        cdef Py_ssize_t index, held = 2
        # Each piece a reference held here (the texts too, for one way of letting go), on the
        # stack: a member's Python code may write another line meanwhile.
        cdef PyObject* pieces[MOST_PIECES]
        Py_INCREF(self.texts[0])
        pieces[0] = <PyObject*>self.texts[0]
        Py_INCREF(before)
        pieces[1] = <PyObject*>before
        try:
            for index in range(self.count):
                Py_INCREF(self.texts[index + 1])
                pieces[held] = <PyObject*>self.texts[index + 1]
                held += 1
                # Room for each member after this one (at most three pieces) and the end.
                held = self._member(index, value, pieces, held,
                                    MOST_PIECES - 4 * (self.count - index) - 1)
                if held < 0:
                    return None
            Py_INCREF(self.texts[self.count + 1])
            pieces[held] = <PyObject*>self.texts[self.count + 1]
            held += 1
            return _utf8_parts(pieces, held)
        finally:
            for index in range(held):
                Py_XDECREF(pieces[index])

    cdef Py_ssize_t _member(self, Py_ssize_t index, object value, PyObject** pieces,
                            Py_ssize_t held, Py_ssize_t room) except -2:
        """The pieces of member ``index`` of ``value`` put in ``pieces`` from ``held``, each a
        reference, up to ``room``: the count held after; -1 (none put, and those held let go)
        for a line written in Python."""
        cdef PyObject* found
        cdef Py_ssize_t added
        if self.offsets[index] < 0:
            member = (<object>PyTuple_GET_ITEM(<PyObject*>self.getters, index))(value)
        else:
            found = _slot(<PyObject*>value, self.offsets[index])
            if found is NULL:
                return self._let_go(pieces, held)
            member = <object>found
        if member is None and self.optional[index]:
            return _put_piece(pieces, held, self.null)
        cdef int kind = self.kinds[index]
        text = None
        if kind == MEMBER_STRING:
            if self._bare(<PyObject*>member):  # between quotes, as the string encoder writes it
                held = _put_piece(pieces, held, self.strings.quote)
                held = _put_piece(pieces, held, member)
                return _put_piece(pieces, held, self.strings.quote)
            text = self.strings._string(member)
        elif kind == MEMBER_RECORD:
            text = self.strings._text(member)
        elif kind == MEMBER_RECURRING:
            added = (<RecurringText>self.writers[index])._pieces(
                member, pieces + held, room - held)
            if added >= 0:
                return held + added
            text = (<RecurringText>self.writers[index])._text(member)
        elif kind == MEMBER_HOOK:
            hooked = (<object>PyTuple_GET_ITEM(<PyObject*>self.writers, index))(member)
            text = self.strings._string(hooked)
        if text is None:
            text = (<object>PyTuple_GET_ITEM(<PyObject*>self.pures, index))(member)
        if type(text) is not str:
            return self._let_go(pieces, held)
        return _put_piece(pieces, held, text)

    cdef Py_ssize_t _let_go(self, PyObject** pieces, Py_ssize_t held) noexcept:
        """Every piece held let go: -1."""
        cdef Py_ssize_t index
        for index in range(held):
            Py_XDECREF(pieces[index])
            pieces[index] = NULL
        return -1

    cdef bint _bare(self, PyObject* text) noexcept:
        """Whether the string encoder writes ``text`` as it is, between quotes: a ``str`` of
        one byte a character, each character one ``RecordText`` writes as it is (no copy
        made: the line is written from it)."""
        if not PyUnicode_CheckExact(text) or _raw_kind(text) != 1:
            return False
        cdef const ucs1* characters = <const ucs1*>_raw_data(text)
        cdef Py_ssize_t index
        cdef uint8_t* plain = self.strings.plain
        for index in range(_raw_length(text)):
            if not plain[characters[index]]:
                return False
        return True


@cython.final
cdef class LinesText:
    """Writes each decided record's line as UTF-8 bytes in one call (``LineWriter.encoded``):
    its place's text (``place``: ``PlaceText.text``), then the line of its decision's class
    (``LineText.line``; the ``LineText`` of a class made by ``make`` when a line of that class
    first needs one, or None where there is none). ``line`` answers None where either does, and
    for a record without a decision: the caller writes that line in Python."""

    cdef object place, make
    cdef dict lines

    def __init__(self, *, place, make):
        if not callable(place) or not callable(make):
            raise TypeError("place and make are callable")
        self.place, self.make, self.lines = place, make, {}

    def line(self, index, item, decision):
        """The line's bytes, or None for a line the caller writes in Python."""
        if decision is None:
            return None
        cdef object cls = <object>Py_TYPE(<PyObject*>decision)
        cdef PyObject* found = PyDict_GetItem(self.lines, cls)
        if found is NULL:
            made = self.make(cls)
            if made is not None and type(made) is not LineText:
                raise TypeError("make answers a LineText or None")
            self.lines[cls] = made
            found = <PyObject*>made  # held by the table
        if <object>found is None:
            return None
        place = self.place(index, item)
        if place is None:
            return None
        return (<LineText>found)._line(place, decision)
