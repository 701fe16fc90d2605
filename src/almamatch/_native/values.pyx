# cython: language_level=3
"""The twin of ``core.decision``'s makers (``make_step``, ``make_add``, ``make_merge``,
``latest_transaction``, and ``core.facts.checked_facts`` for the zone's apply): each value ``decide()`` builds for every record, made as ``core.slots``
makes it (``slots.pxd``: allocated as ``object.__new__`` allocates it, each slot set where its
descriptor would set it), from C; of ``core.merge``'s loops (``selected_known``,
``kept_known``, ``in_tag_order``, and ``core.record.checked_bib``: ``MergeLoops``), each field's
tag read from its slot; and of
stage 4's ``core.normalization.tag_line``, ``tag_order_position``, ``read_035s`` and
``saved_bib`` (and ``saved_035s``, the save rule's one walk of them all) and
``core.oclc.parsed_or_none`` and ``saved_number`` (``Makers.tags``, ``Makers.place``,
``Makers.read_035s``, ``Makers.saved_bib``, ``Makers.saved_035s``, ``Makers.parse``,
``Makers.saved_number``) and of stage 5's ``core.oclc.literals``
(``Makers.literals``), each for its common case, the rest left to the pure function.

``core`` never imports this module: a caller deciding many records hands these makers to its
``DecisionCache`` (``almamatch.values.decision_makers``); tests/property/test_value_makers.py holds
each equal to its pure twin, tests/property/test_merge_loops.py the loops and
tests/property/test_stage4_twins.py the tag line and the parse.
"""

from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF
from libc.stdint cimport uint64_t
from libc.stdlib cimport free, malloc, qsort

from almamatch._native.marc cimport RecordLayout, record_layout
from almamatch._native.facts cimport FactsLayout, facts_layout, make_facts, make_timestamp
from almamatch._native.slots cimport member_offset, new_empty, put, slot_offset

from almamatch.core import merge as _merge
from almamatch.core import oclc as _oclc
from almamatch.core.normalization import tag_line as _pure_tag_line
from almamatch.core.normalization import tag_order_position as _pure_tag_order_position
from almamatch.core.normalization import read_035s as _pure_read_035s
from almamatch.core.normalization import saved_bib as _pure_saved_bib
from almamatch.core.decision import Add, Merge, Step

cdef extern from "Python.h":
    bint PyUnicode_Check(PyObject* value)
    bint PyUnicode_CheckExact(PyObject* value)
    bint PyTuple_CheckExact(PyObject* value)
    Py_ssize_t PyTuple_GET_SIZE(PyObject* value)
    PyObject* PyTuple_GET_ITEM(PyObject* value, Py_ssize_t index)
    PyTypeObject* Py_TYPE(PyObject* value)
    Py_ssize_t PyUnicode_GET_LENGTH(PyObject* text)
    bint PyUnicode_IS_ASCII(PyObject* text)
    void* PyUnicode_DATA(PyObject* text)
    int PyUnicode_CompareWithASCIIString(PyObject* text, const char* ascii)
    object PyUnicode_Substring(object text, Py_ssize_t start, Py_ssize_t end)
    bint PyList_CheckExact(PyObject* value)
    Py_ssize_t PyList_GET_SIZE(PyObject* value)
    PyObject* PyList_GET_ITEM(PyObject* value, Py_ssize_t index)
    void PyList_SET_ITEM(PyObject* value, Py_ssize_t index, PyObject* item)
    PyObject* PyDict_GetItemWithError(object mapping, object key) except? NULL
    bint PyMethod_Check(PyObject* value)
    PyObject* PyMethod_GET_FUNCTION(PyObject* method)
    PyObject* PyMethod_GET_SELF(PyObject* method)
    int PyUnicode_Contains(object text, object part) except -1
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    void* _new_data "PyUnicode_DATA"(object text)
    object PyLong_FromLongLong(long long value)
    bint PyLong_CheckExact(PyObject* value)
    PyObject* Py_True
    object PyTuple_New(Py_ssize_t size)
    void _tuple_set "PyTuple_SET_ITEM"(object values, Py_ssize_t index, PyObject* item)
    Py_UCS4 PyUnicode_READ_CHAR(PyObject* text, Py_ssize_t index)
    Py_ssize_t PyUnicode_FindChar(PyObject* text, Py_UCS4 character, Py_ssize_t start,
                                  Py_ssize_t end, int direction) except -2
    object PyTuple_Pack(Py_ssize_t count, ...)
    int PyDict_CheckExact(PyObject* value)
    PyObject* PyDict_SetDefault(object mapping, object key, object default) except NULL
    int PyList_Append(object values, object item) except -1
    PyObject* Py_False
    long long PyLong_AsLongLongAndOverflow(PyObject* value, int* overflow) except? -1
    object PyList_New(Py_ssize_t size)
    void _list_set "PyList_SET_ITEM"(object values, Py_ssize_t index, object item)

cdef RecordLayout _RECORD = record_layout()  # ``marc.pxd``

cdef PyTypeObject* _STEP = <PyTypeObject*>Step
cdef Py_ssize_t _STEP_STAGE = slot_offset(Step, "stage")
cdef Py_ssize_t _STEP_VERDICT = slot_offset(Step, "verdict")
cdef Py_ssize_t _STEP_DETAIL = slot_offset(Step, "detail")
cdef PyTypeObject* _ADD = <PyTypeObject*>Add
cdef Py_ssize_t _ADD_MMS_ID = slot_offset(Add, "mms_id")
cdef Py_ssize_t _ADD_RECORD = slot_offset(Add, "record")
cdef Py_ssize_t _ADD_TRACE = slot_offset(Add, "trace")
cdef Py_ssize_t _ADD_VERSION = slot_offset(Add, "originating_version")
cdef PyTypeObject* _MERGE = <PyTypeObject*>Merge
cdef Py_ssize_t _MERGE_MMS_ID = slot_offset(Merge, "mms_id")
cdef Py_ssize_t _MERGE_RECORD = slot_offset(Merge, "record")
cdef Py_ssize_t _MERGE_METHOD = slot_offset(Merge, "merge_method")
cdef Py_ssize_t _MERGE_TRACE = slot_offset(Merge, "trace")
cdef Py_ssize_t _MERGE_VERSION = slot_offset(Merge, "originating_version")
cdef FactsLayout _FACTS = facts_layout()  # ``facts.pxd``


def checked_bib(leader, fields):
    """``core.record.checked_bib(leader, fields)``: ``Bib(leader=leader, fields=fields)`` of a
    leader and fields checked already (``MergeLoops.bib``: a merge's record)."""
    bib = new_empty(_RECORD.bib)
    put(bib, _RECORD.bib_leader, leader)
    put(bib, _RECORD.bib_fields, fields)
    return bib


def make_step(stage, verdict, detail):
    """``Step(stage=stage, verdict=verdict, detail=detail)``."""
    step = new_empty(_STEP)
    put(step, _STEP_STAGE, stage)
    put(step, _STEP_VERDICT, verdict)
    put(step, _STEP_DETAIL, detail)
    return step


def make_add(mms_id, record, trace, originating_version):
    """``Add(mms_id=..., record=..., trace=..., originating_version=...)``."""
    add = new_empty(_ADD)
    put(add, _ADD_MMS_ID, mms_id)
    put(add, _ADD_RECORD, record)
    put(add, _ADD_TRACE, trace)
    put(add, _ADD_VERSION, originating_version)
    return add


def make_merge(mms_id, record, merge_method, trace, originating_version):
    """``Merge(mms_id=..., record=..., merge_method=..., trace=..., originating_version=...)``."""
    merge = new_empty(_MERGE)
    put(merge, _MERGE_MMS_ID, mms_id)
    put(merge, _MERGE_RECORD, record)
    put(merge, _MERGE_METHOD, merge_method)
    put(merge, _MERGE_TRACE, trace)
    put(merge, _MERGE_VERSION, originating_version)
    return merge


