# cython: language_level=3
"""Making a frozen value the way ``core.slots`` makes one, from C: allocated as ``object.__new__``
allocates an instance of a class of its own (``tp_alloc``, every slot NULL), then each slot set at
the offset the class's own slot descriptor writes to, with the reference the descriptor would
take. ``slot_offset`` checks, when a module is imported, what that relies on.

Cimported by the compiled modules that build ``core`` values (``zonekeys``, ``marcread``,
``values``) and by the one that reads them (``jsontext``: ``member_offset``); its functions are
inline, so each module holds its own copy of them and nothing is imported at run time.
"""

from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_DECREF, Py_INCREF

cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        const char* name
        int type
        Py_ssize_t offset
        int flags

    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member

cdef extern from "structmember.h":
    int T_OBJECT_EX
    int READONLY

cdef extern from *:
    """
    /* What object.__new__ does for a class of its own (no arguments to check). */
    static PyObject* almamatch_slots_allocate(PyTypeObject* cls) {
        return cls->tp_alloc(cls, 0);
    }
    """
    PyObject* almamatch_slots_allocate(PyTypeObject* cls)


cdef inline Py_ssize_t member_offset(object descriptor, type cls) except -1:
    """Where the object slot that ``descriptor`` (a slot descriptor of ``cls``'s own) reads and
    writes lives in an instance of ``cls``; raises TypeError for anything else. What reading a
    slot from C relies on."""
    import types  # once per slot, when the module is imported
    if type(descriptor) is not types.MemberDescriptorType or descriptor.__objclass__ is not cls:
        raise TypeError(f"not a slot of {cls!r}: {descriptor!r}")
    cdef PyMemberDef* member = (<PyMemberDescrObject*>descriptor).d_member
    if member.type != T_OBJECT_EX:
        raise TypeError(f"not an object slot: {descriptor!r}")
    return member.offset


cdef inline Py_ssize_t slot_offset(type cls, str name) except -1:
    """Where the object slot ``name`` of the slotted class ``cls`` lives in an instance
    (``member_offset``); raises TypeError unless ``cls`` is allocated by ``object.__new__`` and
    ``name`` is a writable object slot of its own: what making a value from C relies on too."""
    if cls.__new__ is not object.__new__:  # else ``object.__new__`` would not be ``tp_alloc``
        raise TypeError(f"{cls.__name__} has its own __new__")
    descriptor = cls.__dict__[name]
    cdef Py_ssize_t offset = member_offset(descriptor, cls)
    if (<PyMemberDescrObject*>descriptor).d_member.flags & READONLY:
        raise TypeError(f"{cls.__name__}.{name} is not a writable object slot")
    return offset


cdef inline object new_empty(PyTypeObject* cls):
    """An instance of ``cls`` with every slot NULL, as ``object.__new__(cls)`` makes it."""
    cdef PyObject* made = almamatch_slots_allocate(cls)
    if made == NULL:
        raise MemoryError()
    instance = <object>made  # a new reference of its own
    Py_DECREF(instance)  # the one ``tp_alloc`` gave
    return instance


cdef inline void put(object instance, Py_ssize_t offset, object value) noexcept:
    """Set an empty slot of a new instance (what its descriptor does: a reference to ``value``
    kept in the slot)."""
    cdef PyObject** slot = <PyObject**>((<char*><PyObject*>instance) + offset)
    Py_INCREF(value)
    slot[0] = <PyObject*>value
