"""The retrieval graph: :class:`RetrievalGraph`, and the weightings that build ``W``.

``W`` and ``h`` follow the convention stated once in :mod:`netcollapse.graphs`
(``W[i, j]``: share of node *i*'s retrieval drawn from node *j*'s store; rows sum
to 1; an edge ``u -> v`` of a directed source graph means "v reads u").
:class:`RetrievalGraph` validates both when it is built
(:func:`netcollapse._validation.check_W`, :func:`netcollapse._validation.check_h`)
and freezes them; code that receives a ``RetrievalGraph`` trusts it. The graph
families and :func:`~netcollapse.graphs.families.read_graph_file` live in
:mod:`netcollapse.graphs.families`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from netcollapse._io import resolve_path
from netcollapse._random import as_generator, int_seed, spawn
from netcollapse._validation import check_h, check_W
from netcollapse.errors import bad
from netcollapse.graphs.families import FAMILIES, networkx_edges

WEIGHTINGS = ("uniform", "degree", "dirichlet", "weight")
"""Weighting schemes: how a node splits its retrieval over its sources.

``uniform``
    equal shares over the node's sources (in-neighbours);
``degree``
    shares proportional to each source's number of readers ("popular sites are
    read more");
``dirichlet``
    shares drawn from Dirichlet(1, ..., 1) per node (seeded);
``weight``
    explicit edge weights (the ``weight`` edge attribute), normalised per row.
