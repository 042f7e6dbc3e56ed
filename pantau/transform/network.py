"""Communities of an amplification network (the dbt model ``int_network_communities``).

A scope's network is undirected for this step: two accounts are linked by every reply, quote,
repost or mention between them, in either direction, and the link weighs as many interactions.
The partition is networkx's Louvain method with a fixed seed on a graph built from sorted
input, so the same edges always give the same communities; communities are numbered from 1 by
size (largest first), then by their smallest account key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import networkx as nx  # type: ignore[import-untyped]  # no stubs in the environment

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
    graph = nx.Graph()
    graph.add_nodes_from(sorted({account for pair in weights for account in pair}))
    graph.add_weighted_edges_from((a, b, w) for (a, b), w in sorted(weights.items()))
    if graph.number_of_nodes() == 0:
        return {}
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    ordered = sorted((sorted(members) for members in found), key=lambda m: (-len(m), m[0]))
    return {account: number for number, members in enumerate(ordered, start=1)
            for account in members}


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
