"""The grouped batch on a Dask cluster: the same groups, tasks and answers as on processes.

Theory of operation: Dask is the engine (``pip install 'almamatch[dask]'``); almamatch brings only
what ``parallel.batch`` already does. The client frames the records, reads their keys and groups
them (``plan_tasks``); the tasks become a Dask bag with one task per partition, each partition is
decided by ``decide_tasks`` on a Dask worker, and the client writes the results in input order
with the real MMS IDs (``write_in_order``). A worker opens the zone by the path the options name,
once per run, so every worker must see the saved zone at that path (a shared file system, or the
same copy on each machine). ``decide_bag`` is the entry point for programs that already hold their
records in a Dask bag.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from almamatch.cli.inputs import profile_from_path, zone_for
from almamatch.parallel.batch import (
    BatchSetting,
    Outcome,
    Task,
    decide_tasks,
    plan_tasks,
    write_in_order,
)

if TYPE_CHECKING:
    import dask.bag

__all__ = ["decide_bag", "decide_on_cluster", "decide_partitions"]


def decide_partitions(setting: BatchSetting, tasks: Sequence[Task], client: Any = None
                      ) -> list[Outcome]:
    """Decide ``tasks`` on the Dask cluster ``client`` (the default client when None)."""
    import dask.bag as bags  # noqa: PLC0415 (the optional dask extra, imported when used)

    if not tasks:
        return []
    bag = bags.from_sequence(list(tasks), npartitions=len(tasks))
    decided = bag.map_partitions(_decide_partition, setting)
    found = decided.compute() if client is None else client.compute(decided).result()
    return list(found)


def _decide_partition(tasks: Sequence[Task], setting: BatchSetting) -> list[Outcome]:
    return decide_tasks(setting, list(tasks))


def decide_on_cluster(address: str, setting: BatchSetting, tasks: Sequence[Task]
                      ) -> list[Outcome]:
    """Decide ``tasks`` on the cluster whose scheduler is at ``address``."""
    from dask.distributed import Client  # noqa: PLC0415 (the optional dask extra)

    with Client(address) as client:
        return decide_partitions(setting, tasks, client)


def decide_bag(records: dask.bag.Bag, *, zone: str, now: datetime, profile: str | None = None,
               logon: str | None = None, password: str | None = None, workers: int = 4,
               client: Any = None) -> list[str]:
    """The batch's JSON lines for a Dask bag of ISO 2709 records (``bytes`` each, in input order),
    as ``almamatch batch EXPORTS --zone ZONE --json`` writes them for the same records in a file.

    ``zone`` is a saved zone directory (or a MARC dump) that every Dask worker can read at that
    path; ``workers`` is how many tasks per worker to aim for is left to Dask: the records are cut
    into at least ``workers`` tasks of whole groups.
    """
    options: dict[str, Any] = {
        "zone": zone, "facts": None, "load_records": False, "zone_kind": None,
        "institution": None, "host": None, "zone_logon_id": None, "profile": profile,
        "logon": logon, "password": password,
    }
    args = argparse.Namespace(**options)
    content = b"".join(records.compute() if client is None
                       else client.compute(records).result())
    opened, store = zone_for(args, profile_from_path(profile))
    tasks, unframed = plan_tasks(content, opened, tasks_at_least=workers)
    setting = BatchSetting.of(args, now)
    outcomes = decide_partitions(setting, tasks, client)
    lines: list[str] = []
    write_in_order([*unframed, *outcomes], store.sequence, lambda one: lines.append(one.line))
    return lines
