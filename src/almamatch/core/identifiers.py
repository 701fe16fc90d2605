"""Which OCLC numbers a bib carries, active and cancelled.

Theory of operation: Alma "will attempt to find any matching records based on the OCLC Control
Number, which is found in the 035 field. Alma considers both active values in subfield a (035$a)
and cancelled values (035$z; or 019$a when seen in WorldCat)" (CARLI, OCLC Gateway Export Errors).

* active: each 035 $a that parses and says it is OCLC's (the ``(OCoLC)`` qualifier or an
  ``ocm``/``ocn``/``on`` prefix; a bare number in 035 $a belongs to some other system), and 001
  when 003 is ``OCoLC`` ("003 OCoLC indicates a record exported from WorldCat", Ex Libris KB);
* cancelled: each 035 $z that says it is OCLC's, and each 019 $a ("the OCLC control number of a
  deleted or merged record", OCLC BFAS 019), where bare digits are the norm;
* a number that is active is not also cancelled; each list keeps field order without repeats;
* a value that looks meant as an OCLC number but does not parse becomes a ``Diagnostic``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import frozen

from almamatch.core.errors import InvalidOclcNumber
from almamatch.core.oclc import OclcNumber, ParsedNumbers, number_reader

if TYPE_CHECKING:
    from almamatch.core.record import Bib

__all__ = [
    "Diagnostic",
    "OclcNumbers",
    "extract_oclc_numbers",
    "looks_like_oclc",
    "take_oclc_number",
    "unique_numbers",
]


@frozen(kw_only=True)
class Diagnostic:
    """A value in a record that should have parsed and did not: where, what, and why."""

    tag: str
    code: str  # subfield code, "" for a control field
    text: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.tag} ${self.code}" if self.code else self.tag
        return f"{where} {self.text!r}: {self.reason}"


@frozen(kw_only=True)
class OclcNumbers:
    """The OCLC numbers of one record."""

    active: tuple[OclcNumber, ...] = ()
    cancelled: tuple[OclcNumber, ...] = ()
    problems: tuple[Diagnostic, ...] = ()

    @property
    def all(self) -> tuple[OclcNumber, ...]:
        return self.active + self.cancelled


def looks_like_oclc(text: str) -> bool:
    """Whether text seems meant as an OCLC number: it mentions OCoLC or starts ocm/ocn/on."""
    lowered = text.strip().lower()
    return "ocolc" in lowered or lowered.startswith(("ocm", "ocn", "on"))


def unique_numbers(
    numbers: list[OclcNumber], exclude: tuple[OclcNumber, ...] = ()
) -> tuple[OclcNumber, ...]:
    """``numbers`` in order, each value once, leaving out those in ``exclude``."""
    if not numbers or (len(numbers) == 1 and not exclude):  # nothing to repeat or leave out
        return tuple(numbers)
    # Numbers are equal exactly when their values are (``OclcNumber``: the form is not compared):
    # the values are compared, as ints, rather than the numbers through their attrs methods.
    seen = {number.value for number in exclude}
    kept: list[OclcNumber] = []
    for number in numbers:
        if number.value not in seen:
            seen.add(number.value)
            kept.append(number)
    return tuple(kept)


def take_oclc_number(
    tag: str,
    code: str,
    text: str,
    into: list[OclcNumber],
    problems: list[Diagnostic],
    *,
    bare_ok: bool,
    numbers: ParsedNumbers | None = None,
) -> OclcNumber | None:
    """Parse one value by the rules above: append it to ``into``, or a diagnostic to ``problems``.

    A bare number counts where ``bare_ok`` (001 with 003 OCoLC, 019 $a); in 035 only a value that
    says it is OCLC's. Returns the number taken, or None. ``numbers`` is the caller's memo of
    parsed texts (a batch's); a text it cannot parse is parsed again here, for the reason.
    """
    number = None if numbers is None else numbers.number(text)
    if number is None:
        try:
            number = OclcNumber.parse(text)
        except InvalidOclcNumber as error:
            if bare_ok or looks_like_oclc(text):
                problems.append(Diagnostic(tag=tag, code=code, text=text, reason=error.reason))
            return None
    if bare_ok or number.form.is_marked:
        into.append(number)
        return number
    return None


def extract_oclc_numbers(bib: Bib, numbers: ParsedNumbers | None = None) -> OclcNumbers:
    """Apply the rules of this module to a bib; never raises. ``numbers``: the caller's memo of
    parsed texts (a batch's ``DecisionCache.numbers``), which changes nothing but the time."""
    active: list[OclcNumber] = []
    cancelled: list[OclcNumber] = []
    problems: list[Diagnostic] = []
    identifier = bib.control_value("003")
    if identifier is not None and identifier.replace(" ", "").lower() == "ocolc":
        value = bib.control_value("001")
        if value is not None:
            take_oclc_number("001", "", value, active, problems, bare_ok=True, numbers=numbers)
    read = number_reader(numbers)
    # One pass in record order: 035 $z and 019 $a interleave in ``cancelled`` as written. A
    # value that parses is taken here as ``take_oclc_number`` takes it; one that does not goes
    # there, which parses it again for its reason (a diagnostic, or nothing).
    for one in bib.data_fields("035", "019"):
        if one.tag == "035":
            for code, text in one.pairs():
                if code == "a":
                    into = active
                elif code == "z":
                    into = cancelled
                else:
                    continue
                number = read(text)
                if number is None:
                    take_oclc_number("035", code, text, into, problems, bare_ok=False)
                elif number.form.qualified or number.form.prefix:  # ``OclcForm.is_marked``
                    into.append(number)
        else:
            for text in one.values("a"):
                number = read(text)
                if number is None:
                    take_oclc_number("019", "a", text, cancelled, problems, bare_ok=True)
                else:
                    cancelled.append(number)
    kept_active = unique_numbers(active)
    kept_cancelled = unique_numbers(cancelled, exclude=kept_active)
    return OclcNumbers(active=kept_active, cancelled=kept_cancelled, problems=tuple(problems))
