"""A batch decided in independent groups, on worker processes or a Dask cluster, same answers.

Theory of operation: the parent frames the exports file (``marc.framing``) and reads each record's
OCLC numbers with the key scanner (``marc.scan``), looks them up in the zone, and groups the records
that share a number or a matched bib (``parallel.groups``). Groups go to workers in tasks; a worker
decides each task's records in input order against its own copy of the zone (the saved index is
memory-mapped, so a copy costs little) and applies each decision there, exactly as the one-process
batch does. Two things keep the answers those of one process:

* A worker checks, before deciding a record, that every number ``decide()`` will look up is one
  the grouping knew for it (``KeysOutsideGroup`` otherwise, and the caller decides the whole file in
  one process instead), so no record can reach outside its group.
* Adds share the zone's MMS ID sequence, so a worker gives each add a placeholder MMS ID (27 digits,
  longer than any real one) and the parent, reading the results in input order, gives each
  placeholder the next real MMS ID and writes it into every line that names it.

The results come back as the JSON lines of ``envelope.item_line`` with their codes, and are
written in input order. ``decide_tasks`` is the one function both engines run: the process pool
here and Dask (``parallel.dask``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar, Final

from attrs import frozen

from almamatch.cli.inputs import export_for, profile_from_path, zone_for
from almamatch.core.decide import DecisionCache, decide
from almamatch.core.decision import Add
from almamatch.core.errors import AlmamatchError
from almamatch.core.facts import MmsIdSequence
from almamatch.core.zone import InMemoryZone, Zone, prepare
from almamatch.envelope import UNREADABLE_CODE, item_line, json_line
from almamatch.marc.framing import frame_spans
from almamatch.marc.iso2709 import RecordFault, decode_record
from almamatch.marc.scan import ScanFault, scan_record
from almamatch.marc.unreadable import Unreadable
from almamatch.parallel.groups import group_records
from almamatch.zonefiles.profiles import ProfileFile

__all__ = [
    "BatchSetting",
    "KeysOutsideGroup",
    "Outcome",
    "Task",
    "adopt_zone",
    "decide_tasks",
    "holds_placeholder",
    "paused_collector",
    "plan_tasks",
    "write_in_order",
]

#: Placeholder MMS IDs: "99" + a 21-digit serial from here + the suffix, 27 digits in all, which
#: no real MMS ID has (they are stored as uint64, at most 20 digits).
_PLACEHOLDER_BASE: Final = 10**20
_PER_TASK: Final = 10**9
_PLACEHOLDER: Final = re.compile(r"(?<![0-9])99[0-9]{21}[0-9]{4}(?![0-9])")
_PLACEHOLDER_BYTES: Final = re.compile(rb"(?<![0-9])99[0-9]{25}(?![0-9])")
#: Records per task: enough to make a task's start-up cost small, few enough to balance.
_TASK_RECORDS: Final = 4_000
#: Collect the young generations every so many records while the collector is paused.
_COLLECT_EVERY: Final = 50_000


class KeysOutsideGroup(AlmamatchError):
    """A record would look up an OCLC number that its group was not formed by."""


@frozen(kw_only=True)
class BatchSetting:
    """What a worker needs to decide as the one-process batch does: the command's options (the
    zone, profile, logon and identity ones ``cli.inputs`` reads) and the moment."""

    options: dict[str, Any]
    now: datetime
    run: str  # names the run, so that a worker opens its zone once per run

    @classmethod
    def of(cls, args: argparse.Namespace, now: datetime) -> BatchSetting:
        options = {name: value for name, value in vars(args).items() if not callable(value)}
        return cls(options=options, now=now, run=f"{os.getpid()}-{id(args)}-{now.isoformat()}")


@frozen(kw_only=True)
class Task:
    """Records of whole groups, in input order: (index, offset, ISO 2709 bytes, numbers)."""

    number: int
    records: tuple[tuple[int, int, bytes, frozenset[int]], ...]


@frozen(kw_only=True)
class Outcome:
    """One record's JSON line, its code, and the placeholder MMS ID it added (if any)."""

    index: int
    line: str
    code: str
    added: str | None = None