def checked_facts(mms_id, *, active, cancelled, brief_level, originating_version, cz_linked,
                  lock):
    """``core.facts.checked_facts(...)``: ``BibFacts(...)`` of these fields."""
    return make_facts(&_FACTS, mms_id, active, cancelled, brief_level, originating_version,
                      cz_linked, lock)


cdef inline PyObject* _slot(PyObject* value, Py_ssize_t offset) noexcept:
    """The object in the slot at ``offset`` (borrowed; NULL when unset)."""
    return (<PyObject**>((<char*>value) + offset))[0]


cdef inline bint _digit(char character, char highest) noexcept:
    return 48 <= character <= highest


cdef bint _plain(const char* text) noexcept:
    """Whether 16 ASCII characters are "yyyymmddhhmmss.f" as ``core.timestamp._PLAIN`` matches
    them: a year from 0001, a month 01-12, a day 01-28, an hour 00-23, minutes and seconds
    00-59, a point and one digit."""
    cdef int at
    for at in range(4):
        if not _digit(text[at], 57):
            return False
    if text[0] == 48 and text[1] == 48 and text[2] == 48 and text[3] == 48:
        return False
    if not ((text[4] == 48 and _digit(text[5], 57) and text[5] != 48)
            or (text[4] == 49 and _digit(text[5], 50))):
        return False
    if not ((text[6] == 48 and _digit(text[7], 57) and text[7] != 48)
            or (text[6] == 49 and _digit(text[7], 57))
            or (text[6] == 50 and _digit(text[7], 56))):
        return False
    if not ((_digit(text[8], 49) and _digit(text[9], 57))
            or (text[8] == 50 and _digit(text[9], 51))):
        return False
    return (_digit(text[10], 53) and _digit(text[11], 57) and _digit(text[12], 53)
            and _digit(text[13], 57) and text[14] == 46 and _digit(text[15], 57))


def latest_transaction(record):
    """``core.decision.latest_transaction(record)``: the record's 005 as a ``Timestamp`` (None
    when it has none), read here for a ``Bib`` of plain fields whose 005 is "yyyymmddhhmmss.f"
    as ``Timestamp.parse`` reads that form (``checked_timestamp``); any other record or 005 is
    read by ``record.latest_transaction`` itself."""
    cdef PyObject* bib = <PyObject*>record
    if Py_TYPE(bib) is not _RECORD.bib:
        return record.latest_transaction
    cdef PyObject* fields = _slot(bib, _RECORD.bib_fields)
    if fields == NULL or not PyTuple_CheckExact(fields):
        return record.latest_transaction
    cdef PyObject* one
    cdef PyObject* tag
    cdef PyObject* raw = NULL
    cdef Py_ssize_t index
    for index in range(PyTuple_GET_SIZE(fields)):
        one = PyTuple_GET_ITEM(fields, index)
        if Py_TYPE(one) is _RECORD.data:
            continue
        if Py_TYPE(one) is not _RECORD.control:
            return record.latest_transaction
        tag = _slot(one, _RECORD.control_tag)
        if tag == NULL or not PyUnicode_Check(tag):
            return record.latest_transaction
        if PyUnicode_CompareWithASCIIString(tag, "005") == 0:
            raw = _slot(one, _RECORD.control_value)
            break
    else:
        return None  # no 005 (``control_value`` gives None)
    if (raw == NULL or not PyUnicode_CheckExact(raw) or not PyUnicode_IS_ASCII(raw)
            or PyUnicode_GET_LENGTH(raw) != 16 or not _plain(<const char*>PyUnicode_DATA(raw))):
        return record.latest_transaction
    text = <object>raw
    # The fraction's one digit, a trailing zero dropped (``fraction.rstrip("0")``).
    return make_timestamp(&_FACTS, PyUnicode_Substring(text, 0, 14), PyUnicode_Substring(
        text, 15, 15 if (<const char*>PyUnicode_DATA(raw))[15] == 48 else 16), text)


# -- core.merge's loops (``MergeLoops``) ----------------------------------------------------------
cdef object _EVERY = _merge._every
cdef object _PURE_SELECTED = _merge.selected_known
cdef object _PURE_KEPT = _merge.kept_known
cdef object _PURE_ORDER = _merge.in_tag_order
# The tests of the two conditions of every preset's plans (``core.merge._leaves``: a plan's one
# ``unless`` condition's ``holds_in_scope``, bound), answered here for a plain data field as the
# method answers (``_holds``).
cdef PyTypeObject* _LOCAL = <PyTypeObject*>_merge.LocalExtension
cdef PyObject* _LOCAL_TEST = <PyObject*>_merge.LocalExtension.holds_in_scope
cdef object _LOCAL_CODE = _merge._LOCAL_CODE
cdef PyTypeObject* _INDICATORS = <PyTypeObject*>_merge.Indicators
cdef PyObject* _INDICATORS_TEST = <PyObject*>_merge.Indicators.holds_in_scope
cdef Py_ssize_t _INDICATORS_FIRST = slot_offset(_merge.Indicators, "first")
cdef Py_ssize_t _INDICATORS_SECOND = slot_offset(_merge.Indicators, "second")


cdef inline PyObject* _field_tag(PyObject* field) noexcept:
    """The tag slot of a ``ControlField`` or ``DataField`` (borrowed), NULL for any other value
    or an unset slot."""
    if Py_TYPE(field) is _RECORD.data:
        return _slot(field, _RECORD.data_tag)
    if Py_TYPE(field) is _RECORD.control:
        return _slot(field, _RECORD.control_tag)
    return NULL


cdef inline object _tag_of(object one):
    """``one.tag``, read from its slot for a ``ControlField`` or ``DataField``."""
    cdef PyObject* tag = _field_tag(<PyObject*>one)
    if tag == NULL:
        return one.tag  # any other value, or an unset slot (its AttributeError)
    return <object>tag


cdef inline object _leaves_of(dict known, object tag):
    """``known[tag]`` (a ``KeyError`` where it lacks the tag)."""
    cdef PyObject* found = PyDict_GetItemWithError(known, tag)
    if found == NULL:
        raise KeyError(tag)
    return <object>found


cdef inline int _indicator_is(PyObject* indicator, PyObject* wanted) except -1:
    """``wanted is None or indicator == wanted`` (-1 when it is not two plain texts to tell)."""
    if wanted == <PyObject*>None:
        return 1
    if (wanted == NULL or indicator == NULL or not PyUnicode_CheckExact(wanted)
            or not PyUnicode_CheckExact(indicator)):
        return -2
    return 1 if (<object>indicator) == (<object>wanted) else 0


cdef inline bint _holds(object leaves, object one) except *:
    """``bool(leaves(one))``: read here for the test of ``LocalExtension`` or ``Indicators``
    (their ``holds_in_scope``, bound, of the class itself) and a plain data field; else called.

    ``LocalExtension``: no ``$9`` in the field's text, then False (the method's first answer,
    most fields'); ``Indicators``: each indicator, where given, equal to the field's."""
    cdef PyObject* test = <PyObject*>leaves
    cdef PyObject* field = <PyObject*>one
    cdef PyObject* condition
    cdef PyObject* coded
    cdef int first, second
    if PyMethod_Check(test) and Py_TYPE(field) is _RECORD.data:
        condition = PyMethod_GET_SELF(test)
        if PyMethod_GET_FUNCTION(test) == _LOCAL_TEST and Py_TYPE(condition) is _LOCAL:
            coded = _slot(field, _RECORD.data_coded)
            if (coded != NULL and PyUnicode_CheckExact(coded)
                    and not PyUnicode_Contains(<object>coded, _LOCAL_CODE)):
                return False
        elif (PyMethod_GET_FUNCTION(test) == _INDICATORS_TEST
              and Py_TYPE(condition) is _INDICATORS):
            first = _indicator_is(_slot(field, _RECORD.data_indicator1),
                                  _slot(condition, _INDICATORS_FIRST))
            if first == 0:
                return False
            second = _indicator_is(_slot(field, _RECORD.data_indicator2),
                                   _slot(condition, _INDICATORS_SECOND))
            if first == 1 and second >= 0:
                return second == 1
    return bool(leaves(one))


