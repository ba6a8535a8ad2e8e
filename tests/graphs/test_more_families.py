"""Tests for netcollapse.graphs.more_families: closed-form facts, seeds and spec errors.

Graphs are built through the public path (``build``), so ``W`` is checked too.
"""

from __future__ import annotations

from typing import get_args

import networkx as nx
import numpy as np
import pytest

from netcollapse.errors import SpecError
from netcollapse.graphs import FAMILIES, TOPOLOGY_MODELS, RetrievalGraph, build, parse_topology
from netcollapse.graphs.more_families import MORE_FAMILIES, NETWORKS
from netcollapse.graphs.spec import WEIGHTED_NETWORKS

SPECS = {
    "tree": {"r": 3, "height": 3},
    "bipartite": {"sizes": [20, 30], "p": 0.2, "self_weight": 0.1},
    "barbell": {"cliques": 3, "clique_size": 5, "path_length": 2},
    "caveman": {"caves": 4, "cave_size": 5},
    "hypercube": {"dim": 5},
    "core_periphery": {"core": 8, "periphery": 30, "p_core": 0.5, "p_link": 0.1},
    "directed_random": {"n": 40, "reads": 3},
    "named": {"network": "les_miserables"},
}


def rows_sum_to_one(g):
    return np.allclose(g.W.sum(axis=1), 1.0)


def edge_set(g):
    return {tuple(sorted(e)) for e in g.edges.tolist()}


def sources(g):
    """Number of j != i with W[i, j] > 0, per row i."""
    W = g.W.toarray()
    np.fill_diagonal(W, 0.0)
    return (W > 0).sum(axis=1)


def test_every_new_family_is_registered_with_a_spec_model():
    assert set(SPECS) == set(MORE_FAMILIES)
    assert set(MORE_FAMILIES) <= set(FAMILIES) and set(FAMILIES) == set(TOPOLOGY_MODELS)


@pytest.mark.parametrize("family", sorted(SPECS))
def test_same_seed_same_graph_and_a_valid_W(family):
    a = build(family, seed=7, weighting="dirichlet", **SPECS[family])
    b = build(family, seed=7, weighting="dirichlet", **SPECS[family])
    assert a.family == family and rows_sum_to_one(a)
    assert a.edges.dtype == np.int64 and a.edges.min() >= 0 and a.edges.max() < a.n
    np.testing.assert_array_equal(a.edges, b.edges)
    assert (a.W != b.W).nnz == 0 and a.labels == b.labels
    c = RetrievalGraph.from_spec(a.params)  # the stored params rebuild the same graph
    assert (a.W != c.W).nnz == 0


@pytest.mark.parametrize(
    "family", ["tree_random", "bipartite", "core_periphery", "directed_random", "dr_norecip"]
)
def test_random_families_depend_on_the_seed(family):
    spec = {
        "tree_random": {"family": "tree", "random": True, "n": 30},
        "dr_norecip": {"family": "directed_random", "n": 30, "reads": 2, "reciprocal": False},
    }.get(family, {"family": family, **SPECS.get(family, {})})
    a, b = build(seed=1, **spec), build(seed=2, **spec)
    assert edge_set(a) != edge_set(b)


# ----------------------------------------------------------------- closed forms
@pytest.mark.parametrize("r, height", [(2, 1), (2, 4), (3, 3), (5, 2)])
def test_balanced_tree_counts(r, height):
    g = build("tree", r=r, height=height)
    n = (r ** (height + 1) - 1) // (r - 1)
    assert g.n == n and len(g.edges) == n - 1 and g.n_components == 1
    assert nx.is_isomorphic(g.graph, nx.balanced_tree(r, height))


def test_random_tree_is_a_spanning_tree():
    g = build("tree", random=True, n=200, seed=3)
    assert g.n == 200 and len(g.edges) == 199 and nx.is_tree(g.graph)


def test_complete_bipartite():
    g = build("bipartite", sizes=[4, 7])
    assert (
        g.n == 11
        and len(g.edges) == 28
        and edge_set(g) == {(i, j) for i in range(4) for j in range(4, 11)}
    )
    assert g.labels[3] == (0, 3) and g.labels[4] == (1, 4)
    assert edge_set(build("bipartite", sizes=[4, 7], seed=1)) == edge_set(g)  # p = 1: no draw


