"""Normalization steps of an integration profile, and Alma's save-time 001/003 rule.

Theory of operation: before matching, "Alma applies the import settings (normalization,
validation, and merge routines) defined in the integration profile" (Ex Libris S1). The steps are
a closed set of frozen values, each a pure ``Bib -> Bib`` function:

* ``CopyCancelledTo035z``: CARLI's ``Marc21 Bib Copy 019a to 035z`` (S3): every 019 $a becomes an
  035 $z ``(OCoLC)<n>`` unless the record already carries that number in 035 $z;
* ``RemoveFields``: CSU's ``CSU Remove 029,936,938,948,984 NZ`` (S10): fields with those tags go.

``fold_003`` is not a profile option but what Alma does on every save: "When a 003 field exists in
a record, Alma creates a 035 field with the system number in field 001 prefixed by the information
in the 003 field in brackets. It then removes the 003 field." (Ex Libris KB, S18).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Final, Protocol, TypeAlias

from attrs import field, frozen

from almamatch.core.errors import InvalidNormalization, InvalidRecord
from almamatch.core.oclc import OclcNumber, ParsedNumbers, number_reader
from almamatch.core.record import (
    FIELD_TERMINATOR,
    SUBFIELD_DELIMITER,
    Bib,
    ControlField,
    DataField,
    Field,
    Subfield,
    as_data_field,
    checked_bib,
    checked_control_field,
    checked_data_field,
    kept_subfields,
)

__all__ = [
    "CopyCancelledTo035z",
    "Keyed",
    "NormalizationStep",
    "Read035s",
    "RemoveFields",
    "RuleNormalization",
    "SavedRead",
    "assign_mms_id",
    "copied_019s",
    "fold_003",
    "fold_003_tagged",
    "folded_controls",
    "insert_in_tag_order",
    "line_positions",
    "listed_numbers",
    "new_035",
    "read_035s",
    "saved_035s",
    "saved_bib",
    "tag_line",
    "tag_order_position",
]


@frozen
class CopyCancelledTo035z:
    """``Marc21 Bib Copy 019a to 035z``: each 019 $a also as 035 $z ``(OCoLC)<n>``."""

    name: str = "Marc21 Bib Copy 019a to 035z"

    def may_change(self, tags: str) -> bool:
        """False when ``apply`` returns a bib whose ``tag_line`` is ``tags`` as it is: it has no
        019."""
        return "019" in tags

    def apply(self, bib: Bib, *, numbers: ParsedNumbers | None = None) -> Bib:
        """The bib with the copies; ``numbers`` is the caller's memo of parsed OCLC numbers (a
        batch's), which gives the same result."""
        return self.apply_tagged(bib, tag_line(bib.fields), numbers=numbers)[0]

    def apply_tagged(self, bib: Bib, tags: str, *, numbers: ParsedNumbers | None = None
                     ) -> tuple[Bib, str]:
        """``apply`` of a bib whose ``tag_line`` is ``tags``; with the result's (as
        ``fold_003_tagged``). The memo ``numbers`` also remembers the number of each 035 $z
        text written, ``(OCoLC)<n>``, derived from the 019 $a's rather than parsed again when
        the record's numbers are read (``ParsedNumbers.canonical``)."""
        return self.apply_read(bib, tags, numbers=numbers)[:2]

    def apply_read(self, bib: Bib, tags: str, *, numbers: ParsedNumbers | None = None
                   ) -> tuple[Bib, str, list[OclcNumber]]:
        """``apply_tagged``, with the numbers its 019 $a's parse to, in field and subfield
        order (those that parse, each as often as written): the step reads them to copy them,
        and ``prepare`` reads them again for the record's cancelled 019 numbers."""
        return copied_019s(bib, tags, numbers)


#: How a field's text (``marc_text``) opens a $z: no value holds the delimiter.
_CANCELLED_035: Final = SUBFIELD_DELIMITER + "z"


