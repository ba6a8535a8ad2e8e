"""Tests for netcollapse.graphs.families: raw builder output, file reading, module boundaries.

The builders are also exercised end to end through ``build`` in test_topology.py.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from netcollapse.errors import DataError, SpecError
from netcollapse.graphs import families as F
from netcollapse.graphs.more_families import MORE_FAMILIES
from netcollapse.graphs.spec import parse_topology


def _raw(spec: dict, seed: int = 0) -> tuple:
    s = parse_topology(spec)
    return F.FAMILIES[s.family](s, seed)


def test_every_builder_returns_the_documented_tuple():
    specs = {
        "complete": {"n": 5},
        "isolated": {"n": 3},
        "ring": {"n": 6, "k": 4},
        "star": {"n": 4},
        "path": {"n": 4},
        "grid": {"rows": 2, "cols": 3},
        "erdos_renyi": {"n": 20, "p": 0.3},
        "watts_strogatz": {"n": 20, "k": 4, "p": 0.1},
        "barabasi_albert": {"n": 20, "m": 2},
        "sbm": {"sizes": [5, 5], "p_in": 0.5, "p_out": 0.1},
        "random_regular": {"n": 10, "d": 3},
    }
    # the families of more_families.py are checked in test_more_families.py
    assert set(specs) == set(F.FAMILIES) - {"file"} - set(MORE_FAMILIES)
    for family, params in specs.items():
        n, edges, directed, weights, labels = _raw({"family": family, **params}, seed=3)
        assert edges.dtype == np.int64 and edges.ndim == 2 and edges.shape[1] == 2, family
        assert edges.size == 0 or (edges.min() >= 0 and edges.max() < n), family
        assert isinstance(directed, bool) and weights is None, family
        assert labels is None or len(labels) == n, family
        again = _raw({"family": family, **params}, seed=3)[1]
        np.testing.assert_array_equal(edges, again)


def test_closed_form_edge_sets():
    n, edges, *_ = _raw({"family": "complete", "n": 4})
    assert {tuple(e) for e in edges.tolist()} == {(i, j) for i in range(4) for j in range(i + 1, 4)}
    n, edges, *_ = _raw({"family": "ring", "n": 5, "k": 2})
    assert {tuple(e) for e in edges.tolist()} == {(i, (i + 1) % 5) for i in range(5)}
    n, edges, *_ = _raw({"family": "star", "n": 4})
    assert edges.tolist() == [[0, 1], [0, 2], [0, 3]]


def test_isolated_is_the_identity_and_refuses_anchoring():
    from netcollapse.graphs.retrieval_graph import RetrievalGraph

    g = RetrievalGraph.from_spec({"family": "isolated", "n": 5})
    np.testing.assert_array_equal(g.W.toarray(), np.eye(5))
    with pytest.raises(SpecError, match=r"anchoring: got 0.1, expected 0 for family 'isolated'"):
        parse_topology({"family": "isolated", "n": 5, "anchoring": 0.1})
    with pytest.raises(SpecError, match=r"self_weight: got 0.0, expected a value > 0"):
        parse_topology({"family": "isolated", "n": 5, "self_weight": 0.0})


def test_directed_barabasi_albert_edges_point_old_to_new():
    # u -> v means "v reads u": a newcomer reads the older nodes it attaches to
    n, edges, directed, *_ = _raw({"family": "barabasi_albert", "n": 30, "m": 2, "directed": True})
    assert directed and n == 30
    assert np.all(edges[:, 0] < edges[:, 1])


def test_read_graph_file_directed_weighted_edgelist(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("a,b,2.5  # a comment\nb c\n")
    G = F.read_graph_file(p, directed=True)
    assert isinstance(G, nx.DiGraph)
    assert G["a"]["b"]["weight"] == 2.5 and "weight" not in G["b"]["c"]
    U = F.read_graph_file(p)
    assert not U.is_directed() and U.has_edge("c", "b")


def test_read_graph_file_errors(tmp_path):
    with pytest.raises(DataError, match=r"graph.path: got '.*none.txt', expected an existing"):
        F.read_graph_file(tmp_path / "none.txt")
    p = tmp_path / "w.txt"
    p.write_text("a b x\n")
    with pytest.raises(DataError, match=r"expected a numeric weight \(line 1: 'x'\)"):
        F.read_graph_file(p)
    p.write_text("# only a comment\n")
    with pytest.raises(DataError, match=r"expected at least one edge"):
        F.read_graph_file(p)


def test_networkx_edges_indexes_labels_and_weights():
    G = nx.DiGraph()
    G.add_edge("x", "y", weight=2.0)
    G.add_edge("y", "z")
    n, edges, weights, labels = F.networkx_edges(G)
    assert (n, labels) == (3, ("x", "y", "z"))
    assert edges.tolist() == [[0, 1], [1, 2]] and weights.tolist() == [2.0, 1.0]
    assert F.networkx_edges(nx.path_graph(3))[2] is None
    G.add_edge("z", "x", weight="heavy")
    with pytest.raises(SpecError, match=r"edge \('z', 'x'\).weight: got 'heavy', expected a num"):
        F.networkx_edges(G)
