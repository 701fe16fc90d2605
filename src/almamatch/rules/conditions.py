"""Whether a rule's condition holds for a record, or for one field of it.

Theory of operation: a rule's ``when`` is tested on the whole record; an action's ``if`` guard is
tested field by field: "Some of these actions may have conditions themselves. These conditions
are tested at the field level" (CSU, How to create and test an Alma normalization rule,
https://calstate.atlassian.net/wiki/spaces/URM/pages/637960208). almamatch reads that as: an
``exists`` whose tag pattern matches the tag of the field being changed asks about that field;
any other ``exists`` asks about the record. ``removeField "035" if (exists "035.a.(OCoLC)o*")``
removes only the 035s that carry such a number; ``addField ... if (not exists "040.b.eng")``
asks the record.

Matching, almamatch's choices where Ex Libris is silent: a value is compared whole, ``*`` any run
of characters, letter case counts ("eng" is not "ENG"); ``exists "tag"`` on a control tag
(001-009) asks for that control field; ``existsControl`` past the end of a value does not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from almamatch.core.record import ControlField, Field
from almamatch.rules.syntax import (
    And,
    Condition,
    ControlExists,
    FieldExists,
    Not,
    Or,
    Preferred,
    TrueCondition,
)

__all__ = ["field_holds", "field_matches", "holds"]


def field_matches(condition: FieldExists, one: Field) -> bool:
    """Whether this one field satisfies ``exists`` (its tag, indicators and a subfield)."""
    if not condition.tag.matches(one.tag):
        return False
    if isinstance(one, ControlField):
        return condition.code is None and condition.indicators is None
    if condition.indicators is not None and not condition.indicators.matches(
        one.indicator1, one.indicator2
    ):
        return False
    code = condition.code
    if code is None:
        return True
    value = condition.value
    for sub_code, text in one.pairs():
        if code in ("*", sub_code) and (value is None or value.matches(text)):
            return True
    return False


def _control_matches(condition: ControlExists, tag: str, text: str) -> bool:
    if not condition.tag.matches(tag):
        return False
    if condition.position is not None:
        end = condition.position + (condition.length or 1)
        if end > len(text):
            return False
        text = text[condition.position : end]
    return condition.value is None or condition.value.matches(text)


def holds(condition: Condition, leader: str, fields: Sequence[Field]) -> bool:
    """Whether ``condition`` holds for the record (its leader and fields)."""
    match condition:
        case TrueCondition():
            return True
        case FieldExists():
            return any(field_matches(condition, one) for one in fields)
        case ControlExists():
            if _control_matches(condition, "LDR", leader):
                return True
            return any(
                isinstance(one, ControlField) and _control_matches(condition, one.tag, one.value)
                for one in fields
            )
        case Not(operand=operand):
            return not holds(operand, leader, fields)
        case And(operands=operands):
            return all(holds(one, leader, fields) for one in operands)
        case Or(operands=operands):
            return any(holds(one, leader, fields) for one in operands)
        case Preferred():
            return False  # a heading display test: no bibliographic record is a heading
        case _:
            assert_never(condition)


def field_holds(condition: Condition, leader: str, fields: Sequence[Field], one: Field) -> bool:
    """``condition`` as an action guard for field ``one`` (see the module docstring)."""
    match condition:
        case FieldExists() if condition.tag.matches(one.tag):
            return field_matches(condition, one)
        case ControlExists() if isinstance(one, ControlField) and condition.tag.matches(one.tag):
            return _control_matches(condition, one.tag, one.value)
        case Not(operand=operand):
            return not field_holds(operand, leader, fields, one)
        case And(operands=operands):
            return all(field_holds(part, leader, fields, one) for part in operands)
        case Or(operands=operands):
            return any(field_holds(part, leader, fields, one) for part in operands)
        case _:
            return holds(condition, leader, fields)


