"""A batch decided in independent groups, on worker processes or a Dask cluster, same answers.

Theory of operation: the parent frames the exports file (``marc.framing``), reads the numbers each
record can share straight from the bytes as numpy columns and the bibs they match in the zone
(``parallel.groups.link_numbers``; the saved index's vectorized lookup), and names each record's
group by its first record (``parallel.groups.first_records``): no record is decoded and nothing
is decided in the parent. The file is cut into chunks of consecutive records; a group goes to the
task of the chunk its first record is in, so the records of chunk ``k`` are all in tasks
``0..k``. A task names its records by byte offset and length, and a worker reads them from the
file itself (memory-mapped; an engine without the file, Dask, gets the bytes in the task). A
worker decides each task's records in input order against its own overlay of the zone (the saved
index is memory-mapped and inherited, so a copy costs little), applies each decision there,
exactly as the one-process batch does, and drops the task's changes before the next task (groups
are independent). It leaves the task's JSON lines, encoded as the output encodes them, in memory
it shares with its parent (``LineSlots``; an engine without it, Dask, sends them back as one byte
string), and sends back where each line ends. The parent writes the lines of chunk ``k`` as soon as
tasks ``0..k`` are back, so lines stream out in input order and memory holds only what waits for
an earlier record. Three things keep the answers those of one process:

* The worker's zone view checks every lookup ``decide()`` makes: the number must be one of the
  task's link values and every bib it finds one the task's records were grouped by (or added in
  this task), and a bib an add or merge changes must take only the task's numbers. A record that
  reaches outside stops its task (``Decided.outside``); the parent then decides the rest of the
  file in one process (``cli.batch``), and every line already written stays right, since the
  records of chunks ``0..k`` depend only on tasks ``0..k``.
* Adds share the zone's MMS ID sequence, so a worker gives each add a placeholder MMS ID (27
  digits, longer than any real one) and reports where each line names one; the parent, writing in
  input order, gives each placeholder the next real MMS ID and writes it in place. A record whose
  own bytes hold a placeholder-shaped number stops its task, as above.
* Unreadable records keep their place: a record that does not frame is written by the parent as
  the reader reports it; one that frames but does not load is reported by its worker.

``decide_task`` is the one function both engines run: the process pool here and Dask
(``parallel.dask``); ``write_in_order`` is the one writer.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import gc
import io
import mmap
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import accumulate, pairwise
from pathlib import Path
from typing import IO, Any, ClassVar, Final, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
from attrs import evolve, field, frozen

from almamatch import _native
from almamatch.cli.inputs import export_for, profile_from_path, zone_for
from almamatch.cli.stopping import held
from almamatch.core.decide import DecisionCache, decide
from almamatch.core.decision import PURE_MAKERS, Add, Decision, Makers, Merge
from almamatch.core.errors import AlmamatchError
from almamatch.core.facts import BibFacts, Hit, MmsIdSequence
from almamatch.core.merge import MergeLoops
from almamatch.core.oclc import OclcNumber
from almamatch.core.record import Bib
from almamatch.core.zone import Groundwork, InMemoryZone, Zone
from almamatch.envelope import UNREADABLE_CODE, LineWriter, item_line, json_line, line_code
from almamatch.marc.framing import frame_positions
from almamatch.marc.iso2709 import RecordFault, decode_spans
from almamatch.marc.unreadable import Unreadable
from almamatch.parallel.groups import first_records, link_numbers
from almamatch.store.packed import PackedRecords
from almamatch.zonefiles.profiles import ProfileFile
from almamatch.zonefiles.zones import IndexedZoneView

__all__ = [
    "UTF8_LINE",
    "BatchSetting",
    "BibsOf",
    "Decided",
    "KeysOutsideGroup",
    "LineSlots",
    "Plan",
    "Task",
    "adopt_zone",
    "bibs_of_saved",
    "decide_in_pool",
    "decide_task",
    "line_encoder",
    "line_encoding",
    "paused_collector",
    "plan_batch",
    "write_in_order",
    "write_pieces",
]

Array = npt.NDArray[Any]
_Key = TypeVar("_Key", int, str)

#: Placeholder MMS IDs: "99" + a 21-digit serial from here + the suffix, 27 digits in all, which
#: no real MMS ID has (they are stored as uint64, at most 20 digits).
_PLACEHOLDER_BASE: Final = 10**20
_PER_TASK: Final = 10**9
#: Below this many tasks every placeholder starts with these bytes (a cheap first test).
_MAX_TASKS: Final = 10**5
_PLACEHOLDER_START: Final = b"99" + str(_PLACEHOLDER_BASE).encode()[:7]
_PLACEHOLDER_BYTES: Final = re.compile(rb"(?<![0-9])99[0-9]{25}(?![0-9])")
#: Records per chunk: a few per worker's share, so that lines stream and work balances.
_CHUNK_AT_LEAST: Final = 250
_CHUNK_AT_MOST: Final = 2_000
_CHUNKS_PER_WORKER: Final = 12
#: Bibs a worker keeps in finished tasks' overlays before it frees them. A worker ends without
#: freeing what it keeps (``os._exit``), so keeping is CPU saved for memory spent; but a task's
#: overlay keeps its records packed (``store.packed.PackedRecords``, as the one-process batch's
#: does), about 1.8 KB a bib with its facts and hits, and freeing one costs about 1.2 us (4.4 us
#: with its record a ``Bib``), some 1% of deciding its export, while the memory freed is taken
#: again by the next tasks instead of new pages (a quarter fewer page faults at 100,000 exports).
#: So a worker keeps few: about 10 MiB.
_KEEP_BIBS: Final = 5_000
#: How a worker lets go of the pages of its map of the exports file once a task's records are
#: copied out of them (``_Worker.side_by_side``); None where ``madvise`` cannot.
_LET_GO: Final = getattr(mmap, "MADV_DONTNEED", None)
#: A slot of ``LineSlots`` holds lines of up to this many times its largest task's input (the
#: lines of a day's exports are about 3.3 times their records), and at most this many bytes.
_LINES_PER_BYTE: Final = 6
_SLOT_AT_MOST: Final = 64 << 20
_SLOTS_AT_MOST: Final = 1 << 30


class KeysOutsideGroup(AlmamatchError):
    """A record would look up or change what its group was not formed by."""


@frozen(kw_only=True)
class BatchSetting:
    """What a worker needs to decide as the one-process batch does: the command's options (the
    zone, profile, logon and identity ones ``cli.inputs`` reads), the moment, and how the output
    encodes text (``line_encoding``)."""

    options: dict[str, Any]
    now: datetime
    run: str  # names the run, so that a worker opens its zone once per run
    encoding: tuple[str, str] = ("utf-8", "surrogatepass")

    @classmethod
    def of(cls, args: argparse.Namespace, now: datetime,
           encoding: tuple[str, str] = ("utf-8", "surrogatepass")) -> BatchSetting:
        options = {name: value for name, value in vars(args).items() if not callable(value)}
        return cls(options=options, now=now, run=f"{os.getpid()}-{id(args)}-{now.isoformat()}",
                   encoding=encoding)


@frozen(kw_only=True, eq=False)
class Task:
    """Records of whole groups, in input order, and what their groups share.

    Record ``i`` is the ``lengths[i]`` bytes at ``offsets[i]`` in the file at ``path``; a task
    that carries its records' bytes has them in ``content``, side by side in order (a cluster's
    worker need not see the file). ``offsets`` are the file's either way: an unreadable record
    is reported at its place in the file.
    """

    number: int
    indices: Array  # int64, each record's number in the file
    offsets: Array  # int64
    lengths: Array  # int64
    numbers: frozenset[int]  # the OCLC number values the records may look up
    bibs: frozenset[str]  # the MMS IDs of the zone bibs those numbers match
    path: str
    content: bytes | None = None
    slot: int | None = None  # where in the workers' ``LineSlots`` its lines go, if anywhere


@frozen(kw_only=True, eq=False)
class Decided:
    """A task's JSON lines, each ending in a newline, encoded as the output encodes them.

    Line ``i`` is ``lines[ends[i - 1]:ends[i]]`` and belongs to record ``indices[i]``. ``adds``
    names the placeholder MMS ID of each add (by line), ``mentions`` where a line names one (line,
    byte offset in the line, placeholder). ``outside`` is the number of the first record that
    reached outside its group: the task stopped there, and its lines are not to be written.
    ``slot`` says that the lines were left in that slot of the ``LineSlots`` the task named
    (``lines`` is then empty until ``LineSlots.lines_of`` gives a view of them).
    """

    number: int
    indices: Array
    ends: Array
    lines: bytes | memoryview
    codes: tuple[str, ...]
    adds: dict[int, bytes] = field(factory=dict)
    mentions: dict[int, tuple[tuple[int, bytes], ...]] = field(factory=dict)
    outside: int | None = None
    slot: int | None = None


class LineSlots:
    """Memory shared with the worker processes forked after it is made, where each task leaves
    its lines for the parent to write, instead of sending them back through a pipe.

    A task's JSON lines are about 3.6 KB a record, so a grouped run of 100,000 exports would
    otherwise pickle 360 MB in the workers, send it through pipes and unpickle it in the parent,
    each copy in freshly allocated memory. Here a worker copies its lines into the slot its task
    names (``Task.slot``) and sends back only where they end; the parent writes them from a view
    of the slot. ``count`` slots serve the tasks in turn (``slot_of``): with ``window`` tasks
    in flight (``decide_in_pool``) and one more being written, ``window + 1`` slots are never
    written by one task while another's lines are still to be read. Lines larger than a slot
    go back in the result as bytes (``put`` declines them).
    """

    def __init__(self, count: int, size: int) -> None:
        self.count = count
        self.size = -(-size // mmap.PAGESIZE) * mmap.PAGESIZE
        # Anonymous and shared (MAP_SHARED, mmap's default): a forked worker writes the very
        # pages its parent reads. Pages are given memory only when first written.
        self.area = mmap.mmap(-1, self.count * self.size)

    @classmethod
    def for_plan(cls, plan: Plan, window: int) -> LineSlots | None:
        """Slots for ``plan``'s tasks with ``window`` in flight: each holds lines of up to
        ``_LINES_PER_BYTE`` times the largest task's input, within ``_SLOT_AT_MOST`` and
        ``_SLOTS_AT_MOST`` in all; None when the system will not map them (every task's lines
        then come back in its result)."""
        largest = max((int(plan.lengths[members].sum()) for members in plan.members), default=0)
        count = window + 1
        size = min(_SLOT_AT_MOST, _SLOTS_AT_MOST // count, _LINES_PER_BYTE * largest)
        try:
            return cls(count, max(1, size))
        except OSError:  # ENOMEM: a system that counts shared memory against what it has left
            return None

    def slot_of(self, task: int) -> int:
        return task % self.count

    def put(self, slot: int, lines: Sequence[bytes], total: int) -> bool:
        """Copy ``lines`` (``total`` bytes in all) into ``slot``; False when they do not fit."""
        if total > self.size:
            return False
        area = self.area
        area.seek(slot * self.size)
        for line in lines:
            area.write(line)
        return True

    def lines_of(self, result: Decided) -> Decided:
        """``result`` with its lines, a view of its slot when they were left there."""
        if result.slot is None:
            return result
        start = result.slot * self.size
        end = start + (int(result.ends[-1]) if len(result.ends) else 0)
        return evolve(result, lines=memoryview(self.area)[start:end], slot=None)

    def close(self) -> None:
        """Unmap the slots, unless a view of them is still held (then when it is dropped)."""
        with contextlib.suppress(BufferError):
            self.area.close()


@contextmanager
def paused_collector() -> Iterator[None]:
    """The cyclic garbage collector off around a hot loop (the shell's choice, not the core's).

    Decisions, records and lines are values without reference cycles (a whole run of 20,000
    exports decided, applied and written leaves nothing for a collection to find), so they are
    freed by reference counting and a collection only walks them in vain: once per 20,000
    records it cost 0.4 CPU s. So what exists before the loop is frozen out of collection, the
    collector is off during it, and what the loop keeps (the zone's overlay of added and merged
    bibs) is frozen at the end too, instead of being walked when the collector is enabled again.
    Frozen objects are still freed when nothing refers to them; only cyclic garbage among them
    would wait (``gc.unfreeze``).
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def line_encoding(sink: IO[str]) -> tuple[str, str]:
    """How ``sink`` turns text into bytes, when it is a byte stream of a stateless encoding
    that ``write_in_order`` can write bytes to; else a lossless round trip through UTF-8."""
    if isinstance(sink, io.TextIOWrapper):
        name = codecs.lookup(sink.encoding).name
        if name in ("utf-8", "ascii", "iso8859-1", "latin-1", "cp1252"):
            return sink.encoding, sink.errors or "strict"
    return "utf-8", "surrogatepass"


