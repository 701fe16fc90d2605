"""Building a frozen attrs value whose fields are already checked, without its ``__init__``.

A caller that has checked everything a value's converters and validators check (a decoder, a
parser) makes the instance with ``object.__new__`` and sets each slot through the class's own
slot descriptor, as the attrs ``__init__`` would. The result equals, hashes and prints as the
public constructor's; each module using this has a property test saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

__all__ = ["new_instance", "slot_setter"]

#: ``new_instance(cls)``: an instance of ``cls`` with no slot set yet.
new_instance: Final = object.__new__


def slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """The setter of slot ``name`` of the slotted class ``cls`` (``setter(instance, value)``)."""
    setter: Callable[[Any, Any], None] = cls.__dict__[name].__set__
    return setter