cdef list _walk(dict known, fields, bint selecting):
    """The fields a rule selects (``selecting``) or does not, in order: a field is selected when
    its tag's leaves are ``_every``, or a test that is False for it (``core.merge``)."""
    cdef list chosen = []
    for one in fields:
        leaves = _leaves_of(known, _tag_of(one))
        if leaves is _EVERY or (leaves is not None and not _holds(leaves, one)):
            if selecting:
                chosen.append(one)
        elif not selecting:
            chosen.append(one)
    return chosen


def selected_known(known, fields):
    """``core.merge.selected_known(known, fields)``: the fields a rule selects, in order."""
    if type(known) is not dict or (type(fields) is not tuple and type(fields) is not list):
        return _PURE_SELECTED(known, fields)
    return _walk(<dict>known, fields, True)


def kept_known(known, fields):
    """``core.merge.kept_known(known, fields)``: the fields a rule does not select, in order."""
    if type(known) is not dict or (type(fields) is not tuple and type(fields) is not list):
        return _PURE_KEPT(known, fields)
    return _walk(<dict>known, fields, False)


cdef int _by_key(const void* one, const void* other) noexcept nogil:
    cdef uint64_t left = (<const uint64_t*>one)[0]
    cdef uint64_t right = (<const uint64_t*>other)[0]
    return (left > right) - (left < right)


#: Up to this many fields, ``in_tag_order`` sorts in buffers on the stack, by insertion (a
#: merged record is two runs in tag order, most often: few fields move, and not far).
cdef enum:
    _SMALL = 64
#: The bits of a key (``in_tag_order``) that hold the field's position.
cdef uint64_t _POSITION = 0xFFFFFFFF


def in_tag_order(list fields, numeric):
    """``core.merge.in_tag_order(fields, numeric)``: ``fields`` sorted in place, stably, by
    ``_tag_key`` (by the tag alone where ``numeric``), for fields whose tags are three ASCII
    characters (as ``DataField`` and ``ControlField`` check them); any other list is sorted by
    the pure function.

    Each field's key is its tag's three characters (code points, as ``str`` compares them),
    after a 1 for a tag that is not three digits unless ``numeric``, before its position: the
    keys are distinct, and in their order the fields are in ``list.sort``'s stable order."""
    cdef PyObject* items = <PyObject*>fields
    cdef Py_ssize_t count = PyList_GET_SIZE(items)
    if count < 2:
        return
    if <uint64_t>count > _POSITION:
        _PURE_ORDER(fields, numeric)
        return
    cdef bint by_tag = bool(numeric)
    cdef uint64_t small_keys[_SMALL]
    cdef PyObject* small_fields[_SMALL]
    cdef uint64_t* keys = small_keys
    cdef PyObject** moved = small_fields
    cdef Py_ssize_t index, at
    cdef PyObject* one
    cdef PyObject* tag
    cdef const unsigned char* text
    cdef uint64_t key
    if count > _SMALL:
        keys = <uint64_t*>malloc(count * sizeof(uint64_t))
        moved = <PyObject**>malloc(count * sizeof(PyObject*))
        if keys == NULL or moved == NULL:
            free(keys)
            free(moved)
            raise MemoryError()
    try:
        for index in range(count):
            one = PyList_GET_ITEM(items, index)
            tag = _field_tag(one)
            if (tag == NULL or not PyUnicode_CheckExact(tag) or not PyUnicode_IS_ASCII(tag)
                    or PyUnicode_GET_LENGTH(tag) != 3):
                _PURE_ORDER(fields, numeric)
                return
            text = <const unsigned char*>PyUnicode_DATA(tag)
            key = ((<uint64_t>text[0]) << 48) | ((<uint64_t>text[1]) << 40) | (
                (<uint64_t>text[2]) << 32) | <uint64_t>index
            if not by_tag and not (48 <= text[0] <= 57 and 48 <= text[1] <= 57
                                   and 48 <= text[2] <= 57):
                key |= (<uint64_t>1) << 56
            moved[index] = one
            if count <= _SMALL:  # insertion, as the keys come
                at = index
                while at > 0 and keys[at - 1] > key:
                    keys[at] = keys[at - 1]
                    at -= 1
                keys[at] = key
            else:
                keys[index] = key
        if count > _SMALL:
            qsort(keys, count, sizeof(uint64_t), _by_key)
        # A permutation of the list's own items: each reference moves, none is taken or dropped.
        for index in range(count):
            PyList_SET_ITEM(items, index, moved[<Py_ssize_t>(keys[index] & _POSITION)])
    finally:
        if count > _SMALL:
            free(keys)
            free(moved)


def tag_line(fields):
    """``core.normalization.tag_line(fields)``: the tags of ``fields``, each followed by a blank,
    as one text. The tags of a tuple of ``ControlField`` and ``DataField`` values, each three ASCII
    characters (as ``Bib`` checks them), are read from their slots and copied into the text made
    here; any other sequence or tag is left to the pure function, the definition."""
    cdef PyObject* sequence = <PyObject*>fields
    if not PyTuple_CheckExact(sequence):
        return _pure_tag_line(fields)
    cdef Py_ssize_t count = PyTuple_GET_SIZE(sequence)
    if count == 0:
        return ""
    cdef object line = PyUnicode_New(4 * count, 127)
    cdef char* out = <char*>_new_data(line)
    cdef Py_ssize_t index
    cdef PyObject* field
    cdef PyObject* tag
    cdef const char* written
    for index in range(count):
        field = PyTuple_GET_ITEM(sequence, index)
        tag = _field_tag(field)
        if (tag == NULL or not PyUnicode_CheckExact(tag) or PyUnicode_GET_LENGTH(tag) != 3
                or not PyUnicode_IS_ASCII(tag)):
            return _pure_tag_line(fields)
        written = <const char*>PyUnicode_DATA(tag)
        out[0] = written[0]
        out[1] = written[1]
        out[2] = written[2]
        out[3] = 32  # the blank after each tag
        out += 4
    return line


cdef inline const char* _three(PyObject* tag) noexcept:
    """The characters of a tag of three ASCII characters (an exact ``str``), else NULL."""
    if (tag == NULL or not PyUnicode_CheckExact(tag) or PyUnicode_GET_LENGTH(tag) != 3
            or not PyUnicode_IS_ASCII(tag)):
        return NULL
    return <const char*>PyUnicode_DATA(tag)


def tag_order_position(fields, tag):
    """``core.normalization.tag_order_position(fields, tag)``: where a field tagged ``tag`` goes
    among ``fields``, before the first whose tag sorts after ``tag``, else last. For a tuple of
    ``ControlField`` and ``DataField`` values, each tag and ``tag`` three ASCII characters (as
    ``Bib`` checks a field's), the tags are read from their slots and compared here byte by byte
    (the order of ``str`` comparison for such texts); anything else is left to the pure
    function, the definition."""
    cdef PyObject* sequence = <PyObject*>fields
    cdef const char* sought = _three(<PyObject*>tag)
    if sought == NULL or not PyTuple_CheckExact(sequence):
        return _pure_tag_order_position(fields, tag)
    cdef Py_ssize_t count = PyTuple_GET_SIZE(sequence)
    cdef Py_ssize_t index
    cdef const char* written
    for index in range(count):
        written = _three(_field_tag(PyTuple_GET_ITEM(sequence, index)))
        if written == NULL:
            return _pure_tag_order_position(fields, tag)
        if written[0] != sought[0]:
            if <unsigned char>written[0] > <unsigned char>sought[0]:
                return index
        elif written[1] != sought[1]:
            if <unsigned char>written[1] > <unsigned char>sought[1]:
                return index
        elif <unsigned char>written[2] > <unsigned char>sought[2]:
            return index
    return count


