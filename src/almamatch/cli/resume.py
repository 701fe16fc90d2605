"""Resuming a batch: the JSON lines of an interrupted run, read back and replayed onto the zone.

Theory of operation: a batch applies each decision to the zone before it reads the next record,
so record N+1 is decided against the zone as the first N decisions left it. The output file of an
interrupted run holds one complete line per record decided before it stopped (Ctrl-C and SIGTERM
let the batch write every line it gave; a run killed outright may leave the last lines it held
unwritten: ``cli.batch.lines_output``), perhaps followed by a torn line that the interruption cut.
Resuming cuts the torn line, then walks the input and the recorded lines together: each recorded
outcome is replayed onto the zone without calling ``decide()`` again (an ``ADDED`` line stores the
prepared record under the MMS ID the line names; a ``MERGED`` line merges it into that MMS ID with
the profile's merge method; a refusal or an unreadable record changes nothing), and every record
after the last recorded line is decided as usual and appended. A recorded line that does not fit
its input record (another file, another order) stops the run with ``InvalidResumeFile``.

What identifies a run is its first line, written before any record's: ``{"almamatch_run": {"input":
..., "profile": ..., "zone": ..., "now": ...}}`` (``RunIdentity``): the SHA-256 of the exports
file, of the profile as loaded (whatever path names it) and of the rule files it loads, together
with the zone identity and the logon the exports send, a digest of the zone's files, and the moment
the locks are judged at. A resume recomputes them and refuses, naming each one that differs, before
it changes anything; without ``--now`` it takes the recorded moment. A file whose first line is not
a run line is not a batch output: it is never cut, appended to or replaced (``--resume`` and
``--output`` both refuse it). ``--output`` creates a new file in place, so an interrupted run
leaves a resumable file; an earlier batch output is replaced only once the new one is written,
through a temporary file and an atomic rename (``batch_output``).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Final

import attrs

from almamatch.cli.stopping import held
from almamatch.codec import converter
from almamatch.core.decision import Add, Code, Merge
from almamatch.core.errors import AlmamatchError, shown
from almamatch.core.normalization import assign_mms_id
from almamatch.core.oclc import ParsedNumbers
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib
from almamatch.core.zone import Export, InMemoryZone
from almamatch.envelope import RUN_KEY, UNREADABLE_CODE, Place, RunIdentity, json_line, run_line
from almamatch.marc import Unreadable
from almamatch.store.zone_store import zone_state
from almamatch.zonefiles.manifest import MANIFEST

__all__ = [
    "InvalidResumeFile", "batch_output", "cut_torn_line", "file_digest", "read_identity",
    "recorded_lines", "replay", "run_differences", "zone_digest",
]

_READ_SIZE: Final = 1 << 20
# Zone files up to this size are digested whole; larger ones (a bibs.mrc of millions of
# records) by their size and their first and last megabyte, so that checking costs seconds.
_WHOLE_FILE_LIMIT: Final = 64 << 20


class InvalidResumeFile(AlmamatchError):
    """An output file that is not the JSON lines of an interrupted run over the same input."""


def run_differences(this: RunIdentity, recorded: RunIdentity) -> list[str]:
    """What differs between this run and the ``recorded`` one, a phrase each; empty if none."""
    labels = {"input": "the exports file", "profile": "the profile (or the logon, password or "
              "zone identity options)", "zone": "the zone", "now": "--now"}
    return [
        f"{label} differs (recorded {getattr(recorded, name)[:25]}, "
        f"now {getattr(this, name)[:25]})"
        for name, label in labels.items() if getattr(recorded, name) != getattr(this, name)
    ]


def file_digest(path: str | Path) -> str:
    """The SHA-256 of a file's content, read in pieces."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while piece := stream.read(_READ_SIZE):
            digest.update(piece)
    return digest.hexdigest()