def _compiled_line_encoder() -> Callable[[str], bytes | None]:
    from almamatch._native.jsontext import utf8_line  # noqa: PLC0415 (only if built)

    return utf8_line


#: The compiled encoder of a line (``_native.jsontext.utf8_line``: a line of text without a
#: surrogate, and a newline, as UTF-8 bytes; None for any other), or None where it is not built
#: or not wanted. tests/test_line_output.py compares it with Python's encoder.
UTF8_LINE: Final = _native.compiled(_compiled_line_encoder)


def line_encoder(encoding: tuple[str, str]) -> Callable[[str], bytes]:
    """How a line and its newline become the bytes an output of ``encoding`` (name, errors;
    ``line_encoding``) holds: ``(line + "\n").encode(*encoding)``, in one C pass for UTF-8
    where ``UTF8_LINE`` is in use (a line holding a surrogate encoded by Python, with the
    output's own error handler). The one-process batch and the grouped workers both encode so."""
    compiled = UTF8_LINE
    if compiled is None or codecs.lookup(encoding[0]).name != "utf-8":

        def encode(line: str) -> bytes:
            return (line + "\n").encode(*encoding)

        return encode

    def encode_utf8(line: str) -> bytes:
        data = compiled(line)
        return (line + "\n").encode(*encoding) if data is None else data

    return encode_utf8