# -- core.oclc.parsed_or_none ----------------------------------------------------------------
cdef PyTypeObject* _NUMBER = <PyTypeObject*>_oclc.OclcNumber
cdef Py_ssize_t _NUMBER_VALUE = slot_offset(_oclc.OclcNumber, "value")
cdef Py_ssize_t _NUMBER_FORM = slot_offset(_oclc.OclcNumber, "form")
cdef object _PURE_PARSED = _oclc.parsed_or_none
# The shared forms of the parse's own path (``core.oclc._WRITTEN_FORMS``), by qualifier, prefix
# ("", "ocm", "ocn", "on") and width (1-18): the very objects the pure parse puts in a number.
cdef int _WIDTHS = _oclc._WRITTEN_WIDTHS
cdef tuple _FORMS_BY = tuple([
    tuple([tuple(_oclc._WRITTEN_FORMS[qualified][prefix]) for prefix in ("", "ocm", "ocn", "on")])
    for qualified in (False, True)])


def parsed_or_none(text):
    """``core.oclc.parsed_or_none(text)``: the number ``text`` writes, or None. The forms OCLC
    writes, ``(OCoLC)`` then ``ocm``/``ocn``/``on``, then 1 to 18 ASCII digits not all zeros,
    with nothing before or after, are read here, into a number with the pure parse's shared
    form; any other text is left to the pure function, the definition."""
    cdef PyObject* written = <PyObject*>text
    if not PyUnicode_CheckExact(written) or not PyUnicode_IS_ASCII(written):
        return _PURE_PARSED(text)
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(written)
    cdef const char* at = <const char*>PyUnicode_DATA(written)
    cdef const char* end = at + length
    cdef int qualified = 0
    cdef int prefix = 0
    if length >= 7 and at[0] == 40 and at[1] == 79 and at[2] == 67 and at[3] == 111 \
            and at[4] == 76 and at[5] == 67 and at[6] == 41:  # "(OCoLC)"
        qualified = 1
        at += 7
    if end - at >= 2 and at[0] == 111:  # "o": "ocm", "ocn" or "on"
        if at[1] == 110:  # "on"
            prefix = 3
            at += 2
        elif end - at >= 3 and at[1] == 99 and (at[2] == 109 or at[2] == 110):
            prefix = 1 if at[2] == 109 else 2
            at += 3
        else:
            return _PURE_PARSED(text)
    cdef Py_ssize_t width = end - at
    if width < 1 or width > 18:
        return _PURE_PARSED(text)
    cdef long long value = 0
    cdef unsigned char digit
    while at < end:
        digit = <unsigned char>at[0] - 48
        if digit > 9:
            return _PURE_PARSED(text)
        value = value * 10 + digit
        at += 1
    if value == 0:
        return _PURE_PARSED(text)
    number = new_empty(_NUMBER)
    put(number, _NUMBER_VALUE, PyLong_FromLongLong(value))
    put(number, _NUMBER_FORM, _FORMS_BY[qualified][prefix][width])
    return number


# -- core.oclc.saved_number (``Makers.saved_number``) ---------------------------------------
cdef object _PURE_SAVED = _oclc.saved_number
cdef PyTypeObject* _TEXTS = <PyTypeObject*>_oclc._Texts
cdef Py_ssize_t _TEXTS_LIMIT = member_offset(_oclc._Texts.__dict__["limit"], _oclc._Texts)
cdef Py_ssize_t _TEXTS_PARSE = member_offset(_oclc._Texts.__dict__["parse"], _oclc._Texts)
# ``core.oclc._CANONICAL_FORMS``: qualified, no prefix, by width (0-18), the very objects.
cdef tuple _CANONICAL = _FORMS_BY[1][0]
cdef str _QUALIFIER = "(OCoLC)"


def saved_number(found, text):
    """``core.oclc.saved_number(found, text)``: the number of ``"(OCoLC)" + text`` through the
    memo's table ``found`` (read there, else parsed by the table's own ``parse`` and kept), and
    the number of ``"(OCoLC)" + str(number.value)`` kept too, derived, where the table does not
    hold that text; the same look-ups and stores in the same order, for a table of the memo's
    own class with its slots set and a ``str`` text (else the pure function, the definition)."""
    cdef PyObject* table = <PyObject*>found
    if Py_TYPE(table) is not _TEXTS or not PyUnicode_CheckExact(<PyObject*>text):
        return _PURE_SAVED(found, text)
    cdef PyObject* limit = _slot(table, _TEXTS_LIMIT)
    cdef PyObject* parse = _slot(table, _TEXTS_PARSE)
    if limit == NULL or parse == NULL or not PyLong_CheckExact(limit):
        return _PURE_SAVED(found, text)
    cdef dict memo = <dict>found
    if len(memo) > <object>limit - 2:  # ``_room(2)``
        memo.clear()
    cdef str whole = _QUALIFIER + <str>text
    cdef PyObject* held = PyDict_GetItemWithError(memo, whole)
    if held != NULL:  # seldom: a 001 seen again
        number = <object>held
    else:
        number = (<object>parse)(whole)
        memo[whole] = number
    if number is None:
        return number
    _note_canonical(memo, _value_of(number))
    return number


cdef str _note_canonical(dict memo, object value):
    """``"(OCoLC)" + str(value)``, the canonical text of a number of ``value``, with that number
    kept in ``memo`` (a memo's table), derived as ``ParsedNumbers.canonical`` derives it, unless
    the table holds the text."""
    cdef str digits = str(value)
    cdef str written = _QUALIFIER + digits
    if PyDict_GetItemWithError(memo, written) == NULL:
        width = len(digits)
        canonical = new_empty(_NUMBER)
        put(canonical, _NUMBER_VALUE, value)
        put(canonical, _NUMBER_FORM, _CANONICAL[width] if width < _WIDTHS
            else _oclc._form(True, "", width))
        memo[written] = canonical
    return written


# -- core.merge.are_035s (``Makers.are_035s``) -------------------------------------------------
cdef object _PURE_ARE_035S = _merge.are_035s


def are_035s(fields, theirs):
    """``core.merge.are_035s(fields, theirs)``: whether the 035s of a merged record's fields
    (before the first tag above 035) are ``theirs``, the very fields in order, and no 003 is
    among them; for a tuple of fields of the two field classes and a tuple or list ``theirs``
    (else the pure function)."""
    cdef PyObject* items = <PyObject*>fields
    cdef PyObject* held = <PyObject*>theirs
    cdef Py_ssize_t count, index, matched = 0, expected
    cdef PyObject* tag
    cdef const unsigned char* text
    cdef int order
    if not PyTuple_CheckExact(items):
        return _PURE_ARE_035S(fields, theirs)
    if PyTuple_CheckExact(held):
        expected = PyTuple_GET_SIZE(held)
    elif PyList_CheckExact(held):
        expected = PyList_GET_SIZE(held)
    else:
        return _PURE_ARE_035S(fields, theirs)
    count = PyTuple_GET_SIZE(items)
    for index in range(count):
        one = PyTuple_GET_ITEM(items, index)
        tag = _field_tag(one)
        if (tag == NULL or not PyUnicode_Check(tag) or PyUnicode_GET_LENGTH(tag) != 3
                or not PyUnicode_IS_ASCII(tag)):
            return _PURE_ARE_035S(fields, theirs)
        text = <const unsigned char*>PyUnicode_DATA(tag)
        # The tag against "035", as ``str`` compares them (code points, here bytes).
        order = (text[0] > 0x30) - (text[0] < 0x30)
        if order == 0:
            order = (text[1] > 0x33) - (text[1] < 0x33)
        if order == 0:
            order = (text[2] > 0x35) - (text[2] < 0x35)
        if order > 0:
            break
        if order == 0:
            if matched >= expected:
                return False
            if one != (PyTuple_GET_ITEM(held, matched) if PyTuple_CheckExact(held)
                       else PyList_GET_ITEM(held, matched)):
                return False
            matched += 1
        elif text[0] == 0x30 and text[1] == 0x30 and text[2] == 0x33:
            return False
    return matched == expected


