"""A retrieval graph with per-node values as a weighted :class:`networkx.DiGraph`.

:func:`to_networkx` is the one place that turns ``W`` (and a table of per-node
values) into a graph other network tools read: networkx itself, GraphML and GEXF
for Gephi or Cytoscape, igraph. :meth:`netcollapse.engines.result.RunResult.to_networkx`
and ``netcollapse export`` call it with the graph in force at a row and that row's
node table.

Edge direction follows the package's convention (:mod:`netcollapse.graphs`): an
edge ``j -> i`` means *node i reads node j's store*, and its ``weight`` is
``W[i, j]``, the share of node *i*'s retrieval drawn from node *j*'s store. Edges
therefore point the way documents flow, from the store read to the reader; a
node's incoming weights sum to 1 (its row of ``W``). A diagonal entry
``W[i, i] > 0`` is the self-loop ``i -> i``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from netcollapse.errors import bad
from netcollapse.graphs.retrieval_graph import RetrievalGraph

__all__ = ["EDGE_DIRECTION", "attribute_value", "to_networkx"]

EDGE_DIRECTION = "j -> i: node i reads node j's store; weight = W[i, j]"
"""The edge convention, also stored as the graph attribute ``edges`` of every export."""


def attribute_value(value: Any) -> bool | int | float | str | None:
    """Return a value as the plain Python type GraphML and GEXF writers accept.

    Parameters
    ----------
    value : object
        A cell of a node table (numpy or Python scalar, string, list, ...).

    Returns
    -------
    bool, int, float, str or None
        Booleans, integers and finite floats as Python ``bool`` / ``int`` /
        ``float``; strings kept; ``None`` for a missing value (``None``, NaN,
        an infinity), which the caller leaves out; anything else (a list, a
        dict) as its JSON text.

    Examples
    --------
    >>> attribute_value(np.int64(3)), attribute_value(np.float32(0.5))
    (3, 0.5)
    >>> attribute_value(float("nan")) is None, attribute_value([1, 2])
    (True, '[1, 2]')
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, default=str)


def to_networkx(
    graph: RetrievalGraph,
    nodes: pd.DataFrame | None = None,
    *,
    attrs: Mapping[str, Any] | None = None,
) -> nx.DiGraph:
    """Return the retrieval graph as a weighted directed networkx graph.

    Parameters
    ----------
    graph : RetrievalGraph
        The graph (``W``, ``h``, labels, family).
    nodes : pandas.DataFrame, optional
        One row per node, with a ``node`` column holding ``0 .. n-1`` (any
        order); every other column becomes a node attribute. A ``step`` column
        is left out (the row is a graph attribute: pass it in ``attrs``).
    attrs : mapping, optional
        Graph-level attributes (``engine``, ``seed``, ``step``, ...); ``None``
        values are left out.

    Returns
    -------
    networkx.DiGraph
        Nodes ``0 .. n-1`` with attributes ``label`` (the graph's label of the
        node, as text), ``h`` (its human-corpus share) and the table's columns;
        an edge ``j -> i`` with ``weight = W[i, j]`` for every positive entry of
        ``W`` (diagonal ones as self-loops). Graph attributes: ``family``,
        ``n``, ``edges`` (:data:`EDGE_DIRECTION`) and ``attrs``.

    Raises
    ------
    SpecError
        One line when ``nodes`` has no ``node`` column or does not hold each
        node ``0 .. n-1`` exactly once.

    Notes
    -----
    Values are plain Python types (:func:`attribute_value`). A missing value
    (NaN, an infinity, ``None``) is left out of that node's attributes, so
    every GraphML and GEXF writer accepts the graph and a reader sees no value
    there: networkx has no key, igraph a NaN, Gephi an empty cell.

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> g = build("star", n=3)  # node 0 is the hub
    >>> table = pd.DataFrame({"node": [0, 1, 2], "k": [2, 1, 1]})
    >>> G = to_networkx(g, table, attrs={"step": 4})
    >>> sorted(G.edges(data="weight"))
    [(0, 1, 1.0), (0, 2, 1.0), (1, 0, 0.5), (2, 0, 0.5)]
    >>> G.nodes[0], G.graph["step"], G.graph["family"]
    ({'label': '0', 'h': 0.0, 'k': 2}, 4, 'star')
    """
    n = graph.n
    records: list[dict[str, Any]] = [{} for _ in range(n)]
    if nodes is not None:
        if "node" not in nodes.columns:
            raise bad("nodes", f"columns {list(nodes.columns)[:8]}", "a table with a node column")
        index = nodes["node"].to_numpy()
        if len(index) != n or sorted(index.tolist()) != list(range(n)):
            shown = sorted(set(index.tolist()))[:6]
            raise bad("nodes.node", shown, f"each node 0..{n - 1} once (one row per node)")
        columns = [c for c in nodes.columns if c not in ("node", "step")]
        for i, row in zip(index.tolist(), nodes[columns].itertuples(index=False, name=None)):
            records[int(i)] = dict(zip(columns, row))
    G: nx.DiGraph[int] = nx.DiGraph()
    for i in range(n):
        data = {"label": str(graph.labels[i]), "h": float(graph.h[i]), **records[i]}
        clean = {str(k): attribute_value(v) for k, v in data.items()}
        G.add_node(i, **{k: v for k, v in clean.items() if v is not None})
    W = graph.W.tocoo()
    keep = W.data > 0
    readers, sources, shares = W.row[keep], W.col[keep], W.data[keep]
    G.add_weighted_edges_from(
        (int(j), int(i), float(w)) for i, j, w in zip(readers, sources, shares)
    )
    meta = {"family": graph.family, "n": n, "edges": EDGE_DIRECTION, **(attrs or {})}
    for key, value in meta.items():
        plain = attribute_value(value)
        if plain is not None:
            G.graph[str(key)] = plain
    return G