def compiled_makers() -> Makers:
    """The compiled twins of every maker and merge loop (``_native/values.pyx``); raises
    ImportError where the module is not built. The one list of them: ``BATCH_MAKERS`` and the
    tests that compare them with ``PURE_MAKERS`` take it from here."""
    from almamatch._native import values  # noqa: PLC0415 (only if built)

    return Makers(step=values.make_step, add=values.make_add, merge=values.make_merge,
                  version=values.latest_transaction,
                  loops=MergeLoops(selected=values.selected_known, kept=values.kept_known,
                                   order=values.in_tag_order, bib=values.checked_bib),
                  tags=values.tag_line, parse=values.parsed_or_none,
                  facts=values.checked_facts, are_035s=values.are_035s,
                  place=values.tag_order_position, read_035s=values.read_035s,
                  saved_bib=values.saved_bib, literals=values.literals,
                  saved_number=values.saved_number, saved_035s=values.saved_035s,
                  copied_019s=values.copied_019s)


#: How a batch's decisions make their values (``core.decision.Makers``): the compiled twins of
#: the pure makers and merge loops (``_native/values.pyx``) where built and wanted, else the pure
#: ones. tests/property/test_value_makers.py and test_merge_loops.py compare the two.
BATCH_MAKERS: Final = _native.compiled(compiled_makers) or PURE_MAKERS