def test_random_bipartite_edges_cross_and_count_is_binomial():
    n1, n2, p = 60, 80, 0.1
    g = build("bipartite", sizes=[n1, n2], p=p, seed=5, self_weight=0.2)
    assert all(u < n1 <= v for u, v in g.edges.tolist())
    assert len(edge_set(g)) == len(g.edges)
    mean, sd = p * n1 * n2, np.sqrt(p * (1 - p) * n1 * n2)
    assert abs(len(g.edges) - mean) < 5 * sd
    empty = build("bipartite", sizes=[3, 3], p=0.0, self_weight=0.5)
    assert len(empty.edges) == 0 and empty.n_components == 6


@pytest.mark.parametrize("cliques, size, length", [(2, 4, 0), (2, 5, 3), (4, 3, 0), (3, 6, 2)])
def test_barbell_counts_and_bridges(cliques, size, length):
    g = build("barbell", cliques=cliques, clique_size=size, path_length=length)
    assert g.n == cliques * size + (cliques - 1) * length
    assert len(g.edges) == cliques * size * (size - 1) // 2 + (cliques - 1) * (length + 1)
    assert g.n_components == 1
    bridges = list(nx.bridges(g.graph))
    assert len(bridges) == (cliques - 1) * (length + 1)
    if cliques == 2:
        assert edge_set(g) == {tuple(sorted(e)) for e in nx.barbell_graph(size, length).edges}