# -- core.oclc.literals ------------------------------------------------------------------------
cdef PyTypeObject* _FORM = <PyTypeObject*>_oclc.OclcForm
cdef Py_ssize_t _FORM_QUALIFIED = slot_offset(_oclc.OclcForm, "qualified")
cdef Py_ssize_t _FORM_PREFIX = slot_offset(_oclc.OclcForm, "prefix")
cdef Py_ssize_t _FORM_WIDTH = slot_offset(_oclc.OclcForm, "width")
cdef object _PURE_LITERALS = _oclc.literals
cdef enum:
    _LITERAL_ROOM = 64  # the longest literal written here: the rest are the pure property's


cdef object _literal(PyObject* number):
    """``number.literal`` of an ``OclcNumber`` with a positive value below 2**63, written as
    ``"(OCoLC)" + prefix`` (qualified) or ``prefix``, then its digits padded with zeros to its
    form's width, its prefix an ASCII ``str``; None for any other value (the pure property's)."""
    if Py_TYPE(number) is not _NUMBER:
        return None
    cdef PyObject* value = _slot(number, _NUMBER_VALUE)
    cdef PyObject* form = _slot(number, _NUMBER_FORM)
    if value == NULL or form == NULL or not PyLong_CheckExact(value) or Py_TYPE(form) is not _FORM:
        return None
    cdef PyObject* qualified = _slot(form, _FORM_QUALIFIED)
    cdef PyObject* prefix = _slot(form, _FORM_PREFIX)
    cdef PyObject* width_value = _slot(form, _FORM_WIDTH)
    if (qualified == NULL or prefix == NULL or width_value == NULL
            or (qualified != Py_True and qualified != Py_False)
            or not PyUnicode_CheckExact(prefix) or not PyUnicode_IS_ASCII(prefix)
            or not PyLong_CheckExact(width_value)):
        return None
    cdef int overflow = 0
    cdef long long whole = PyLong_AsLongLongAndOverflow(value, &overflow)
    if overflow or whole <= 0:
        return None
    cdef long long width = PyLong_AsLongLongAndOverflow(width_value, &overflow)
    cdef Py_ssize_t prefix_length = PyUnicode_GET_LENGTH(prefix)
    if overflow or width > 32 or prefix_length > 8:
        return None
    cdef char digits[24]
    cdef int count = 0
    while whole:
        digits[23 - count] = <char>(48 + whole % 10)
        whole //= 10
        count += 1
    cdef Py_ssize_t padding = width - count if width > count else 0
    cdef Py_ssize_t opening = 7 if qualified == Py_True else 0
    text = PyUnicode_New(opening + prefix_length + padding + count, 127)
    cdef char* out = <char*>_new_data(text)
    cdef const char* written = <const char*>PyUnicode_DATA(prefix)
    cdef Py_ssize_t index
    if opening:
        out[0] = 40; out[1] = 79; out[2] = 67; out[3] = 111; out[4] = 76; out[5] = 67; out[6] = 41
        out += 7
    for index in range(prefix_length):
        out[index] = written[index]
    out += prefix_length
    for index in range(padding):
        out[index] = 48
    out += padding
    for index in range(count):
        out[index] = digits[24 - count + index]
    return text


def literals(numbers):
    """``core.oclc.literals(numbers)``: the ``literal`` of each number of a tuple, in order, as a
    list; each written here where ``_literal`` can, else read from the number's own property;
    any other sequence is left to the pure function, the definition."""
    cdef PyObject* sequence = <PyObject*>numbers
    if not PyTuple_CheckExact(sequence):
        return _PURE_LITERALS(numbers)
    cdef Py_ssize_t count = PyTuple_GET_SIZE(sequence)
    cdef list made = PyList_New(count)
    cdef Py_ssize_t index
    cdef PyObject* number
    for index in range(count):
        number = PyTuple_GET_ITEM(sequence, index)
        text = _literal(number)
        if text is None:
            text = (<object>number).literal
        Py_INCREF(text)
        _list_set(made, index, text)
    return made


# -- core.normalization.read_035s --------------------------------------------------------------
cdef enum:
    _DELIMITER = 0x1F  # ``core.record.SUBFIELD_DELIMITER``


cdef int _keep(object number, object into) except -1:
    """``read_035s``'s keeping of a number: under its written form (value, prefix, width) in
    ``into`` (a dictionary), unless a number of that form is there, when the form is marked
    (qualified or prefixed); the slots read where the number and its form are the classes'
    own, else their attributes, as the pure function reads them."""
    cdef PyObject* form = NULL
    cdef PyObject* qualified = NULL
    cdef PyObject* prefix = NULL
    cdef PyObject* width = NULL
    cdef PyObject* value = NULL
    if Py_TYPE(<PyObject*>number) is _NUMBER:
        form = _slot(<PyObject*>number, _NUMBER_FORM)
        value = _slot(<PyObject*>number, _NUMBER_VALUE)
        if form != NULL and Py_TYPE(form) is _FORM:
            qualified = _slot(form, _FORM_QUALIFIED)
            prefix = _slot(form, _FORM_PREFIX)
            width = _slot(form, _FORM_WIDTH)
    if value == NULL or qualified == NULL or prefix == NULL or width == NULL:
        read = number.form
        if read.qualified or read.prefix:  # ``OclcForm.is_marked``
            into.setdefault((number.value, read.prefix, read.width), number)
        return 0
    if <object>qualified or <object>prefix:
        PyDict_SetDefault(into, PyTuple_Pack(3, value, prefix, width), number)
    return 0


cdef inline bint _is_035(const char* tags, Py_ssize_t at) noexcept:
    return tags[at] == 48 and tags[at + 1] == 51 and tags[at + 2] == 53  # "035"


def read_035s(fields, tags, parse, active, cancelled, *, sought, found=None, last=None):
    """``core.normalization.read_035s``: the numbers of the 035s among ``fields`` (whose
    ``tag_line`` is ``tags``) read into ``active`` ($a) and ``cancelled`` ($z), each OCLC number
    keyed by its written form, the first of a form kept; each 035 appended to ``found`` when
    given; whether an 035 $a is ``sought``. Read here when ``fields`` is a tuple that ``tags``
    (an ASCII text) writes, ``active`` and ``cancelled`` are dictionaries and every 035 is a
    ``DataField`` holding one subfield as its text (how most 035s are kept): each value parsed by
    ``parse`` and each number's form read as the pure function reads them. Anything else is the
    pure function's, the definition (called before anything is changed). ``last``, as there, is
    the 035 the walk ends at."""
    cdef PyObject* sequence = <PyObject*>fields
    cdef PyObject* line = <PyObject*>tags
    if (not PyTuple_CheckExact(sequence) or not PyUnicode_CheckExact(line)
            or not PyUnicode_IS_ASCII(line) or not PyDict_CheckExact(<PyObject*>active)
            or not PyDict_CheckExact(<PyObject*>cancelled)
            or PyUnicode_GET_LENGTH(line) != 4 * PyTuple_GET_SIZE(sequence)):
        return _pure_read_035s(fields, tags, parse, active, cancelled, sought=sought,
                               found=found, last=last)
    cdef const char* written = <const char*>PyUnicode_DATA(line)
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(line)
    cdef Py_ssize_t at
    cdef PyObject* one
    cdef int overflow = 0
    cdef long long stop = -1  # the pure walk ends after the 035 at ``last``
    if last is not None:
        if not PyLong_CheckExact(<PyObject*>last):
            return _pure_read_035s(fields, tags, parse, active, cancelled, sought=sought,
                                   found=found, last=last)
        stop = PyLong_AsLongLongAndOverflow(<PyObject*>last, &overflow)
        if overflow or stop < 0:
            stop = -1
    # First, whether every 035 read is one this walk reads: else nothing is changed here.
    for at in range(0, length, 4):
        if not _is_035(written, at):
            continue
        if not _one_subfield_035(PyTuple_GET_ITEM(sequence, at >> 2)):
            return _pure_read_035s(fields, tags, parse, active, cancelled, sought=sought,
                                   found=found, last=last)
        if at == stop:
            length = at + 4  # the last 035 the walk reads
            break
    cdef bint seen = False
    for at in range(0, length, 4):
        if not _is_035(written, at):
            continue
        one = PyTuple_GET_ITEM(sequence, at >> 2)
        if found is not None:
            if PyList_CheckExact(<PyObject*>found):
                PyList_Append(found, <object>one)
            else:
                found.append(<object>one)
        if _take_035(one, sought, active, cancelled, None, parse):
            seen = True
    return seen


