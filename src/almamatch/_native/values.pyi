"""Type stub of the compiled ``almamatch._native.values`` (``values.pyx``): the twins of
``core.decision``'s ``make_step``, ``make_add``, ``make_merge`` and ``latest_transaction``, and
of ``core.merge``'s ``selected_known``, ``kept_known`` and ``in_tag_order`` and of
``core.record.checked_bib`` (``MergeLoops``), and of
``core.normalization.tag_line``, ``tag_order_position``, ``read_035s`` and ``saved_bib``, and of
``core.oclc.parsed_or_none``, ``saved_number`` and ``literals``, and of
``core.normalization.saved_035s``."""

from collections.abc import Callable, Sequence

from almamatch.core.brief import BriefLevel
from almamatch.core.decision import Add, Merge, Stage, Step, Verdict
from almamatch.core.facts import BibFacts
from almamatch.core.lock import Lock
from almamatch.core.normalization import Keyed, Read035s
from almamatch.core.oclc import OclcNumber, ParsedNumbers
from almamatch.core.record import Bib, ControlField, DataField, Field
from almamatch.core.timestamp import Timestamp

def checked_bib(leader: str, fields: tuple[Field, ...]) -> Bib:
    """``core.record.checked_bib(leader, fields)``."""

def make_step(stage: Stage, verdict: Verdict, detail: str) -> Step:
    """``Step(stage=stage, verdict=verdict, detail=detail)``."""

def make_add(mms_id: str, record: Bib, trace: tuple[Step, ...],
             originating_version: Timestamp | None) -> Add:
    """``Add(mms_id=..., record=..., trace=..., originating_version=...)``."""

def make_merge(mms_id: str, record: Bib | None, merge_method: str, trace: tuple[Step, ...],
               originating_version: Timestamp | None) -> Merge:
    """``Merge(mms_id=..., record=..., merge_method=..., trace=..., originating_version=...)``."""

def checked_facts(mms_id: str, *, active: tuple[OclcNumber, ...],
                  cancelled: tuple[OclcNumber, ...], brief_level: BriefLevel,
                  originating_version: Timestamp | None, cz_linked: bool, lock: Lock | None
                  ) -> BibFacts:
    """``core.facts.checked_facts(...)``: ``BibFacts(...)`` of these fields."""

def latest_transaction(record: Bib) -> Timestamp | None:
    """``core.decision.latest_transaction(record)``: the record's 005 as a ``Timestamp``."""

def selected_known(known: dict[str, Callable[[ControlField | DataField], bool] | None],
                   fields: Sequence[ControlField | DataField]) -> list[ControlField | DataField]:
    """``core.merge.selected_known(known, fields)``: the fields a rule selects, in order."""

def kept_known(known: dict[str, Callable[[ControlField | DataField], bool] | None],
               fields: Sequence[ControlField | DataField]) -> list[ControlField | DataField]:
    """``core.merge.kept_known(known, fields)``: the fields a rule does not select, in order."""

def in_tag_order(fields: list[ControlField | DataField], numeric: bool) -> None:
    """``core.merge.in_tag_order(fields, numeric)``: ``fields`` sorted in place by tag."""

def tag_line(fields: Sequence[ControlField | DataField]) -> str:
    """``core.normalization.tag_line(fields)``: the tags of ``fields``, each followed by a blank."""

def parsed_or_none(text: str) -> OclcNumber | None:
    """``core.oclc.parsed_or_none(text)``: the number ``text`` writes, or None."""

def saved_number(found: dict[str, OclcNumber | None], text: str) -> OclcNumber | None:
    """``core.oclc.saved_number(found, text)``: the number of ``"(OCoLC)" + text`` through a
    ``ParsedNumbers``'s table, OCLC's own 035 of it kept too."""

def are_035s(fields: Sequence[ControlField | DataField],
             theirs: Sequence[ControlField | DataField]) -> bool:
    """``core.merge.are_035s(fields, theirs)``: whether a merged record's 035s are ``theirs``."""

def tag_order_position(fields: Sequence[ControlField | DataField], tag: str) -> int:
    """``core.normalization.tag_order_position(fields, tag)``: where a field tagged ``tag`` goes."""

def literals(numbers: Sequence[OclcNumber]) -> list[str]:
    """``core.oclc.literals(numbers)``: the ``literal`` of each number, in order."""

def read_035s(fields: tuple[Field, ...], tags: str, parse: Callable[[str], OclcNumber | None],
              active: Keyed, cancelled: Keyed, *, sought: str | None,
              found: list[Field] | None = None, last: int | None = None) -> bool:
    """``core.normalization.read_035s``: the numbers of the 035s read; whether ``sought`` is."""

def saved_bib(record: Bib, removed: int, text: str | None, at: int
              ) -> tuple[Bib, ControlField | DataField | None]:
    """``core.normalization.saved_bib``: the bib the save rule keeps, and the 035 it added."""

def saved_035s(record: Bib, tags: str, numbers: ParsedNumbers | None,
               parse: Callable[[str], OclcNumber | None], found: list[Field] | None,
               place: Callable[[Sequence[Field], str], int], read: Read035s,
               make: Callable[[Bib, int, str | None, int], tuple[Bib, Field | None]],
               ) -> tuple[Bib, tuple[OclcNumber, ...], tuple[OclcNumber, ...]] | None:
    """``core.normalization.saved_035s``: the bib the save rule keeps of a record as OCLC
    writes it and its zone numbers, in one walk of its 035s; None for any other record."""

def copied_019s(bib: Bib, tags: str, numbers: ParsedNumbers | None
                ) -> tuple[Bib, str, list[OclcNumber]]:
    """``core.normalization.copied_019s``: the bib with its 019 $a's copied as 035 $z's, its tag
    line and the numbers its 019 $a's parse to."""