def test_barbell_without_paths_has_one_bridge_between_consecutive_cliques():
    size = 4
    g = build("barbell", cliques=3, clique_size=size, path_length=0)
    clique_of = {i: i // size for i in range(g.n)}
    links = sorted(tuple(sorted((clique_of[u], clique_of[v]))) for u, v in nx.bridges(g.graph))
    assert links == [(0, 1), (1, 2)]


def test_caveman_counts_and_networkx_match():
    g = build("caveman", caves=5, cave_size=4)
    assert g.n == 20 and len(g.edges) == 5 * 6 and g.n_components == 1
    assert edge_set(g) == {tuple(sorted(e)) for e in nx.connected_caveman_graph(5, 4).edges}
    assert g.labels[9] == (2, 9)


@pytest.mark.parametrize("dim", [1, 3, 6])
def test_hypercube_counts_regular_and_bipartite(dim):
    g = build("hypercube", dim=dim)
    assert g.n == 2**dim and len(g.edges) == dim * 2 ** (dim - 1)
    assert set(sources(g)) == {dim} and nx.is_bipartite(g.graph)
    assert nx.is_isomorphic(g.graph, nx.hypercube_graph(dim))


@pytest.mark.parametrize("p_link", [0.0, 0.05, 0.5])
def test_core_periphery_structure(p_link):
    core, periphery = 6, 50
    g = build("core_periphery", core=core, periphery=periphery, p_core=0.7, p_link=p_link, seed=2)
    assert g.n == core + periphery and g.labels[0] == ("core", 0)
    assert g.labels[core] == ("periphery", core)
    assert not any(u >= core and v >= core for u, v in g.edges.tolist())
    G = g.graph
    for i in range(core, core + periphery):
        nbrs = [lab[1] for lab in G[g.labels[i]]]
        assert nbrs and all(j < core for j in nbrs)
        if p_link == 0.0:
            assert len(nbrs) == 1


def test_core_is_complete_at_p_core_one():
    g = build("core_periphery", core=5, periphery=3, p_core=1.0, p_link=1.0)
    assert len(g.edges) == 10 + 15


@pytest.mark.parametrize("reciprocal", [True, False])
@pytest.mark.parametrize("n, reads", [(30, 1), (50, 4), (9, 4)])  # (9, 4, False): a tournament
def test_directed_random_every_node_reads_exactly_reads(n, reads, reciprocal):
    g = build("directed_random", n=n, reads=reads, reciprocal=reciprocal, seed=4)
    assert g.directed and g.n == n and len(g.edges) == n * reads
    assert set(sources(g)) == {reads}
    if not reciprocal:
        W = g.W.toarray()
        np.fill_diagonal(W, 0.0)
        assert not np.any((W > 0) & (W.T > 0))  # nobody reads a reader of theirs
        assert set((W > 0).sum(axis=0)) == {reads}  # and everybody is read by `reads`


def test_directed_random_follows_the_reading_convention():
    g = build("directed_random", n=20, reads=2, seed=1)
    u, v = g.edges[0]
    assert g.W[v, u] > 0  # u -> v: v reads u


@pytest.mark.parametrize(
    "network, n, m",
    [
        ("karate_club", 34, 78),
        ("les_miserables", 77, 254),
        ("florentine_families", 15, 20),
        ("davis_southern_women", 32, 89),
    ],
)
def test_named_networks(network, n, m):
    g = build("named", network=network)
    G = NETWORKS[network]()
    assert (g.n, len(g.edges)) == (n, m) and g.labels == tuple(G.nodes)
    assert {frozenset(e) for e in g.graph.edges} == {frozenset(e) for e in G.edges}


def test_named_weights_used_only_with_weighting_weight():
    G = nx.karate_club_graph()
    weighted = build("named", network="karate_club", weighting="weight").W.toarray()
    w = np.array([G[0][j]["weight"] if G.has_edge(0, j) else 0.0 for j in range(34)], float)
    np.testing.assert_allclose(weighted[0], w / w.sum())
    uniform = build("named", network="karate_club").W.toarray()
    np.testing.assert_allclose(uniform[0][uniform[0] > 0], 1 / G.degree(0))


def test_weighted_networks_list_matches_networkx():
    field = TOPOLOGY_MODELS["named"].model_fields["network"]
    assert set(NETWORKS) == set(get_args(field.annotation))
    for name, make in NETWORKS.items():
        has = all("weight" in d for *_, d in make().edges(data=True))
        assert has == (name in WEIGHTED_NETWORKS), name


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "spec, message",
    [
        ({"family": "hypercube", "dim": 0}, r"^dim: got 0, expected a value >= 1$"),
        ({"family": "hypercube", "dim": 21}, r"^dim: got 21, expected a value <= 20$"),
        ({"family": "tree", "r": 1, "height": 2}, r"^r: got 1, expected a value >= 2$"),
        ({"family": "tree", "r": 2}, r"^height: got None, expected an integer \(a balanced"),
        ({"family": "tree", "random": True}, r"^n: got None, expected an integer >= 2 with rand"),
        ({"family": "tree", "random": True, "n": 9, "r": 2}, r"^r: got 2, expected no r with"),
        ({"family": "tree", "n": 9}, r"^n: got 9, expected no n without random: true"),
        ({"family": "tree", "r": 10, "height": 9}, r"^height: got 9, expected a tree of at most"),
        ({"family": "bipartite", "sizes": [3]}, r"^sizes: got \[3\], expected two part sizes"),
        ({"family": "bipartite", "sizes": [3, 0]}, r"^sizes: got \[3, 0\], expected two part"),
        ({"family": "bipartite", "sizes": [3, 3], "p": 1.5}, r"^p: got 1.5, expected a value <= 1"),
        ({"family": "barbell", "clique_size": 1}, r"^clique_size: got 1, expected a value >= 2$"),
        ({"family": "barbell", "cliques": 1, "clique_size": 3}, r"^cliques: got 1, expected a "),
        ({"family": "barbell", "clique_size": 3, "path_length": -1}, r"^path_length: got -1, "),
        ({"family": "caveman", "caves": 3, "cave_size": 2}, r"^cave_size: got 2, expected a val"),
        ({"family": "caveman", "caves": 1, "cave_size": 4}, r"^caves: got 1, expected a value"),
        (
            {"family": "core_periphery", "core": 0, "periphery": 3, "p_core": 0.5, "p_link": 0.5},
            r"^core: got 0, expected a value >= 1$",
        ),
        (
            {"family": "core_periphery", "core": 3, "periphery": 3, "p_core": 0.5},
            r"^p_link: got None, expected a value \(this field is required\)$",
        ),
        ({"family": "directed_random", "n": 5, "reads": 5}, r"^reads: got 5, expected an integer"),
        (
            {"family": "directed_random", "n": 6, "reads": 3, "reciprocal": False},
            r"^reads: got 3, expected 2\*reads < n with reciprocal: false$",
        ),
        ({"family": "named", "network": "dolphins"}, r"^network: got 'dolphins', expected one of"),
        (
            {"family": "named", "network": "florentine_families", "weighting": "weight"},
            r"^weighting: got 'weight', expected uniform, degree or dirichlet \(florentine",
        ),
    ],
)
def test_bad_specs_give_one_line_errors_naming_the_field(spec, message):
    with pytest.raises(SpecError, match=message) as info:
        parse_topology(spec)
    assert "\n" not in str(info.value)
