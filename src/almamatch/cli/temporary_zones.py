"""Temporary zones: the saved zone a command builds from a MARC dump, kept for that run only.

Theory of operation: ``--zone`` naming a MARC dump (or a folder holding ``bibs.mrc`` that is no
saved zone) is built into a saved zone in a new folder ``almamatch-zone-*`` of the temporary
directory (``tempfile.gettempdir()``: ``TMPDIR``, else the system's), hundreds of MB for a real
dump. ``cli.main`` removes the ones its process made when the command ends, however it ends
(completed, failed, interrupted by Ctrl-C or ended by SIGTERM: ``cli.stopping``); ``atexit``
does for a caller that is not ``main``.

A process that is killed outright (SIGKILL, the machine's power) removes nothing, so each folder
holds ``owner.json``: the process that made it (its pid, the host, the boot and pid namespace it
ran in), when, and for which ``--zone``. Such a folder is abandoned exactly when its owner is
provably gone: the same host, and either another boot (every process of the boot that made it
has ended) or, in the same boot and pid namespace, no process with that pid. The next command
that builds a temporary zone removes the abandoned ones and says so on stderr. Anything else
is left alone: a folder without a readable ``owner.json`` (made by an earlier version, or being
made this instant), one from another host sharing the directory, one whose pid is alive (even
if that pid was reused), and every folder on a system where a pid cannot be checked without
touching the process (Windows: ``os.kill`` would end it). The README says how to find them.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

__all__ = [
    "OWNER_FILE",
    "PREFIX",
    "abandoned_zones",
    "make_temporary_zone_folder",
    "remove_abandoned_zones",
    "remove_temporary_zones",
]

#: The name of every temporary zone folder begins so, in the temporary directory.
PREFIX: Final = "almamatch-zone-"
#: The file in a temporary zone folder naming the process that made it.
OWNER_FILE: Final = "owner.json"

_BOOT_ID: Final = Path("/proc/sys/kernel/random/boot_id")
_PID_NAMESPACE: Final = "/proc/self/ns/pid"

# The folders this process made and has not removed yet (a process's own, as its pid is).
_made: list[Path] = []
_at_exit: list[bool] = []  # [True] once ``remove_temporary_zones`` is registered with atexit


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _pid_namespace() -> str | None:
    try:
        return str(Path(_PID_NAMESPACE).readlink())
    except OSError:
        return None


def _this_process() -> dict[str, Any]:
    """What identifies this process beyond its pid: the host, the boot, the pid namespace."""
    import socket  # noqa: PLC0415 (only when a temporary zone is made or checked)

    return {"pid": os.getpid(), "host": socket.gethostname(), "boot": _read_text(_BOOT_ID),
            "pid_namespace": _pid_namespace()}


def make_temporary_zone_folder(zone: str) -> Path:
    """A new folder to build the temporary zone of ``zone`` in, with its ``owner.json``;
    removed by ``remove_temporary_zones`` (``cli.main`` calls it) or at the latest at exit."""
    if not _at_exit:
        atexit.register(remove_temporary_zones)
        _at_exit.append(True)
    import tempfile  # noqa: PLC0415 (only when a temporary zone is made or looked for)

    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    _made.append(folder)
    owner = {**_this_process(), "made": datetime.now(UTC).isoformat(timespec="seconds"),
             "zone": zone}
    writing = folder / f".{OWNER_FILE}.writing"
    writing.write_text(json.dumps(owner, indent=1) + "\n", encoding="utf-8")
    writing.replace(folder / OWNER_FILE)  # whole or absent: a torn file would keep it forever
    return folder


def remove_temporary_zones() -> None:
    """Remove every temporary zone this process made; ``owner.json`` last, so that a removal
    cut short still leaves a folder the next run knows for abandoned."""
    pid = os.getpid()
    while _made:
        folder = _made.pop()
        owner = _owner(folder)
        if owner is not None and owner.get("pid") != pid:
            continue  # a forked child's copy of the parent's list: the parent removes it
        _remove(folder)


def _remove(folder: Path) -> None:
    for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
        if entry.name == OWNER_FILE:
            continue
        if entry.is_dir() and not entry.is_symlink():
            import shutil  # noqa: PLC0415 (only when a temporary zone is removed)

            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    (folder / OWNER_FILE).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # something else was put there: left as it is
        folder.rmdir()


def _owner(folder: Path) -> dict[str, Any] | None:
    try:
        found = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _gone(owner: dict[str, Any], this: dict[str, Any]) -> bool:
    """Whether the process ``owner`` describes has provably ended (see the module's theory)."""
    pid = owner.get("pid")
    if owner.get("host") != this["host"] or not isinstance(pid, int) or pid <= 0:
        return False
    if owner.get("boot") and this["boot"] and owner["boot"] != this["boot"]:
        return True  # made before the machine last started
    if os.name != "posix" or owner.get("pid_namespace") != this["pid_namespace"]:
        return False
    if pid == this["pid"]:
        return False
    try:
        os.kill(pid, 0)  # signal 0 only checks that the process exists
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (another user's) or cannot be checked
    return False


def abandoned_zones(directory: str | Path | None = None) -> list[Path]:
    """The temporary zone folders in ``directory`` (the temporary directory by default) whose
    process has provably ended, oldest name first."""
    import tempfile  # noqa: PLC0415 (only when a temporary zone is made or looked for)

    where = Path(directory if directory is not None else tempfile.gettempdir())
    this = _this_process()
    try:
        candidates = sorted(where.glob(f"{PREFIX}*"))
    except OSError:
        return []
    found = []
    for folder in candidates:
        owner = _owner(folder) if folder.is_dir() and not folder.is_symlink() else None
        if owner is not None and _gone(owner, this):
            found.append(folder)
    return found


def remove_abandoned_zones(directory: str | Path | None = None) -> list[Path]:
    """Remove the abandoned temporary zones (``abandoned_zones``); the folders removed."""
    found = abandoned_zones(directory)
    for folder in found:
        _remove(folder)
    return found
