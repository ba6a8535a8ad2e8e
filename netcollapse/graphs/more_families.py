"""More topology families: trees, bipartite, barbell, caveman, hypercube and more.

The rest are core-periphery, random directed graphs and real networks shipped with
networkx. Same contract as :mod:`netcollapse.graphs.families`, which registers these
builders in :data:`~netcollapse.graphs.families.FAMILIES`: each takes a validated
spec (:mod:`netcollapse.graphs.spec`) and an integer seed and returns
``(n, edges, directed, weights, labels)``, with ``edges`` an ``(m, 2)`` integer array
in index space (a directed edge ``u -> v`` means "*v reads u*"; undirected edges are
read both ways). Random families draw from ``numpy.random.default_rng(seed)`` or pass
``seed`` to networkx, so the same seed gives the same graph and no global random
state is touched. This module imports nothing from :mod:`~netcollapse.graphs.families`
(that one imports this one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np

__all__ = ["MORE_FAMILIES", "NETWORKS"]


NETWORKS: dict[str, Callable[[], nx.Graph]] = {
    "karate_club": nx.karate_club_graph,
    "les_miserables": nx.les_miserables_graph,
    "florentine_families": nx.florentine_families_graph,
    "davis_southern_women": nx.davis_southern_women_graph,
}
"""Real networks shipped with networkx (offline), by the ``network`` of family ``named``."""


def _edge_array(pairs: Any) -> np.ndarray:
    return np.asarray(list(pairs), dtype=np.int64).reshape(-1, 2)


def _tree(s: Any, seed: int) -> tuple:
    """Balanced ``r``-ary tree (node 0 the root, parent of i is (i - 1) // r) or a random tree."""
    if s.random:
        G = nx.random_labeled_tree(s.n, seed=seed)  # uniform over the n^(n-2) labelled trees
        return s.n, _edge_array(G.edges()), False, None, None
    n = (s.r ** (s.height + 1) - 1) // (s.r - 1)
    child = np.arange(1, n)
    return n, np.stack([(child - 1) // s.r, child], axis=1), False, None, None


def _bipartite(s: Any, seed: int) -> tuple:
    """Parts 0 .. n1-1 and n1 .. n1+n2-1; each cross pair an edge with probability p.

    The edge count is drawn Binomial(n1*n2, p) and that many distinct pairs uniformly,
    which is the same distribution as independent coin flips per pair; p = 1 gives
    K_{n1,n2} whatever the seed.
    """
    n1, n2 = s.sizes
    rng = np.random.default_rng(seed)
    cells = np.arange(n1 * n2)
    if s.p < 1.0:
        m = int(rng.binomial(n1 * n2, s.p))
        cells = np.sort(rng.choice(n1 * n2, size=m, replace=False))
    edges = np.stack([cells // n2, n1 + cells % n2], axis=1).astype(np.int64)
    labels = tuple((int(i >= n1), i) for i in range(n1 + n2))
    return n1 + n2, edges, False, None, labels


def _barbell(s: Any, seed: int) -> tuple:
    """Cliques and paths laid out in a chain: clique 0, path 0, clique 1, path 1, ...

    The last node of clique b is joined to the first node of path b, whose last node
    is joined to the first node of clique b + 1 (directly when path_length is 0).
    With 2 cliques this is networkx's ``barbell_graph(clique_size, path_length)``.
    """
    c, k, length = s.cliques, s.clique_size, s.path_length
    stride = k + length
    clique = np.stack(np.triu_indices(k, k=1), axis=1)
    parts = [clique + b * stride for b in range(c)]
    for b in range(c - 1):
        chain = np.arange(b * stride + k - 1, (b + 1) * stride + 1)
        parts.append(np.stack([chain[:-1], chain[1:]], axis=1))
    return c * k + (c - 1) * length, np.concatenate(parts), False, None, None


def _caveman(s: Any, seed: int) -> tuple:
    """Build networkx's connected caveman graph; cave c holds nodes c*cave_size onwards."""
    G = nx.connected_caveman_graph(s.caves, s.cave_size)
    n = s.caves * s.cave_size
    labels = tuple((i // s.cave_size, i) for i in range(n))
    return n, _edge_array(G.edges()), False, None, labels


def _hypercube(s: Any, seed: int) -> tuple:
    """Nodes 0 .. 2^dim - 1; two nodes are adjacent when their binary codes differ in one bit."""
    node = np.arange(1 << s.dim, dtype=np.int64)
    parts = []
    for b in range(s.dim):
        low = node[(node >> b) & 1 == 0]
        parts.append(np.stack([low, low | (1 << b)], axis=1))
    return 1 << s.dim, np.concatenate(parts), False, None, None


def _core_periphery(s: Any, seed: int) -> tuple:
    """Core 0 .. core-1 (G(core, p_core)); periphery after it, linked to core nodes only.

    Each periphery-core pair is an edge with probability p_link; a periphery node that
    drew no link gets one to a core node chosen uniformly at random.
    """
    c, q = s.core, s.periphery
    rng = np.random.default_rng(seed)
    pairs = np.stack(np.triu_indices(c, k=1), axis=1)
    core_edges = pairs[rng.random(len(pairs)) < s.p_core]
    link = rng.random((q, c)) < s.p_link
    lonely = np.flatnonzero(~link.any(axis=1))
    link[lonely, rng.integers(0, c, size=lonely.size)] = True
    per, cor = np.nonzero(link)
    edges = np.concatenate([core_edges, np.stack([cor, c + per], axis=1)]).astype(np.int64)
    labels = tuple(("core", i) for i in range(c)) + tuple(("periphery", c + i) for i in range(q))
    return c + q, edges, False, None, labels


def _directed_random(s: Any, seed: int) -> tuple:
    """Every node reads exactly ``reads`` others (edges source -> reader).

    ``reciprocal: true``: each node's sources are ``reads`` distinct other nodes chosen
    uniformly at random, independently per node. ``reciprocal: false``: an Eulerian
    orientation of a random ``2*reads``-regular graph, so no two nodes read each other
    and every node is also read by exactly ``reads`` nodes.
    """
    n, k = s.n, s.reads
    if s.reciprocal:
        rng = np.random.default_rng(seed)
        src = np.empty((n, k), dtype=np.int64)
        for v in range(n):
            src[v] = rng.choice(n - 1, size=k, replace=False)
        src += src >= np.arange(n)[:, None]  # skip the reader itself
        edges = np.stack([src.ravel(), np.repeat(np.arange(n), k)], axis=1)
        return n, edges, True, None, None
    G = nx.random_regular_graph(2 * k, n, seed=seed)
    circuits = (nx.eulerian_circuit(G.subgraph(part)) for part in nx.connected_components(G))
    return n, _edge_array(e for circuit in circuits for e in circuit), True, None, None


def _named(s: Any, seed: int) -> tuple:
    """Load a network of :data:`NETWORKS`, keeping its node names as labels and its weights."""
    G = NETWORKS[s.network]()
    labels = tuple(G.nodes)
    index = {v: i for i, v in enumerate(labels)}
    edges = _edge_array((index[u], index[v]) for u, v in G.edges())
    data = [d for *_, d in G.edges(data=True)]
    weights = None
    if data and all("weight" in d for d in data):
        weights = np.array([float(d["weight"]) for d in data])
    return len(labels), edges, G.is_directed(), weights, labels


MORE_FAMILIES: dict[str, Callable[[Any, int], tuple]] = {
    "tree": _tree,
    "bipartite": _bipartite,
    "barbell": _barbell,
    "caveman": _caveman,
    "hypercube": _hypercube,
    "core_periphery": _core_periphery,
    "directed_random": _directed_random,
    "named": _named,
}
"""The builders of this module by family name (merged into ``FAMILIES``)."""
