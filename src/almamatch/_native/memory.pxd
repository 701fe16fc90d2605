# cython: language_level=3
"""Reading memory ahead: ``prefetch(address)`` asks the processor to bring the cache line of
``address`` in while the code goes on (``__builtin_prefetch`` of GCC and Clang; nothing with
another compiler). It never faults, whatever the address, and changes no answer: a look-up that
knows which lines it (or the call after it) will read asks for them together, so that their
misses overlap instead of following one another.

Cimported by ``zonekeys`` (the saved zone's look-ups) and ``packed`` (a record's fields, read
one after another).
"""

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define ALMAMATCH_PREFETCH(address) __builtin_prefetch((const void*)(address))
    #else
    #define ALMAMATCH_PREFETCH(address) ((void)(address))
    #endif
    """
    void prefetch "ALMAMATCH_PREFETCH" (const void* address) noexcept nogil