"""

__all__ = ["RetrievalGraph", "WEIGHTINGS", "build", "retrieval_matrix"]


def retrieval_matrix(
    n: int,
    edges: np.ndarray,
    *,
    directed: bool = False,
    weighting: str = "uniform",
    weights: np.ndarray | None = None,
    self_weight: float = 0.0,
    anchoring: np.ndarray | None = None,
    seed: int | np.random.Generator | None = None,
) -> sp.csr_array:
    """Build the row-stochastic retrieval matrix ``W`` from an edge list.

    Parameters
    ----------
    n : int
        Number of nodes, labelled ``0 .. n-1``.
    edges : ndarray of shape (m, 2)
        Edges ``(u, v)``. Directed: ``u -> v`` means *v reads u*. Undirected edges
        are read both ways. Self-loops and duplicate edges are dropped (weights of
        duplicates are summed).
    directed : bool
        Whether ``edges`` are directed.
    weighting : {"uniform", "degree", "dirichlet", "weight"}
        How a node splits its retrieval over its sources (see :data:`WEIGHTINGS`).
    weights : ndarray of shape (m,), optional
        Edge weights, required for ``weighting="weight"``; finite and >= 0.
    self_weight : float
        Share ``W[i, i]`` of a node's retrieval from its own store, in [0, 1).
    anchoring : ndarray of shape (n,), optional
        Anchoring shares ``h``; only used to decide whether a node without sources
        is an error (it is, unless it has ``self_weight > 0`` or ``h > 0``).
    seed : int, Generator or None
        Seed for ``weighting="dirichlet"``.

    Returns
    -------
    scipy.sparse.csr_array
        ``W`` with ``W[i, j]`` = share of node *i*'s retrieval drawn from node *j*'s
        store; rows sum to 1. A node with no sources reads only its own store
        (``W[i, i] = 1``).

    Examples
    --------
    >>> W = retrieval_matrix(3, np.array([[0, 1], [1, 2]]))
    >>> W.toarray()
    array([[0. , 1. , 0. ],
           [0.5, 0. , 0.5],
           [0. , 1. , 0. ]])
    """
    if weighting not in WEIGHTINGS:
        raise bad("weighting", weighting, f"one of {', '.join(WEIGHTINGS)}")
    if not (0.0 <= self_weight < 1.0) or not np.isfinite(self_weight):
        raise bad("self_weight", self_weight, "a number in [0, 1)")
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if weights is None:
        if weighting == "weight":
            raise bad("weights", None, "edge weights for weighting='weight'")
        w = np.ones(len(edges))
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
        if w.shape[0] != edges.shape[0]:
            raise bad("weights", f"{w.shape[0]} values", f"one weight per edge ({len(edges)})")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            badw = w[~np.isfinite(w) | (w < 0)][0]
            raise bad("weight", float(badw), "finite, non-negative edge weights")
    if len(edges) and (edges.min() < 0 or edges.max() >= n):
        raise bad("edges", int(edges.max()), f"node indices in [0, {n - 1}]")
    keep = edges[:, 0] != edges[:, 1]
    edges, w = edges[keep], w[keep]
    src, dst = edges[:, 0], edges[:, 1]
    if not directed:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        w = np.concatenate([w, w])
    # Row = reader (dst), column = source (src).
    if weighting != "weight":
        w = np.ones_like(w)
    A = sp.csr_array((w, (dst, src)), shape=(n, n))
    A.sum_duplicates()
    A.eliminate_zeros()
    if weighting == "degree":
        readers = np.diff(A.tocsc().indptr).astype(float)  # how many nodes read column j
        A = sp.csr_array((readers[A.indices], A.indices, A.indptr), shape=(n, n))
    elif weighting == "dirichlet":
        rng = as_generator(seed)
        g = rng.standard_gamma(1.0, size=A.nnz)
        A = sp.csr_array((np.maximum(g, 1e-300), A.indices, A.indptr), shape=(n, n))
    elif weighting == "uniform":
        A = sp.csr_array((np.ones(A.nnz), A.indices, A.indptr), shape=(n, n))
    rowsum = A.sum(axis=1)
    lonely = rowsum <= 0
    h = np.zeros(n) if anchoring is None else np.asarray(anchoring, dtype=float)
    stranded = np.flatnonzero(lonely & (self_weight == 0.0) & (h <= 0))
    if stranded.size:
        raise bad(
            f"node {int(stranded[0])}",
            "no sources",
            "every node to read at least one store: add edges into it, "
            "a self_weight > 0 or anchoring > 0",
        )
    scale = np.divide(1.0 - self_weight, rowsum, out=np.zeros(n), where=~lonely)
    off = sp.diags_array(scale) @ A
    diag = np.where(lonely, 1.0, self_weight)
    W = sp.csr_array(off + sp.diags_array(diag))
    W.eliminate_zeros()
    W.sort_indices()
    return W


# --------------------------------------------------------------------------- the graph


@dataclass(frozen=True, eq=False)
class RetrievalGraph:
    """Who reads whom: the row-stochastic retrieval matrix of an LLM web.

    Parameters
    ----------
    W : scipy sparse matrix or array_like of shape (n, n), n >= 2
        ``W[i, j]`` = share of node *i*'s retrieval drawn from node *j*'s store;
        non-negative, rows sum to 1 (see :mod:`netcollapse.graphs`). Stored as a
        new, read-only float64 ``csr_array`` with sorted indices
        (:func:`netcollapse._validation.check_W`).
    h : float or array_like of shape (n,)
        Anchoring shares in [0, 1]: the part of node *i*'s context drawn from the
        human seed corpus. Stored as a read-only float64 array of shape ``(n,)``.
    labels : tuple
        Node labels (``0 .. n-1`` unless the source graph had others).
    edges : ndarray of shape (m, 2)
        Edges of the source graph in index space (``u -> v`` = *v reads u*).
    directed : bool
        Whether the source graph is directed.
    family : str
        Name of the family it was built from (``"custom"`` for user graphs).
    params : dict
        The spec it was built from (family parameters, weighting, seed).

    Notes
    -----
    Build one with :meth:`from_networkx`, :meth:`from_yaml`, :meth:`from_spec` or
    :func:`build`. ``W`` and ``h`` are validated here, once; the spectral
    functions and the engines' per-step quota functions take the graph as it is.
    Disconnected graphs are allowed: :attr:`n_components` reports the
    number of (weakly) connected components, and
    :func:`netcollapse.spectral.spectral_summary` explains why their gap is 0.

    Examples
    --------
    >>> g = RetrievalGraph.from_networkx(nx.cycle_graph(4))
    >>> g.n, g.n_components
    (4, 1)
    >>> g.W.toarray()[0]
    array([0. , 0.5, 0. , 0.5])
    """

    W: sp.csr_array
    h: np.ndarray
    labels: tuple = ()
    edges: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))
    directed: bool = False
    family: str = "custom"
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        W = check_W(self.W, min_nodes=2)  # a new array: freezing it leaves the caller's alone
        h = np.array(check_h(self.h, W.shape[0]), dtype=np.float64)
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "h", h)
        object.__setattr__(self, "labels", tuple(self.labels) or tuple(range(W.shape[0])))
        for arr in (W.data, W.indices, W.indptr, h):
            arr.setflags(write=False)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return self.W.shape[0]

    @cached_property
    def n_components(self) -> int:
        """Number of weakly connected components of the reading pattern of ``W``.

        The pattern is the set of positive shares: a stored zero is no edge.
        """
        W = self.W
        if not np.all(W.data > 0):
            W = W.copy()
            W.eliminate_zeros()
        return int(csgraph.connected_components(W, directed=True, connection="weak")[0])

    @cached_property
    def graph(self) -> nx.Graph:
        """The source graph as networkx (built on first access; labels as node names)."""
        G: nx.Graph = nx.DiGraph() if self.directed else nx.Graph()
        G.add_nodes_from(self.labels)
        lab = self.labels
        G.add_edges_from((lab[u], lab[v]) for u, v in self.edges.tolist())
        return G

    def __repr__(self) -> str:
        return (
            f"RetrievalGraph(family={self.family!r}, n={self.n}, edges={len(self.edges)}, "
            f"directed={self.directed}, components={self.n_components}, "
            f"mean_h={float(self.h.mean()):.3g})"
        )

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_edges(
        cls,
        n: int,
        edges: np.ndarray,
        *,
        directed: bool = False,
        weights: np.ndarray | None = None,
        weighting: str = "uniform",
        self_weight: float = 0.0,
        anchoring: float | Sequence[float] | np.ndarray = 0.0,
        labels: Sequence | None = None,
        seed: int | np.random.Generator | None = None,
        family: str = "custom",
        params: dict | None = None,
    ) -> RetrievalGraph:
        """Build from an edge array; see :func:`retrieval_matrix` for the parameters.

        Returns
        -------
        RetrievalGraph

        Examples
        --------
        >>> RetrievalGraph.from_edges(3, np.array([[0, 1], [1, 2]]), self_weight=0.5).W.toarray()[1]
        array([0.25, 0.5 , 0.25])
        """
        if n < 2:
            raise bad("n", n, "an integer >= 2")
        h = check_h(anchoring, n, field="anchoring")
        W = retrieval_matrix(
            n,
            edges,
            directed=directed,
            weighting=weighting,
            weights=weights,
            self_weight=self_weight,
            anchoring=h,
            seed=seed,
        )
        return cls(
            W=W,
            h=h,
            labels=tuple(labels) if labels is not None else (),
            edges=np.asarray(edges, dtype=np.int64).reshape(-1, 2),
            directed=directed,
            family=family,
            params=dict(params or {}),
        )

    @classmethod
    def from_networkx(
        cls,
        G: nx.Graph,
        weighting: str = "uniform",
        self_weight: float = 0.0,
        anchoring: float | Sequence[float] | np.ndarray = 0.0,
        seed: int | np.random.Generator | None = None,
        weight: str = "weight",
    ) -> RetrievalGraph:
        """Build from any networkx graph.

        Parameters
        ----------
        G : networkx.Graph or networkx.DiGraph
            Directed edge ``u -> v`` means *v reads u*; undirected edges both ways.
        weighting : {"uniform", "degree", "dirichlet", "weight"}
            See :data:`WEIGHTINGS`; ``"weight"`` uses the edge attribute ``weight``.
        self_weight : float
            ``W[i, i]``, the share of a node's retrieval from its own store, in [0, 1).
        anchoring : float or sequence of float
            ``h``: share(s) drawn from the human seed corpus, in [0, 1].
        seed : int, Generator or None
            Seed for random weightings.
        weight : str
            Edge attribute holding explicit weights.

        Returns
        -------
        RetrievalGraph

        Examples
        --------
        >>> g = RetrievalGraph.from_networkx(nx.star_graph(3), self_weight=0.5)
        >>> g.W.toarray()[0].round(3)
        array([0.5  , 0.167, 0.167, 0.167])
        """
        if G.number_of_nodes() < 2:
            raise bad("n", G.number_of_nodes(), "a graph with at least 2 nodes")
        n, edges, weights, labels = networkx_edges(G, weight)
        if weighting == "weight" and weights is None:
            raise bad("weighting", "weight", f"edges with a {weight!r} attribute")
        return cls.from_edges(
            n,
            edges,
            directed=G.is_directed(),
            weights=weights,
            weighting=weighting,
            self_weight=self_weight,
            anchoring=anchoring,
            labels=labels,
            seed=seed,
        )

    @classmethod
    def from_spec(
        cls, spec: dict[str, Any], seed: int | None = None, base_dir: str | Path | None = None
    ) -> RetrievalGraph:
        """Build from a spec mapping (as in ``topologies/*.yaml``).

        Parameters
        ----------
        spec : dict
            ``family`` plus that family's parameters and the shared fields
            ``weighting``, ``self_weight``, ``anchoring`` and ``seed``.
        seed : int, optional
            Overrides the spec's ``seed``.
        base_dir : str or Path, optional
            Folder that relative ``path`` entries (family ``file``) are read from.

        Returns
        -------
        RetrievalGraph

        Examples
        --------
        >>> RetrievalGraph.from_spec({"family": "ring", "n": 6, "self_weight": 0.5}).n
        6
        """
        from netcollapse.graphs.spec import FileGraph, parse_topology

        s = parse_topology(spec)
        if isinstance(s, FileGraph) and base_dir is not None:
            s = s.model_copy(update={"path": str(resolve_path(base_dir, s.path))})
        seed = s.seed if seed is None else seed
        structure_rng, weight_rng = spawn(seed, 2)
        n, edges, directed, weights, labels = FAMILIES[s.family](s, int_seed(structure_rng))
        params = s.model_dump()
        params["seed"] = seed
        return cls.from_edges(
            n,
            edges,
            directed=directed,
            weights=weights,
            weighting=s.weighting,
            self_weight=s.self_weight,
            anchoring=s.anchoring,
            labels=labels,
            seed=weight_rng,
            family=s.family,
            params=params,
        )

    @classmethod
    def from_yaml(cls, path: str | Path, seed: int | None = None) -> RetrievalGraph:
        """Build from a YAML topology spec (see ``topologies/``).

        Parameters
        ----------
        path : str or Path
            The spec file; a ``graph:`` sub-mapping is accepted too.
        seed : int, optional
            Overrides the spec's ``seed``; the same seed gives the same graph.

        Returns
        -------
        RetrievalGraph
        """
        from netcollapse._spec import read_yaml

        data = read_yaml(path)
        data = data.get("graph", data) if isinstance(data.get("graph"), dict) else data
        data = {k: v for k, v in data.items() if k not in ("name", "description")}
        return cls.from_spec(data, seed=seed, base_dir=Path(path).parent)


def build(family: str, seed: int | None = None, **params: Any) -> RetrievalGraph:
    """Build a graph of a named family.

    Parameters
    ----------
    family : str
        One of :data:`FAMILIES`.
    seed : int, optional
        Seed for random families and random weightings.
    **params
        The family's parameters and ``weighting``, ``self_weight``, ``anchoring``.

    Returns
    -------
    RetrievalGraph

    Examples
    --------
    >>> g = build("barabasi_albert", n=100, m=2, seed=1)
    >>> g.n, len(g.edges)
    (100, 197)
    >>> bool((build("barabasi_albert", n=100, m=2, seed=1).W != g.W).nnz == 0)
    True
    """
    return RetrievalGraph.from_spec({"family": family, **params}, seed=seed)
