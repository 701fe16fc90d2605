"""``almamatch batch``: every record of a MARC file exported in order, as Alma would take them.

Theory of operation: records are read one at a time and each is decided against the zone as it
stands after the ones before it: the decision is applied (``InMemoryZone.apply``: an Add stores a
new bib, a Merge replaces one) before the next record is read, so two exports of one new OCLC
number add once and then merge. A record that does not load gets its own line with its position
and reason and changes nothing; every record read is accounted for (decided + unreadable = read).
With ``--json`` or ``--output``, each record's JSON line is written as it is decided (to a regular
file, in pieces of ``FILE_PIECE`` bytes: ``lines_output``), a run interrupted (Ctrl-C) or ended
by SIGTERM (``cli.stopping``) writes every answer it gave before it ends, and ``--resume FILE``
continues it: the recorded outcomes are replayed onto the zone, never decided again
(``cli.resume``), and a record whose line a killed run did not write is decided again. A
completed run exits 0 whatever Alma refused, since refusals and unreadable records are
outcomes, reported; ``--strict`` makes them exit 1 for scripts. A file that is no MARC at all
(its first record ``unknown_format``) is an unreadable input file: exit 3.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import io
import os
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from datetime import datetime
from itertools import starmap
from pathlib import Path
from typing import IO, Any, BinaryIO, Final

from attrs import evolve, frozen

from almamatch import _native
from almamatch.cli.arguments.options import Format, format_of
from almamatch.cli.ending import keep_to_the_end
from almamatch.cli.evidence import decision_mms_id, evidence_text
from almamatch.cli.inputs import (
    export_for,
    identity_from_args,
    now_from_args,
    profile_from_path,
    zone_for,
    zone_store_for,
)
from almamatch.cli.progress import progress
from almamatch.cli.report import Report, write_report
from almamatch.cli.resume import (
    InvalidResumeFile,
    batch_output,
    cut_torn_line,
    file_digest,
    read_identity,
    recorded_lines,
    replay,
    run_differences,
    zone_digest,
)
from almamatch.cli.stopping import EXIT_INTERRUPTED, held, workers_end_with_this_process
from almamatch.core.decide import DecisionCache, decide
from almamatch.core.decision import Code, Decision
from almamatch.core.errors import AlmamatchError
from almamatch.core.lock import printable_moment
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib
from almamatch.core.slots import new_instance, slot_setter
from almamatch.core.zone import InMemoryZone, Zone
from almamatch.envelope import (
    UNREADABLE_CODE,
    LineWriter,
    RunIdentity,
    json_line,
    line_code,
    summary_line,
)
from almamatch.marc import MarcFormat, Unreadable, detect_format, read_bibs
from almamatch.parallel.batch import (
    UTF8_LINE,
    BatchSetting,
    Decided,
    LineSlots,
    Plan,
    Task,
    adopt_zone,
    bibs_of_saved,
    decide_in_pool,
    decide_task,
    decision_cache,
    line_encoder,
    line_encoding,
    paused_collector,
    plan_batch,
    write_in_order,
)
from almamatch.store.zone_store import ZoneStore
from almamatch.zonefiles.profiles import ProfileFile
from almamatch.zonefiles.zones import IndexedZoneView

__all__ = ["BatchItem", "UnreadableExports", "decide_in_order", "decided_in_order", "run"]


class UnreadableExports(AlmamatchError):
    """The exports file is no MARC file at all (its content announces no format)."""


@frozen
class BatchItem:
    """One record of the file: its position, the bib or why it did not load, and the decision."""

    index: int
    item: Bib | Unreadable
    decision: Decision | None  # None exactly when ``item`` is Unreadable


#: The slots of a ``BatchItem``, set by ``_batch_item``.
_SET_ITEM: Final = tuple(slot_setter(BatchItem, name) for name in ("index", "item", "decision"))


def _batch_item(index: int, item: Bib | Unreadable, decision: Decision | None) -> BatchItem:
    """``BatchItem(index, item, decision)``, made without the frozen ``__init__`` (which checks
    nothing): ``decide_in_order`` makes one per record."""
    made: BatchItem = new_instance(BatchItem)
    set_index, set_item, set_decision = _SET_ITEM
    set_index(made, index)
    set_item(made, item)
    set_decision(made, decision)
    return made


@frozen(kw_only=True)
class Replay:
    """The recorded lines of an interrupted run, to be replayed before deciding the rest."""

    lines: Iterator[dict[str, Any]]
    profile: IntegrationProfile


def decide_in_order(
    exports: str | Path | BinaryIO,
    *,
    zone: Zone,
    store: InMemoryZone,
    args: argparse.Namespace,
    now: datetime,
    resume: Replay | None = None,
    replayed: Counter[str] | None = None,
    cache: DecisionCache | None = None,
) -> Iterator[BatchItem]:
    """Each record of ``exports`` decided against ``zone``, the decision applied to ``store``.

    ``cache`` is the run's ``DecisionCache`` (a fresh one by default); the caller that writes the
    lines passes it to share its memo of parsed OCLC numbers with the ``LineWriter``.

    The next record is read only after the caller has taken the previous item. With ``resume``,
    the records it has lines for are replayed (``cli.resume.replay``), counted in ``replayed``
    and not yielded: ``decide()`` is never called for them.
    """
    return starmap(_batch_item, decided_in_order(
        exports, zone=zone, store=store, args=args, now=now, resume=resume, replayed=replayed,
        cache=cache))


def decided_in_order(
    exports: str | Path | BinaryIO,
    *,
    zone: Zone,
    store: InMemoryZone,
    args: argparse.Namespace,
    now: datetime,
    resume: Replay | None = None,
    replayed: Counter[str] | None = None,
    cache: DecisionCache | None = None,
) -> Iterator[tuple[int, Bib | Unreadable, Decision | None]]:
    """``decide_in_order``'s items as the tuples ``(index, item, decision)``, without a
    ``BatchItem`` made for each (the command's own loop reads them so: ``run``)."""
    recorded = resume.lines if resume is not None else None
    where = str(exports) if isinstance(exports, str | Path) else str(exports.name)
    if cache is None:
        cache = decision_cache()  # this run's: kept between its decisions, dropped with it
    apply, groundwork = store.apply, cache.groundwork
    for index, item in enumerate(read_bibs(exports, convertible=cache.note_convertible)):
        if isinstance(item, Unreadable):
            if index == 0 and item.reason == "unknown_format":
                raise UnreadableExports(where, item.reason, item.detail)
            export = None
        else:
            export = export_for(item, args, zone)
        if recorded is not None:
            line = next(recorded, None)
            if line is not None:
                assert resume is not None  # recorded is its lines
                code = replay(line, item, export=export, store=store, profile=resume.profile,
                              numbers=cache.numbers)
                if replayed is not None:
                    replayed[code] += 1
                continue
        if export is None:
            yield index, item, None
            continue
        decision = decide(export, zone, now, cache=cache)
        apply(decision, groundwork=groundwork(decision))
        yield index, item, decision
    if recorded is not None and next(recorded, None) is not None:
        raise InvalidResumeFile(where, "input_differs", "the output has more lines than "
                                "the input has records")


def _first_number(item: Bib | Unreadable) -> str:
    if isinstance(item, Unreadable):
        return "-"
    offered = item.oclc_numbers  # derived on each use: once here
    numbers = offered.active or offered.cancelled
    return str(numbers[0]) if numbers else "-"


def item_code(entry: BatchItem) -> str:
    """The code of a batch entry, ``UNREADABLE`` for a record that did not load."""
    return line_code(entry.decision)


def _resume_target(args: argparse.Namespace) -> tuple[Path, RunIdentity] | None:
    """The batch output to continue and the run it records; None when not resuming.

    Nothing is cut yet: the file is checked to be a batch output first (``read_identity``).
    """
    if args.resume is None:
        return None
    target = Path(args.resume)
    if args.output is not None and Path(args.output).resolve() != target.resolve():
        raise InvalidResumeFile(args.output, "two_outputs", "--resume names the output file")
    if not target.is_file():
        raise InvalidResumeFile(str(target), "no_output", "no output file to resume")
    return target, read_identity(target)


def _run_identity(args: argparse.Namespace, profile: ProfileFile, now: datetime) -> RunIdentity:
    """What identifies this run: the digests of its input, profile and zone, and its moment."""
    return RunIdentity(
        input=file_digest(args.exports),
        profile=_profile_digest(args, evolve(profile, source=""), rules=profile.rule_digests),
        zone=zone_digest(args.zone, args.facts),
        now=_moment_text(now),
    )


def _profile_digest(args: argparse.Namespace, profile: ProfileFile,
                    rules: tuple[str, ...] | None = None) -> str:
    """The SHA-256 of what the run sends: the profile as loaded, the zone identity, the logon
    and the password, and ``rules``, the digests of the content of the rule files it loaded.
    ``_run_identity`` gives it the profile without its path and with those digests, so that the
    same profile named another way (relative, absolute, a copy) is the same run and other rules
    (a rule file beside a copy, or edited) are another, as the input and the zone are
    identified by their content. The outputs of earlier versions hashed the path and not the
    rules' content (``rules`` None), and a resume still accepts that digest (``_same_run``)."""
    sent: tuple[object, ...] = (profile, identity_from_args(args, profile), args.logon,
                                args.password)
    if rules is not None:
        sent += (rules,)
    return hashlib.sha256(repr(sent).encode("utf-8", "backslashreplace")).hexdigest()


def _same_run(args: argparse.Namespace, profile: ProfileFile, identity: RunIdentity,
              recorded: RunIdentity) -> RunIdentity:
    """``identity`` as ``recorded`` writes the profile's digest when that is the digest of an
    earlier version (the profile hashed with the path it was given by), else as it is."""
    if recorded.profile != identity.profile and recorded.profile == _profile_digest(args, profile):
        return evolve(identity, profile=recorded.profile)
    return identity


def _moment_text(now: datetime) -> str:
    """``now`` in ISO 8601; a zone offset ``datetime`` refuses to print (24 h or more) as the
    same instant in UTC, so that any moment the parser yields identifies a run and reads back."""
    return printable_moment(now).isoformat()


def _this_run(
    args: argparse.Namespace, profile: ProfileFile
) -> tuple[datetime, RunIdentity | None, Path | None]:
    """The moment, the run identity and, when resuming, the output checked to be this run's.

    A resume is refused, before anything is cut (``_json_sink`` cuts a torn last line), when
    the recorded run differs from this one; without ``--now`` it judges locks at the recorded
    moment, as the interrupted run did. The identity heads an ``--output`` file and is checked
    by a resume; a run whose lines go to stdout or nowhere has none (None), so it does not read
    its whole input once more for the digest (the input is only opened, so that a file that
    cannot be read is still refused first).
    """
    resuming = _resume_target(args)
    if resuming is not None and args.now is None:
        try:
            now = datetime.fromisoformat(resuming[1].now)
        except ValueError:
            raise InvalidResumeFile(args.resume, "bad_line", f"recorded now {resuming[1].now!r}"
                                    ) from None
    else:
        now = now_from_args(args)
    if resuming is None and args.output is None:
        Path(args.exports).open("rb").close()
        return now, None, None
    identity = _run_identity(args, profile, now)
    if resuming is None:
        return now, identity, None
    target, recorded = resuming
    identity = _same_run(args, profile, identity, recorded)
    differences = run_differences(identity, recorded)
    if differences:
        raise InvalidResumeFile(str(target), "another_run",
                                "; ".join(differences) + "; the file is left as it is")
    return now, identity, target


@contextmanager
def _json_sink(args: argparse.Namespace, identity: RunIdentity | None,
               resume_target: Path | None, *, to_stdout: bool) -> Iterator[IO[str] | None]:
    """Where the run writes its JSON lines, for the one-process and the grouped path alike.

    The output ``--resume`` continues, known by now to be this run's (``_this_run``): its torn
    last line cut, then appended to. Else the ``--output`` file (``batch_output``: the run line
    first; a new file written in place, an earlier output replaced atomically when the run
    ends). Else stdout when the lines go there (a reader that stops early, ``| head``, ends the
    run quietly: ``cli.main``). Else nowhere: None.
    """
    if resume_target is not None:
        cut_torn_line(resume_target)
        with resume_target.open("a", encoding="utf-8", errors="backslashreplace") as stream:
            yield stream
    elif args.output is not None:
        assert identity is not None  # _this_run gives one to a run with an output file
        with batch_output(Path(args.output), identity) as stream:
            yield stream
    else:
        yield sys.stdout if to_stdout else None


def run(args: argparse.Namespace) -> int:
    profile = profile_from_path(args.profile)
    now, identity, resume_target = _this_run(args, profile)
    saved = zone_store_for(args, profile, write=True) if args.commit else None
    zone, store = zone_for(args, profile, opened := saved or zone_store_for(args, profile))
    keep_to_the_end(zone, store, opened)  # the process ends next: not freed one by one
    counts: Counter[str] = Counter()
    fmt = format_of(args)
    rows: list[tuple[str, ...]] = []
    # Groups on workers when nothing needs the records one by one (no rows, no resume).
    grouped = (resume_target is None and args.stop_after is None and saved is None
               and (args.workers > 1 or args.dask) and (fmt is Format.JSON or args.summary)
               and run_grouped(args, now=now, zone=zone, store=store, saved=opened.saved,
                               counts=counts, identity=identity,
                               to_stdout=fmt is Format.JSON) is not None)
    with ExitStack() as stack:
        commit = _kept(stack, saved)
        sink: IO[str] | None = None
        resume: Replay | None = None
        if not grouped:  # the grouped path has written its lines
            sink = stack.enter_context(_json_sink(args, identity, resume_target,
                                                  to_stdout=fmt is Format.JSON))
        if resume_target is not None:
            lines = stack.enter_context(closing(recorded_lines(resume_target)))
            resume = Replay(lines=lines, profile=profile.profile)
        exports = stack.enter_context(Path(args.exports).open("rb"))
        tick = stack.enter_context(progress(f"deciding {args.exports}", bytes_total=os.fstat(
            exports.fileno()).st_size))
        cache = decision_cache()  # this run's: kept between its decisions, dropped with it
        entries = () if grouped else decided_in_order(
            exports, zone=zone, store=store, args=args, now=now, resume=resume, replayed=counts,
            cache=cache)
        stack.enter_context(paused_collector())
        # this run's: the texts it keeps are dropped with it; the numbers decide() parsed
        writer = LineWriter(cache.numbers)
        keep_to_the_end(cache, writer)
        output = None if sink is None else stack.enter_context(lines_output(sink, writer))
        shown = tick.shown  # the input's position (a system call a record) asked for a bar only
        listed, stop_after = fmt is not Format.JSON and not args.summary, args.stop_after
        for index, item, decision in entries:
            counts[line_code(decision)] += 1
            if output is not None:
                output(index, item, decision)
            if listed:
                rows.append(_row(index, item, decision))
            if shown:
                tick(exports.tell())
            if stop_after is not None and index + 1 >= stop_after:
                return EXIT_INTERRUPTED  # as interrupted: the lines so far are written
        commit()  # with --commit, the whole run in one transaction
    read = sum(counts.values())
    unreadable = counts[UNREADABLE_CODE]
    refused = sum(n for code, n in counts.items() if code not in (Code.ADDED, Code.MERGED))
    if fmt is Format.JSON:
        if args.summary:
            sys.stdout.write(json_line(summary_line(counts)) + "\n")
    elif not args.summary:
        write_report(Report(title=f"{args.exports} into {zone.institution} ({zone.kind.value})",
                            about=_about(args, profile, zone, now), columns=BATCH_COLUMNS,
                            rows=rows, right=frozenset({"#"})), fmt)
        if fmt is Format.TABLE:
            write_report(_summary(counts, read, unreadable), fmt)
    else:
        write_report(_summary(counts, read, unreadable), fmt)
    return 1 if refused and args.strict else 0


#: The compiled encoder of a line (``parallel.batch.UTF8_LINE``), or None: ``sink.write``.
_UTF8_LINE: Final = UTF8_LINE


def _compiled_line_joiner() -> Callable[[tuple[str, ...]], bytes | None]:
    from almamatch._native.jsontext import utf8_join  # noqa: PLC0415 (only if built)

    return utf8_join


#: The compiled encoder of a line's pieces (``_native.jsontext.utf8_join``: the pieces joined,
#: and a newline, as UTF-8 bytes; None for a line holding a surrogate), or None where it is not
#: built or not wanted. tests/test_line_output.py compares it with Python's encoder.
_UTF8_JOIN: Final = _native.compiled(_compiled_line_joiner)


def _utf8_bytes(sink: IO[str]) -> tuple[BinaryIO, Callable[[str], bytes]] | None:
    """Where the compiled writers are in use and ``sink`` encodes text as UTF-8 (a
    ``TextIOWrapper`` that ``parallel.batch.line_encoding`` lets the grouped path write bytes
    to): its byte stream (what was written to it as text flushed first) and the encoder of a
    line (``parallel.batch.line_encoder``, as the grouped workers encode theirs: a line holding
    a surrogate encoded by Python, with the sink's own error handler); else None."""
    encoding = line_encoding(sink)
    if (_UTF8_LINE is None or not isinstance(sink, io.TextIOWrapper)
            or codecs.lookup(encoding[0]).name != "utf-8"):
        return None
    sink.flush()  # what was written as text before goes first
    return sink.buffer, line_encoder(encoding)


def line_output(sink: IO[str]) -> Callable[[str], None]:
    """How a one-process run writes each line to ``sink`` and flushes it, before the next
    record is decided: ``sink.write`` of the line and a newline, or the same bytes written to
    its byte stream, encoded in one C pass (``_utf8_bytes``)."""
    found = _utf8_bytes(sink)
    if found is None:

        def write_text(line: str) -> None:
            sink.write(line + "\n")
            sink.flush()

        return write_text
    binary, encode = found

    def write_bytes(line: str) -> None:
        binary.write(encode(line))
        binary.flush()

    return write_bytes


#: What a one-process run writing to a regular file holds of its lines before it writes them,
#: in bytes: one write of many lines, as the grouped path writes its pieces (a line of a few KB
#: written alone has the page cache set up its pages twice, about a tenth of a run's CPU).
FILE_PIECE: Final = 1 << 16


def _regular_file(binary: BinaryIO) -> bool:
    """Whether ``binary`` writes to a regular file (not a terminal, a pipe or a socket)."""
    try:
        return stat.S_ISREG(os.fstat(binary.fileno()).st_mode)
    except (OSError, ValueError):  # no descriptor (io.UnsupportedOperation) or closed
        return False


@contextmanager
def lines_output(sink: IO[str], writer: LineWriter
                 ) -> Iterator[Callable[[int, Bib | Unreadable, Decision | None], None]]:
    """How a one-process run writes each record's line (``writer.line``) to ``sink``, as
    ``line_output`` writes it; where that is in bytes, each line's bytes are written at once by
    the compiled writers (``writer.encoded``), else the line's pieces (``writer.parts``) are
    encoded at once, not joined first (``_UTF8_JOIN``; a line holding a surrogate joined and
    encoded as ``line_output`` encodes it). To a regular file, the bytes of the lines are held
    until ``FILE_PIECE`` of them are, and what is held is written when the run ends, however it
    ends (completed, Ctrl-C, SIGTERM, an error): a reader of a terminal or a pipe sees each line
    as it is decided, a run that is killed outright (SIGKILL) leaves a file short of at most
    the lines held, which ``--resume`` decides again."""
    found = _utf8_bytes(sink) if _UTF8_JOIN is not None else None
    if found is None:
        output, line = line_output(sink), writer.line

        def write_line(index: int, item: Bib | Unreadable, decision: Decision | None) -> None:
            output(line(index, item, decision))

        yield write_line
        return
    binary, encode = found
    parts, join, encoded = writer.parts, _UTF8_JOIN, writer.encoded
    assert join is not None

    def line_bytes(index: int, item: Bib | Unreadable, decision: Decision | None) -> bytes:
        pieces = parts(index, item, decision)
        data = join(pieces)
        return encode("".join(pieces)) if data is None else data

    if not _regular_file(binary):

        def write_parts(index: int, item: Bib | Unreadable, decision: Decision | None) -> None:
            # The line's bytes at once (never empty: a newline ends them), else its pieces'.
            binary.write(encoded(index, item, decision) or line_bytes(index, item, decision))
            binary.flush()

        yield write_parts
        return
    pending: list[bytes] = []
    size = 0

    def hold_parts(index: int, item: Bib | Unreadable, decision: Decision | None) -> None:
        nonlocal size
        data = encoded(index, item, decision) or line_bytes(index, item, decision)
        pending.append(data)
        size += len(data)
        if size >= FILE_PIECE:
            piece = b"".join(pending)
            pending.clear()
            size = 0
            # Whole lines: one write of a piece to a regular file is not cut by a signal
            # (Python runs a SIGTERM's or Ctrl-C's handler once the call has returned).
            binary.write(piece)
            binary.flush()

    try:
        yield hold_parts
    finally:
        if pending:
            binary.write(b"".join(pending))
            binary.flush()


def _kept(stack: ExitStack, saved: ZoneStore | None) -> Callable[[], object]:
    """With ``--commit``: close the saved zone when the run ends (without a commit unless the
    run completes) and return the call that commits it; without, a call that keeps nothing."""
    if saved is None:
        return lambda: None
    stack.callback(saved.close)
    return saved.commit


#: The columns of the batch table, one row per input record, numbered from 1.
BATCH_COLUMNS: Final = ("#", "OCLC number", "code", "MMS ID", "host message", "evidence")


def _about(args: argparse.Namespace, profile: ProfileFile, zone: Zone,
           now: datetime) -> tuple[tuple[str, str], ...]:
    """The header lines: which profile and which moment the records were decided under."""
    source = args.profile or "the default CARLI profile"
    return (("profile", f"{profile.profile.name} ({source})"),
            ("zone", f"{zone.institution} at {zone.host}, logon ID {zone.logon_id}"),
            ("moment", now.isoformat(sep=" ", timespec="minutes")))


def _row(index: int, item: Bib | Unreadable, decision: Decision | None) -> tuple[str, ...]:
    """A table row, numbered from 1 as people and specs count records."""
    if decision is None:
        assert isinstance(item, Unreadable)
        return (str(index + 1), "-", UNREADABLE_CODE, "-", "-",
                f"{item.reason}: {item.detail} (byte {item.offset})")
    return (str(index + 1), _first_number(item), line_code(decision),
            decision_mms_id(decision) or "-", decision.host_message, evidence_text(decision))


def _summary(counts: Counter[str], read: int, unreadable: int) -> Report:
    order = [code.value for code in Code] + [UNREADABLE_CODE]
    rows = [(code, str(counts[code])) for code in sorted(counts, key=order.index)]
    rows += [("decided", str(read - unreadable)), ("unreadable", str(unreadable)),
             ("read", str(read))]
    return Report(title="Summary by code", columns=("code", "records"), rows=rows,
                  right=frozenset({"records"}))


#: Below this many records a batch is decided in one process: starting workers costs more.
MIN_GROUPED_RECORDS = 2_000


def run_grouped(args: argparse.Namespace, *, now: datetime, zone: Zone, store: InMemoryZone,
                saved: IndexedZoneView, counts: Counter[str], identity: RunIdentity | None,
                to_stdout: bool) -> bool | None:
    """Decide the file in independent groups on ``--workers`` processes or ``--dask``, writing
    the lines in input order as they are known; None (nothing written) when the file is better
    decided in one process: not ISO 2709, or under ``MIN_GROUPED_RECORDS`` records.

    A record that reaches outside its group (``parallel.batch``) sends the rest of the file to
    one process: the lines already written stay, the run goes on from the first line not
    written, and the output is the one-process output all the same.
    """
    path = Path(args.exports)
    with path.open("rb") as stream:
        if detect_format(stream.read(64)) is not MarcFormat.ISO2709:
            return None
    workers = max(1, args.workers)
    plan = plan_batch(path, bibs_of_saved(saved), workers=2 * workers if args.dask else workers)
    if plan.count < MIN_GROUPED_RECORDS and not args.dask:
        return None
    with ExitStack() as stack:
        sink = stack.enter_context(_json_sink(args, identity, None, to_stdout=to_stdout))
        encoding = line_encoding(sink) if sink is not None else ("utf-8", "surrogatepass")
        setting = BatchSetting.of(args, now, encoding)
        if args.dask:
            from almamatch.parallel.dask import (  # noqa: PLC0415 (the optional dask extra)
                decide_on_cluster,
            )

            decided: Iterator[Decided] = stack.enter_context(
                decide_on_cluster(args.dask, setting, plan))
        else:
            decided = stack.enter_context(_decide_on_processes(setting, plan, zone, store,
                                                               workers))
        written, after = write_in_order(plan, decided, store.sequence, sink=sink,
                                        encoding=encoding, counts=counts)
        if written < plan.count:  # the zone is still as it was: decide again from the start
            _one_process_from(written, args, now=now, zone=zone, store=store, counts=counts,
                              sink=sink)
        else:
            store.sequence = after
    return True


def _one_process_from(written: int, args: argparse.Namespace, *, now: datetime, zone: Zone,
                      store: InMemoryZone, counts: Counter[str], sink: IO[str] | None) -> None:
    """The one-process batch over the whole file, writing the lines from record ``written`` on
    (the zone must see every record before it, so every record is decided again)."""
    cache = decision_cache()
    writer = LineWriter(cache.numbers)
    with ExitStack() as stack:
        output = None if sink is None else stack.enter_context(lines_output(sink, writer))
        for index, item, decision in decided_in_order(args.exports, zone=zone, store=store,
                                                      args=args, now=now, cache=cache):
            if index < written:
                continue
            counts[line_code(decision)] += 1
            if output is not None:
                output(index, item, decision)


@contextmanager
def _decide_on_processes(setting: BatchSetting, plan: Plan, zone: Zone, store: InMemoryZone,
                         workers: int) -> Iterator[Iterator[Decided]]:
    """The plan's tasks decided on ``workers`` forked processes (each inherits the open zone),
    in task order; tasks still running are waited for when the run ends."""
    store.sequence = store.sequence  # the zone's next MMS ID, found once before the fork
    if workers == 1:
        adopt_zone(setting, zone, store)
        yield (decide_task(setting, plan.task(position)) for position in range(len(plan.members)))
        return
    # The process pool only when there are workers to start: a one-process run starts without.
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import Future, ProcessPoolExecutor  # noqa: PLC0415

    window = 4 * workers
    slots = LineSlots.for_plan(plan, window)  # made before the fork: the workers share it
    adopt_zone(setting, zone, store, slots)
    # A worker ignores Ctrl-C and SIGTERM: this process stops it (the pool's shutdown below);
    # killed at once (SIGKILL), it stops nothing, and each worker ends on its own.
    with workers_end_with_this_process() as start_worker:
        pool = ProcessPoolExecutor(max_workers=workers,
                                   mp_context=multiprocessing.get_context("fork"),
                                   initializer=start_worker)

        def submit(task: Task) -> Future[Decided]:
            # The first submit forks the workers: a SIGTERM or Ctrl-C amid it would be lost in
            # an at-fork hook, stop a worker not yet set up, or leave the workers never told to
            # stop (the pool is not yet watching them), and the run hanging.
            if slots is not None:
                task = evolve(task, slot=slots.slot_of(task.number))
            with held():
                return pool.submit(decide_task, setting, task)

        try:
            decided = decide_in_pool(submit, plan, window=window)
            yield decided if slots is None else (slots.lines_of(result) for result in decided)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if slots is not None:
                slots.close()
