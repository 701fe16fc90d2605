"""A saved zone's manifest (``zone.json``): what the folder is, and a digest of every file in it.

Theory of operation: a saved zone is read by offset and memory-mapped, so a damaged file would not
fail on open but answer wrongly later (unsorted keys, permuted offsets, a truncated column). The
manifest, written last by the build, names the format and its version, the zone's identity (its
journal is tied to it), where the MMS IDs came from, and for each file its size and BLAKE2b
digest: of the whole file for the index columns and offsets (read at about 1 GB/s, well under a
second for a zone of ten million bibs), of sixteen 64 KiB samples for the dump, which a merge reads
record by record and checks again there (``IndexedZoneView.record``). ``check_files`` runs on every
open; a file that differs raises ``InvalidZoneFile`` naming it and saying to rebuild the zone.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Final

from attrs import frozen

from almamatch.core.errors import AlmamatchError

__all__ = [
    "MANIFEST",
    "SAVED_BIBS",
    "SAVED_FACTS",
    "SAVED_FORMAT",
    "SAVED_INDEX",
    "SAVED_OFFSETS",
    "SAVED_VERSION",
    "InvalidZoneFile",
    "Manifest",
    "building_folder",
    "check_files",
    "publish",
    "read_manifest",
    "write_manifest",
]

MANIFEST: Final = "zone.json"
#: The files of a saved zone directory.
SAVED_BIBS: Final = "bibs.mrc"
SAVED_FACTS: Final = "facts.csv"
SAVED_INDEX: Final = "index"
SAVED_OFFSETS: Final = "bibs.offsets.npy"
SAVED_FORMAT: Final = "almamatch-zone"
SAVED_VERSION: Final = 1
#: Files digested by samples: the dump, which a merge reads and checks record by record.
_SAMPLED: Final = (SAVED_BIBS,)
_SAMPLES: Final = 16
_SAMPLE: Final = 1 << 16
#: Files of a folder that the manifest does not cover: the journal changes after the build.
_UNCOVERED: Final = ("journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm", "journal.lock",
                     MANIFEST)


class InvalidZoneFile(AlmamatchError):
    """A zone dump, facts file or saved zone that cannot be loaded."""


@frozen(kw_only=True)
class Manifest:
    """A saved zone's manifest."""

    zone: str  # the identity a journal is tied to
    assigned_mms_ids: bool  # MMS IDs not from 001: a record's 001 is not checked against it
    files: dict[str, dict[str, Any]]


def _digest(path: Path, size: int, *, sampled: bool) -> str:
    with path.open("rb") as handle:
        if not sampled or size <= _SAMPLES * _SAMPLE:
            return hashlib.file_digest(handle, "blake2b").hexdigest()
        hasher = hashlib.blake2b()
        step = (size - _SAMPLE) // (_SAMPLES - 1)
        for sample in range(_SAMPLES):
            handle.seek(sample * step)
            hasher.update(handle.read(_SAMPLE))
        return hasher.hexdigest()


def _covered(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*")
                  if path.is_file() and not path.name.startswith(".")
                  and path.relative_to(folder).as_posix() not in _UNCOVERED)


