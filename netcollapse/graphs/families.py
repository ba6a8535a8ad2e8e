"""Topology families: the graph builders behind ``family:`` in a topology spec.

Each builder in :data:`FAMILIES` takes a validated spec (:mod:`netcollapse.graphs.spec`) and
an integer seed and returns ``(n, edges, directed, weights, labels)``, with ``edges``
an ``(m, 2)`` integer array in index space. Edge convention: a directed edge
``u -> v`` means "*v reads u*" (information flows from *u* to *v*); undirected edges
are read both ways. :mod:`netcollapse.graphs.retrieval_graph` turns the output into a
:class:`~netcollapse.graphs.retrieval_graph.RetrievalGraph`. Trees, bipartite, barbell,
caveman, hypercube, core-periphery, random directed and named networkx graphs are built
in :mod:`netcollapse.graphs.more_families` and registered here.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from netcollapse.errors import DataError, bad
from netcollapse.graphs.more_families import MORE_FAMILIES

__all__ = ["FAMILIES", "read_graph_file"]


@contextlib.contextmanager
def _igraph_seeded(seed: int) -> Iterator[None]:
    """Seed igraph's generators for the duration of the block, then restore them.

    igraph draws from one process-wide generator (Python's :mod:`random` by default);
    we swap in a private ``random.Random(seed)`` and put the default back, so no
    global state is left changed.
    """
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def _igraph_edges(g: Any) -> np.ndarray:
    edges = np.asarray(g.get_edgelist(), dtype=np.int64)
    return edges.reshape(-1, 2)


# --------------------------------------------------------------------------- families
# Each builder takes a validated spec (netcollapse.graphs.spec) and an integer seed and
# returns (n, edges, directed, weights, labels). Deterministic families are built
# with numpy; random ones with igraph, which is much faster at large n (a
# Barabasi-Albert graph with n = 100,000 takes about 0.1 s vs 1.2 s in networkx).


def _ring_edges(n: int, k: int) -> np.ndarray:
    idx = np.arange(n)
    return np.concatenate([np.stack([idx, (idx + s) % n], axis=1) for s in range(1, k // 2 + 1)])


def _complete(s: Any, seed: int) -> tuple:
    iu = np.triu_indices(s.n, k=1)
    return s.n, np.stack(iu, axis=1), False, None, None


def _isolated(s: Any, seed: int) -> tuple:
    return s.n, np.empty((0, 2), dtype=np.int64), False, None, None


def _ring(s: Any, seed: int) -> tuple:
    return s.n, _ring_edges(s.n, s.k), False, None, None


def _star(s: Any, seed: int) -> tuple:
    leaves = np.arange(1, s.n)
    return s.n, np.stack([np.zeros_like(leaves), leaves], axis=1), False, None, None


def _path(s: Any, seed: int) -> tuple:
    idx = np.arange(s.n - 1)
    return s.n, np.stack([idx, idx + 1], axis=1), False, None, None


def _grid(s: Any, seed: int) -> tuple:
    r, c = np.divmod(np.arange(s.rows * s.cols), s.cols)
    node = lambda rr, cc: rr * s.cols + cc  # noqa: E731
    parts = []
    for dr, dc in ((0, 1), (1, 0)):
        rr, cc = r + dr, c + dc
        if s.periodic:
            ok = np.ones_like(r, dtype=bool)
            rr, cc = rr % s.rows, cc % s.cols
        else:
            ok = (rr < s.rows) & (cc < s.cols)
        parts.append(np.stack([node(r[ok], c[ok]), node(rr[ok], cc[ok])], axis=1))
    u, v = np.concatenate(parts).T
    n = s.rows * s.cols  # unique pairs (min, max) in order, as one int64 key each (fast)
    key = np.sort(np.minimum(u, v) * n + np.maximum(u, v))
    key = key[np.r_[True, key[1:] != key[:-1]]] if key.size else key
    edges = np.stack(np.divmod(key, n), axis=1)
    labels = tuple(zip(r.tolist(), c.tolist()))
    return s.rows * s.cols, edges, False, None, labels


def _erdos_renyi(s: Any, seed: int) -> tuple:
    import igraph as ig

    with _igraph_seeded(seed):
        g = ig.Graph.Erdos_Renyi(n=s.n, p=s.p, directed=s.directed, loops=False)
    return s.n, _igraph_edges(g), s.directed, None, None


def _watts_strogatz(s: Any, seed: int) -> tuple:
    import igraph as ig

    with _igraph_seeded(seed):
        g = ig.Graph.Watts_Strogatz(dim=1, size=s.n, nei=s.k // 2, p=s.p)
    return s.n, _igraph_edges(g), False, None, None


def _barabasi_albert(s: Any, seed: int) -> tuple:
    import igraph as ig

    with _igraph_seeded(seed):
        g = ig.Graph.Barabasi(s.n, s.m, directed=s.directed)
    # igraph orients each edge new -> old ("cites"); here u -> v means "v reads u", so flip
    # to old -> new: a new node reads the older hubs, and hubs are read by many.
    edges = _igraph_edges(g)[:, ::-1] if s.directed else _igraph_edges(g)
    return s.n, np.ascontiguousarray(edges), s.directed, None, None


def _sbm(s: Any, seed: int) -> tuple:
    import igraph as ig

    b = len(s.sizes)
    pref = [[s.p_in if i == j else s.p_out for j in range(b)] for i in range(b)]
    with _igraph_seeded(seed):
        g = ig.Graph.SBM(pref, list(s.sizes), directed=False)
    block = np.repeat(np.arange(b), s.sizes)
    labels = tuple((int(bk), i) for i, bk in enumerate(block))
    return sum(s.sizes), _igraph_edges(g), False, None, labels


def _random_regular(s: Any, seed: int) -> tuple:
    import igraph as ig

    with _igraph_seeded(seed):
        g = ig.Graph.K_Regular(s.n, s.d, directed=False, multiple=False)
    return s.n, _igraph_edges(g), False, None, None


def _file(s: Any, seed: int) -> tuple:
    G = read_graph_file(s.path, s.format, directed=s.directed)
    n, edges, weights, labels = networkx_edges(G, s.weight_attribute)
    return n, edges, G.is_directed(), weights, labels


FAMILIES = {
    "complete": _complete,
    "isolated": _isolated,
    "ring": _ring,
    "star": _star,
    "path": _path,
    "grid": _grid,
    "erdos_renyi": _erdos_renyi,
    "watts_strogatz": _watts_strogatz,
    "barabasi_albert": _barabasi_albert,
    "sbm": _sbm,
    "random_regular": _random_regular,
    **MORE_FAMILIES,
    "file": _file,
}
"""Topology families by name (the ``family`` field of a spec)."""


def read_graph_file(
    path: str | Path, fmt: str | None = None, directed: bool | None = None
) -> nx.Graph:
    """Read a graph from an edge list, GraphML or GML file.

    Parameters
    ----------
    path : str or Path
        The file. Edge lists have one edge per line, ``u v`` or ``u v weight``,
        separated by whitespace or commas; ``#`` starts a comment.
    fmt : {"edgelist", "graphml", "gml"}, optional
        Inferred from the suffix (``.graphml``, ``.gml``, anything else is an edge list).
    directed : bool, optional
        For edge lists: read as directed (``u v`` = *v reads u*). GraphML and GML
        files say it themselves.

    Returns
    -------
    networkx.Graph or networkx.DiGraph

    Raises
    ------
    DataError
        Missing or unparsable file.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"graph.path: got {str(path)!r}, expected an existing graph file")
    if fmt is None:
        fmt = {".graphml": "graphml", ".gml": "gml"}.get(p.suffix.lower(), "edgelist")
    try:
        if fmt == "graphml":
            return nx.read_graphml(p)
        if fmt == "gml":
            return nx.read_gml(p)
        return _read_edgelist(p, bool(directed))
    except DataError:
        raise
    except Exception as exc:  # parsers raise many types; report one line
        detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise DataError(
            f"graph.path: got {str(path)!r}, expected a valid {fmt} file ({detail})"
        ) from None


