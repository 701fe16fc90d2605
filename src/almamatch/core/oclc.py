"""OCLC control numbers, parsed once into a typed value.

Theory of operation: ``OclcNumber.parse`` accepts the forms OCLC itself writes and the variants
catalogs hold, and nothing else. Two numbers are equal when their values are equal; how a number
was written (qualifier, ``ocm``/``ocn``/``on`` prefix, zero padding) is kept as its ``form`` so
that a "literal" match method and diagnostics can use it, but it never changes equality.

Sources (see ``reference/oclc-numbers-and-levels.md`` section 1):

* "In 001 the OCN carries a prefix: numbers 1-99999999 -> ocm + 8 digits ...; >=100000000 ->
  ocn + 9 digits; >=1000000000 -> on + 10 or more digits" (OCLC Support, 035 field and OCLC
  control numbers).
* "In 035 $a the OCN is prefixed by (OCoLC)" and "since Nov 2006 OCLC adds an automatically
  generated 035 (OCoLC) + number without prefix and without leading zeros".
* A parenthetical qualifier other than ``(OCoLC)`` is not an OCLC number: FOLIO leaves
  ``(OCoLC-M)`` alone, Princeton rejects ``(OCoLC)TGPSM11-B2267``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Final, TypeAlias

from attrs import field, frozen

from almamatch.core.digits import digits_value
from almamatch.core.errors import InvalidOclcNumber
from almamatch.core.slots import new_instance, slot_setter

__all__ = [
    "MAX_OCLC_NUMBER",
    "OclcForm",
    "OclcNumber",
    "ParsedNumbers",
    "literals",
    "number_reader",
]

#: Keys are stored as unsigned 64-bit integers in the zone index; no real OCLC number comes near.
MAX_OCLC_NUMBER: Final = 2**63 - 1

_PATTERN: Final = re.compile(
    r"""
    (?P<qualifier>\(ocolc\))?\s*
    (?P<prefix>ocm|ocn|on)?\s*
    (?P<digits>[0-9]+)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_PREFIXES: Final = ("", "ocm", "ocn", "on")


@frozen
class OclcForm:
    """How a number was written: qualified with ``(OCoLC)``, its prefix, and its digit count."""

    qualified: bool
    prefix: str  # "", "ocm", "ocn" or "on", lower case
    width: int  # number of digits as written, leading zeros included

    @property
    def is_marked(self) -> bool:
        """True when the text says by itself that it is an OCLC number (qualifier or prefix)."""
        return self.qualified or bool(self.prefix)

    @property
    def code(self) -> int:
        """The form packed in one byte: prefix index in the low two bits, qualifier, width."""
        prefix = _PREFIXES.index(self.prefix)
        return prefix | (int(self.qualified) << 2) | (min(self.width, 31) << 3)

    @classmethod
    def from_code(cls, code: int) -> OclcForm:
        """The inverse of ``code``."""
        return cls(qualified=bool(code >> 2 & 1), prefix=_PREFIXES[code & 3], width=code >> 3)


def _prefix_fits(prefix: str, digits: str, value: int) -> bool:
    # "ocm + 8 digits", "ocn + 9 digits", "on + 10 or more digits" (OCLC number expansion).
    if prefix == "ocm":
        return len(digits) == 8 and value < 100_000_000
    if prefix == "ocn":
        return len(digits) == 9 and 100_000_000 <= value < 1_000_000_000
    if prefix == "on":
        return len(digits) >= 10 and value >= 1_000_000_000 and not digits.startswith("0")
    return True


