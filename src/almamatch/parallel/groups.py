"""Independent groups of a batch: records that cannot affect each other's decisions.

Theory of operation: a batch is sequential by meaning (the second export of a new number merges
into the bib the first one added), but only through what two records share. A record reads the
zone through its OCLC numbers (the bibs carrying them) and changes the zone at one bib (the one it
adds or merges into). So two records can affect each other only when they share an OCLC number or
a bib that one of their numbers matches; records connected through a chain of such links form one
group. Groups are found with a union-find over those links, and each group keeps its records in
input order. Deciding groups separately, each in order, gives every record the decision a
one-process run gives it, except for the one thing all adds share: the next MMS ID, which
``parallel.batch`` assigns afterwards in input order.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

__all__ = ["group_records"]


def group_records(links: Sequence[Iterable[Hashable]]) -> list[list[int]]:
    """The groups of records ``0..len(links)-1``, each record listed by what it shares.

    ``links[i]`` holds record ``i``'s OCLC number values and the bibs they match (any hashable
    values; an empty one makes a record of its own). Groups come in the order of their first
    record, each in input order.
    """
    parent = list(range(len(links)))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]  # path halving
            node = parent[node]
        return node

    first: dict[Hashable, int] = {}
    for record, shared in enumerate(links):
        for link in shared:
            seen = first.setdefault(link, record)
            if seen != record:
                mine, theirs = root(record), root(seen)
                if mine != theirs:
                    # The earlier record stays the root, so a group is named by its first record.
                    if mine < theirs:
                        parent[theirs] = mine
                    else:
                        parent[mine] = theirs
    groups: dict[int, list[int]] = {}
    for record in range(len(links)):
        groups.setdefault(root(record), []).append(record)
    return list(groups.values())
