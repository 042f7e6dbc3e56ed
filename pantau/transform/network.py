"""Communities of an amplification network (the dbt model ``int_network_communities``).

A scope's network is undirected for this step: two accounts are linked by every reply, quote,
repost or mention between them, in either direction, and the link weighs as many interactions.
The partition is the Louvain method (igraph's ``community_multilevel``, in C: networkx's pure
Python one took 63 s of a 200,000-post build, igraph's well under a second) with a fixed seed on
a graph built from sorted input, so the same edges always give the same communities;
communities are numbered from 1 by size (largest first), then by their smallest account key.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

import igraph  # type: ignore[import-untyped]  # no type information shipped

SEED = 18
"""The Louvain method's seed: fixed, so a build and a full refresh agree."""


def communities(edges: Iterable[tuple[str, str, int]], seed: int = SEED) -> dict[str, int]:
    """Each account's community id (1 = the largest community).

    Args:
        edges: ``(source, target, weight)`` interactions; a self-loop is ignored.
        seed: the Louvain method's seed.
    """
    weights: dict[tuple[str, str], int] = {}
    for source, target, weight in edges:
        if source == target:
            continue
        pair = (source, target) if source < target else (target, source)
        weights[pair] = weights.get(pair, 0) + int(weight)
    if not weights:
        return {}
    accounts = sorted({account for pair in weights for account in pair})
    index = {account: number for number, account in enumerate(accounts)}
    pairs = sorted(weights.items())
    graph = igraph.Graph(n=len(accounts), edges=[(index[a], index[b]) for (a, b), _ in pairs])
    graph.es["weight"] = [weight for _, weight in pairs]
    # igraph draws from the generator it is given (the random module by default): a generator
    # of our own with the fixed seed for this call, then the default again
    igraph.set_random_number_generator(random.Random(seed))
    try:
        membership = graph.community_multilevel(weights="weight").membership
    finally:
        igraph.set_random_number_generator(random)
    members: dict[int, list[str]] = {}
    for number, community in enumerate(membership):
        members.setdefault(community, []).append(accounts[number])
    ordered = sorted(members.values(), key=lambda m: (-len(m), m[0]))
    return {account: number for number, accounts_of in enumerate(ordered, start=1)
            for account in accounts_of}


def scope_rows(rows: Iterable[tuple[str, str, str, str, int, int]],
               seed: int = SEED) -> Iterator[tuple[str, str, str, int, int]]:
    """``(scope_type, scope_id, account, community_id, edges_signature)`` for rows
    ``(scope_type, scope_id, source, target, weight, edges_signature)`` grouped by scope
    (sorted by scope_type, scope_id): one scope's graph in memory at a time."""
    scope: tuple[str, str] | None = None
    signature = 0
    edges: list[tuple[str, str, int]] = []

    def flush() -> Iterator[tuple[str, str, str, int, int]]:
        assert scope is not None
        for account, number in sorted(communities(edges, seed).items()):
            yield scope[0], scope[1], account, number, signature

    for scope_type, scope_id, source, target, weight, edges_signature in rows:
        if (scope_type, scope_id) != scope:
            if scope is not None:
                yield from flush()
            scope, signature, edges = (scope_type, scope_id), edges_signature, []
        edges.append((source, target, weight))
    if scope is not None:
        yield from flush()