def write_manifest(folder: Path, *, assigned: bool = False) -> Manifest:
    """Digest every file of ``folder`` and write ``zone.json`` (through a temporary file)."""
    import uuid  # noqa: PLC0415 (building only: opening a zone reads the manifest alone)

    files = {}
    for path in _covered(folder):
        size, name = path.stat().st_size, path.relative_to(folder).as_posix()
        sampled = name in _SAMPLED
        files[name] = {"bytes": size, "blake2b": _digest(path, size, sampled=sampled),
                       "sampled": sampled}
    manifest = Manifest(zone=uuid.uuid4().hex, assigned_mms_ids=assigned, files=files)
    text = json.dumps({"format": SAVED_FORMAT, "version": SAVED_VERSION, "zone": manifest.zone,
                       "assigned_mms_ids": assigned, "files": files}, indent=1, sort_keys=True)
    temporary = folder / f".{MANIFEST}.tmp"
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(folder / MANIFEST)
    return manifest


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the saved zone at ``folder``; ``InvalidZoneFile`` for a folder that is no
    saved zone, a damaged manifest, or one written by a newer almamatch."""
    path = folder / MANIFEST
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidZoneFile(str(folder), "not_a_saved_zone",
                              f"no {MANIFEST}: build it with almamatch zone build") from None
    except (OSError, ValueError, RecursionError) as error:
        raise InvalidZoneFile(str(path), "damaged", f"{error}; rebuild the zone") from None
    if not isinstance(entry, dict) or entry.get("format") != SAVED_FORMAT:
        raise InvalidZoneFile(str(path), "not_a_saved_zone", f"not an {SAVED_FORMAT} manifest")
    version = entry.get("version")
    if type(version) is not int or version > SAVED_VERSION:
        raise InvalidZoneFile(str(path), "newer_version",
                              f"zone format {version}, this almamatch reads up to "
                              f"{SAVED_VERSION}: use a newer almamatch")
    zone, files = entry.get("zone"), entry.get("files")
    if not isinstance(zone, str) or not isinstance(files, dict) or not all(
            isinstance(one, dict) and type(one.get("bytes")) is int
            and isinstance(one.get("blake2b"), str) for one in files.values()):
        raise InvalidZoneFile(str(path), "damaged", "the manifest lacks its zone or file list; "
                              "rebuild the zone")
    return Manifest(zone=zone, assigned_mms_ids=entry.get("assigned_mms_ids") is True,
                    files=files)


def check_files(folder: Path, manifest: Manifest) -> None:
    """Every file the manifest lists is there, of its size and digest, and no other is."""
    for name, expected in sorted(manifest.files.items()):
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            raise InvalidZoneFile(str(path), "missing", "a file of the saved zone is missing; "
                                  "rebuild the zone with almamatch zone build") from None
        if size != expected["bytes"]:
            raise InvalidZoneFile(str(path), "damaged",
                                  f"{size} bytes, the build wrote {expected['bytes']}; rebuild "
                                  "the zone with almamatch zone build")
        if _digest(path, size, sampled=expected.get("sampled") is True) != expected["blake2b"]:
            raise InvalidZoneFile(str(path), "damaged", "its content is not what the build "
                                  "wrote (digest differs); rebuild the zone with almamatch zone "
                                  "build")
    extra = [path for path in _covered(folder)
             if path.relative_to(folder).as_posix() not in manifest.files]
    if extra:
        raise InvalidZoneFile(str(extra[0]), "unexpected_file",
                              "not written by the build; remove it or rebuild the zone")


def building_folder(target: Path) -> Path:
    """A fresh temporary folder beside ``target`` to build a zone in (``publish`` moves it)."""
    import uuid  # noqa: PLC0415 (building only)

    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.parent / f".{target.name}.building-{uuid.uuid4().hex[:8]}"
    building.mkdir()
    return building


def publish(building: Path, target: Path, *, assigned: bool = False, durable: bool = True
            ) -> Manifest:
    """Write the manifest of the zone built in ``building``, make it durable, and move it to
    ``target`` by one rename; an existing ``target`` is moved aside first and deleted last, so a
    zone is never seen half written. ``building`` is removed if anything fails. ``durable``
    waits for the disk before the rename (off for a temporary zone nobody keeps)."""
    import shutil  # noqa: PLC0415 (building only)
    import uuid  # noqa: PLC0415

    aside = None
    try:
        manifest = write_manifest(building, assigned=assigned)
        if durable:
            _fsync_tree(building)
        if target.exists():
            aside = target.parent / f".{target.name}.replaced-{uuid.uuid4().hex[:8]}"
            target.rename(aside)
        building.rename(target)
    except BaseException:
        if aside is not None and aside.exists() and not target.exists():
            aside.rename(target)  # stopped between the two renames: the old zone goes back
        shutil.rmtree(building, ignore_errors=True)
        raise
    if durable:
        _fsync_folder(target.parent)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return manifest


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        elif path.is_dir():
            _fsync_folder(path)
    _fsync_folder(folder)