def zone_digest(*paths: str | Path | None) -> str:
    """A digest of the zone: every file under each path (a dump, a saved zone directory, a facts
    file), by relative name and content; a file past 64 MB by its size, first and last MB."""
    digest = hashlib.sha256()
    for given in paths:
        if given is None:
            digest.update(b"\0none")
            continue
        root = Path(given)
        if root.is_dir() and (root / MANIFEST).is_file():
            # A saved zone: its build and its last commit (the journal's files change as it is
            # opened; the build's files are covered by zone.json's digests, checked on open).
            digest.update(f"\0saved zone\0{zone_state(root)}".encode())
            continue
        files = sorted(one for one in root.rglob("*") if one.is_file()) if root.is_dir() else [root]
        for one in files:
            name = one.relative_to(root).as_posix() if root.is_dir() else one.name
            size = one.stat().st_size
            digest.update(f"\0{name}\0{size}\0".encode())
            with one.open("rb") as stream:
                if size <= _WHOLE_FILE_LIMIT:
                    while piece := stream.read(_READ_SIZE):
                        digest.update(piece)
                else:
                    digest.update(stream.read(_READ_SIZE))
                    stream.seek(size - _READ_SIZE)
                    digest.update(stream.read(_READ_SIZE))
    return digest.hexdigest()


def _first_line(path: Path) -> bytes:
    with path.open("rb") as stream:
        return stream.readline(1 << 16)


def _identity_in(first: bytes) -> RunIdentity | None:
    """The run identity a batch output's first line holds, or None when it holds none."""
    try:
        line = json.loads(first)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    found = line.get(RUN_KEY) if isinstance(line, dict) else None
    if not isinstance(found, dict):
        return None
    fields = {one.name for one in attrs.fields(RunIdentity)}
    if set(found) != fields or not all(isinstance(value, str) for value in found.values()):
        return None
    return RunIdentity(**found)


def read_identity(path: Path) -> RunIdentity:
    """The identity recorded in a batch output; ``InvalidResumeFile`` for any other file."""
    identity = _identity_in(_first_line(path))
    if identity is None:
        raise InvalidResumeFile(str(path), "not_a_batch_output", "its first line is not the "
                                "run line almamatch batch writes; the file is left as it is")
    return identity


@contextmanager
def batch_output(path: Path, identity: RunIdentity) -> Iterator[IO[str]]:
    """The stream a batch writes its JSON lines to, the run line already written.

    A new ``path`` is created (exclusively) and written in place, the lines written by the
    caller (``cli.batch.lines_output``), so an interrupted run leaves a file ``--resume``
    continues. An existing batch output
    is replaced atomically when the run ends (completed, interrupted by Ctrl-C or ended by
    SIGTERM: ``cli.stopping``); on any other error it is left as it was. Any other existing file
    that is not empty is refused and never touched.
    """
    if path.exists():
        # An empty file (made by mktemp or touch for the run) holds nothing to lose.
        if path.stat().st_size and _identity_in(_first_line(path)) is None:
            raise InvalidResumeFile(str(path), "not_a_batch_output", "the file exists and is "
                                    "not an almamatch batch output; it is never overwritten")
        import tempfile  # noqa: PLC0415 (an output replaced only)

        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".partial")
        Path(temporary).chmod(stat.S_IMODE(path.stat().st_mode))  # the mode the output had
        stream = os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace")
    else:
        temporary = None
        stream = path.open("x", encoding="utf-8", errors="backslashreplace")
    with stream:
        try:
            stream.write(json_line(run_line(identity)) + "\n")
            stream.flush()
            yield stream
        except KeyboardInterrupt:
            _replace(stream, temporary, path)
            raise
        except BaseException:
            if temporary is not None:
                stream.close()
                Path(temporary).unlink(missing_ok=True)
            raise
        _replace(stream, temporary, path)


def _replace(stream: IO[str], temporary: str | None, path: Path) -> None:
    """Put the finished temporary file in place of ``path`` (nothing to do when written there);
    a SIGTERM waits until it is in place (``held``), never leaving it beside ``path``."""
    if temporary is None:
        return
    with held():
        stream.flush()
        os.fsync(stream.fileno())
        stream.close()
        Path(temporary).replace(path)