@frozen(order=True)
class OclcNumber:
    """An OCLC control number: equal, hashable and ordered by ``value`` alone.

    >>> OclcNumber.parse("(OCoLC)ocm00012345").value
    12345
    >>> str(OclcNumber.parse("ocn123456789"))
    '(OCoLC)123456789'
    >>> OclcNumber.parse("12345").control_number
    'ocm00012345'
    """

    value: int
    form: OclcForm = field(
        eq=False, order=False, factory=lambda: OclcForm(qualified=True, prefix="", width=0)
    )

    def __attrs_post_init__(self) -> None:
        if not 0 < self.value <= MAX_OCLC_NUMBER:
            raise InvalidOclcNumber(self.value, "out_of_range", "an OCLC number is above zero")

    @classmethod
    def parse(cls, text: str) -> OclcNumber:
        """Parse an 035 $a/$z, 019 $a or 001 value; raise ``InvalidOclcNumber`` naming the text."""
        found = _parse(text)
        if found.__class__ is tuple:
            raise InvalidOclcNumber(text, *found)
        return found  # type: ignore[return-value]

    @classmethod
    def of(cls, value: int) -> OclcNumber:
        """The number with this value, written canonically: ``(OCoLC)`` and no padding."""
        return cls(value, OclcForm(qualified=True, prefix="", width=len(str(value))))

    @property
    def is_canonical(self) -> bool:
        """False when a prefix does not fit the number's length (``ocm`` with 9 digits)."""
        digits = f"{self.value:0{self.form.width}d}"
        return _prefix_fits(self.form.prefix, digits, self.value)

    @property
    def control_number(self) -> str:
        """The 001 form: ``ocm`` + 8 digits, ``ocn`` + 9 digits, ``on`` + 10 or more."""
        if self.value < 100_000_000:
            return f"ocm{self.value:08d}"
        if self.value < 1_000_000_000:
            return f"ocn{self.value:09d}"
        return f"on{self.value}"

    @property
    def literal(self) -> str:
        """The number as it was written, blanks removed: ``(OCoLC)ocm00012345``."""
        form = self.form
        digits = str(self.value).zfill(form.width)  # the value's digits, padded as written
        return f"(OCoLC){form.prefix}{digits}" if form.qualified else form.prefix + digits

    def __str__(self) -> str:
        return f"(OCoLC){self.value}"

    def __repr__(self) -> str:
        return f"<OclcNumber({self.literal!r})>"


#: The forms numbers are written in, each built once (an ``OclcForm`` is an immutable value);
#: widths past this are built anew, so that odd padding cannot grow the table.
_FORMS: Final[dict[tuple[bool, str, int], OclcForm]] = {}
_SHARED_WIDTH: Final = 24


def _form(qualified: bool, prefix: str, width: int) -> OclcForm:
    if width > _SHARED_WIDTH:
        return OclcForm(qualified=qualified, prefix=prefix, width=width)
    key = (qualified, prefix, width)
    found = _FORMS.get(key)
    if found is None:
        found = _FORMS[key] = OclcForm(qualified=qualified, prefix=prefix, width=width)
    return found


#: The shared forms the parse's own path writes (widths 1-18; 0 is never written), by qualifier,
#: prefix and width: looked up by three subscripts, where ``_FORMS`` is looked up by a key made
#: first.
_WRITTEN_WIDTHS: Final = 19
_WRITTEN_FORMS: Final[dict[bool, dict[str, list[OclcForm]]]] = {
    qualified: {prefix: [_form(qualified, prefix, width) for width in range(_WRITTEN_WIDTHS)]
                for prefix in _PREFIXES}
    for qualified in (False, True)
}
#: The canonical forms, ``(OCoLC)`` and the digits unpadded (``str(number)``), by width: the
#: form of a number derived from another's value (``ParsedNumbers.canonical``).
_CANONICAL_FORMS: Final = _WRITTEN_FORMS[True][""]


def _parse(text: str) -> OclcNumber | tuple[str, str]:
    """The number ``text`` writes, or the reason and detail of ``InvalidOclcNumber``."""
    stripped = text.strip()
    # The forms OCLC writes, read without the pattern: "(OCoLC)" then "ocm"/"ocn"/"on", then
    # ASCII digits, at most 18 and not all zeros. Anything else (other letter case, blanks
    # inside, no digits, zero, too many digits) goes the pattern's way (``_matched``), which
    # says the same of these forms (tests/property/test_value_properties.py compares the two).
    if stripped[:7] == "(OCoLC)":
        digits = stripped[7:]
        qualified = True
    else:
        digits = stripped
        qualified = False
    prefix = ""
    if not digits.isdigit():  # a prefix, or not this path's form
        head = digits[:3]
        if head in {"ocm", "ocn"}:
            prefix = head
            digits = digits[3:]
        elif head[:2] == "on":
            prefix = "on"
            digits = digits[2:]
    width = len(digits)
    if width <= 18 and digits.isdigit() and digits.isascii():
        value = int(digits)
        if value:
            # ``_written``, in this call: the number with its shared form.
            number: OclcNumber = _new(OclcNumber)
            _SET_VALUE(number, value)
            _SET_FORM(number, _WRITTEN_FORMS[qualified][prefix][width])
            return number
    return _matched(stripped)


