"""The bibliographic record as an immutable value: leader, control fields, data fields.

Theory of operation: a ``Bib`` keeps every field in the order it came, with indicators and
subfields untouched, so that a record goes from MARC to ``Bib`` and back without loss (a data
field keeps its subfields as the text ISO 2709 writes after its indicators). What the
decision needs (OCLC numbers, encoding level, 005) is derived from it on each use and never
stored in it: a caller that needs a value more than once keeps it (``decide()`` keeps its
derivations for one decision, a batch its ``DecisionCache``). Derivation never raises, and values
that should parse but do not become ``diagnostics``.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Final, TypeAlias, cast

from attrs import field, frozen

from almamatch.core.encoding import EncodingLevel
from almamatch.core.errors import InvalidRecord, InvalidTimestamp
from almamatch.core.identifiers import Diagnostic, OclcNumbers, extract_oclc_numbers
from almamatch.core.slots import new_instance, slot_setter
from almamatch.core.timestamp import Timestamp

__all__ = ["Bib", "ControlField", "DataField", "Field", "Subfield", "as_data_field", "field_line"]

_TAG: Final = re.compile(r"[0-9A-Za-z]{3}")
LEADER_LENGTH: Final = 24
#: Every numeric tag, accepted without the pattern: nearly all tags a record holds.
_NUMERIC_TAGS: Final = frozenset(f"{number:03d}" for number in range(1000))


def _tag(value: str) -> str:
    if value.__class__ is str and value in _NUMERIC_TAGS:
        return value
    if not isinstance(value, str) or not _TAG.fullmatch(value):
        raise InvalidRecord(value, "bad_tag", "a tag is three letters or digits")
    return value


def _is_control_tag(tag: str) -> bool:
    return tag.startswith("00") and tag.isdigit()


#: The tags ``_is_control_tag`` accepts (tags are three characters): 000-009.
_CONTROL_TAGS: Final = frozenset(f"00{digit}" for digit in range(10))


@frozen
class Subfield:
    """One subfield: its code and its value."""

    code: str
    value: str


@frozen
class ControlField:
    """A field 001-009: a tag and a value, no indicators."""

    tag: str = field(converter=_tag)
    value: str


def _indicator(value: str) -> str:
    if value.__class__ is str and len(value) == 1:
        return value
    if not isinstance(value, str) or len(value) != 1:
        raise InvalidRecord(value, "bad_indicator", "an indicator is one character")
    return value


#: ISO 2709's subfield delimiter and field terminator: no subfield code or value in a field's
#: text holds either.
SUBFIELD_DELIMITER: Final = "\x1f"
FIELD_TERMINATOR: Final = "\x1e"
_CODE: Final = itemgetter(0)
_VALUE: Final = itemgetter(slice(1, None))


def _coded(values: Iterable[Subfield] | str) -> str | tuple[Subfield, ...]:
    """Subfields as a data field keeps them: the text ISO 2709 writes after the indicators
    (``\x1f`` code value, each), or, for subfields that text cannot hold unambiguously, the
    tuple of them.

    The text holds a subfield exactly when it is a ``Subfield`` (not a subclass: those never
    equal one) whose code is one character of ``str`` and whose value is ``str``, neither
    holding the delimiter 0x1F or the terminator 0x1E. Which of the two a field keeps depends on
    its subfields' values alone, so two fields are equal exactly when their subfields are.
    Such a text itself (what ``attrs.evolve`` passes back for a field's subfields) is kept as
    it is.
    """
    if isinstance(values, str) and _is_marc_text(values):
        return values
    # Any other text is kept as its characters, as a tuple of anything else is.
    subfields = cast("tuple[Subfield, ...]", tuple(values))
    try:
        codes = "".join([sub.code for sub in subfields])
        text = "".join([SUBFIELD_DELIMITER + sub.code + sub.value for sub in subfields])
    except (AttributeError, TypeError):  # not subfields of text: kept as they are
        return subfields
    if (len(codes) == len(subfields) and text.count(SUBFIELD_DELIMITER) == len(subfields)
            and FIELD_TERMINATOR not in text
            and all(type(sub) is Subfield and sub.code != "" for sub in subfields)):
        return text
    return subfields


def _is_marc_text(text: str) -> bool:
    """Whether ``text`` is subfields as ``_coded`` keeps them in a text: empty, or each led by
    the delimiter and a code (no empty subfield), no terminator in it."""
    return not text or (text[0] == SUBFIELD_DELIMITER and FIELD_TERMINATOR not in text
                        and SUBFIELD_DELIMITER * 2 not in text
                        and text[-1] != SUBFIELD_DELIMITER)


@frozen(repr=False, match_args=False)
class DataField:
    """A field 010-999 (or a local tag): two indicators and subfields in order.

    The subfields are kept as the text ISO 2709 writes after the indicators (``marc_text``),
    and ``subfields`` reads them from it on each access; a field whose subfields that text
    cannot hold (a code that is not one character, a delimiter in a value) keeps them as a
    tuple instead. Equality, hashing and ``repr`` are those of the tag, the indicators and
    the subfields, whichever way they are kept.
    """

    tag: str = field(converter=_tag)
    indicator1: str = field(converter=_indicator)
    indicator2: str = field(converter=_indicator)
    _coded: str | tuple[Subfield, ...] = field(converter=_coded, alias="subfields")
    __match_args__ = ("tag", "indicator1", "indicator2", "subfields")

    @classmethod
    def of(cls, tag: str, indicators: str, *pairs: tuple[str, str]) -> DataField:
        """``DataField.of("035", "  ", ("a", "(OCoLC)123"))``."""
        if len(indicators) != 2:
            raise InvalidRecord(indicators, "bad_indicator", "two indicators")
        return cls(tag, indicators[0], indicators[1], [Subfield(c, v) for c, v in pairs])

    @property
    def subfields(self) -> tuple[Subfield, ...]:
        """The subfields in order (made on each access from the field's text)."""
        coded = self._coded
        if not isinstance(coded, str):
            return coded
        chunks = coded.split(SUBFIELD_DELIMITER)
        del chunks[0]
        return checked_subfields(map(_CODE, chunks), map(_VALUE, chunks), len(chunks))

    @property
    def marc_text(self) -> str | None:
        """The subfields as ISO 2709 writes them after the indicators: for each, the delimiter
        0x1F, the one-character code, the value; None for a field whose subfields that text
        cannot hold (then read ``subfields``)."""
        coded = self._coded
        return coded if isinstance(coded, str) else None

    def pairs(self) -> list[tuple[str, str]]:
        """Each subfield as ``(code, value)``, in order, read from the field's text without
        making ``Subfield`` values (the pairs ``DataField.of`` takes).

        A new list on each call (a list, not an iterator: for the one to three subfields most
        fields hold, a list made at once costs less to make and to walk than one read lazily,
        and a caller may take its length or walk it twice)."""
        coded = self._coded
        if not isinstance(coded, str):
            return [(sub.code, sub.value) for sub in coded]
        if coded.count(SUBFIELD_DELIMITER) == 1:  # most often: one subfield, the whole text
            return [(coded[1], coded[2:])]
        return [(chunk[0], chunk[1:]) for chunk in coded.split(SUBFIELD_DELIMITER)[1:]]

    def values(self, code: str) -> tuple[str, ...]:
        """Every value of subfield ``code``, in order."""
        coded = self._coded
        if not isinstance(coded, str):
            return tuple([sub.value for sub in coded if sub.code == code])
        if len(code) != 1 or code == SUBFIELD_DELIMITER:
            return ()  # no code of the text is one
        # Each piece after a split at "\x1f" + code starts with one such value, which runs to
        # the next delimiter: no value holds one.
        pieces = coded.split(SUBFIELD_DELIMITER + code)
        count = len(pieces)
        if count == 1:
            return ()
        if count == 2:  # most often: one such subfield
            return (pieces[1].partition(SUBFIELD_DELIMITER)[0],)
        del pieces[0]
        return tuple([piece.partition(SUBFIELD_DELIMITER)[0] for piece in pieces])

    @property
    def indicators(self) -> str:
        return self.indicator1 + self.indicator2

    @property
    def text(self) -> str:
        """The field written ``$a value $b value``, as catalogers and the specs write it."""
        return " ".join(f"${sub.code} {sub.value}" for sub in self.subfields)

    def __repr__(self) -> str:
        return (f"{type(self).__qualname__}(tag={self.tag!r}, indicator1={self.indicator1!r}, "
                f"indicator2={self.indicator2!r}, subfields={self.subfields!r})")


Field: TypeAlias = ControlField | DataField


def as_data_field(one: Field) -> DataField:
    """``one`` as the data field a ``Bib`` keeps under a data tag (010 and up; ``Bib`` checks
    the kind of every field against its tag, so this narrows a type and never raises for a field
    read from a ``Bib`` by such a tag)."""
    if not isinstance(one, DataField):
        raise InvalidRecord(one.tag, "data_tag_without_subfields")
    return one


def field_line(one: Field) -> str:
    """A field as a cataloger reads it: ``245 10 $a Title``, a blank indicator written ``#`` as
    MARC's documentation writes it; a control field ``008 value``."""
    if isinstance(one, DataField):
        return f"{one.tag} {one.indicators.replace(' ', '#')} {one.text}"
    return f"{one.tag} {one.value}"


def _leader(value: str) -> str:
    if not isinstance(value, str) or len(value) != LEADER_LENGTH:
        raise InvalidRecord(value, "bad_leader", "a leader is 24 characters")
    return value


def _fields(values: Iterable[Field]) -> tuple[Field, ...]:
    fields = tuple(values)
    for one in fields:
        # pymarc and ruby-marc: "assume controlfields are numeric" tags below 010; every other
        # tag has indicators and subfields, so the record reads back the same from ISO 2709.
        tag = one.tag
        if tag in _CONTROL_TAGS:
            if isinstance(one, DataField):
                raise InvalidRecord(tag, "control_tag_with_subfields")
        elif isinstance(one, ControlField):
            raise InvalidRecord(tag, "data_tag_without_subfields")
    return fields


@frozen(kw_only=True)
class Bib:
    """One bibliographic record, immutable; change it with ``attrs.evolve`` or ``with_fields``."""

    leader: str = field(converter=_leader)
    fields: tuple[Field, ...] = field(converter=_fields, factory=tuple)

    # -- structure ---------------------------------------------------------------------------
    def get_fields(self, *tags: str) -> tuple[Field, ...]:
        """The fields with any of these tags, in record order."""
        return tuple([one for one in self.fields if one.tag in tags])

    def data_fields(self, *tags: str) -> tuple[DataField, ...]:
        return tuple([one for one in self.fields if one.tag in tags and isinstance(one, DataField)])

    def control_value(self, tag: str) -> str | None:
        """The value of the first control field with this tag, or None."""
        for one in self.fields:
            if isinstance(one, ControlField) and one.tag == tag:
                return one.value
        return None

    def with_fields(self, fields: Iterable[Field]) -> Bib:
        """The same leader with these fields (a new record: nothing derived is carried over)."""
        return Bib(leader=self.leader, fields=fields)

    def lines(self) -> tuple[str, ...]:
        """The record as a cataloger reads it: ``LDR`` and the leader, then ``field_line`` of
        each field, in order (the rules command, the page and the specs show records so)."""
        return (f"LDR {self.leader}", *(field_line(one) for one in self.fields))

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    # -- derived values ----------------------------------------------------------------------
    @property
    def encoding_level(self) -> EncodingLevel:
        """Leader/17."""
        return EncodingLevel(self.leader[17])

    @property
    def character_coding(self) -> str:
        """Leader/09: ``a`` for UCS/Unicode, blank for MARC-8."""
        return self.leader[9]

    @property
    def control_number(self) -> str | None:
        """001."""
        return self.control_value("001")

    @property
    def control_number_identifier(self) -> str | None:
        """003."""
        return self.control_value("003")

    @property
    def latest_transaction(self) -> Timestamp | None:
        """005 as a ``Timestamp``; None when missing or malformed (see ``diagnostics``)."""
        raw = self.control_value("005")
        if raw is None:
            return None
        try:
            return Timestamp.parse(raw)
        except InvalidTimestamp:
            return None

    @property
    def oclc_numbers(self) -> OclcNumbers:
        """Active and cancelled OCLC numbers, and the values meant as such that did not parse."""
        return extract_oclc_numbers(self)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Everything in the record that should have parsed and did not; never fatal."""
        found = list(self.oclc_numbers.problems)
        raw = self.control_value("005")
        if raw is not None:
            try:
                Timestamp.parse(raw)
            except InvalidTimestamp as error:
                found.append(Diagnostic(tag="005", code="", text=raw, reason=error.reason))
        return tuple(found)


# -- values a decoder has already checked ------------------------------------------------------
# A decoder that has checked every tag, indicator and field kind (``marc.iso2709``) builds its
# values here without running the converters again: each instance is made with ``object.__new__``
# and its slots are set through the class's own slot descriptors, many at a time (``map``), as
# the attrs ``__init__`` would set them. The results equal, hash and print as the public
# constructors' (tests/property/test_record_trusted.py). Nothing else may call these, except
# the core's own edits of a record (normalization's named steps, the save rule, a merge) through
# ``checked_bib``: every field they keep is one a ``Bib`` held, every field they add is made by
# ``ControlField``/``DataField`` under a tag of its kind, or by ``checked_control_field``/
# ``checked_data_field`` from a constant tag and indicators and a text the edit checked (the
# 001 that holds an MMS ID, the 035 of the save rule and of 019 $a), and the leader is a
# ``Bib``'s, which is all that ``Bib`` checks (tests/property/test_record_trusted.py compares
# each edit with the checking constructor).

_new: Final = new_instance
_slot: Final = slot_setter
_consume: Final[Callable[[Iterable[object]], None]] = deque[object](maxlen=0).extend


_SUBFIELD_CODE: Final = _slot(Subfield, "code")
_SUBFIELD_VALUE: Final = _slot(Subfield, "value")
_CONTROL_TAG: Final = _slot(ControlField, "tag")
_CONTROL_VALUE: Final = _slot(ControlField, "value")
_DATA_TAG: Final = _slot(DataField, "tag")
_DATA_INDICATOR1: Final = _slot(DataField, "indicator1")
_DATA_INDICATOR2: Final = _slot(DataField, "indicator2")
_DATA_CODED: Final = _slot(DataField, "_coded")
_BIB_LEADER: Final = _slot(Bib, "leader")
_BIB_FIELDS: Final = _slot(Bib, "fields")


#: What each of many data fields keeps of its subfields, read at once (``map``) by a writer
#: that takes a record's data fields in bulk (``codec.JsonWriter``): the field's ``marc_text``,
#: or, for a field whose text cannot hold its subfields, the tuple of them (where ``marc_text``
#: is None).
kept_subfields: Final = attrgetter("_coded")


def checked_subfields(codes: Iterable[str], values: Iterable[str], count: int
                      ) -> tuple[Subfield, ...]:
    """``count`` subfields ``Subfield(code, value)``, codes and values already checked."""
    made: tuple[Subfield, ...] = tuple(map(_new, repeat(Subfield, count)))
    _consume(map(_SUBFIELD_CODE, made, codes))
    _consume(map(_SUBFIELD_VALUE, made, values))
    return made


def checked_control_fields(tags: Iterable[str], values: Iterable[str], count: int
                           ) -> list[ControlField]:
    """``count`` control fields, each tag already checked to be one of 000-009."""
    made: list[ControlField] = list(map(_new, repeat(ControlField, count)))
    _consume(map(_CONTROL_TAG, made, tags))
    _consume(map(_CONTROL_VALUE, made, values))
    return made


def checked_data_fields(tags: Iterable[str], indicators1: Iterable[str],
                        indicators2: Iterable[str], texts: Iterable[str], count: int
                        ) -> list[DataField]:
    """``count`` data fields: tags checked (three ASCII letters or digits, not 000-009), one
    character per indicator, and each field's subfields as its ``marc_text``: the text after
    the indicators, every subfield led by the delimiter and a one-character code, none empty
    of its code, no 0x1E in it (what ``DataField`` keeps for such subfields)."""
    made: list[DataField] = list(map(_new, repeat(DataField, count)))
    _consume(map(_DATA_TAG, made, tags))
    _consume(map(_DATA_INDICATOR1, made, indicators1))
    _consume(map(_DATA_INDICATOR2, made, indicators2))
    _consume(map(_DATA_CODED, made, texts))
    return made


def checked_control_field(tag: str, value: str) -> ControlField:
    """``ControlField(tag, value)`` for a tag of 000-009: one field, without the maps."""
    made: ControlField = _new(ControlField)
    _CONTROL_TAG(made, tag)
    _CONTROL_VALUE(made, value)
    return made


def checked_data_field(tag: str, indicator1: str, indicator2: str, text: str) -> DataField:
    """One field as ``checked_data_fields`` makes each: a checked tag and indicators, and the
    subfields as their ``marc_text``."""
    made: DataField = _new(DataField)
    _DATA_TAG(made, tag)
    _DATA_INDICATOR1(made, indicator1)
    _DATA_INDICATOR2(made, indicator2)
    _DATA_CODED(made, text)
    return made


def checked_bib(leader: str, fields: tuple[Field, ...]) -> Bib:
    """``Bib(leader=leader, fields=fields)`` for a 24-character leader and fields whose kinds
    match their tags (what ``_fields`` checks)."""
    bib: Bib = _new(Bib)
    _BIB_LEADER(bib, leader)
    _BIB_FIELDS(bib, fields)
    return bib
