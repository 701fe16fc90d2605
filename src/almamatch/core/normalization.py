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

from typing import Protocol, TypeAlias

from attrs import field, frozen

from almamatch.core.errors import InvalidNormalization, InvalidOclcNumber
from almamatch.core.oclc import OclcNumber
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield

__all__ = [
    "CopyCancelledTo035z",
    "NormalizationStep",
    "RemoveFields",
    "RuleNormalization",
    "assign_mms_id",
    "fold_003",
    "insert_in_tag_order",
]


@frozen
class CopyCancelledTo035z:
    """``Marc21 Bib Copy 019a to 035z``: each 019 $a also as 035 $z ``(OCoLC)<n>``."""

    name: str = "Marc21 Bib Copy 019a to 035z"

    def apply(self, bib: Bib) -> Bib:
        # Most records carry no 019: then nothing is read and the record is returned as it is.
        cancelled = [one for one in bib.fields if one.tag == "019" and isinstance(one, DataField)]
        if not cancelled:
            return bib
        present: set[OclcNumber] = set()
        for one in bib.data_fields("035"):
            for text in one.values("z"):
                try:
                    present.add(OclcNumber.parse(text))
                except InvalidOclcNumber:
                    continue
        added: list[DataField] = []
        for one in cancelled:
            for text in one.values("a"):
                try:
                    number = OclcNumber.parse(text)
                except InvalidOclcNumber:
                    continue  # kept on the bib as a diagnostic; nothing to copy
                if number not in present:
                    present.add(number)
                    added.append(DataField("035", " ", " ", [Subfield("z", str(number))]))
        if not added:
            return bib
        return bib.with_fields(_insert_in_tag_order(bib.fields, added))


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

    def apply(self, bib: Bib) -> Bib:
        kept = tuple(one for one in bib.fields if one.tag not in self.tags)
        return bib if len(kept) == len(bib.fields) else bib.with_fields(kept)

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
    fields = bib.fields
    identifier = number = None
    for one in fields:  # the first 003 and the first 001, as ``Bib.control_value`` reads them
        tag = one.tag
        if tag == "003":
            if identifier is None and isinstance(one, ControlField):
                identifier = one.value
        elif tag == "001" and number is None and isinstance(one, ControlField):
            number = one.value
    if identifier is None:
        return bib
    kept = [one for one in fields if one.tag != "003"]
    if number is not None:
        text = f"({identifier.strip()}){number.strip()}"
        if not any(one.tag == "035" and isinstance(one, DataField) and text in one.values("a")
                   for one in kept):
            insert_in_tag_order(kept, DataField("035", " ", " ", [Subfield("a", text)]))
    return bib.with_fields(kept)


def assign_mms_id(bib: Bib, mms_id: str) -> Bib:
    """The bib as saved under ``mms_id``: "After saving, 001 holds the MMS ID" (Ex Libris KB, S18).

    The incoming 001 is replaced (its OCLC number survives in the 035 that ``fold_003`` made of
    it when 003 was present); a record without 001 gets one first.
    """
    if bib.control_value("001") == mms_id:
        return bib
    new = ControlField("001", mms_id)
    if bib.control_value("001") is None:
        return bib.with_fields((new, *bib.fields))
    return bib.with_fields(new if one.tag == "001" else one for one in bib.fields)


def insert_in_tag_order(fields: list[Field], new: Field) -> None:
    """Insert ``new`` after the last field whose tag sorts at or before its own (in place): where
    normalization puts a field it adds, for the named steps and the rule actions alike."""
    position = len(fields)
    for index, existing in enumerate(fields):
        if existing.tag > new.tag:
            position = index
            break
    fields.insert(position, new)


def _insert_in_tag_order(
    fields: tuple[ControlField | DataField, ...], new: list[DataField]
) -> tuple[ControlField | DataField, ...]:
    """Insert each new field in tag order (``insert_in_tag_order``)."""
    result: list[Field] = list(fields)
    for one in new:
        insert_in_tag_order(result, one)
    return tuple(result)