def decision_cache() -> DecisionCache:
    """A batch run's ``DecisionCache``, with ``BATCH_MAKERS``: the one-process batch and each
    grouped worker decide with one."""
    return DecisionCache(BATCH_MAKERS)


# -- the parent ----------------------------------------------------------------------------------
@frozen(kw_only=True, eq=False)
class Plan:
    """A file's records grouped and cut into tasks (``task(i)`` makes the ``i``-th), and the
    lines of the records that do not frame (written by the parent as the reader reports them).

    ``chunks[i]`` is the chunk of task ``i``: when tasks ``0..i`` are decided, every record
    before ``ends[i]`` (in input order) is.
    """

    path: str
    count: int  # records in the file, readable or not
    ends: tuple[int, ...]
    members: tuple[Array, ...]  # per task, the positions of its records among the framed ones
    indices: Array
    offsets: Array
    lengths: Array
    numbers: tuple[frozenset[int], ...]
    bibs: tuple[frozenset[str], ...]
    unframed: tuple[Unreadable, ...]
    content: bytes | None = None  # the file's bytes, when planned from bytes in memory

    def task(self, position: int, *, with_content: bool = False) -> Task:
        """Task ``position``; ``with_content`` puts its records' bytes in it."""
        members = self.members[position]
        offsets, lengths = self.offsets[members], self.lengths[members]
        content = None
        if with_content or self.content is not None:
            content = b"".join(_read_spans(self, offsets, lengths))
        return Task(number=position, indices=self.indices[members], offsets=offsets,
                    lengths=lengths, numbers=self.numbers[position], bibs=self.bibs[position],
                    path=self.path, content=content)


def _read_spans(plan: Plan, offsets: Array, lengths: Array) -> Iterator[bytes]:
    if plan.content is not None:
        for offset, length in zip(offsets.tolist(), lengths.tolist(), strict=True):
            yield plan.content[offset:offset + length]
        return
    with Path(plan.path).open("rb") as stream:
        for offset, length in zip(offsets.tolist(), lengths.tolist(), strict=True):
            yield os.pread(stream.fileno(), length, offset)


class BibsOf(Protocol):
    """The zone bibs each of some OCLC number values matches: (value position, MMS ID) pairs."""

    def __call__(self, values: Array) -> tuple[Array, Array]: ...


def bibs_of_saved(saved: IndexedZoneView) -> BibsOf:
    """The bibs each value matches in a saved zone as built (``ZoneStore.saved``, already open:
    its index, searched for all values at once). Bibs the zone's journal changed are found by the
    workers' check instead."""
    index = saved.index

    def bibs_of(values: Array) -> tuple[Array, Array]:
        which, rows = index.candidate_rows(values)
        return which.astype(np.int64), np.asarray(index.mms_ids)[rows]
    return bibs_of


