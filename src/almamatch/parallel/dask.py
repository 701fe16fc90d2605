"""The grouped batch on a Dask cluster: the same groups, tasks and answers as on processes.

Theory of operation: Dask is the engine (``pip install 'almamatch[dask]'``); almamatch brings only
what ``parallel.batch`` already does. The client plans the batch (``plan_batch``: framing, the
numbers and bibs the records share, the groups, the tasks); each task carries its records' bytes
(the exports file need not be on the workers) and is submitted to the cluster, where
``decide_task`` decides it; the client takes the results back in task order, with a few tasks in
flight per worker, and writes the lines in input order as they are known (``write_in_order``).
A worker opens the zone by the path the options name, once per run, so every worker must see the
saved zone at that path (a shared file system, or the same copy on each machine).
``decide_bag`` is the entry point for programs that already hold their records in a Dask bag.
"""

from __future__ import annotations

import argparse
import io
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from almamatch.cli.inputs import profile_from_path, zone_for, zone_store_for
from almamatch.envelope import item_line, json_line
from almamatch.parallel.batch import (
    BatchSetting,
    Decided,
    Plan,
    bibs_of_saved,
    decide_in_pool,
    decide_task,
    plan_batch,
    write_in_order,
)

if TYPE_CHECKING:
    import dask.bag

__all__ = ["decide_bag", "decide_on_client", "decide_on_cluster"]

#: Tasks in flight per cluster worker (the others wait in the client, as task plans).
_IN_FLIGHT: Final = 3


def decide_on_client(client: Any, setting: BatchSetting, plan: Plan) -> Iterator[Decided]:
    """The plan's tasks decided on the cluster of ``client``, in task order."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))

    def submit(task: Any) -> Any:
        return client.submit(decide_task, setting, task, pure=False)

    return decide_in_pool(submit, plan, window=_IN_FLIGHT * workers, with_content=True)


@contextmanager
def decide_on_cluster(address: str, setting: BatchSetting, plan: Plan) -> Iterator[
        Iterator[Decided]]:
    """The plan's tasks decided on the cluster whose scheduler is at ``address``."""
    from dask.distributed import Client  # noqa: PLC0415 (the optional dask extra)

    with Client(address) as client:
        yield decide_on_client(client, setting, plan)


def decide_bag(records: dask.bag.Bag, *, zone: str, now: datetime, profile: str | None = None,
               logon: str | None = None, password: str | None = None, workers: int = 4,
               client: Any = None) -> list[str]:
    """The batch's JSON lines for a Dask bag of ISO 2709 records (``bytes`` each, in input order),
    as ``almamatch batch EXPORTS --zone ZONE --json`` writes them for the same records in a file.

    ``zone`` is a saved zone directory (or a MARC dump) that every Dask worker can read at that
    path; the records are cut into tasks of whole groups, a few per worker of ``workers``; they
    run on ``client``'s cluster (the default client when None).
    """
    from dask.distributed import default_client  # noqa: PLC0415 (the optional dask extra)

    options: dict[str, Any] = {
        "zone": zone, "facts": None, "load_records": False, "zone_kind": None,
        "institution": None, "host": None, "zone_logon_id": None, "profile": profile,
        "logon": logon, "password": password,
    }
    args = argparse.Namespace(**options)
    client = client or default_client()
    content = b"".join(client.compute(records).result())
    profile_file = profile_from_path(profile)
    opened = zone_store_for(args, profile_file)
    _, store = zone_for(args, profile_file, opened)
    plan = plan_batch(content, bibs_of_saved(opened.saved), workers=workers)
    setting = BatchSetting.of(args, now)
    out = io.StringIO()
    written, store.sequence = write_in_order(
        plan, decide_on_client(client, setting, plan), store.sequence, sink=out,
        encoding=setting.encoding, counts=Counter())
    lines = out.getvalue().splitlines()
    if written < plan.count:
        # A record reached outside its group: the rest as one process decides it.
        from almamatch.cli.batch import decide_in_order  # noqa: PLC0415 (the command's loop)

        exports = io.BytesIO(content)
        exports.name = "the bag's records"
        zone_, fresh = zone_for(args, profile_from_path(profile))
        lines.extend(json_line(item_line(entry.index, entry.item, entry.decision))
                     for entry in decide_in_order(exports, zone=zone_, store=fresh, args=args,
                                                  now=now)
                     if entry.index >= written)
    return lines
