"""to_networkx: edges j -> i weighted W[i, j], node attributes from a table, NaN left out."""

import math

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from netcollapse.errors import SpecError
from netcollapse.graphs.export import EDGE_DIRECTION, attribute_value, to_networkx
from netcollapse.graphs.retrieval_graph import RetrievalGraph, build


def test_a_star_gives_its_closed_form_weights():
    # star on 4 nodes, hub 0: the hub reads each leaf 1/3, each leaf reads the hub only
    G = to_networkx(build("star", n=4))
    assert sorted(G.edges(data="weight")) == [
        (0, 1, 1.0),
        (0, 2, 1.0),
        (0, 3, 1.0),
        (1, 0, 1 / 3),
        (2, 0, 1 / 3),
        (3, 0, 1 / 3),
    ]
    assert G.graph == {"family": "star", "n": 4, "edges": EDGE_DIRECTION}


def test_a_ring_with_self_weight_keeps_its_self_loops_and_every_share():
    g = build("ring", n=5, self_weight=0.2)  # W[i, i] = 0.2, W[i, i +- 1] = 0.4
    G = to_networkx(g)
    W = g.W.toarray()
    assert G.number_of_edges() == 15 and nx.number_of_selfloops(G) == 5
    for j, i, w in G.edges(data="weight"):
        assert w == W[i, j] and w == (0.2 if i == j else 0.4)
    for i in range(5):  # a node's incoming weights are its row of W
        assert math.isclose(sum(w for _, _, w in G.in_edges(i, data="weight")), 1.0)


def test_a_directed_graph_points_the_way_documents_flow():
    # 0 -> 1 -> 2: node 1 reads node 0, node 2 reads node 1; node 0 reads only itself
    W = sp.csr_array(np.array([[1.0, 0, 0], [0.25, 0.75, 0], [0, 1.0, 0]]))
    G = to_networkx(RetrievalGraph(W, np.array([0.0, 0.5, 0.0]), labels=("a", "b", "c")))
    assert sorted(G.edges(data="weight")) == [(0, 0, 1.0), (0, 1, 0.25), (1, 1, 0.75), (1, 2, 1.0)]
    assert [G.nodes[i]["label"] for i in range(3)] == ["a", "b", "c"]
    assert [G.nodes[i]["h"] for i in range(3)] == [0.0, 0.5, 0.0]


def test_node_attributes_equal_the_table_row_and_nan_is_left_out():
    table = pd.DataFrame(
        {
            "step": [7, 7, 7],
            "node": [2, 0, 1],  # any order
            "dist": np.array([0.5, np.nan, 0.25], dtype=np.float32),
            "k": np.array([3, 4, 5], dtype=np.int64),
            "side": ["bull", "bear", "bull"],
            "frozen": [True, False, False],
        }
    )
    G = to_networkx(build("complete", n=3), table, attrs={"step": 7, "seed": None})
    assert G.nodes[2] == {
        "label": "2",
        "h": 0.0,
        "dist": 0.5,
        "k": 3,
        "side": "bull",
        "frozen": True,
    }
    assert G.nodes[0] == {"label": "0", "h": 0.0, "k": 4, "side": "bear", "frozen": False}
    assert type(G.nodes[1]["k"]) is int and type(G.nodes[1]["dist"]) is float
    assert G.graph["step"] == 7 and "seed" not in G.graph  # None left out


def test_graphml_with_a_missing_value_reads_back_in_networkx_and_igraph(tmp_path):
    table = pd.DataFrame({"node": [0, 1, 2, 3], "x": [0.1, np.nan, np.inf, 2.0]})
    G = to_networkx(build("ring", n=4), table)
    path = tmp_path / "g.graphml"
    nx.write_graphml(G, path)
    back = nx.read_graphml(path, node_type=int)
    assert [back.nodes[i].get("x") for i in range(4)] == [0.1, None, None, 2.0]
    g = ig.Graph.Read_GraphML(str(path))
    xs = g.vs["x"]
    assert xs[0] == 0.1 and xs[3] == 2.0 and math.isnan(xs[1]) and math.isnan(xs[2])


@pytest.mark.parametrize(
    "value, expected",
    [
        (np.bool_(True), True),
        (np.int32(-4), -4),
        (np.float64(0.1), 0.1),
        ("text", "text"),
        (None, None),
        (float("-inf"), None),
        (np.array([1, 2]), "[1, 2]"),
        ({"a": 1}, '{"a": 1}'),
    ],
)
def test_attribute_values_are_plain_python(value, expected):
    got = attribute_value(value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    "table, message",
    [
        (pd.DataFrame({"k": [1, 2, 3]}), r"^nodes: got .*expected a table with a node column"),
        (
            pd.DataFrame({"node": [0, 1]}),
            r"^nodes.node: got \[0, 1\], expected each node 0..2 once",
        ),
        (pd.DataFrame({"node": [0, 1, 1]}), r"^nodes.node: got \[0, 1\], expected each node"),
    ],
)
def test_a_table_that_is_not_one_row_per_node_is_one_line(table, message):
    with pytest.raises(SpecError, match=message):
        to_networkx(build("ring", n=3), table)
