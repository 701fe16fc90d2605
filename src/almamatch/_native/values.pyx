# cython: language_level=3
"""The twin of ``core.decision``'s makers (``make_step``, ``make_add``, ``make_merge``): each value
``decide()`` builds for every record, made as ``core.slots`` makes it (``slots.pxd``: allocated as
``object.__new__`` allocates it, each slot set where its descriptor would set it), from C.

``core`` never imports this module: a caller deciding many records hands these makers to its
``DecisionCache`` (``almamatch.values.decision_makers``); tests/property/test_value_makers.py holds
each equal to its pure twin.
"""

from cpython.object cimport PyTypeObject

from almamatch._native.slots cimport new_empty, put, slot_offset

from almamatch.core.decision import Add, Merge, Step

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
