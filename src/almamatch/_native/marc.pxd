# cython: language_level=3
"""What the compiled modules that read or make MARC records share: where ``core.record``'s
values keep their members (``record_layout``), each numeric tag's text (``tag_texts``) and the
number that ASCII digits write (``digits_number``).

Cimported by ``marcread``, ``packed``, ``links`` and ``values``. A ``.pxd`` holds no module
state, so each module keeps its own copy of what these functions answer, made once when it is
imported (``cdef RecordLayout _RECORD = record_layout()``, ``cdef tuple _TAGS = tag_texts()``):
reading a member of that module-level struct costs what reading a module-level variable does.
"""

from cpython.object cimport PyTypeObject

from almamatch._native.slots cimport slot_offset


cdef struct RecordLayout:
    # The classes, each value made as ``slots.pxd`` makes one (``new_empty``)
    PyTypeObject* bib
    PyTypeObject* control
    PyTypeObject* data
    # Where each member's slot lives in an instance (``slots.slot_offset``)
    Py_ssize_t bib_leader
    Py_ssize_t bib_fields
    Py_ssize_t control_tag
    Py_ssize_t control_value
    Py_ssize_t data_tag
    Py_ssize_t data_indicator1
    Py_ssize_t data_indicator2
    Py_ssize_t data_coded


cdef inline RecordLayout record_layout() except *:
    """``Bib``, ``ControlField`` and ``DataField`` and the offsets of their slots, each checked by
    ``slot_offset`` (a TypeError, when the module is imported, if one is not as relied on).
    ``core.record`` makes a checked value with ``object.__new__`` and sets its slots through the
    class's slot descriptors; a value made or read here at these offsets is the same."""
    from almamatch.core.record import Bib, ControlField, DataField  # once, at import
    cdef RecordLayout layout
    # The classes live as long as ``core.record`` (never unloaded): borrowed pointers.
    layout.bib = <PyTypeObject*>Bib
    layout.control = <PyTypeObject*>ControlField
    layout.data = <PyTypeObject*>DataField
    layout.bib_leader = slot_offset(Bib, "leader")
    layout.bib_fields = slot_offset(Bib, "fields")
    layout.control_tag = slot_offset(ControlField, "tag")
    layout.control_value = slot_offset(ControlField, "value")
    layout.data_tag = slot_offset(DataField, "tag")
    layout.data_indicator1 = slot_offset(DataField, "indicator1")
    layout.data_indicator2 = slot_offset(DataField, "indicator2")
    layout.data_coded = slot_offset(DataField, "_coded")
    return layout


cdef inline tuple tag_texts():
    """Each numeric tag's text at its number, one string per tag (as the Python path's table):
    a field made here holds the one text of its tag."""
    return tuple([f"{number:03d}" for number in range(1000)])


cdef inline Py_ssize_t digits_number(const unsigned char* at, int width) noexcept:
    """The number the ``width`` ASCII digits at ``at`` write; -1 when one is not a digit."""
    cdef Py_ssize_t number = 0
    cdef int place
    cdef unsigned char digit
    for place in range(width):
        digit = at[place] - 0x30
        if digit > 9:
            return -1
        number = number * 10 + digit
    return number