def _matched(stripped: str) -> OclcNumber | tuple[str, str]:
    """``_parse`` of a text without blanks at either end (``stripped``), by the pattern."""
    if not stripped:
        return "empty", ""
    match = _PATTERN.fullmatch(stripped)
    if match is None:
        return _why_not(stripped), ""
    digits = match["digits"]
    value = digits_value(digits, max_digits=19)  # any zero padding, past int()'s limit
    if value is None:
        return "out_of_range", "too many digits"
    if value == 0:
        return "zero", "an OCLC number is above zero"
    if value > MAX_OCLC_NUMBER:
        return "out_of_range", "too large"
    prefix = (match["prefix"] or "").lower()
    return _written(value, match["qualifier"] is not None, prefix, len(digits))


# A parsed value is in range by the checks above (at most 18 digits, not all zeros; or checked
# against zero and ``MAX_OCLC_NUMBER``): the number is built as the attrs ``__init__`` builds it,
# without its range check again (tests/property/test_value_properties.py compares the two).
_new: Final = new_instance
_SET_VALUE: Final = slot_setter(OclcNumber, "value")
_SET_FORM: Final = slot_setter(OclcNumber, "form")


def checked_number(value: int, form: OclcForm) -> OclcNumber:
    """``OclcNumber(value, form)`` for ``0 < value <= MAX_OCLC_NUMBER``: a caller that knows the
    value in range (a parse, a zone view answering for a number it was given) makes the number
    without the constructor's check again."""
    number: OclcNumber = _new(OclcNumber)
    _SET_VALUE(number, value)
    _SET_FORM(number, form)
    return number


def _written(value: int, qualified: bool, prefix: str, width: int) -> OclcNumber:
    """``checked_number`` of ``value`` in the form so written (``_form``), in one call."""
    form = _FORMS.get((qualified, prefix, width)) or _form(qualified, prefix, width)
    number: OclcNumber = _new(OclcNumber)
    _SET_VALUE(number, value)
    _SET_FORM(number, form)
    return number


def parsed_or_none(text: str) -> OclcNumber | None:
    """``OclcNumber.parse(text)``, or None where it raises."""
    found = _parse(text)
    return None if found.__class__ is tuple else found  # type: ignore[return-value]


class _Texts(dict[str, OclcNumber | None]):
    """The table of a ``ParsedNumbers``: each text with its number; a text it does not hold is
    parsed, kept (the table emptied first when it holds ``limit`` texts) and answered, so that
    a look-up of a text it holds is the dictionary's alone."""

    __slots__ = ("limit", "parse")
    limit: int
    #: ``parsed_or_none``, or a twin its owner was handed (``ParsedNumbers``).
    parse: Callable[[str], OclcNumber | None]

    def __missing__(self, text: str) -> OclcNumber | None:
        if len(self) >= self.limit:
            self.clear()
        number = self[text] = self.parse(text)
        return number


#: ``text in table`` for a ``_Texts``: the dictionary's own test, called at once, where ``in``
#: on a subclass of ``dict`` looks its ``__contains__`` up on each test.
_holds: Final[Callable[[dict[str, OclcNumber | None], str], bool]] = dict.__contains__


def saved_number(found: _Texts, text: str) -> OclcNumber | None:
    """``ParsedNumbers.saved_control_number`` of the memo whose table is ``found``:
    ``number("(OCoLC)" + text)`` for the 001 ``text`` of a record whose 003 is ``OCoLC``, the 035
    $a Alma's save rule writes of it (``core.normalization.fold_003``). Also remembers the number
    of the 035 $a that OCLC itself writes of that number, ``str(number)`` ("an automatically
    generated 035 (OCoLC) + number without prefix and without leading zeros"), derived rather
    than parsed (``ParsedNumbers.canonical``). The 001's own text is not parsed: nothing of a
    saved record reads it (its 001 then holds the MMS ID). A batch hands its compiled twin
    (``core.decision.Makers.saved_number``)."""
    if len(found) > found.limit - 2:  # ``_room(2)``: the two texts kept here
        found.clear()
    whole = "(OCoLC)" + text
    if _holds(found, whole):  # seldom: a 001 seen again
        number = found[whole]
    else:
        number = found[whole] = found.parse(whole)
    if number is not None:  # ``_canonical``, without a call
        value = number.value
        digits = str(value)
        written = "(OCoLC)" + digits
        if not _holds(found, written):
            width = len(digits)
            canonical: OclcNumber = _new(OclcNumber)
            _SET_VALUE(canonical, value)
            _SET_FORM(canonical, _CANONICAL_FORMS[width] if width < _WRITTEN_WIDTHS
                      else _form(True, "", width))
            found[written] = canonical
    return number