# -- core.normalization.saved_bib --------------------------------------------------------------
cdef object _TAG_035 = "035"
cdef object _BLANK = " "
cdef object _OPENING_A = "\x1fa"  # an $a's opening in a field's text (``new_035``)


def saved_bib(record, removed, text, at):
    """``core.normalization.saved_bib(record, removed, text, at)``: the bib the save rule keeps of
    ``record`` (its fields but the one at ``removed``, with the 035 $a ``text`` at ``at`` among
    those kept, when ``text`` is given) and that 035. Made here, as ``checked_bib`` and
    ``new_035`` make them, for a ``Bib`` whose fields are a tuple, positions within it and a
    text that ``new_035`` keeps as its field's text (no delimiter 0x1F, no terminator 0x1E);
    anything else is the pure function's, the definition."""
    cdef PyObject* bib = <PyObject*>record
    if (Py_TYPE(bib) is not _RECORD.bib or not PyLong_CheckExact(<PyObject*>removed)
            or not PyLong_CheckExact(<PyObject*>at)):
        return _pure_saved_bib(record, removed, text, at)
    cdef PyObject* leader = _slot(bib, _RECORD.bib_leader)
    cdef PyObject* fields = _slot(bib, _RECORD.bib_fields)
    if leader == NULL or fields == NULL or not PyTuple_CheckExact(fields):
        return _pure_saved_bib(record, removed, text, at)
    cdef Py_ssize_t count = PyTuple_GET_SIZE(fields)
    cdef int overflow = 0
    cdef long long gone = PyLong_AsLongLongAndOverflow(<PyObject*>removed, &overflow)
    if overflow or gone < 0 or gone >= count:
        return _pure_saved_bib(record, removed, text, at)
    cdef long long place = PyLong_AsLongLongAndOverflow(<PyObject*>at, &overflow)
    added = None
    if text is not None:
        if (overflow or place < 0 or place > count - 1 or not PyUnicode_CheckExact(<PyObject*>text)
                or PyUnicode_FindChar(<PyObject*>text, 0x1F, 0, PyUnicode_GET_LENGTH(<PyObject*>text), 1) != -1
                or PyUnicode_FindChar(<PyObject*>text, 0x1E, 0, PyUnicode_GET_LENGTH(<PyObject*>text), 1) != -1):
            return _pure_saved_bib(record, removed, text, at)
        added = new_empty(_RECORD.data)
        put(added, _RECORD.data_tag, _TAG_035)
        put(added, _RECORD.data_indicator1, _BLANK)
        put(added, _RECORD.data_indicator2, _BLANK)
        put(added, _RECORD.data_coded, _OPENING_A + text)
    return _kept_bib(leader, fields, gone, added, place), added


# -- core.normalization.saved_035s (``Makers.saved_035s``) -----------------------------------
from almamatch.core.normalization import saved_035s as _pure_saved_035s
cdef object _PURE_SAVED_035S = _pure_saved_035s
cdef object _OCOLC = "OCoLC"


cdef inline bint _blank(Py_UCS4 character) noexcept:
    """Whether ``str.strip`` strips this ASCII character (``str.isspace``)."""
    return character == 32 or 9 <= character <= 13 or 28 <= character <= 31


cdef object _control_text(PyObject* one):
    """``one.value.strip()`` of a ``ControlField`` whose value is a ``str`` (read from its slot),
    as ``folded_controls`` reads it; None for any other value (the pure function's)."""
    if Py_TYPE(one) is not _RECORD.control:
        return None
    cdef PyObject* value = _slot(one, _RECORD.control_value)
    if value == NULL or not PyUnicode_CheckExact(value):
        return None
    cdef Py_ssize_t size = PyUnicode_GET_LENGTH(value)
    if (size == 0 or (PyUnicode_IS_ASCII(value)
                      and not _blank(PyUnicode_READ_CHAR(value, 0))
                      and not _blank(PyUnicode_READ_CHAR(value, size - 1)))):
        return <object>value
    return (<object>value).strip()


cdef inline int _tag_order(const char* tag, char first, char second, char third) noexcept:
    """The order of a tag of three ASCII characters against another (-1, 0 or 1), as ``str``
    compares them (code points, here bytes)."""
    if tag[0] != first:
        return 1 if <unsigned char>tag[0] > <unsigned char>first else -1
    if tag[1] != second:
        return 1 if <unsigned char>tag[1] > <unsigned char>second else -1
    if tag[2] != third:
        return 1 if <unsigned char>tag[2] > <unsigned char>third else -1
    return 0


cdef object _kept_bib(PyObject* leader, PyObject* fields, Py_ssize_t gone, object added,
                      Py_ssize_t place):
    """A ``Bib`` of ``leader`` and the tuple ``fields`` but the one at ``gone``, with ``added``
    (unless None) at ``place`` among those kept, made as ``checked_bib`` makes it
    (``saved_bib``): positions within the fields, as the caller checked."""
    cdef Py_ssize_t count = PyTuple_GET_SIZE(fields)
    cdef object kept = PyTuple_New(count if added is not None else count - 1)
    cdef Py_ssize_t index, out = 0
    cdef PyObject* one
    for index in range(count):
        if index == gone:
            continue
        if added is not None and out == place:
            Py_INCREF(added)
            _tuple_set(kept, out, <PyObject*>added)
            out += 1
        one = PyTuple_GET_ITEM(fields, index)
        Py_INCREF(<object>one)
        _tuple_set(kept, out, one)
        out += 1
    if added is not None and out == place:  # at the end
        Py_INCREF(added)
        _tuple_set(kept, out, <PyObject*>added)
    saved = new_empty(_RECORD.bib)
    put(saved, _RECORD.bib_leader, <object>leader)
    put(saved, _RECORD.bib_fields, kept)
    return saved


cdef tuple _not_active(dict cancelled, dict active):
    """``listed_numbers``'s cancelled numbers: those whose value no active key holds."""
    cdef set values = {key[0] for key in active}
    cdef list kept = []
    cdef PyObject* value
    for number in cancelled.values():
        value = NULL
        if Py_TYPE(<PyObject*>number) is _NUMBER:
            value = _slot(<PyObject*>number, _NUMBER_VALUE)
        if (number.value if value == NULL else <object>value) not in values:
            kept.append(number)
    return tuple(kept)


cdef extern from "Python.h":
    ctypedef PyObject* (*_CFunction "PyCFunction")(PyObject*, PyObject*)
    bint PyCFunction_Check(PyObject* value)
    PyObject* PyCFunction_GET_SELF(PyObject* function)
    _CFunction PyCFunction_GET_FUNCTION(PyObject* function)

#: The C function of ``dict.__getitem__``, bound to a dictionary: what ``_Texts.__getitem__``
#: (``ParsedNumbers.number``) is.
cdef object _ANY_ITEM = {}.__getitem__
cdef _CFunction _DICT_ITEM = PyCFunction_GET_FUNCTION(<PyObject*>_ANY_ITEM)
cdef PyTypeObject* _PARSED_NUMBERS = <PyTypeObject*>_oclc.ParsedNumbers
cdef Py_ssize_t _NUMBERS_FOUND = member_offset(_oclc.ParsedNumbers.__dict__["_found"],
                                               _oclc.ParsedNumbers)


