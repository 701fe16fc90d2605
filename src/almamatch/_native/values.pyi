"""Type stub of the compiled ``almamatch._native.values`` (``values.pyx``): the twins of
``core.decision``'s ``make_step``, ``make_add``, ``make_merge`` and ``latest_transaction``."""

from almamatch.core.decision import Add, Merge, Stage, Step, Verdict
from almamatch.core.record import Bib
from almamatch.core.timestamp import Timestamp

def make_step(stage: Stage, verdict: Verdict, detail: str) -> Step:
    """``Step(stage=stage, verdict=verdict, detail=detail)``."""

def make_add(mms_id: str, record: Bib, trace: tuple[Step, ...],
             originating_version: Timestamp | None) -> Add:
    """``Add(mms_id=..., record=..., trace=..., originating_version=...)``."""

def make_merge(mms_id: str, record: Bib | None, merge_method: str, trace: tuple[Step, ...],
               originating_version: Timestamp | None) -> Merge:
    """``Merge(mms_id=..., record=..., merge_method=..., trace=..., originating_version=...)``."""

def latest_transaction(record: Bib) -> Timestamp | None:
    """``core.decision.latest_transaction(record)``: the record's 005 as a ``Timestamp``."""