@contextmanager
def paused_collector() -> Iterator[Callable[[int], None]]:
    """The cyclic garbage collector off around a hot loop (the shell's choice, not the core's).

    What exists before the loop (the zone, the profile) is frozen out of every collection; the
    loop calls the yielded function with its record count, and the young generations are
    collected every ``_COLLECT_EVERY`` records, so that a long batch keeps its memory bounded.
    Decisions are values without cycles; a paired run gives the same output with fewer cycles
    spent on the collector.
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()

    def tick(count: int) -> None:
        if count % _COLLECT_EVERY == 0:
            gc.collect(1)

    try:
        yield tick
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


# -- the parent ----------------------------------------------------------------------------------
def holds_placeholder(content: bytes) -> bool:
    """Whether the input itself holds text shaped like a placeholder MMS ID (then a line could
    not tell it from one, and the batch is decided in one process)."""
    return _PLACEHOLDER_BYTES.search(content) is not None


def plan_tasks(content: bytes, zone: Zone, *, tasks_at_least: int = 1
               ) -> tuple[list[Task], list[Outcome]]:
    """The records of ``content`` grouped and packed into tasks, and the lines of the records that
    do not frame (written by the parent as the reader would report them)."""
    framed: list[tuple[int, int, bytes]] = []
    links: list[set[object]] = []
    numbers: list[frozenset[int]] = []
    unframed: list[Outcome] = []
    view = zone.bibs
    for span in frame_spans((content,)):
        if isinstance(span, Unreadable):
            line = json_line(item_line(span.index, span, None))
            unframed.append(Outcome(index=span.index, line=line, code=UNREADABLE_CODE))
            continue
        buffer, start, end, index, offset = span
        record = buffer[start:end]
        values: set[int] = set()
        shared: set[object] = set()
        try:
            keys = scan_record(record, index=index, offset=offset)
        except ScanFault:
            keys = None  # decided alone; the worker reports why it does not load
        if keys is not None:
            found = (*keys.oclc_numbers.active, *keys.oclc_numbers.cancelled,
                     *keys.zone_active, *keys.zone_cancelled)
            for number in found:
                if number.value not in values:
                    values.add(number.value)
                    shared.add(number.value)
                    shared.update(("bib", hit.mms_id) for hit in view.hits(number))
        framed.append((index, offset, record))
        links.append(shared)
        numbers.append(frozenset(values))
    groups = group_records(links)
    size = max(1, min(_TASK_RECORDS, len(framed) // max(tasks_at_least, 1)))
    tasks: list[Task] = []
    current: list[int] = []
    for group in groups:
        current.extend(group)
        if len(current) >= size:
            tasks.append(_task(len(tasks), current, framed, numbers))
            current = []
    if current:
        tasks.append(_task(len(tasks), current, framed, numbers))
    return tasks, unframed


def _task(number: int, members: list[int], framed: list[tuple[int, int, bytes]],
          numbers: list[frozenset[int]]) -> Task:
    members.sort()  # whole groups, each in input order; the task in input order too
    return Task(number=number, records=tuple(
        (*framed[member], numbers[member]) for member in members))


def write_in_order(outcomes: Iterable[Outcome], sequence: MmsIdSequence,
                   write: Callable[[Outcome], None]) -> MmsIdSequence:
    """Write each outcome in input order, each placeholder MMS ID replaced by the real one.

    The n-th add in input order takes the zone's n-th next MMS ID, as in one process; a line
    that names a placeholder (the add itself, a later merge into that bib) names the real ID.
    Returns the sequence after the last add.
    """
    real: dict[str, str] = {}
    for outcome in sorted(outcomes, key=lambda one: one.index):
        if outcome.added is not None:
            real[outcome.added] = sequence.peek()
            sequence = sequence.advance()
        if real and _PLACEHOLDER.search(outcome.line):
            line = _PLACEHOLDER.sub(lambda found: real.get(found.group(), found.group()),
                                    outcome.line)
            write(Outcome(index=outcome.index, line=line, code=outcome.code))
        else:
            write(outcome)
    return sequence


# -- the workers ---------------------------------------------------------------------------------
class _Worker:
    """One worker's zone and cache, opened once per process (inherited when forked)."""

    opened: ClassVar[dict[str, _Worker]] = {}

    def __init__(self, setting: BatchSetting, opened: tuple[Zone, InMemoryZone] | None = None
                 ) -> None:
        self.args = argparse.Namespace(**setting.options)
        self.now = setting.now
        if opened is None:
            opened = _open_quietly(self.args, profile_from_path(self.args.profile))
        self.zone, self.store = opened
        self.cache = DecisionCache()
        profiles = self.zone.profiles
        self.normalization = profiles[0].normalization_steps if len(profiles) == 1 else None
        self.decided = 0

    @classmethod
    def for_setting(cls, setting: BatchSetting) -> _Worker:
        found = cls.opened.get(setting.run)
        if found is None:
            cls.opened.clear()  # one run at a time per process
            found = cls.opened[setting.run] = cls(setting)
        return found


def adopt_zone(setting: BatchSetting, zone: Zone, store: InMemoryZone) -> None:
    """Let this process's workers use a zone already open (forked workers inherit it)."""
    _Worker.opened.clear()
    _Worker.opened[setting.run] = _Worker(setting, (zone, store))


def _open_quietly(args: argparse.Namespace, profile: ProfileFile) -> tuple[Zone, InMemoryZone]:
    with contextlib.redirect_stderr(io.StringIO()):  # the parent printed any note once
        return zone_for(args, profile)


def decide_tasks(setting: BatchSetting, tasks: Sequence[Task]) -> list[Outcome]:
    """Decide every record of ``tasks`` as the one-process batch would, adds under placeholders.

    Raises ``KeysOutsideGroup`` when a record would look up a number its group did not know.
    """
    worker = _Worker.for_setting(setting)
    store = worker.store
    outcomes: list[Outcome] = []
    with paused_collector() as tick:
        for task in tasks:
            suffix = store.sequence.institution_suffix
            store.sequence = MmsIdSequence(_PLACEHOLDER_BASE + task.number * _PER_TASK, suffix)
            for index, offset, record, allowed in task.records:
                outcomes.append(_decide_one(worker, index, offset, record, allowed))
                worker.decided += 1
                tick(worker.decided)
    return outcomes


def _decide_one(worker: _Worker, index: int, offset: int, record: bytes,
                allowed: frozenset[int]) -> Outcome:
    try:
        bib = decode_record(record)
    except RecordFault as fault:
        item = Unreadable(index=index, offset=offset, reason=fault.reason, detail=fault.detail)
        return Outcome(index=index, line=json_line(item_line(index, item, None)),
                       code=UNREADABLE_CODE)
    if worker.normalization is not None:
        prepared = prepare(bib, worker.normalization)
        wanted = prepared.active + prepared.cancelled + prepared.cancelled_019
        if any(number.value not in allowed for number in wanted):
            raise KeysOutsideGroup(index, "keys_outside_group",
                                   "a number the key scanner did not read")
    zone = worker.zone
    decision = decide(export_for(bib, worker.args, zone), zone, worker.now, cache=worker.cache)
    worker.store.apply(decision)
    added = decision.mms_id if isinstance(decision, Add) else None
    return Outcome(index=index, line=json_line(item_line(index, bib, decision)),
                   code=decision.code.value, added=added)