cdef bint _one_subfield_035(PyObject* one) except -1:
    """Whether ``one`` (an 035) is a field of the walks' own class whose coded text is one
    subfield (``_take_035`` reads it); else the walk hands the record to its pure definition."""
    if Py_TYPE(one) is not _RECORD.data:
        return False
    cdef PyObject* coded = _slot(one, _RECORD.data_coded)
    if coded == NULL or not PyUnicode_CheckExact(coded):
        return False
    cdef Py_ssize_t size = PyUnicode_GET_LENGTH(coded)
    return size >= 2 and PyUnicode_FindChar(coded, _DELIMITER, 2, size, 1) == -1


cdef bint _take_035(PyObject* one, object sought, object active, object cancelled, object memo,
                    object parse) except -1:
    """One 035 a walk reads (``_one_subfield_035``): the number of its $a kept in ``active``, of
    its $z in ``cancelled`` (``_keep``; read by ``_read_number``), another code left; whether it
    is an $a whose text is ``sought``."""
    cdef PyObject* coded = _slot(one, _RECORD.data_coded)
    cdef Py_UCS4 code = PyUnicode_READ_CHAR(coded, 1)
    cdef bint seen = False
    if code == 97:  # "a"
        into = active
        text = PyUnicode_Substring(<object>coded, 2, PyUnicode_GET_LENGTH(coded))
        seen = text == sought
    elif code == 122:  # "z"
        into = cancelled
        text = PyUnicode_Substring(<object>coded, 2, PyUnicode_GET_LENGTH(coded))
    else:
        return False
    number = _read_number(memo, parse, text)
    if number is not None:
        _keep(number, into)
    return seen


cdef object _memo_of(object numbers, object parse):
    """The table of the memo ``numbers`` (a ``ParsedNumbers``, its slots set) when ``parse`` is
    its look-up (``ParsedNumbers.number``: the table's ``__getitem__``); else None."""
    if numbers is None or Py_TYPE(<PyObject*>numbers) is not _PARSED_NUMBERS:
        return None
    cdef PyObject* table = _slot(<PyObject*>numbers, _NUMBERS_FOUND)
    if table == NULL or Py_TYPE(table) is not _TEXTS:
        return None
    cdef PyObject* limit = _slot(table, _TEXTS_LIMIT)
    cdef PyObject* look_up = <PyObject*>parse
    if (limit == NULL or not PyLong_CheckExact(limit) or _slot(table, _TEXTS_PARSE) == NULL
            or not PyCFunction_Check(look_up) or PyCFunction_GET_SELF(look_up) != table
            or PyCFunction_GET_FUNCTION(look_up) != _DICT_ITEM):
        return None
    return <object>table


cdef object _read_number(object memo, object parse, object text):
    """``parse(text)``: through the memo's table ``memo`` (``_memo_of``) when given, looked up
    there and, where it does not hold ``text``, parsed and kept as ``_Texts.__missing__`` does
    (the table emptied first when it holds ``limit`` texts)."""
    if memo is None:
        return parse(text)
    cdef PyObject* held = PyDict_GetItemWithError(memo, text)
    if held != NULL:
        return <object>held
    if len(<dict>memo) >= <object>_slot(<PyObject*>memo, _TEXTS_LIMIT):
        (<dict>memo).clear()
    number = (<object>_slot(<PyObject*>memo, _TEXTS_PARSE))(text)
    (<dict>memo)[text] = number
    return number


def saved_035s(record, tags, numbers, parse, found, place, read, make):
    """``core.normalization.saved_035s``: the bib the save rule keeps of a record as OCLC writes
    it and the zone numbers of that bib, in one walk of its 035s (each 035 appended to ``found``
    when given), or None for any other record. Read here for a ``Bib`` whose fields are a tuple
    that ``tags`` (an ASCII text) writes, whose 003 and 001 are ``ControlField`` values of a
    ``str`` each, whose 035s are each a ``DataField`` holding one subfield as its text (as
    ``read_035s``'s twin reads them) and whose folded text ``(<003>)<001>`` ``new_035`` keeps as
    its field's text, ``found`` a list or None: the checks, the place (the first tag after
    "035") and the look-ups made on the tag line, each value parsed by ``parse`` (looked up in
    the table of ``numbers`` here when ``parse`` is its look-up), the 001's through ``numbers``
    as the pure function reads them, in the same order. Anything else is
    the pure function's, the definition, handed ``place``, ``read`` and ``make`` (called before
    anything is read or appended)."""
    cdef PyObject* bib = <PyObject*>record
    cdef PyObject* line = <PyObject*>tags
    cdef PyObject* fields = NULL
    if Py_TYPE(bib) is _RECORD.bib:
        fields = _slot(bib, _RECORD.bib_fields)
    if (fields == NULL or not PyTuple_CheckExact(fields) or not PyUnicode_CheckExact(line)
            or not PyUnicode_IS_ASCII(line)
            or PyUnicode_GET_LENGTH(line) != 4 * PyTuple_GET_SIZE(fields)
            or (found is not None and not PyList_CheckExact(<PyObject*>found))):
        return _PURE_SAVED_035S(record, tags, numbers, parse, found, place, read, make)
    cdef PyObject* leader = _slot(bib, _RECORD.bib_leader)
    cdef Py_ssize_t count = PyTuple_GET_SIZE(fields)
    cdef const char* written = <const char*>PyUnicode_DATA(line)
    cdef Py_ssize_t index, first = -1, control = -1, last = -1, at = count
    cdef const char* tag
    cdef int order
    for index in range(count):
        tag = written + 4 * index
        order = _tag_order(tag, 48, 51, 53)  # against "035"
        if order > 0:
            if at == count:
                at = index
        elif order == 0:
            last = index
        elif tag[0] == 48 and tag[1] == 48:
            if tag[2] == 51:  # "003"
                if first != -1:
                    return None  # a second 003
                first = index
            elif tag[2] == 49 and control == -1:  # "001"
                control = index
    if first == -1 or control == -1 or last >= at:
        return None
    if leader == NULL:
        return _PURE_SAVED_035S(record, tags, numbers, parse, found, place, read, make)
    identifier = _control_text(PyTuple_GET_ITEM(fields, first))
    number = _control_text(PyTuple_GET_ITEM(fields, control))
    if identifier is None or number is None:
        return _PURE_SAVED_035S(record, tags, numbers, parse, found, place, read, make)
    text = "(" + <str>identifier + ")" + <str>number
    cdef Py_ssize_t size = PyUnicode_GET_LENGTH(<PyObject*>text)
    if (PyUnicode_FindChar(<PyObject*>text, 0x1F, 0, size, 1) != -1
            or PyUnicode_FindChar(<PyObject*>text, 0x1E, 0, size, 1) != -1):
        return _PURE_SAVED_035S(record, tags, numbers, parse, found, place, read, make)
    # Every 035 one subfield kept as its text, as ``read_035s``'s twin reads it.
    cdef PyObject* one
    for index in range(last + 1):
        if _tag_order(written + 4 * index, 48, 51, 53) != 0:
            continue
        if not _one_subfield_035(PyTuple_GET_ITEM(fields, index)):
            return _PURE_SAVED_035S(record, tags, numbers, parse, found, place, read, make)
    # As the pure function reads them: the 001's number, then the 035s in order.
    if numbers is not None and identifier == _OCOLC:
        added = numbers.saved_control_number(number)
    else:
        added = parse(text)
    memo = _memo_of(numbers, parse)
    cdef dict active = {}
    cdef dict cancelled = {}
    cdef bint seen = False
    for index in range(last + 1):
        if _tag_order(written + 4 * index, 48, 51, 53) != 0:
            continue
        one = PyTuple_GET_ITEM(fields, index)
        if found is not None:
            PyList_Append(found, <object>one)
        if _take_035(one, text, active, cancelled, memo, parse):
            seen = True
    if seen:
        saved = _kept_bib(leader, fields, first, None, 0)
    else:
        if added is not None:
            _keep(added, active)
        new = new_empty(_RECORD.data)
        put(new, _RECORD.data_tag, _TAG_035)
        put(new, _RECORD.data_indicator1, _BLANK)
        put(new, _RECORD.data_indicator2, _BLANK)
        put(new, _RECORD.data_coded, _OPENING_A + text)
        saved = _kept_bib(leader, fields, first, new, at - 1 if first < at else at)
        if found is not None:
            PyList_Append(found, new)
    cdef tuple listed = tuple(active.values())
    if not cancelled:
        return saved, listed, ()
    return saved, listed, _not_active(cancelled, active)


