# cython: language_level=3
"""What the compiled modules that make a bib's facts share: where ``core.facts.BibFacts`` and
``core.timestamp.Timestamp`` keep their members (``facts_layout``), and the making of each
(``make_facts``, ``make_timestamp``), as ``slots.pxd`` makes a value.

Cimported by ``values`` and ``zonekeys``. As with ``marc.pxd``, each module keeps its own copy of
the layout, made once when it is imported (``cdef FactsLayout _FACTS = facts_layout()``).
"""

from cpython.object cimport PyTypeObject

from almamatch._native.slots cimport new_empty, put, slot_offset


cdef struct FactsLayout:
    # The classes, each value made as ``slots.pxd`` makes one (``new_empty``)
    PyTypeObject* facts
    PyTypeObject* timestamp
    # Where each member's slot lives in an instance (``slots.slot_offset``)
    Py_ssize_t facts_mms_id
    Py_ssize_t facts_active
    Py_ssize_t facts_cancelled
    Py_ssize_t facts_level
    Py_ssize_t facts_version
    Py_ssize_t facts_linked
    Py_ssize_t facts_lock
    Py_ssize_t timestamp_digits
    Py_ssize_t timestamp_fraction
    Py_ssize_t timestamp_text


cdef inline FactsLayout facts_layout() except *:
    """``BibFacts`` and ``Timestamp`` and the offsets of their slots, each checked by
    ``slot_offset`` (a TypeError, when the module is imported, if one is not as relied on)."""
    from almamatch.core.facts import BibFacts  # once, at import
    from almamatch.core.timestamp import Timestamp
    cdef FactsLayout layout
    # The classes live as long as their modules (never unloaded): borrowed pointers.
    layout.facts = <PyTypeObject*>BibFacts
    layout.timestamp = <PyTypeObject*>Timestamp
    layout.facts_mms_id = slot_offset(BibFacts, "mms_id")
    layout.facts_active = slot_offset(BibFacts, "active")
    layout.facts_cancelled = slot_offset(BibFacts, "cancelled")
    layout.facts_level = slot_offset(BibFacts, "brief_level")
    layout.facts_version = slot_offset(BibFacts, "originating_version")
    layout.facts_linked = slot_offset(BibFacts, "cz_linked")
    layout.facts_lock = slot_offset(BibFacts, "lock")
    layout.timestamp_digits = slot_offset(Timestamp, "digits")
    layout.timestamp_fraction = slot_offset(Timestamp, "fraction")
    layout.timestamp_text = slot_offset(Timestamp, "text")
    return layout


cdef inline object make_facts(const FactsLayout* layout, object mms_id, object active,
                              object cancelled, object brief_level, object originating_version,
                              object cz_linked, object lock):
    """``BibFacts(...)`` of these members, checked already (``core.facts.checked_facts``)."""
    facts = new_empty(layout.facts)
    put(facts, layout.facts_mms_id, mms_id)
    put(facts, layout.facts_active, active)
    put(facts, layout.facts_cancelled, cancelled)
    put(facts, layout.facts_level, brief_level)
    put(facts, layout.facts_version, originating_version)
    put(facts, layout.facts_linked, cz_linked)
    put(facts, layout.facts_lock, lock)
    return facts


cdef inline object make_timestamp(const FactsLayout* layout, object digits, object fraction,
                                  object text):
    """``Timestamp`` of its digits, its fraction and its text, read already as
    ``core.timestamp`` reads a 005."""
    moment = new_empty(layout.timestamp)
    put(moment, layout.timestamp_digits, digits)
    put(moment, layout.timestamp_fraction, fraction)
    put(moment, layout.timestamp_text, text)
    return moment
