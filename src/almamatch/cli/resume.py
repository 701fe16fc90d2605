"""Resuming a batch: the JSON lines of an interrupted run, read back and replayed onto the zone.

Theory of operation: a batch applies each decision to the zone before it reads the next record,
so record N+1 is decided against the zone as the first N decisions left it. The output file of an
interrupted run holds one complete line per decided record (each line is written and flushed
before the next record is decided), perhaps followed by a torn line that the interruption cut.
Resuming cuts the torn line, then walks the input and the recorded lines together: each recorded
outcome is replayed onto the zone without calling ``decide()`` again (an ``ADDED`` line stores the
prepared record under the MMS ID the line names; a ``MERGED`` line merges it into that MMS ID with
the profile's merge method; a refusal or an unreadable record changes nothing), and every record
after the last recorded line is decided as usual and appended. A recorded line that does not fit
its input record (another file, another order) stops the run with ``InvalidResumeFile``.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

from almamatch.codec import converter
from almamatch.core.decision import Add, Code, Merge
from almamatch.core.errors import AlmamatchError
from almamatch.core.normalization import assign_mms_id
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib
from almamatch.core.zone import Export, InMemoryZone
from almamatch.envelope import UNREADABLE_CODE, Place
from almamatch.marc import Unreadable

__all__ = ["InvalidResumeFile", "cut_torn_line", "recorded_lines", "replay"]


class InvalidResumeFile(AlmamatchError):
    """An output file that is not the JSON lines of an interrupted run over the same input."""


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
    """Each complete line of a batch output file, parsed, in order; checks they count from 0."""
    with path.open("rb") as stream:
        for number, raw in enumerate(stream):
            try:
                line = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise InvalidResumeFile(
                    str(path), "bad_line", f"line {number + 1} is not JSON: {error}"
                ) from None
            if not isinstance(line, dict) or line.get("index") != number:
                raise InvalidResumeFile(
                    str(path), "bad_line", f"line {number + 1} is not the line of record {number}"
                )
            yield line


def replay(
    line: dict[str, Any],
    item: Bib | Unreadable,
    *,
    export: Export | None,
    store: InMemoryZone,
    profile: IntegrationProfile,
) -> str:
    """Apply one recorded outcome to ``store`` as the original run did; the recorded code.

    ``export`` is the export of ``item`` (None when it did not load). The record stored or merged
    is the export prepared under the profile's normalization, as ``decide()`` prepares it.
    """
    code = line.get("code")
    where = f"record {line.get('index')}"
    if isinstance(item, Unreadable) or export is None:
        if code != UNREADABLE_CODE:
            raise InvalidResumeFile(where, "input_differs", f"recorded {code}, now unreadable")
        return UNREADABLE_CODE
    if code == UNREADABLE_CODE or code not in Code.__members__:
        raise InvalidResumeFile(where, "input_differs", f"recorded {code!r} for a readable record")
    recorded = (line.get("oclc_numbers"), line.get("cancelled_oclc_numbers"))
    place = converter.unstructure(Place.of(0, item))  # the numbers as the line writes them
    if recorded != (place["oclc_numbers"], place["cancelled_oclc_numbers"]):
        raise InvalidResumeFile(where, "input_differs", f"recorded OCLC numbers {recorded}")
    if code not in (Code.ADDED, Code.MERGED):
        return str(code)  # "failures change nothing" (InMemoryZone.apply)
    mms_id = line.get("mms_id")
    if not isinstance(mms_id, str):
        raise InvalidResumeFile(where, "bad_line", f"{code} without an MMS ID")
    prepared = export.prepared(profile.normalization).record
    version = prepared.latest_transaction
    if code == Code.ADDED:
        saved = assign_mms_id(prepared, mms_id)  # as decide() builds the Add
        store.apply(Add(mms_id=mms_id, record=saved, trace=(), originating_version=version))
    else:
        existing = store.record(mms_id)
        if existing is None:
            raise InvalidResumeFile(where, "input_differs", f"merged into {mms_id}, not in zone")
        merged = profile.merge_method.apply(existing, prepared)
        store.apply(Merge(mms_id=mms_id, record=merged, merge_method=profile.merge_method.name,
                          trace=(), originating_version=version))
    return str(code)