def _tags(tags: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    if isinstance(tags, str):
        tags = [part for part in tags.replace(",", " ").split() if part]
    if not isinstance(tags, tuple | list) or not all(isinstance(tag, str) for tag in tags):
        # Checked here, once: a number among the tags would make every later apply() raise.
        raise InvalidNormalization(tags, "bad_tags", "the fields to remove are tags as text")
    return tuple(tags)


@frozen
class RemoveFields:
    """Remove every field with one of ``tags`` (``RemoveFields(("029", "936"))``)."""

    tags: tuple[str, ...] = field(converter=_tags)
    name: str = ""

    def may_change(self, tags: str) -> bool:
        """False when ``apply`` returns a bib whose ``tag_line`` is ``tags`` as it is: none to
        remove."""
        return any(_in_line(tags, tag) for tag in self.tags)

    def apply(self, bib: Bib) -> Bib:
        """The bib without those fields (the very bib when it has none)."""
        return self.apply_tagged(bib, tag_line(bib.fields))[0]

    def apply_tagged(self, bib: Bib, tags: str) -> tuple[Bib, str]:
        """``apply`` of a bib whose ``tag_line`` is ``tags``; with the result's (as
        ``fold_003_tagged``)."""
        if not self.may_change(tags):
            return bib, tags
        removed = self.tags
        kept = tuple([one for one in bib.fields if one.tag not in removed])
        return checked_bib(bib.leader, kept), tag_line(kept)

    @property
    def label(self) -> str:
        return self.name or "Remove " + ",".join(self.tags)


class RuleNormalization(Protocol):
    """Normalization rules compiled from Alma rule text (``almamatch.rules.NormalizationRules``):
    the core runs them without knowing the language."""

    @property
    def name(self) -> str: ...

    def run(self, bib: Bib) -> tuple[Bib, tuple[str, ...]]:
        """The record after the rules, and a note for each action that changed it."""
        ...


NormalizationStep: TypeAlias = CopyCancelledTo035z | RemoveFields | RuleNormalization


def fold_003(bib: Bib) -> Bib:
    """Alma's save rule: 001 + 003 give 035 $a ``(<003>)<001>``; 003 is removed.

    The 035 is not added twice when the record already has exactly that 035 $a.
    """
    return fold_003_tagged(bib, tag_line(bib.fields))[0]


def fold_003_tagged(bib: Bib, tags: str, *, numbers: ParsedNumbers | None = None
                    ) -> tuple[Bib, str]:
    """``fold_003`` of a bib whose ``tag_line`` is ``tags``; with the result's.

    The tag line lets each look-up search one text instead of the fields. ``numbers`` is
    the caller's memo of parsed OCLC numbers (a batch's): under 003 ``OCoLC`` it remembers the
    number of the 035 $a this writes, ``(OCoLC)<001>``, and derives from it that of OCLC's own
    035 $a ``(OCoLC)<n>`` rather than parsing that text too (``ParsedNumbers.
    saved_control_number``); the result is the same without it.
    """
    first = tags.find("003")
    if first == -1:
        return bib, tags
    fields = bib.fields
    control = tags.find("001")
    kept = list(fields)
    kept_tags = tags.replace("003 ", "")
    if len(kept_tags) == len(tags) - 4:  # nearly always: one 003
        del kept[first >> 2]
    else:
        for at in reversed(line_positions(tags, "003")):
            del kept[at]
    if control != -1:
        identifier, number = folded_controls(fields, first, control)
        if numbers is not None and identifier == "OCoLC":
            numbers.saved_control_number(number)
        text = f"({identifier}){number}"
        # No 003 is an 035: the kept fields hold the 035s of the given ones.
        if not _holds_035a(fields, tags, text):
            at = tag_order_position(kept, "035")
            kept.insert(at, new_035("a", text))
            offset = 4 * at
            kept_tags = kept_tags[:offset] + "035 " + kept_tags[offset:]
    return checked_bib(bib.leader, tuple(kept)), kept_tags


def folded_controls(fields: tuple[Field, ...], first: int, control: int) -> tuple[str, str]:
    """The 003 and the 001 the save rule folds into ``(<003>)<001>``: the fields at ``first``
    and ``control`` of the record's ``tag_line`` (its first 003 and first 001), each stripped,
    as ``Bib.control_value`` reads them (a control tag is always a ``ControlField``: ``Bib``
    checks it)."""
    one = fields[first >> 2]
    identifier = (one.value if isinstance(one, ControlField) else _control_text(one)).strip()
    one = fields[control >> 2]
    return identifier, (one.value if isinstance(one, ControlField) else _control_text(one)).strip()


def _holds_035a(fields: tuple[Field, ...], tags: str, text: str) -> bool:
    """Whether an 035 among ``fields`` (whose ``tag_line`` is ``tags``) has ``text`` as an $a."""
    # In a field's text (``marc_text``) every delimiter opens a subfield and no value holds one:
    # an $a of ``text`` is the delimiter, "a", ``text``, then a delimiter or the end.
    needle = None if SUBFIELD_DELIMITER in text else SUBFIELD_DELIMITER + "a" + text
    at = tags.find("035")
    while at != -1:
        one = fields[at >> 2]
        at = tags.find("035", at + 4)
        written = kept_subfields(one)  # an 035 is a ``DataField``: ``Bib`` checks it
        if needle is None or written.__class__ is not str:
            if text in as_data_field(one).values("a"):
                return True
        elif needle in written and (
                written == needle
                or needle + SUBFIELD_DELIMITER in written + SUBFIELD_DELIMITER):
            return True
    return False


def new_035(code: str, value: str) -> DataField:
    """The 035 that normalization or the save rule adds: one subfield, ``code`` ``value``.

    Made as the text ISO 2709 writes after the indicators when that text holds the subfield
    (the value holds no delimiter 0x1F or terminator 0x1E; ``code`` is one letter), which is
    what the constructor would keep, without making a ``Subfield`` and joining it into that very
    text, nor checking the constant tag and indicators again (``checked_data_field``)."""
    if SUBFIELD_DELIMITER in value or FIELD_TERMINATOR in value:
        return DataField("035", " ", " ", (Subfield(code, value),))
    return checked_data_field("035", " ", " ", SUBFIELD_DELIMITER + code + value)


#: Zone numbers read from 035s, each OCLC number keyed by its written form (value, prefix, width).
Keyed: TypeAlias = dict[tuple[int, str, int], OclcNumber]


class Read035s(Protocol):
    """``read_035s``, or a twin that reads alike (``core.decision.Makers.read_035s``)."""

    def __call__(self, fields: tuple[Field, ...], tags: str,
                 parse: Callable[[str], OclcNumber | None], active: Keyed, cancelled: Keyed, *,
                 sought: str | None, found: list[Field] | None = None, last: int | None = None,
                 ) -> bool: ...


def read_035s(fields: tuple[Field, ...], tags: str, parse: Callable[[str], OclcNumber | None],
              active: Keyed, cancelled: Keyed, *, sought: str | None,
              found: list[Field] | None = None, last: int | None = None) -> bool:
    """Read the numbers of the 035s among ``fields`` (whose ``tag_line`` is ``tags``) into
    ``active`` ($a) and ``cancelled`` ($z), each OCLC number keyed by its written form (value,
    prefix, digit count), the first of a form kept; and whether an 035 $a is ``sought``. Each
    035 is appended to ``found`` when given. ``last``, when given, is ``tags.rfind("035")``:
    the walk stops at that 035 rather than search the rest of the line for another. A batch hands
    its compiled twin (``core.decision.Makers.read_035s``)."""
    seen = False
    at = tags.find("035")
    while at != -1:
        one = fields[at >> 2]
        at = -1 if at == last else tags.find("035", at + 4)
        if found is not None:
            found.append(one)
        # Most 035s hold one subfield, their whole text: its code and value, read as
        # ``DataField.pairs`` reads them, without the list of pairs.
        written = kept_subfields(one)  # an 035 is a ``DataField``: ``Bib`` checks it
        if (written.__class__ is str and written
                and SUBFIELD_DELIMITER not in (value := written[2:])):
            pairs: Iterable[tuple[str, str]] = ((written[1], value),)
        else:
            pairs = as_data_field(one).pairs()
        for code, text in pairs:
            if code == "a":
                into = active
                if text == sought:
                    seen = True
            elif code == "z":
                into = cancelled
            else:
                continue
            number = parse(text)
            if number is None:
                continue
            form = number.form
            if form.qualified or form.prefix:  # ``OclcForm.is_marked``
                into.setdefault((number.value, form.prefix, form.width), number)
    return seen


def saved_bib(record: Bib, removed: int, text: str | None, at: int) -> tuple[Bib, Field | None]:
    """The bib the save rule keeps of ``record``: its fields but the one at ``removed`` (its 003),
    with, when ``text`` is given, ``new_035("a", text)`` inserted at ``at`` among the fields
    kept; and that 035 (None without ``text``). A batch hands its compiled twin
    (``core.decision.Makers.saved_bib``)."""
    kept = list(record.fields)
    del kept[removed]
    added = None
    if text is not None:
        added = new_035("a", text)
        kept.insert(at, added)
    return checked_bib(record.leader, tuple(kept)), added


def tag_line(fields: Sequence[Field]) -> str:
    """The tags of ``fields``, in order, as one text, each followed by a blank:
    ``"001 003 035 "``, the form in which the named steps, the save rule and the zone numbers
    look tags up (one search of a text, where a list of tags is searched tag by tag).

    Every tag is three letters or digits (``Bib`` checks it), so the blanks fall at every
    fourth character, and a search for three characters without a blank finds whole tags only:
    the field at position ``n`` is the tag at offset ``4 * n``."""
    return " ".join([one.tag for one in fields]) + " " if fields else ""


def line_positions(tags: str, tag: str) -> list[int]:
    """Where ``tag`` (three letters or digits) is in the ``tag_line`` ``tags``, in order."""
    at = tags.find(tag)
    found: list[int] = []
    while at != -1:
        found.append(at >> 2)
        at = tags.find(tag, at + 4)
    return found


def _in_line(tags: str, tag: str) -> bool:
    """Whether a field is tagged ``tag`` (any text) in the ``tag_line`` ``tags``: only three
    characters without a blank can be a field's tag, and then they are one where found."""
    return len(tag) == 3 and " " not in tag and tag in tags


def _control_text(one: Field) -> str:
    """The value of a field under a control tag (a ``ControlField``: ``Bib`` checks it)."""
    if not isinstance(one, ControlField):  # unreachable: Bib keeps control tags for these
        raise InvalidRecord(one.tag, "control_tag_with_subfields")
    return one.value


def assign_mms_id(bib: Bib, mms_id: str) -> Bib:
    """The bib as saved under ``mms_id``: "After saving, 001 holds the MMS ID" (Ex Libris KB, S18).

    The incoming 001 is replaced (its OCLC number survives in the 035 that ``fold_003`` made of
    it when 003 was present); a record without 001 gets one first.
    """
    if bib.control_value("001") == mms_id:  # the first 001 already holds it: kept as it is
        return bib
    fields = bib.fields
    new = checked_control_field("001", mms_id)
    changed: list[Field] | None = None
    for at, one in enumerate(fields):  # one pass over the fields, none over a list of tags
        if one.tag == "001":
            if changed is None:
                changed = list(fields)
            changed[at] = new
    if changed is None:
        return checked_bib(bib.leader, (new, *fields))
    return checked_bib(bib.leader, tuple(changed))


def insert_in_tag_order(fields: list[Field], new: Field) -> int:
    """Insert ``new`` before the first field whose tag sorts after its own (in place), and return
    where: where normalization puts a field it adds, for the named steps and the rule actions
    alike."""
    position = tag_order_position(fields, new.tag)
    fields.insert(position, new)
    return position


def tag_order_position(fields: Sequence[Field], tag: str) -> int:
    """Where a field tagged ``tag`` goes among ``fields``: before the first whose tag sorts
    after its own, else last."""
    # A count kept by hand: each step of ``enumerate`` makes a pair to take apart again.
    at = 0
    for one in fields:
        if one.tag > tag:
            return at
        at += 1
    return at


def listed_numbers(active: Keyed, cancelled: Keyed
                   ) -> tuple[tuple[OclcNumber, ...], tuple[OclcNumber, ...]]:
    """The zone numbers read (``read_035s``): each form once, in field order; a value that
    is active is not also listed as cancelled."""
    if not cancelled:
        return tuple(active.values()), ()
    active_values = {key[0] for key in active}
    return tuple(active.values()), tuple(
        number for number in cancelled.values() if number.value not in active_values
    )


class SavedRead(Protocol):
    """``saved_035s``, or a twin that answers alike (``core.decision.Makers.saved_035s``)."""

    def __call__(self, record: Bib, tags: str,  # noqa: PLR0917 (by position: one a record)
                 numbers: ParsedNumbers | None,
                 parse: Callable[[str], OclcNumber | None], found: list[Field] | None,
                 place: Callable[[Sequence[Field], str], int],
                 read: Read035s,
                 make: Callable[[Bib, int, str | None, int], tuple[Bib, Field | None]],
                 ) -> tuple[Bib, tuple[OclcNumber, ...], tuple[OclcNumber, ...]] | None: ...


def saved_035s(record: Bib, tags: str,  # noqa: PLR0917 (by position: one call a record)
               numbers: ParsedNumbers | None,
               parse: Callable[[str], OclcNumber | None], found: list[Field] | None,
               place: Callable[[Sequence[Field], str], int] = tag_order_position,
               read: Read035s = read_035s,
               make: Callable[[Bib, int, str | None, int], tuple[Bib, Field | None]] = saved_bib,
               ) -> tuple[Bib, tuple[OclcNumber, ...], tuple[OclcNumber, ...]] | None:
    """``fold_003_tagged`` of ``record`` (whose ``tag_line`` is ``tags``) and the zone numbers of
    the record it saves (``core.zone.zone_numbers``, each value read by ``parse``, a caller's
    memo of ``parsed_or_none``; the saved record's 035s appended to ``found`` when given), in
    one walk of the 035s, where the two in turn walk them twice (the save rule to find whether an
    035 $a already is its text, then the zone numbers); None, and nothing read or appended, for
    a record that is not as OCLC writes records: one 003, a 001 and no 035 after the place
    where the save rule puts its own (the first field whose tag sorts after "035", by
    ``place``, ``tag_order_position``). ``core.zone.prepare`` saves any other record the plain
    way, the two in turn (tests/property/test_record_trusted.py compares the two ways).

    The saved record's 035s are then the given record's, in order, and after them the save
    rule's 035 $a ``(<003>)<001>`` unless an 035 $a already is that text. So the walk of the
    given record's 035s (``read``, ``read_035s``) reads the saved record's numbers (and 035s,
    into ``found``) and finds that text; the added 035's number is the one its text parses to,
    read once (through the memo ``numbers``, as ``fold_003_tagged`` reads it), not read back
    from the new field; the saved bib is ``make``'s (``saved_bib``). A batch hands its compiled
    twin (``core.decision.Makers.saved_035s``), which is handed the batch's ``place``, ``read``
    and ``make`` for the records it leaves to this function."""
    # A call of ``str.find`` costs about 1,300 instructions (its arguments are parsed the slow
    # way), a slice compared a fraction of that: the line of a record as OCLC writes it opens
    # with its 001 and its 003.
    if tags[:8] == "001 003 ":
        control, first = 0, 4
    else:
        first = tags.find("003")
        if first == -1:
            return None
        control = tags.find("001")
    fields = record.fields
    last = tags.rfind("035")
    if (control == -1 or "003" in tags[first + 4:]
            or last >> 2 >= (at := place(fields, "035"))):
        return None
    # As ``fold_003_tagged`` reads the 003 and the 001 and writes the 035 $a.
    identifier, number = folded_controls(fields, first, control)
    text = f"({identifier}){number}"
    added = (numbers.saved_control_number(number) if numbers is not None and identifier == "OCoLC"
             else parse(text))
    keyed: Keyed = {}
    keyed_cancelled: Keyed = {}
    if read(fields, tags, parse, keyed, keyed_cancelled, sought=text, found=found, last=last):
        saved, _ = make(record, first >> 2, None, 0)
    else:
        if added is not None:
            form = added.form
            if form.qualified or form.prefix:  # ``OclcForm.is_marked``
                keyed.setdefault((added.value, form.prefix, form.width), added)
        # The place among the kept fields: one before it when the 003 (which sorts before
        # "035") stood before it; after every 035 (the last 035 is before ``at``).
        saved, added_035 = make(record, first >> 2, text, at - 1 if first >> 2 < at else at)
        if found is not None:
            found.append(added_035)  # type: ignore[arg-type]
    active, cancelled = listed_numbers(keyed, keyed_cancelled)
    return saved, active, cancelled


def copied_019s(bib: Bib, tags: str, numbers: ParsedNumbers | None
                ) -> tuple[Bib, str, list[OclcNumber]]:
    """``CopyCancelledTo035z.apply_read``: the bib with each 019 $a also as 035 $z
    ``(OCoLC)<n>`` unless it already carries that number in 035 $z, its ``tag_line`` (the bib's
    is ``tags``) and the numbers its 019 $a's parse to (through the memo ``numbers`` when
    given). A batch hands its compiled twin (``core.decision.Makers.copied_019s``)."""
    read: list[OclcNumber] = []
    # Most records carry no 019: then nothing is read and the record is returned as it is.
    if "019" not in tags:  # ``may_change``
        return bib, tags, read
    fields = bib.fields
    parse = number_reader(numbers)
    present: set[int] = set()  # the values of those numbers: numbers are equal by value
    for at in line_positions(tags, "035"):
        # Most 035s hold no $z: a field whose text (``marc_text``) holds no delimiter
        # followed by "z" has none, and is not split to find that out (``values``).
        written = kept_subfields(fields[at])
        if written.__class__ is str and _CANCELLED_035 not in written:
            continue
        for text in as_data_field(fields[at]).values("z"):
            found = parse(text)
            if found is not None:
                present.add(found.value)
    added: list[Field] = []
    for at in line_positions(tags, "019"):
        for text in as_data_field(fields[at]).values("a"):
            number = parse(text)
            if number is None:
                continue  # kept on the bib as a diagnostic; nothing to copy
            read.append(number)
            if number.value not in present:
                present.add(number.value)
                written = str(number) if numbers is None else numbers.canonical(number)
                added.append(new_035("z", written))
    if not added:
        return bib, tags, read
    # Each in tag order (``insert_in_tag_order``): an 035 goes before the first field whose
    # tag sorts after "035", so each one added goes just after the one added before it.
    at = tag_order_position(fields, "035")
    kept = list(fields)
    kept[at:at] = added
    offset = 4 * at
    return (checked_bib(bib.leader, tuple(kept)),
            tags[:offset] + "035 " * len(added) + tags[offset:], read)
