"""Changes of a retrieval graph that keep its nodes: anchoring, frozen nodes, rewiring.

Pure functions from a :class:`~netcollapse.graphs.retrieval_graph.RetrievalGraph`
to a new one (the input is never modified). Interventions
(:mod:`netcollapse.scenarios.interventions`) apply them row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from netcollapse.graphs.retrieval_graph import RetrievalGraph

__all__ = ["freeze_nodes", "rewire_step", "with_h"]


def _rebuild(graph: RetrievalGraph, W: sp.csr_array, h: np.ndarray, family: str) -> RetrievalGraph:
    coo = sp.coo_array(W)
    off = (coo.row != coo.col) & (coo.data > 0)
    edges = np.column_stack([coo.col[off], coo.row[off]]).astype(np.int64)  # j -> i: i reads j
    return RetrievalGraph(
        W, h, labels=graph.labels, edges=edges, directed=True, family=family, params=graph.params
    )


def with_h(graph: RetrievalGraph, h: Any) -> RetrievalGraph:
    """Return ``graph`` with anchoring shares ``h``.

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> with_h(build("ring", n=4), 0.25).h.tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    return RetrievalGraph(
        graph.W,
        h,
        labels=graph.labels,
        edges=graph.edges,
        directed=graph.directed,
        family=graph.family,
        params=graph.params,
    )


def freeze_nodes(graph: RetrievalGraph, nodes: Sequence[int]) -> RetrievalGraph:
    """Return ``graph`` where ``nodes`` read only their own store (``W[i] = e_i``, ``h_i = 0``).

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> g = freeze_nodes(build("complete", n=3), [1])
    >>> g.W.toarray()[1].tolist(), g.W.toarray()[0].tolist()
    ([0.0, 1.0, 0.0], [0.0, 0.5, 0.5])
    """
    idx = np.asarray(sorted(set(int(i) for i in nodes)), dtype=np.int64)
    if idx.size == 0:
        return graph
    W = sp.lil_array(graph.W)
    for i in idx:
        W[[int(i)], :] = 0.0
        W[int(i), int(i)] = 1.0
    h = graph.h.copy()
    h[idx] = 0.0
    return _rebuild(graph, sp.csr_array(W), h, graph.family)


def rewire_step(graph: RetrievalGraph, rate: float, rng: np.random.Generator) -> RetrievalGraph:
    """One round of the rewiring process (module docstring).

    Each share ``W[i, j]`` with ``j != i`` moves, with probability ``rate``, to a
    node ``i`` did not read at the start of the round and no other share of the
    round moved to, chosen uniformly; a reader with no such node keeps it. Row
    sums (and ``h``) are unchanged.

    Parameters
    ----------
    graph : RetrievalGraph
    rate : float
        Probability per share and round, in ``[0, 1]``.
    rng : numpy.random.Generator

    Returns
    -------
    RetrievalGraph

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> g = build("ring", n=8, self_weight=0.5)
    >>> r = rewire_step(g, 1.0, np.random.default_rng(0))
    >>> np.allclose(r.W.sum(axis=1), 1), r.W.diagonal().tolist() == g.W.diagonal().tolist()
    (True, True)
    >>> bool((r.W != g.W).nnz > 0)
    True
    """
    coo = sp.coo_array(graph.W)
    rows, cols, data = coo.row.copy(), coo.col.copy(), coo.data.copy()
    move = np.flatnonzero((rng.random(rows.size) < rate) & (rows != cols) & (data > 0))
    n = graph.n
    reads: dict[int, set[int]] = {}
    for e in move:
        i = int(rows[e])
        have = reads.get(i)
        if have is None:
            have = reads[i] = set(cols[rows == i].tolist())
        free = n - len(have) - (i not in have)
        if free <= 0:
            continue
        target = _free_node(i, have, n, free, rng)
        have.add(target)  # the old source stays taken for this round: a share moves once
        cols[e] = target
    W = sp.csr_array((data, (rows, cols)), shape=(n, n))
    W.sum_duplicates()
    return _rebuild(graph, W, graph.h.copy(), graph.family)


def _free_node(i: int, have: set[int], n: int, free: int, rng: np.random.Generator) -> int:
    """Draw a node other than ``i`` and outside ``have``, uniformly (rejection, else a list)."""
    for _ in range(32):
        j = int(rng.integers(n))
        if j != i and j not in have:
            return j
    options = [j for j in range(n) if j != i and j not in have]  # a dense row: enumerate
    return options[int(rng.integers(free))]


# ----------------------------------------------------------------------------- schedule
