"""Tests of spectral_summary, sparse vs dense, graph input, errors of the public functions."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from walks import cycle_adj, directed, nx_walk, walk

from netcollapse import spectral as S
from netcollapse.errors import SpecError
from netcollapse.spectral import _markov
from netcollapse.spectral import predictors as P


@pytest.mark.parametrize("kind", ["er", "ba", "ba_weighted", "directed"])
def test_sparse_matches_dense(kind):
    n = {"er": 900, "ba": 2000, "ba_weighted": 700, "directed": 500}[kind]
    if kind == "er":
        W = walk(nx.to_scipy_sparse_array(nx.gnp_random_graph(n, 0.01, seed=2)) + sp.eye_array(n))
    elif kind == "directed":
        W = directed(n, 11)
    else:
        W = nx_walk(nx.barabasi_albert_graph(n, 3, seed=3), 5 if kind == "ba_weighted" else None)
    h = np.random.default_rng(4).uniform(0.05, 0.5, n)
    d = _markov.Chain(W, "dense")
    s = _markov.Chain(W, "sparse", tol=1e-13)
    for name in ("slem", "lambda_2", "lambda_min"):
        if name == "lambda_min" and kind == "directed":  # not computed there (aperiodic)
            assert math.isnan(s.ends.lambda_min) and d.ends.lambda_min > -1
            continue
        assert getattr(s.ends, name) == pytest.approx(getattr(d.ends, name), abs=1e-8), name
    assert s.lazy(0.4) == pytest.approx(d.lazy(0.4), abs=1e-8)
    np.testing.assert_allclose(s.pi, d.pi, atol=1e-12)
    assert s.reversible == d.reversible == (kind != "directed")
    pairs = [(P.chain_fj_rate(s, h), P.chain_fj_rate(d, h))]
    if kind != "directed":  # the graph may be disconnected for ER
        pairs.append((P.chain_fiedler(s, True), P.chain_fiedler(d, True)))
    if kind in ("ba", "directed"):
        ks, kd = P.chain_kemeny(s, 0), P.chain_kemeny(d, 0)
        assert ks.value == pytest.approx(kd.value, rel=0.02)
        assert abs(ks.value - kd.value) <= 2 * ks.error  # the reported 2 SE covers it
    if kind == "ba_weighted":
        pairs.append((P.chain_fiedler(s, False), P.chain_fiedler(d, False)))
    for sparse, dense in pairs:  # each bound covers the other path's answer
        assert sparse.value == pytest.approx(dense.value, abs=1e-8)
        assert abs(sparse.value - dense.value) <= sparse.error + dense.error + 1e-15
    for name in ("slem", "lambda_2"):  # the certified eigenvalue bounds hold too
        err = s.ends.error if name == "slem" else s.ends.lambda_2_error
        assert abs(getattr(s.ends, name) - getattr(d.ends, name)) <= err + d.ends.error


def test_disconnected():
    W = sp.block_diag([walk(cycle_adj(5)), walk(cycle_adj(7))], format="csr")
    for method in ("dense", "sparse"):
        s = S.spectral_summary(W, method=method)
        assert s["n_components"] == 2 and s["spectral_gap"] == 0.0 and s["slem"] == 1.0
        assert s["lambda_2"] == 1.0 and s["lazy_rate"] == 1.0
        assert s["note"] == "disconnected: 2 components (gap 0)"
        assert s["fiedler_value"] == 0.0 and s["kemeny_constant"] == math.inf
        assert s["relaxation_time"] == math.inf and s["mixing_time_lower"] == math.inf
    assert S.n_components(W) == 2
    pi = S.stationary_distribution(W)
    assert pi[:5].sum() == pytest.approx(5 / 12)


def test_summary_keys_and_duck_typing():
    class Graph:
        W = walk(cycle_adj(9) + np.eye(9))
        h = np.full(9, 0.2)
        n = 9

    s = S.spectral_summary(Graph(), g=0.5)
    assert isinstance(s, pd.Series)
    assert list(s.index) == [
        "n",
        "n_edges",
        "n_components",
        "reversible",
        "slem",
        "spectral_gap",
        "lambda_2",
        "lambda_min",
        "lazy_g",
        "lazy_rate",
        "relaxation_time",
        "mixing_time_lower",
        "mixing_time_upper",
        "fiedler_value",
        "fj_rate",
        "fj_floor",
        "kemeny_constant",
        "degree_heterogeneity",
        "pi_min",
        "pi_max",
        "note",
    ]
    W = Graph.W
    assert s["n"] == 9 and s["n_edges"] == 18 and s["reversible"] is True
    assert s["lazy_g"] == 0.5 and s["lazy_rate"] == pytest.approx(S.lazy_rate(W, 0.5))
    assert s["fj_rate"] == pytest.approx(S.fj_rate(W, Graph.h))
    assert s["fj_floor"] == pytest.approx(S.fj_floor(W, Graph.h)) and s["fj_floor"] > 0
    lo, up = S.mixing_time_bounds(W)
    t = 1 / (1 - s["slem"])
    assert lo == pytest.approx((t - 1) * math.log(2)) and up == pytest.approx(t * math.log(4 * 9))
    assert (s["mixing_time_lower"], s["mixing_time_upper"]) == (lo, up)
    assert s["pi_min"] == pytest.approx(1 / 9) and s["pi_max"] == pytest.approx(1 / 9)
    assert S.spectral_summary(W)["lazy_g"] == S.DEFAULT_G
    assert math.isnan(S.mixing_time_bounds(directed(30, 1)).upper)  # needs reversibility


def test_sparse_summary_leaves_global_rng_alone():
    W = nx_walk(nx.barabasi_albert_graph(400, 2, seed=1))
    h = np.full(400, 0.1)
    state = np.random.get_state()[1].copy()

    class G:
        pass

    G.W, G.h = W, h
    a = S.spectral_summary(G, method="sparse")
    b = S.spectral_summary(G, method="sparse")
    assert np.array_equal(state, np.random.get_state()[1])
    pd.testing.assert_series_equal(a, b)


@pytest.mark.parametrize("g", [0, -0.1, 1.5, "x", None, True])
def test_bad_g(g):
    W = walk(cycle_adj(5))
    with pytest.raises(SpecError, match=r"^g: got .*, expected a number in \(0, 1\]$"):
        S.lazy_rate(W, g)
    if g is not None:
        with pytest.raises(SpecError, match=r"^g: got "):
            S.spectral_summary(W, g=g)


def test_bad_inputs():
    with pytest.raises(SpecError, match=r"^W\.shape: got \(2, 3\)"):
        S.slem(np.ones((2, 3)) / 3)
    with pytest.raises(SpecError, match=r"^W\[1, :\]\.sum\(\): got 0\.5, expected 1"):
        S.slem(np.array([[0.5, 0.5], [0.25, 0.25]]))
    with pytest.raises(SpecError, match=r"^W\[0, 1\]: got -0\.5, expected a finite share >= 0$"):
        S.slem(np.array([[1.5, -0.5], [0.5, 0.5]]))
    with pytest.raises(SpecError, match=r"^W\.shape: got \(1, 1\), expected .*n >= 2$"):
        S.n_components(np.eye(1))
    with pytest.raises(SpecError, match=r"^method: got 'fast'"):
        S.slem(np.eye(2), method="fast")
    with pytest.raises(SpecError, match=r"^h\[2\]: got 2\.0, expected a number in \[0, 1\]$"):
        S.fj_rate(np.eye(3), [0, 0.5, 2])
    with pytest.raises(SpecError, match=r"^h\.shape: got \(2,\)"):
        S.fj_floor(np.eye(3), [0, 0.5])
    with pytest.raises(SpecError, match=r"^eps: got 0\.5"):
        S.mixing_time_bounds(np.eye(2), eps=0.5)
    with pytest.raises(SpecError, match=r"^k: got 0"):
        S.top_eigenvalues(np.eye(3), k=0)


def test_every_public_function_takes_a_retrieval_graph_as_is():
    from netcollapse.graphs import build

    g = build("watts_strogatz", n=40, k=4, p=0.2, self_weight=0.3, anchoring=0.1, seed=2)
    chain = _markov.Chain(g)
    assert chain.W is g.W  # trusted: neither re-validated nor copied
    W = g.W.toarray()  # the same matrix, raw: validated
    for fn in (
        S.slem,
        S.spectral_gap,
        S.relaxation_time,
        S.fiedler_value,
        S.kemeny_constant,
        S.degree_heterogeneity,
        S.n_components,
    ):
        assert fn(g) == pytest.approx(fn(W), abs=1e-12), fn.__name__
    assert S.fj_rate(g, g.h) == pytest.approx(S.fj_rate(W, g.h), abs=1e-12)
    np.testing.assert_allclose(S.stationary_distribution(g), S.stationary_distribution(W))
    summary_g, summary_w = S.spectral_summary(g), S.spectral_summary(W)
    assert summary_g["fj_rate"] < 1.0 and summary_w["fj_rate"] == 1.0  # the graph's h is used
    assert summary_g["slem"] == pytest.approx(summary_w["slem"], abs=1e-12)


def test_stored_zeros_are_not_edges():
    # the stored zero W[0, 1] would join the two closed classes if it were an edge
    W = sp.csr_array((np.array([1.0, 0.0, 1.0]), ([0, 0, 1], [0, 1, 1])), shape=(2, 2))
    assert S.n_components(W) == 2 and S.slem(W) == 1.0
    assert math.isnan(S.degree_heterogeneity(W))  # no node has a source other than itself
    from netcollapse.graphs import RetrievalGraph

    g = RetrievalGraph(W=W, h=0.0)
    assert S.n_components(g) == 2 and g.W.nnz == 3  # the graph keeps its stored zero