def _read_edgelist(p: Path, directed: bool) -> nx.Graph:
    G: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    for lineno, raw in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].replace(",", " ").split()
        if not line:
            continue
        if len(line) not in (2, 3):
            raise DataError(
                f"graph.path: got {str(p)!r}, expected 'u v [weight]' per line "
                f"(line {lineno}: {raw.strip()!r})"
            )
        attrs = {}
        if len(line) == 3:
            try:
                attrs["weight"] = float(line[2])
            except ValueError:
                raise DataError(
                    f"graph.path: got {str(p)!r}, expected a numeric weight "
                    f"(line {lineno}: {line[2]!r})"
                ) from None
        G.add_edge(line[0], line[1], **attrs)
    if G.number_of_nodes() == 0:
        raise DataError(f"graph.path: got {str(p)!r}, expected at least one edge")
    return G


def networkx_edges(G: nx.Graph, weight: str = "weight") -> tuple:
    """Read a networkx graph into index space.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        Any node labels; an edge's ``weight`` attribute, where present, must be a number.
    weight : str
        Name of the edge attribute that holds the weight.

    Returns
    -------
    tuple
        ``(n, edges, weights, labels)``: ``edges`` an ``(m, 2)`` int64 array of
        node indices in the order of ``labels = tuple(G.nodes)``; ``weights`` a
        float array (1 where an edge has no weight) or ``None`` when no edge has one.
    """
    labels = tuple(G.nodes)
    index = {v: i for i, v in enumerate(labels)}
    m = G.number_of_edges()
    edges = np.empty((m, 2), dtype=np.int64)
    weights = np.ones(m)
    has_weight = False
    for e, (u, v, d) in enumerate(G.edges(data=True)):
        edges[e] = index[u], index[v]
        if weight in d:
            has_weight = True
            try:
                weights[e] = float(d[weight])
            except (TypeError, ValueError):
                raise bad(f"edge ({u!r}, {v!r}).{weight}", d[weight], "a number") from None
    return len(labels), edges, (weights if has_weight else None), labels