#: ``saved_number``, or a twin that gives the same numbers and leaves the same table.
SavedNumber: TypeAlias = Callable[[_Texts, str], OclcNumber | None]


class ParsedNumbers:
    """The numbers texts parse to (``parsed_or_none``), each text parsed once: a memo owned by
    the caller that decides many records (a batch's ``DecisionCache``), never by a value.

    Numbers are immutable values, so a remembered one is the one a new parse would give. It
    holds at most ``limit`` texts (the three of one 001, ``control_number``, under a smaller
    limit) and starts again empty when full: the same texts come back within a record's
    decision and application, not across a whole day.

    ``parse`` reads a text it does not hold: ``parsed_or_none``, the definition, unless its
    owner hands a twin that gives the same numbers (a batch's compiled one, ``Makers.parse``);
    ``saved_control_number`` likewise is ``saved_number`` or its twin (``Makers.saved_number``).
    """

    __slots__ = ("_found", "number", "saved_control_number")

    def __init__(self, limit: int = 4096,
                 parse: Callable[[str], OclcNumber | None] | None = None,
                 saved: SavedNumber | None = None) -> None:
        self._found = _Texts()
        self._found.limit = limit
        self._found.parse = parsed_or_none if parse is None else parse
        #: ``number(text)``: ``parsed_or_none(text)``, parsed once while remembered; a look-up
        #: in the table, which parses a text it does not hold (``_Texts``), made without a call
        #: of a method written here.
        self.number: Callable[[str], OclcNumber | None] = self._found.__getitem__
        #: ``saved_control_number(text)``: ``number("(OCoLC)" + text)`` for the 001 ``text`` of
        #: a record whose 003 is ``OCoLC``, also remembering the number of OCLC's own 035 $a of
        #: it (``saved_number``, of this memo's table).
        self.saved_control_number: Callable[[str], OclcNumber | None] = partial(
            saved_number if saved is None else saved, self._found)

    @property
    def limit(self) -> int:
        """How many texts are kept at most."""
        return self._found.limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._found.limit = value

    def control_number(self, text: str) -> OclcNumber | None:
        """``number(text)`` for the 001 ``text`` of a record whose 003 is ``OCoLC``, also
        remembering the numbers of the two 035 $a texts that carry that number in such a record
        (``saved_control_number``)."""
        self._room(3)  # the three texts kept here
        self.saved_control_number(text)
        return self.number(text)

    def canonical(self, number: OclcNumber) -> str:
        """``str(number)``, the text ``(OCoLC)<n>`` that OCLC writes and normalization copies a
        cancelled number as (``core.normalization.CopyCancelledTo035z``), remembered as the
        number it parses to, derived rather than parsed: that number's value, qualified, no
        prefix, its digits unpadded."""
        return self._canonical(number, self._room(1))

    def _canonical(self, number: OclcNumber, found: dict[str, OclcNumber | None]) -> str:
        value = number.value
        digits = str(value)
        written = "(OCoLC)" + digits
        if not _holds(found, written):
            width = len(digits)
            found[written] = checked_number(
                value, _CANONICAL_FORMS[width] if width < _WRITTEN_WIDTHS
                else _form(True, "", width))
        return written

    def _room(self, texts: int) -> dict[str, OclcNumber | None]:
        """The memo, started again empty when it has no room for ``texts`` more."""
        found = self._found
        if len(found) > found.limit - texts:
            found.clear()
        return found


def _why_not(text: str) -> str:
    """A reason code for text that is not an OCLC number."""
    lowered = text.lower()
    if text.startswith("(") and not lowered.startswith("(ocolc)"):
        return "other_qualifier"
    position = lowered.find("(ocolc)")
    if position > 0:
        return "text_before_qualifier"
    body = re.sub(r"^\(ocolc\)\s*", "", lowered)
    body = re.sub(r"^(ocm|ocn|on)\s*", "", body)
    if not body:
        return "no_digits"
    if not body[0].isdigit() or not body[0].isascii():
        return "letters_before_digits"
    return "text_after_digits"


def literals(numbers: Sequence[OclcNumber]) -> list[str]:
    """The ``literal`` of each number, in order: how stage 5 lists its keys (a batch hands its
    compiled twin, ``core.decision.Makers.literals``)."""
    return [number.literal for number in numbers]


def number_reader(numbers: ParsedNumbers | None) -> Callable[[str], OclcNumber | None]:
    """How a caller reads a text as a number: through its memo ``numbers`` when it has one,
    else ``parsed_or_none``; the number is the same either way."""
    return parsed_or_none if numbers is None else numbers.number
