"""A saved zone's manifest (``zone.json``): what the folder is, and a digest of every file in it.

Theory of operation: a saved zone is read by offset and memory-mapped, so a damaged file would not
fail on open but answer wrongly later (unsorted keys, permuted offsets, a truncated column). The
manifest, written last by the build, names the format and its version, the zone's identity (its
journal is tied to it), where the MMS IDs came from, the digest algorithm, and for each file its
size and digest: of the whole file for the index columns and offsets, of sixteen 64 KiB samples
for the dump, which a merge reads record by record and checks again there
(``IndexedZoneView.record``). ``check_files`` runs on every open; a file that differs raises
``InvalidZoneFile`` naming it and saying to rebuild the zone.

The check reads every byte of the columns at each open (43 MB for a zone of a million bibs), so
its digest is CRC-32 from version 2 on (version 1 manifests name BLAKE2b and are still checked
with it). The check is against damage, not against someone who means it: the manifest lies
beside the files it describes, unsigned, so anyone able to change a file can write its new digest
whatever the algorithm. Against damage, CRC-32 catches with certainty any change within 32
consecutive bits (a flipped bit or byte, a torn word) and any odd number of flipped bits, a
length change is caught by the size, and other damage escapes one file's check with probability
2**-32. It costs about 4 instructions a byte on any processor (zlib's tables): about 0.011 CPU s
for those 43 MB, against 0.056 s for BLAKE2b; SHA-256 takes 0.027 s only with the processor's SHA
instructions, and 28 instructions a byte without them.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from pathlib import Path
from typing import Any, Final, Literal, Protocol, assert_never

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
SAVED_VERSION: Final = 2
#: The files' digest algorithm of each manifest version: the one this almamatch writes is
#: ``SAVED_VERSION``'s. A manifest names its algorithm from version 2 on.
Algorithm = Literal["blake2b", "crc32"]
_ALGORITHMS: Final[dict[int, Algorithm]] = {1: "blake2b", 2: "crc32"}
#: Files digested by samples: the dump, which a merge reads and checks record by record.
_SAMPLED: Final = (SAVED_BIBS,)
_SAMPLES: Final = 16
_SAMPLE: Final = 1 << 16
#: Bytes read at a time for a whole file's digest.
_READ: Final = 1 << 20
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
    # Each file's entry: "bytes", "sampled", and its digest under the algorithm's name.
    files: dict[str, dict[str, Any]]
    algorithm: Algorithm  # the files' digests' (the manifest's version gives it)


class _Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...

    def hexdigest(self) -> str: ...


class _Crc32:
    """zlib's CRC-32 as a ``hashlib`` object: ``update`` and eight hex digits."""

    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes | memoryview, /) -> None:
        self._value = zlib.crc32(data, self._value)

    def hexdigest(self) -> str:
        return f"{self._value:08x}"


def _hasher(algorithm: Algorithm) -> _Hasher:
    match algorithm:
        case "crc32":
            return _Crc32()
        case "blake2b":
            return hashlib.blake2b()
        case _:
            assert_never(algorithm)


def _digest(path: Path, size: int, *, sampled: bool, algorithm: Algorithm) -> str:
    hasher = _hasher(algorithm)
    with path.open("rb") as handle:
        if not sampled or size <= _SAMPLES * _SAMPLE:
            buffer = bytearray(_READ)
            piece = memoryview(buffer)
            while count := handle.readinto(buffer):
                hasher.update(piece[:count])
        else:
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

    algorithm = _ALGORITHMS[SAVED_VERSION]
    files = {}
    for path in _covered(folder):
        size, name = path.stat().st_size, path.relative_to(folder).as_posix()
        sampled = name in _SAMPLED
        files[name] = {"bytes": size, "sampled": sampled,
                       algorithm: _digest(path, size, sampled=sampled, algorithm=algorithm)}
    manifest = Manifest(zone=uuid.uuid4().hex, assigned_mms_ids=assigned, files=files,
                        algorithm=algorithm)
    text = json.dumps({"format": SAVED_FORMAT, "version": SAVED_VERSION, "zone": manifest.zone,
                       "assigned_mms_ids": assigned, "digest": algorithm, "files": files},
                      indent=1, sort_keys=True)
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
    algorithm = _ALGORITHMS.get(version)
    zone, files = entry.get("zone"), entry.get("files")
    # Version 1 names no algorithm (BLAKE2b); a later one names its version's.
    if algorithm is None or entry.get("digest", "blake2b") != algorithm or not isinstance(
            zone, str) or not isinstance(files, dict) or not all(
            isinstance(one, dict) and type(one.get("bytes")) is int
            and isinstance(one.get(algorithm), str) for one in files.values()):
        raise InvalidZoneFile(str(path), "damaged", "the manifest lacks its zone, digest or "
                              "file list; rebuild the zone")
    return Manifest(zone=zone, assigned_mms_ids=entry.get("assigned_mms_ids") is True,
                    files=files, algorithm=algorithm)


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
        if _digest(path, size, sampled=expected.get("sampled") is True,
                   algorithm=manifest.algorithm) != expected[manifest.algorithm]:
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