def chunk_size(count: int, workers: int) -> int:
    """Records per chunk for ``count`` records on ``workers`` workers."""
    share = -(-count // max(1, workers * _CHUNKS_PER_WORKER))
    return max(_CHUNK_AT_LEAST, min(_CHUNK_AT_MOST, share))


def plan_batch(source: str | Path | bytes, bibs_of: BibsOf, *, workers: int = 1,
               chunk: int | None = None) -> Plan:
    """The records of the exports file at ``source`` (or its bytes) grouped into tasks.

    ``bibs_of`` finds the zone bibs a number matches (``bibs_of_saved``);
    ``chunk`` records per chunk (default ``chunk_size``).
    """
    path = "" if isinstance(source, bytes) else str(source)
    held = source if isinstance(source, bytes) else None
    with contextlib.ExitStack() as stack:
        whole: bytes | mmap.mmap = b"" if held is None else held
        if held is None:  # the file read where it lies, mapped, never copied
            stream = stack.enter_context(Path(path).open("rb"))
            if os.fstat(stream.fileno()).st_size:  # an empty file cannot be mapped
                whole = stack.enter_context(
                    mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
        indices, offsets, lengths, unframed = frame_positions(whole)
        content = np.frombuffer(whole, dtype=np.uint8)
        records, values = link_numbers(content, offsets, offsets + lengths)
        del content  # the map closes only when no array points into it
    count = len(indices) + len(unframed)
    size = chunk or chunk_size(count, workers)
    distinct, value_of = np.unique(values, return_inverse=True)
    value_of = value_of.reshape(-1)
    which, mms_ids = bibs_of(distinct)
    bib_records, bib_ids = _join(records, value_of, which, mms_ids, len(distinct))
    first = first_records(len(indices), [(records, values), (bib_records, bib_ids)])
    chunk_of = indices[first] // size if len(first) else first
    order = np.argsort(chunk_of, kind="stable")
    task_chunks, starts = np.unique(chunk_of[order], return_index=True)
    members = tuple(np.split(order, starts[1:])) if len(order) else ()
    task_of = np.empty(len(indices), dtype=np.int64)
    for position, member in enumerate(members):
        task_of[member] = position
    numbers = _per_task(task_of[records], values, len(members), int)
    bibs = _per_task(task_of[bib_records], bib_ids, len(members), str)
    ends = tuple(min(count, (int(next_chunk)) * size) for next_chunk in
                 [*task_chunks[1:].tolist(), -(-count // size)])
    return Plan(path=path, count=count, ends=ends, members=members, indices=indices,
                offsets=offsets, lengths=lengths, numbers=numbers, bibs=bibs,
                unframed=tuple(unframed), content=held)


def _join(records: Array, value_of: Array, which: Array, mms_ids: Array, values: int
          ) -> tuple[Array, Array]:
    """(record, MMS ID) for every record's value and every bib that value matches."""
    per_value = np.bincount(which, minlength=values)
    first_of_value = np.cumsum(per_value) - per_value
    counts = per_value[value_of]
    pairs = np.repeat(np.arange(len(records)), counts)
    step = np.arange(len(pairs)) - np.repeat(np.cumsum(counts) - counts, counts)
    return records[pairs], mms_ids[first_of_value[value_of[pairs]] + step]


def _per_task(task_of: Array, keys: Array, tasks: int, kind: Callable[[Any], _Key]
              ) -> tuple[frozenset[_Key], ...]:
    order = np.argsort(task_of, kind="stable")
    bounds = np.searchsorted(task_of[order], np.arange(tasks + 1))
    ordered = keys[order].tolist()
    return tuple(frozenset(map(kind, ordered[bounds[task]:bounds[task + 1]]))
                 for task in range(tasks))


def write_in_order(plan: Plan, decided: Iterable[Decided], sequence: MmsIdSequence, *,
                   sink: IO[str] | None, encoding: tuple[str, str], counts: Counter[str]
                   ) -> tuple[int, MmsIdSequence]:
    """Write each record's line in input order as soon as every earlier record's is known, each
    placeholder MMS ID replaced by the real one, and count its code; ``decided`` comes in task
    order.

    The n-th add in input order takes the zone's n-th next MMS ID, as in one process; a line
    that names a placeholder (the add itself, a later merge into that bib) names the real ID.
    Returns how many records were written (all of them unless a task reached outside its group:
    then those before the first record of its chunk) and the sequence after the last add.
    """
    writer = _Writer(sink, encoding, sequence, counts)
    for unreadable in plan.unframed:
        line = (json_line(item_line(unreadable.index, unreadable, None)) + "\n").encode(*encoding)
        writer.take(Decided(number=-1, indices=np.array([unreadable.index]),
                            ends=np.array([len(line)]), lines=line, codes=(UNREADABLE_CODE,)))
    for position, result in enumerate(decided):
        if result.outside is not None:
            break
        writer.take(result, until=plan.ends[position])
        writer.write_until(plan.ends[position])
    else:
        writer.write_until(plan.count)
    return writer.written, writer.sequence


class _Writer:
    """The lines waiting for an earlier record, and the placeholders given real MMS IDs."""

    def __init__(self, sink: IO[str] | None, encoding: tuple[str, str], sequence: MmsIdSequence,
                 counts: Counter[str]) -> None:
        self.sink = sink
        self.binary: IO[bytes] | None = None
        # The file descriptor under the byte stream, written with ``write_pieces``; None when it
        # has none (a stream in memory) or the system has no writev.
        self.descriptor: int | None = None
        if isinstance(sink, io.TextIOWrapper) and line_encoding(sink) == encoding:
            sink.flush()
            self.binary = sink.buffer
            if hasattr(os, "writev"):
                with contextlib.suppress(OSError, ValueError):  # io.UnsupportedOperation
                    self.descriptor = self.binary.fileno()
        self.encoding = encoding
        self.sequence = sequence
        self.counts = counts
        self.real: dict[bytes, bytes] = {}
        # Each record not yet written: its task's result, the result's line ends, its line.
        self.waiting: dict[int, tuple[Decided, list[int], int]] = {}
        self.written = 0

    def take(self, result: Decided, *, until: int | None = None) -> None:
        """Hold the result's lines until written; a line of a record from ``until`` on (a group
        reaching past the chunk about to be written) is copied out, so that the result's bytes
        are freed with its chunk and memory holds only the lines still waiting."""
        ends = [0, *result.ends.tolist()]
        waiting = self.waiting
        for line, index in enumerate(result.indices.tolist()):
            if until is None or index < until:
                waiting[index] = (result, ends, line)
                continue
            text = bytes(result.lines[ends[line]:ends[line + 1]])  # a slot is used again
            added, named = result.adds.get(line), result.mentions.get(line)
            alone = Decided(number=result.number, indices=result.indices[line:line + 1],
                            ends=np.array([len(text)]), lines=text,
                            codes=(result.codes[line],),
                            adds={} if added is None else {0: added},
                            mentions={} if named is None else {0: named})
            waiting[index] = (alone, [0, len(text)], 0)

    def write_until(self, end: int) -> None:
        """Write the lines of the records before ``end``; consecutive lines of one result that
        name no placeholder are written as one slice."""
        pieces: list[bytes | memoryview] = []
        real, waiting, counts = self.real, self.waiting, self.counts
        current: Decided | None = None
        view = memoryview(b"")
        first = last = after = 0
        for index in range(self.written, end):
            result, ends, line = waiting.pop(index)
            counts[result.codes[line]] += 1
            added = result.adds.get(line)
            named = result.mentions.get(line)
            if result is current and line == last + 1 and added is None and named is None:
                last, after = line, ends[line + 1]
                continue
            if current is not None:
                pieces.append(view[first:after])
            current, view = result, memoryview(result.lines)
            first, last, after = ends[line], line, ends[line + 1]
            if added is not None:
                real[added] = self.sequence.peek().encode("ascii")
                self.sequence = self.sequence.advance()
            if named is not None:
                at = first
                for offset, placeholder in named:
                    pieces.append(view[at:first + offset])
                    pieces.append(real[placeholder])
                    at = first + offset + len(placeholder)
                pieces.append(view[at:after])
                current = None  # the line is written: a run starts after it
        if current is not None:
            pieces.append(view[first:after])
        self.written = max(self.written, end)
        self._write(pieces)

    def _write(self, pieces: list[bytes | memoryview]) -> None:
        # Whole: a SIGTERM or Ctrl-C between two of the gathering writes (``write_pieces``)
        # waits for the last one (a chunk's lines are written in several calls).
        with held():
            self._write_all(pieces)

    def _write_all(self, pieces: list[bytes | memoryview]) -> None:
        if self.descriptor is not None:
            # Straight from the slots and texts the pieces are views of, with nothing buffered
            # in the stream above (flushed when the writer was made, and only written here).
            write_pieces(self.descriptor, pieces)
        elif self.binary is not None:
            self.binary.write(b"".join(pieces))  # one write a chunk, not one a piece
            self.binary.flush()
        elif self.sink is not None:
            self.sink.write(b"".join(pieces).decode(*self.encoding))
            self.sink.flush()


def _iov_max() -> int:
    """Buffers a gathering write takes at most: the system's IOV_MAX (POSIX allows no fewer
    than 16), at most 1,024."""
    try:
        found = os.sysconf("SC_IOV_MAX")
    except (AttributeError, ValueError, OSError):  # no sysconf, or no such name here
        found = -1
    return max(16, min(1024, found))


_IOV_MAX: Final = _iov_max()


def write_pieces(descriptor: int, pieces: Sequence[bytes | memoryview]) -> None:
    """Write ``pieces`` in order to the file ``descriptor``, a few hundred at a time in one
    gathering write (``os.writev``), however many bytes each call takes, copying none of them
    into one buffer first: a chunk's lines are megabytes.
    https://pubs.opengroup.org/onlinepubs/9799919799/functions/writev.html (at most IOV_MAX
    buffers a call; like write, it may write fewer bytes than asked)"""
    pending: list[bytes | memoryview] = list(filter(None, pieces))  # the empty ones left out
    at = 0
    while at < len(pending):
        batch = pending[at:at + _IOV_MAX]
        written = os.writev(descriptor, batch)
        if written == sum(map(len, batch)):  # all of it (a file takes all): no step a piece
            at += len(batch)
            continue
        for piece in batch:
            if written < len(piece):
                break
            written -= len(piece)
            at += 1
        if written:  # the next piece was written in part: the rest of it is next
            pending[at] = memoryview(pending[at])[written:]


# -- the workers ---------------------------------------------------------------------------------
class _GroupView:
    """The worker's zone view: the task's overlay's answers, each lookup checked against the
    task."""

    def __init__(self, base: InMemoryZone) -> None:
        self.base = base
        self.store = InMemoryZone(brief_rules=base.brief_rules, base=base)
        self.numbers: frozenset[int] = frozenset()
        self.bibs: frozenset[str] = frozenset()
        self.added: set[str] = set()

    @property
    def keeps_records(self) -> bool:
        return self.store.keeps_records

    def hits(self, number: OclcNumber) -> Sequence[Hit]:
        if number.value not in self.numbers:
            raise KeysOutsideGroup(str(number), "keys_outside_group",
                                   "a number the grouping did not read")
        found = self.store.hits(number)
        for hit in found:
            if hit.mms_id not in self.bibs and hit.mms_id not in self.added:
                raise KeysOutsideGroup(hit.mms_id, "keys_outside_group",
                                       "a bib the grouping did not find")
        return found

    def facts(self, mms_id: str) -> BibFacts | None:
        return self.store.facts(mms_id)

    def record(self, mms_id: str) -> Bib | None:
        return self.store.record(mms_id)

    def record_part(self, mms_id: str, positions: Callable[[list[str]], list[int]]
                    ) -> Bib | None:
        return self.store.record_part(mms_id, positions)

    def next_mms_id(self) -> str:
        return self.store.next_mms_id()

    def apply(self, decision: Decision, *, groundwork: Groundwork | None = None) -> None:
        """Apply to the overlay (``InMemoryZone.apply``, with what decide() derived); a bib it
        changes may take only the task's numbers (and those it had in the zone before the run)."""
        match decision:
            case Add(mms_id=mms_id) | Merge(mms_id=mms_id):
                self.store.apply(decision, groundwork=groundwork)
                after = self.store.facts(mms_id)
                assert after is not None
                unread = [number.value for number in after.active + after.cancelled
                          if number.value not in self.numbers]
                if unread:
                    before = self.base.facts(mms_id)
                    had = set() if before is None else {
                        number.value for number in before.active + before.cancelled}
                    if not had.issuperset(unread):
                        raise KeysOutsideGroup(mms_id, "keys_outside_group",
                                               "a number the grouping did not read")
                if isinstance(decision, Add):
                    self.added.add(mms_id)
            case _:
                pass


class _Worker:
    """One worker's zone and cache, opened once per process (inherited when forked)."""

    opened: ClassVar[dict[str, _Worker]] = {}

    def __init__(self, setting: BatchSetting, opened: tuple[Zone, InMemoryZone] | None = None
                 ) -> None:
        self.args = argparse.Namespace(**setting.options)
        self.now = setting.now
        if opened is None:
            opened = _open_quietly(self.args, profile_from_path(self.args.profile))
        zone, self.base = opened
        self.view = _GroupView(self.base)
        self.zone = evolve(zone, bibs=self.view)
        # Overlays of finished tasks: kept (freeing them costs CPU, and the process ends
        # soon) until they hold ``_KEEP_BIBS`` bibs.
        self.finished: list[InMemoryZone] = []
        self.kept = 0
        self.cache = decision_cache()
        self.lines = LineWriter(self.cache.numbers)  # this run's, as the one-process batch's
        self.files: dict[str, mmap.mmap] = {}
        self.slots: LineSlots | None = None  # the parent's, when forked from it

    @classmethod
    def for_setting(cls, setting: BatchSetting) -> _Worker:
        found = cls.opened.get(setting.run)
        if found is None:
            for worker in cls.opened.values():
                worker.close()
            cls.opened.clear()  # one run at a time per process
            found = cls.opened[setting.run] = cls(setting)
        return found

    def side_by_side(self, task: Task, offsets: list[int], lengths: list[int]) -> bytes:
        """The task's records side by side, in order: the bytes it carries, else copies of them
        from the file, memory-mapped once per worker. The copies are what the task reads, so
        the pages of the map they were on are let go after (``_LET_GO``): a page of the file
        stays in the system's cache, but would otherwise count in the worker's resident memory
        until the run ends (each worker reads most of the file's pages: about 100 MB of the
        100,000 exports' 114 MB). A page read again is mapped again (a minor fault)."""
        if task.content is not None:
            return task.content
        mapped = self.files.get(task.path)
        if mapped is None:
            with Path(task.path).open("rb") as stream:  # the map keeps the file open
                mapped = self.files[task.path] = mmap.mmap(stream.fileno(), 0,
                                                           access=mmap.ACCESS_READ)
        joined = b"".join([mapped[offset:offset + length]
                           for offset, length in zip(offsets, lengths, strict=True)])
        if _LET_GO is not None and offsets:
            start = min(offsets) // mmap.PAGESIZE * mmap.PAGESIZE
            end = max(offset + length for offset, length in zip(offsets, lengths, strict=True))
            mapped.madvise(_LET_GO, start, end - start)
        return joined

    def finish(self, store: InMemoryZone) -> None:
        """Done with a task's overlay (its changes matter to no other task)."""
        self.finished.append(store)
        self.kept += len(store)
        if self.kept > _KEEP_BIBS:
            self.finished.clear()
            self.kept = 0

    def close(self) -> None:
        for mapped in self.files.values():
            mapped.close()
        self.files.clear()


def adopt_zone(setting: BatchSetting, zone: Zone, store: InMemoryZone,
               slots: LineSlots | None = None) -> None:
    """Let this process's workers use a zone already open (forked workers inherit it), and
    leave the lines of tasks that name a slot in ``slots``."""
    for worker in _Worker.opened.values():
        worker.close()
    _Worker.opened.clear()
    worker = _Worker.opened[setting.run] = _Worker(setting, (zone, store))
    worker.slots = slots


def _open_quietly(args: argparse.Namespace, profile: ProfileFile) -> tuple[Zone, InMemoryZone]:
    with contextlib.redirect_stderr(io.StringIO()):  # the parent printed any note once
        return zone_for(args, profile)


def decide_task(setting: BatchSetting, task: Task) -> Decided:
    """Decide every record of ``task`` as the one-process batch would, adds under placeholders,
    and return its lines (``Decided.outside`` set when a record reached outside its group)."""
    if task.number >= _MAX_TASKS:
        raise ValueError(f"task {task.number}: at most {_MAX_TASKS} tasks per batch")
    worker = _Worker.for_setting(setting)
    view = worker.view
    suffix = worker.base.sequence.institution_suffix
    store = view.store = InMemoryZone(
        brief_rules=worker.base.brief_rules, base=worker.base,
        sequence=MmsIdSequence(_PLACEHOLDER_BASE + task.number * _PER_TASK, suffix),
        records=PackedRecords())
    view.numbers, view.bibs, view.added = task.numbers, task.bibs, set()
    lines: list[bytes] = []
    codes: list[str] = []
    adds: dict[int, bytes] = {}
    mentions: dict[int, tuple[tuple[int, bytes], ...]] = {}
    encode = line_encoder(setting.encoding)
    outside: int | None = None
    offsets, lengths = task.offsets.tolist(), task.lengths.tolist()
    # Read as the one-process reader reads a buffer (``decode_spans``), the records side by
    # side: in the file, the task's records can lie far apart; a task that carries its
    # records' bytes already holds them so.
    bounds = list(accumulate(lengths, initial=0))
    side_by_side = worker.side_by_side(task, offsets, lengths)
    records = [side_by_side[start:end] for start, end in pairwise(bounds)]
    decoded = decode_spans(side_by_side, bounds[:-1], bounds[1:], check=True)
    with paused_collector():
        for line, (index, offset, record) in enumerate(zip(
                task.indices.tolist(), offsets, records, strict=True)):
            try:
                text, code, added = _decide_one(worker, index, offset, record, decoded)
            except KeysOutsideGroup:
                outside = index
                break
            encoded = encode(text)
            if added is not None:
                adds[line] = added.encode("ascii")
            if view.added and _PLACEHOLDER_START in encoded:
                found = tuple(_placeholders_named(encoded, view.added))
                if found:
                    mentions[line] = found
            lines.append(encoded)
            codes.append(code)
    worker.finish(store)
    ends = np.cumsum(np.array([len(one) for one in lines], dtype=np.int64))
    slots, slot = worker.slots, task.slot
    if slot is not None and slots is not None and slots.put(
            slot, lines, int(ends[-1]) if len(ends) else 0):
        joined = b""
    else:
        slot, joined = None, b"".join(lines)
    return Decided(number=task.number, indices=task.indices[:len(lines)], ends=ends,
                   lines=joined, codes=tuple(codes), adds=adds, mentions=mentions,
                   outside=outside, slot=slot)


def _placeholders_named(line: bytes, added: set[str]) -> Iterator[tuple[int, bytes]]:
    """Where ``line`` names one of the placeholders ``added`` (offset, placeholder).

    Every placeholder of a batch starts with ``_PLACEHOLDER_START``, so only where those bytes
    are is the whole pattern tried: a line is a few kilobytes, and the pattern, which opens
    with a look-behind, would otherwise be tried at every byte of it (about 30 times slower).
    """
    at = line.find(_PLACEHOLDER_START)
    while at >= 0:
        hit = _PLACEHOLDER_BYTES.match(line, at)  # the look-behind sees the byte before ``at``
        if hit is not None and hit.group().decode("ascii") in added:
            yield at, hit.group()
        at = line.find(_PLACEHOLDER_START, at + 1)


def _decide_one(worker: _Worker, index: int, offset: int, record: bytes,
                decoded: Iterator[tuple[Bib, bool] | RecordFault]
                ) -> tuple[str, str, str | None]:
    """Decide ``record``, which ``decoded`` gives next (``decode_spans``)."""
    if _PLACEHOLDER_START in record and _PLACEHOLDER_BYTES.search(record):
        raise KeysOutsideGroup(index, "placeholder_in_input",
                               "the record holds a number shaped like a placeholder MMS ID")
    found = next(decoded)
    if isinstance(found, RecordFault):
        item = Unreadable(index=index, offset=offset, reason=found.reason, detail=found.detail)
        return worker.lines.line(index, item, None), UNREADABLE_CODE, None
    bib, convertible = found
    if convertible:
        worker.cache.note_convertible(bib)
    zone = worker.zone
    cache = worker.cache
    decision = decide(export_for(bib, worker.args, zone), zone, worker.now, cache=cache)
    worker.view.apply(decision, groundwork=cache.groundwork(decision))
    added = decision.mms_id if isinstance(decision, Add) else None
    return worker.lines.line(index, bib, decision), line_code(decision), added


def decide_in_pool(submit: Callable[[Task], Any], plan: Plan, *, window: int,
                   with_content: bool = False) -> Iterator[Decided]:
    """The plan's tasks decided through ``submit`` (which returns a future: a process pool's or
    a Dask client's), yielded in task order, with at most ``window`` tasks in flight."""
    waiting: list[Any] = []
    tasks = iter(range(len(plan.members)))
    for position in tasks:
        waiting.append(submit(plan.task(position, with_content=with_content)))
        if len(waiting) >= window:
            break
    while waiting:
        result: Decided = waiting.pop(0).result()
        following = next(tasks, None)
        if following is not None:
            waiting.append(submit(plan.task(following, with_content=with_content)))
        yield result