# -- core.normalization.copied_019s (``Makers.copied_019s``) ---------------------------------
from almamatch.core.normalization import copied_019s as _pure_copied_019s
from almamatch.core.normalization import new_035 as _pure_new_035
cdef object _PURE_COPIED = _pure_copied_019s
cdef object _PURE_NEW_035 = _pure_new_035
cdef object _OPENING_Z = "\x1fz"  # a $z's opening in a field's text (``new_035``)
cdef object _LINE_035 = "035 "


cdef inline bint _is_019(const char* tags, Py_ssize_t at) noexcept:
    return tags[at] == 48 and tags[at + 1] == 49 and tags[at + 2] == 57  # "019"


cdef int _values_into(object coded, Py_UCS4 code, list into) except -1:
    """Append each value of subfield ``code`` of a field's text (``DataField.values``): each
    delimiter opens a subfield, whose value runs to the next delimiter."""
    cdef Py_ssize_t size = PyUnicode_GET_LENGTH(<PyObject*>coded)
    cdef Py_ssize_t at = PyUnicode_FindChar(<PyObject*>coded, _DELIMITER, 0, size, 1)
    cdef Py_ssize_t after
    while at != -1:
        after = (PyUnicode_FindChar(<PyObject*>coded, _DELIMITER, at + 1, size, 1)
                 if at + 1 < size else -1)
        if at + 1 < size and PyUnicode_READ_CHAR(<PyObject*>coded, at + 1) == code:
            into.append(PyUnicode_Substring(coded, at + 2, size if after == -1 else after))
        at = after
    return 0


cdef inline object _value_of(object number):
    """``number.value``, read from its slot for an ``OclcNumber``."""
    cdef PyObject* value = NULL
    if Py_TYPE(<PyObject*>number) is _NUMBER:
        value = _slot(<PyObject*>number, _NUMBER_VALUE)
    return number.value if value == NULL else <object>value


cdef object _canonical_in(object memo, object number):
    """``ParsedNumbers.canonical(number)`` of the memo whose table is ``memo`` (``_memo_of``):
    ``"(OCoLC)" + str(number.value)``, its number kept in the table, derived, unless there (the
    table emptied first when it has no room for one more text, ``_room(1)``)."""
    if len(<dict>memo) > <object>_slot(<PyObject*>memo, _TEXTS_LIMIT) - 1:
        (<dict>memo).clear()
    return _note_canonical(<dict>memo, _value_of(number))


def copied_019s(bib, tags, numbers):
    """``core.normalization.copied_019s(bib, tags, numbers)``: the bib with each 019 $a also as
    035 $z ``(OCoLC)<n>`` unless an 035 $z carries that number, its tag line and the numbers
    its 019 $a's parse to. Read here for a ``Bib`` whose fields are a tuple that ``tags`` (an
    ASCII text) writes and whose 035s and 019s are ``DataField`` values holding their subfields
    as their text: the values parsed through the memo ``numbers`` (its table read here where
    its look-up is the table's own) or ``parsed_or_none``, and the 035 $z's written, as the
    pure function reads and writes them, in the same order. Anything else is the pure
    function's, the definition (called before anything is read)."""
    cdef PyObject* record = <PyObject*>bib
    cdef PyObject* line = <PyObject*>tags
    cdef PyObject* fields = NULL
    cdef PyObject* leader = NULL
    if Py_TYPE(record) is _RECORD.bib:
        fields = _slot(record, _RECORD.bib_fields)
        leader = _slot(record, _RECORD.bib_leader)
    if (fields == NULL or leader == NULL or not PyTuple_CheckExact(fields)
            or not PyUnicode_CheckExact(line) or not PyUnicode_IS_ASCII(line)
            or PyUnicode_GET_LENGTH(line) != 4 * PyTuple_GET_SIZE(fields)):
        return _PURE_COPIED(bib, tags, numbers)
    cdef Py_ssize_t count = PyTuple_GET_SIZE(fields)
    cdef const char* written = <const char*>PyUnicode_DATA(line)
    cdef Py_ssize_t index, at = count
    cdef bint with_019 = False
    cdef int order
    cdef PyObject* one
    cdef PyObject* coded
    # First, whether every 035 and 019 is one read here: else nothing is read here.
    for index in range(count):
        order = _tag_order(written + 4 * index, 48, 51, 53)  # against "035"
        if order > 0 and at == count:
            at = index
        if order == 0 or _is_019(written, 4 * index):
            one = PyTuple_GET_ITEM(fields, index)
            if Py_TYPE(one) is not _RECORD.data:
                return _PURE_COPIED(bib, tags, numbers)
            coded = _slot(one, _RECORD.data_coded)
            if coded == NULL or not PyUnicode_CheckExact(coded):
                return _PURE_COPIED(bib, tags, numbers)
            if order != 0:
                with_019 = True
    cdef list read = []
    if not with_019:
        return bib, tags, read
    memo = None
    if numbers is None:
        parse = _PURE_PARSED
    else:
        parse = numbers.number
        memo = _memo_of(numbers, parse)
    cdef set present = set()
    cdef list texts = []
    for index in range(count):
        if _tag_order(written + 4 * index, 48, 51, 53) != 0:
            continue
        text = <object>_slot(PyTuple_GET_ITEM(fields, index), _RECORD.data_coded)
        if not PyUnicode_Contains(text, _OPENING_Z):
            continue
        del texts[:]
        _values_into(text, 122, texts)  # "z"
        for value in texts:
            found = _read_number(memo, parse, value)
            if found is not None:
                present.add(_value_of(found))
    cdef list added = []
    for index in range(count):
        if not _is_019(written, 4 * index):
            continue
        del texts[:]
        _values_into(<object>_slot(PyTuple_GET_ITEM(fields, index), _RECORD.data_coded), 97,
                     texts)  # "a"
        for value in texts:
            number = _read_number(memo, parse, value)
            if number is None:
                continue
            read.append(number)
            number_value = _value_of(number)
            if number_value in present:
                continue
            present.add(number_value)
            if numbers is None:
                copy = str(number)
            elif memo is not None:
                copy = _canonical_in(memo, number)
            else:
                copy = numbers.canonical(number)
            if (not PyUnicode_CheckExact(<PyObject*>copy)
                    or PyUnicode_FindChar(<PyObject*>copy, 0x1F, 0, len(copy), 1) != -1
                    or PyUnicode_FindChar(<PyObject*>copy, 0x1E, 0, len(copy), 1) != -1):
                added.append(_PURE_NEW_035("z", copy))
                continue
            new = new_empty(_RECORD.data)
            put(new, _RECORD.data_tag, _TAG_035)
            put(new, _RECORD.data_indicator1, _BLANK)
            put(new, _RECORD.data_indicator2, _BLANK)
            put(new, _RECORD.data_coded, _OPENING_Z + copy)
            added.append(new)
    if not added:
        return bib, tags, read
    # Each in tag order, before the first field whose tag sorts after "035" (``at``).
    cdef Py_ssize_t more = len(added)
    cdef object kept = PyTuple_New(count + more)
    for index in range(count + more):
        if index < at:
            item = <object>PyTuple_GET_ITEM(fields, index)
        elif index < at + more:
            item = added[index - at]
        else:
            item = <object>PyTuple_GET_ITEM(fields, index - more)
        Py_INCREF(item)
        _tuple_set(kept, index, <PyObject*>item)
    copied = new_empty(_RECORD.bib)
    put(copied, _RECORD.bib_leader, <object>leader)
    put(copied, _RECORD.bib_fields, kept)
    return copied, tags[:4 * at] + _LINE_035 * more + tags[4 * at:], read