def cut_torn_line(path: Path) -> int:
    """Cut what follows the last line break (a line the interruption tore); the bytes cut."""
    with path.open("r+b") as stream:
        size = stream.seek(0, 2)
        end = size
        step = 1 << 16
        while end > 0:
            start = max(0, end - step)
            stream.seek(start)
            found = stream.read(end - start).rfind(b"\n")
            if found >= 0:
                keep = start + found + 1
                break
            end = start
        else:
            keep = 0
        stream.truncate(keep)
    return size - keep


def recorded_lines(path: Path) -> Generator[dict[str, Any], None, None]:
    """Each complete record line of a batch output file (after its run line), parsed, in order;
    checks they count from 0."""
    with path.open("rb") as stream:
        if _identity_in(stream.readline(1 << 16)) is None:
            raise InvalidResumeFile(str(path), "not_a_batch_output", "no run line")
        for number, raw in enumerate(stream):
            try:
                line = json.loads(raw)
            except (ValueError, RecursionError) as error:  # not UTF-8, not JSON, too deep
                raise InvalidResumeFile(
                    str(path), "bad_line", f"line {number + 2} is not JSON: {error}"
                ) from None
            if not isinstance(line, dict) or line.get("index") != number:
                raise InvalidResumeFile(
                    str(path), "bad_line", f"line {number + 2} is not the line of record {number}"
                )
            yield line


def replay(
    line: dict[str, Any],
    item: Bib | Unreadable,
    *,
    export: Export | None,
    store: InMemoryZone,
    profile: IntegrationProfile,
    numbers: ParsedNumbers | None = None,
) -> str:
    """Apply one recorded outcome to ``store`` as the original run did; the recorded code.

    ``export`` is the export of ``item`` (None when it did not load). The record stored or merged
    is the export prepared under the profile's normalization, as ``decide()`` prepares it.
    ``numbers``: the run's memo of parsed OCLC numbers (its ``DecisionCache.numbers``), with
    which the record's place is read as the run's ``LineWriter`` reads it.
    """
    code = line.get("code")
    where = f"record {line.get('index')}"
    if isinstance(item, Unreadable) or export is None:
        if code != UNREADABLE_CODE:
            raise InvalidResumeFile(where, "input_differs", f"recorded {code}, now unreadable")
        return UNREADABLE_CODE
    if code == UNREADABLE_CODE or code not in Code.__members__:
        raise InvalidResumeFile(where, "input_differs",
                                f"recorded {shown(code)} for a readable record")
    recorded = (line.get("oclc_numbers"), line.get("cancelled_oclc_numbers"))
    place = converter.unstructure(Place.of(0, item, numbers))  # as the line writes them
    if recorded != (place["oclc_numbers"], place["cancelled_oclc_numbers"]):
        raise InvalidResumeFile(where, "input_differs", f"recorded OCLC numbers {recorded}")
    if code not in (Code.ADDED, Code.MERGED):
        return str(code)  # "failures change nothing" (InMemoryZone.apply)
    mms_id = line.get("mms_id")
    if not isinstance(mms_id, str):
        raise InvalidResumeFile(where, "bad_line", f"{code} without an MMS ID")
    prepared = export.prepared(profile.normalization_steps).record
    version = prepared.latest_transaction
    if code == Code.ADDED:
        saved = assign_mms_id(prepared, mms_id)  # as decide() builds the Add
        store.apply(Add(mms_id=mms_id, record=saved, trace=(), originating_version=version))
    else:
        existing = store.record(mms_id)
        if existing is None:
            raise InvalidResumeFile(where, "input_differs", f"merged into {mms_id}, not in zone")
        merged = profile.merge.apply(existing, prepared)
        store.apply(Merge(mms_id=mms_id, record=merged, merge_method=profile.merge.name,
                          trace=(), originating_version=version))
    return str(code)
