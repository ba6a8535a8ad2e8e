import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from netcollapse.errors import DataError, SpecError
from netcollapse.graphs.more_families import MORE_FAMILIES
from netcollapse.graphs.retrieval_graph import FAMILIES, RetrievalGraph, build, retrieval_matrix

TOPO = __import__("pathlib").Path(__file__).resolve().parents[2] / "topologies"


def rows_sum_to_one(g):
    return np.allclose(g.W.sum(axis=1), 1.0)


# ----------------------------------------------------------------- weighting
def test_uniform_weights_split_equally_over_in_neighbours():
    W = retrieval_matrix(4, np.array([[0, 1], [0, 2], [0, 3]])).toarray()
    np.testing.assert_allclose(W[0], [0, 1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(W[1], [1, 0, 0, 0])


def test_self_weight_goes_on_diagonal_and_rest_is_rescaled():
    W = retrieval_matrix(3, np.array([[0, 1], [1, 2]]), self_weight=0.25).toarray()
    np.testing.assert_allclose(np.diag(W), 0.25)
    np.testing.assert_allclose(W[1], [0.375, 0.25, 0.375])


def test_directed_edge_means_target_reads_source():
    # 0 -> 1: node 1 reads node 0; node 0 has no source but self weight
    W = retrieval_matrix(2, np.array([[0, 1]]), directed=True, self_weight=0.5).toarray()
    np.testing.assert_allclose(W, [[1.0, 0.0], [0.5, 0.5]])


def test_degree_weighting_prefers_popular_sources():
    # star plus one leaf-leaf edge: node 1 reads hub 0 (3 readers) and node 2 (2 readers)
    W = retrieval_matrix(4, np.array([[0, 1], [0, 2], [0, 3], [1, 2]]), weighting="degree")
    np.testing.assert_allclose(W.toarray()[1], [3 / 5, 0, 2 / 5, 0])


def test_explicit_weights_are_normalised_per_row():
    W = retrieval_matrix(
        3,
        np.array([[0, 1], [2, 1]]),
        directed=True,
        weighting="weight",
        weights=np.array([1.0, 3.0]),
        self_weight=0.2,
    )
    np.testing.assert_allclose(W.toarray()[1], [0.2, 0.2, 0.6])


def test_dirichlet_weights_are_seeded_and_stochastic():
    e = np.array([[0, 1], [0, 2], [1, 2], [2, 3]])
    a = retrieval_matrix(4, e, weighting="dirichlet", seed=5).toarray()
    b = retrieval_matrix(4, e, weighting="dirichlet", seed=5).toarray()
    c = retrieval_matrix(4, e, weighting="dirichlet", seed=6).toarray()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    np.testing.assert_allclose(a.sum(1), 1)
    assert ((a > 0) == (retrieval_matrix(4, e).toarray() > 0)).all()


@pytest.mark.parametrize("w, word", [(-1.0, "weight: got -1.0"), (np.nan, "weight: got nan")])
def test_negative_or_nan_weights_rejected(w, word):
    with pytest.raises(SpecError, match=word):
        retrieval_matrix(2, np.array([[0, 1]]), weighting="weight", weights=np.array([w]))


def test_node_without_sources_or_anchoring_rejected():
    with pytest.raises(SpecError, match=r"node 0: got 'no sources', expected every node"):
        retrieval_matrix(2, np.array([[0, 1]]), directed=True)
    # anchoring rescues it
    W = retrieval_matrix(2, np.array([[0, 1]]), directed=True, anchoring=np.array([0.5, 0.0]))
    assert W[0, 0] == 1.0


# ----------------------------------------------------------------- families
def test_complete_ring_star_path_grid_shapes():
    assert len(build("complete", n=10).edges) == 45
    ring = build("ring", n=10, k=4)
    assert len(ring.edges) == 20 and set(np.diff(ring.W.indptr)) == {4}
    star = build("star", n=7)
    assert np.diff(star.W.indptr)[0] == 6 and set(np.diff(star.W.indptr)[1:]) == {1}
    assert len(build("path", n=5).edges) == 4
    grid = build("grid", rows=3, cols=4)
    assert len(grid.edges) == 3 * 3 + 2 * 4 and grid.labels[5] == (1, 1)
    torus = build("grid", rows=3, cols=4, periodic=True)
    assert set(np.diff(torus.W.indptr)) == {4}


def test_barabasi_albert_matches_definition_and_builds_large_fast():
    g = build("barabasi_albert", n=100_000, m=3, seed=0)
    assert g.n == 100_000
    assert len(g.edges) == 3 * (100_000 - 3) + 3  # igraph: node t links to min(t, m) older nodes
    deg = np.diff(g.W.indptr)
    assert deg.min() >= 3 - 1 and deg.max() > 100  # hubs exist
    assert g.n_components == 1 and rows_sum_to_one(g)


def test_erdos_renyi_edge_count_is_binomial():
    n, p = 400, 0.05
    g = build("erdos_renyi", n=n, p=p, seed=3)
    mean, sd = p * n * (n - 1) / 2, np.sqrt(p * (1 - p) * n * (n - 1) / 2)
    assert abs(len(g.edges) - mean) < 5 * sd


def test_watts_strogatz_and_random_regular_degrees():
    ws = build("watts_strogatz", n=200, k=6, p=0.0, seed=1)
    assert set(np.diff(ws.W.indptr)) == {6}
    ws2 = build("watts_strogatz", n=200, k=6, p=0.2, seed=1)
    assert len(ws2.edges) == 600 and not np.array_equal(ws.edges, ws2.edges)
    rr = build("random_regular", n=50, d=3, seed=2)
    assert set(np.diff(rr.W.indptr)) == {3}


def test_sbm_blocks_are_denser_inside():
    g = build("sbm", sizes=[50, 50], p_in=0.3, p_out=0.01, seed=4)
    block = np.array([b for b, _ in g.labels])
    inside = (block[g.edges[:, 0]] == block[g.edges[:, 1]]).mean()
    assert inside > 0.9


# one shipped spec per classic family; more_families.py has no shipped specs (its seeds
# are checked in test_more_families.py)
@pytest.mark.parametrize("family", sorted(set(FAMILIES) - {"file"} - set(MORE_FAMILIES)))
def test_same_seed_same_graph_for_every_family(family):
    spec = __import__("yaml").safe_load(
        (
            TOPO
            / {"watts_strogatz": "small_world.yaml", "barabasi_albert": "scale_free.yaml"}.get(
                family, f"{family}.yaml"
            )
        ).read_text()
    )
    spec["weighting"] = "dirichlet"
    a = RetrievalGraph.from_spec(spec, seed=11)
    b = RetrievalGraph.from_spec(spec, seed=11)
    assert (a.W != b.W).nnz == 0 and rows_sum_to_one(a)


def test_random_family_depends_on_seed():
    a = build("erdos_renyi", n=50, p=0.2, seed=1)
    b = build("erdos_renyi", n=50, p=0.2, seed=2)
    assert (a.W != b.W).nnz > 0


def test_igraph_rng_is_restored():
    import random

    import igraph as ig

    build("erdos_renyi", n=20, p=0.5, seed=1)
    random.seed(123)
    x = ig.Graph.Erdos_Renyi(n=30, p=0.5).get_edgelist()
    random.seed(123)
    assert ig.Graph.Erdos_Renyi(n=30, p=0.5).get_edgelist() == x


def test_builders_do_not_touch_global_numpy_rng():
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    build("barabasi_albert", n=50, m=2, seed=1, weighting="dirichlet")
    assert np.random.random() == before


# ----------------------------------------------------------------- networkx and files
def test_from_networkx_keeps_labels_and_graph():
    G = nx.Graph([("a", "b"), ("b", "c")])
    g = RetrievalGraph.from_networkx(G, anchoring=[0.1, 0.0, 0.5])
    assert g.labels == ("a", "b", "c")
    np.testing.assert_allclose(g.h, [0.1, 0.0, 0.5])
    assert set(g.graph.edges) == {("a", "b"), ("b", "c")}


def test_from_networkx_weighted_digraph():
    G = nx.DiGraph()
    G.add_edge(0, 1, weight=2.0)
    G.add_edge(2, 1, weight=6.0)
    G.add_edge(1, 0, weight=1.0)
    G.add_edge(1, 2, weight=1.0)
    g = RetrievalGraph.from_networkx(G, weighting="weight")
    np.testing.assert_allclose(g.W.toarray()[1], [0.25, 0, 0.75])


def test_disconnected_graph_allowed_and_reported():
    G = nx.disjoint_union(nx.cycle_graph(3), nx.cycle_graph(4))
    g = RetrievalGraph.from_networkx(G)
    assert g.n_components == 2


def test_every_shipped_spec_builds():
    specs = sorted(TOPO.glob("*.yaml"))
    assert len(specs) >= 11
    for f in specs:
        if "100k" in f.name:
            continue
        g = RetrievalGraph.from_yaml(f)
        assert rows_sum_to_one(g) and g.n >= 2, f


def test_file_family_edgelist_graphml_gml(tmp_path):
    el = tmp_path / "g.txt"
    el.write_text("# comment\na b 2\nb c 1\n\nc a 1\n")
    g = RetrievalGraph.from_spec({"family": "file", "path": str(el), "weighting": "weight"})
    assert g.n == 3 and g.labels == ("a", "b", "c")
    np.testing.assert_allclose(g.W.toarray()[0], [0, 2 / 3, 1 / 3])
    G = nx.path_graph(5)
    nx.write_graphml(G, tmp_path / "g.graphml")
    nx.write_gml(G, tmp_path / "g.gml")
    for name in ("g.graphml", "g.gml"):
        spec = tmp_path / f"{name}.yaml"
        spec.write_text(f"family: file\npath: {name}\n")  # relative to the spec
        assert RetrievalGraph.from_yaml(spec).n == 5


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "spec, message",
    [
        ({"family": "torus", "n": 5}, r"^family: got 'torus', expected one of complete, ring"),
        ({"family": "complete", "n": 1}, r"^n: got 1, expected a value >= 2$"),
        ({"family": "erdos_renyi", "n": 10, "p": 1.2}, r"^p: got 1.2, expected a value <= 1"),
        ({"family": "erdos_renyi", "n": 10, "p": -0.1}, r"^p: got -0.1, expected a value >= 0"),
        ({"family": "watts_strogatz", "n": 10, "p": np.nan}, r"^p: got nan, expected a fin"),
        ({"family": "sbm", "sizes": [3, 3], "p_in": 0.5, "p_out": 2}, r"^p_out: got 2, expected"),
        ({"family": "ring", "n": 10, "k": 3}, r"^k: got 3, expected an even integer"),
        ({"family": "complete", "n": 5, "self_weight": 1.0}, r"^self_weight: got 1.0, expected"),
        ({"family": "complete", "n": 5, "anchoring": 1.5}, r"^anchoring: got 1.5, expected"),
        ({"family": "complete", "n": 5, "colour": 1}, r"^colour: got 1, expected no such field"),
        ({"family": "complete", "n": 5, "weighting": "pagerank"}, r"^weighting: got 'pagerank'"),
    ],
)
def test_bad_specs_give_one_line_errors(spec, message):
    with pytest.raises(SpecError, match=message) as info:
        RetrievalGraph.from_spec(spec)
    assert "\n" not in str(info.value)


def test_missing_and_unparsable_files(tmp_path):
    with pytest.raises(DataError, match=r"graph.path: got '.*nope.txt', expected an existing"):
        RetrievalGraph.from_spec({"family": "file", "path": str(tmp_path / "nope.txt")})
    bad = tmp_path / "bad.txt"
    bad.write_text("a b c d\n")
    with pytest.raises(DataError, match=r"expected 'u v \[weight\]' per line \(line 1"):
        RetrievalGraph.from_spec({"family": "file", "path": str(bad)})
    badgml = tmp_path / "bad.gml"
    badgml.write_text("graph [ node [ id 0 ")
    with pytest.raises(DataError, match=r"expected a valid gml file"):
        RetrievalGraph.from_spec({"family": "file", "path": str(badgml)})
    with pytest.raises(DataError, match=r"spec: got '.*missing.yaml', expected an existing YAML"):
        RetrievalGraph.from_yaml(tmp_path / "missing.yaml")
    y = tmp_path / "broken.yaml"
    y.write_text("family: [complete\n")
    with pytest.raises(DataError, match=r"expected valid YAML \(parse error at line"):
        RetrievalGraph.from_yaml(y)


@pytest.mark.parametrize(
    "W, h, message",
    [
        (np.array([[0.5, 0], [0, 1.0]]), 0.0, r"^W\[0, :\]\.sum\(\): got 0\.5, expected 1 \(rows"),
        (np.array([[1.5, -0.5], [0, 1.0]]), 0.0, r"^W\[0, 1\]: got -0\.5, expected a finite share"),
        (np.array([[np.nan, 1.0], [0, 1.0]]), 0.0, r"^W\[0, 0\]: got nan, expected a finite"),
        (np.ones((2, 3)) / 3, 0.0, r"^W\.shape: got \(2, 3\), expected a square n x n matrix"),
        (np.eye(1), 0.0, r"^W\.shape: got \(1, 1\), expected .* with n >= 2$"),
        (np.eye(2), [0.0, 1.5], r"^h\[1\]: got 1\.5, expected a number in \[0, 1\]$"),
        (np.eye(2), [0.0, 0.5, 0.5], r"^h\.shape: got \(3,\), expected \(\) or \(2,\)"),
    ],
)
def test_retrieval_graph_validates_W_and_h(W, h, message):
    with pytest.raises(SpecError, match=message) as info:
        RetrievalGraph(W=W, h=h)
    assert "\n" not in str(info.value)


def test_retrieval_graph_stores_a_frozen_canonical_copy():
    # unsorted indices and a duplicate entry (0.25 + 0.25) in the caller's matrix
    raw = sp.csr_array(
        (np.array([0.5, 0.25, 0.25, 1.0]), np.array([1, 0, 0, 1]), np.array([0, 3, 4])),
        shape=(2, 2),
    )
    h = np.array([0.1, 0.2])
    g = RetrievalGraph(W=raw, h=h)
    assert g.W.has_canonical_format and g.W.dtype == np.float64
    assert g.W.toarray().tolist() == [[0.5, 0.5], [0.0, 1.0]]
    assert g.W is not raw and raw.data.flags.writeable and h.flags.writeable  # caller's untouched
    with pytest.raises(ValueError):
        g.W.data[0] = 3.0  # frozen arrays
    with pytest.raises(ValueError):
        g.h[0] = 0.5
    h[0] = 0.9
    assert g.h[0] == 0.1  # a copy, not a view of the caller's h
    g2 = RetrievalGraph(W=np.eye(2), h=0.25)  # dense W and a scalar h are accepted
    assert sp.issparse(g2.W) and g2.h.tolist() == [0.25, 0.25]


def test_stored_zero_is_not_an_edge():
    W = sp.csr_array((np.array([1.0, 0.0, 1.0]), ([0, 0, 1], [0, 1, 1])), shape=(2, 2))
    g = RetrievalGraph(W=W, h=0.0)
    assert g.W.nnz == 3  # the stored zero is kept (a source with share 0) ...
    assert g.n_components == 2  # ... but it connects nothing


def test_anchoring_errors_name_the_field():
    with pytest.raises(SpecError, match=r"^anchoring\[2\]: got -0\.5, expected a number in"):
        RetrievalGraph.from_edges(3, np.array([[0, 1], [1, 2]]), anchoring=[0.0, 0.0, -0.5])
    with pytest.raises(SpecError, match=r"^anchoring: got 1\.5, expected a number in \[0, 1\]$"):
        RetrievalGraph.from_spec({"family": "complete", "n": 3, "anchoring": [0.0, 1.5, 0.0]})
