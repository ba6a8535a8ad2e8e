"""Retrieval graphs: the matrix ``W`` every other layer reads.

``W`` is an ``n x n`` row-stochastic :class:`scipy.sparse.csr_array`: ``W[i, j]``
is the share of node *i*'s retrieval drawn from node *j*'s store (rows sum to 1,
directed; a directed edge ``u -> v`` means "v reads u"). ``h[i]`` in ``[0, 1]`` is
the share node *i* draws from the human seed corpus, so node *i* takes
``(1 - h[i]) W[i, :]`` from the node stores. This is the package's one statement
of the convention; :class:`RetrievalGraph` validates it once, and code below the
public boundary trusts a validated graph.

- :mod:`~netcollapse.graphs.retrieval_graph`: :class:`RetrievalGraph`, :func:`build`,
  :func:`retrieval_matrix` (weighting schemes);
- :mod:`~netcollapse.graphs.families`: the graph families (:data:`FAMILIES`) and
  file readers;
- :mod:`~netcollapse.graphs.more_families`: tree, bipartite, barbell, caveman,
  hypercube, core-periphery, directed random and named (networkx) families;
- :mod:`~netcollapse.graphs.spec`: validated topology specs (YAML);
- :mod:`~netcollapse.graphs.export`: :func:`to_networkx`, a graph with node results
  as a weighted ``networkx.DiGraph`` (GraphML, GEXF, Gephi, Cytoscape).
"""

from __future__ import annotations

from netcollapse.graphs.export import (
    EDGE_DIRECTION,
    to_networkx,
)
from netcollapse.graphs.families import (
    FAMILIES,
    read_graph_file,
)
from netcollapse.graphs.retrieval_graph import (
    WEIGHTINGS,
    RetrievalGraph,
    build,
    retrieval_matrix,
)
from netcollapse.graphs.spec import (
    TOPOLOGY_MODELS,
    parse_topology,
)

__all__ = [
    "EDGE_DIRECTION",
    "FAMILIES",
    "RetrievalGraph",
    "TOPOLOGY_MODELS",
    "WEIGHTINGS",
    "build",
    "parse_topology",
    "read_graph_file",
    "retrieval_matrix",
    "to_networkx",
]
