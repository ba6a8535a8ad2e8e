"""Tests of netcollapse.spectral: closed forms, invariants, sparse vs dense, errors."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from netcollapse import spectral as S
from netcollapse.errors import SpecError
from netcollapse.spectral import _linalg, _markov, summary
from netcollapse.spectral import predictors as P


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Dense references in these tests are small; threaded OpenBLAS on shared cores is not."""
    with threadpool_limits(1, user_api="blas"):
        yield


# ----------------------------------------------------------------------------- graphs


def walk(A) -> sp.csr_array:
    A = sp.csr_array(A, dtype=float)
    return sp.csr_array(sp.diags_array(1.0 / np.asarray(A.sum(axis=1)).ravel()) @ A)


def cycle_adj(n: int) -> np.ndarray:
    eye = np.eye(n)
    return np.roll(eye, 1, axis=1) + np.roll(eye, -1, axis=1)


def path_adj(n: int) -> np.ndarray:
    return np.diag(np.ones(n - 1), 1) + np.diag(np.ones(n - 1), -1)


def star_adj(n: int) -> np.ndarray:
    A = np.zeros((n, n))
    A[0, 1:] = A[1:, 0] = 1
    return A


def sym_adj(G: nx.Graph, weighted_seed: int | None = None) -> sp.csr_array:
    A = nx.to_scipy_sparse_array(G, format="csr", dtype=float)
    if weighted_seed is not None:  # random symmetric weights: the walk stays reversible
        rng = np.random.default_rng(weighted_seed)
        U = sp.triu(A, 1, format="coo")
        U.data = rng.uniform(0.1, 2.0, U.nnz)
        A = sp.csr_array(U + U.T)
    return A


def nx_walk(G: nx.Graph, weighted_seed: int | None = None) -> sp.csr_array:
    return walk(sym_adj(G, weighted_seed))


def directed(n: int, seed: int) -> sp.csr_array:
    """Strongly connected, aperiodic, non-reversible random chain."""
    rng = np.random.default_rng(seed)
    rows = np.concatenate([np.arange(n), rng.integers(0, n, 4 * n), np.arange(n)])
    cols = np.concatenate([(np.arange(n) + 1) % n, rng.integers(0, n, 4 * n), np.arange(n)])
    A = sp.csr_array((rng.uniform(0.2, 1.0, rows.size), (rows, cols)), shape=(n, n))
    return walk(A)


def dense_pi(W) -> np.ndarray:
    """Power iteration of the lazy chain: slow, obvious reference."""
    M = 0.5 * (np.eye(W.shape[0]) + sp.csr_array(W).toarray())
    p = np.full(W.shape[0], 1.0 / W.shape[0])
    for _ in range(5000):
        p = p @ M
    return p


# ----------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("n", [7, 10, 31])
def test_cycle_lambda2_and_slem(n):
    W = walk(cycle_adj(n))
    s = S.spectral_summary(W)
    assert s["lambda_2"] == pytest.approx(math.cos(2 * math.pi / n), abs=1e-12)
    if n % 2:
        assert s["slem"] == pytest.approx(math.cos(math.pi / n), abs=1e-12)
        assert s["note"] == ""
    else:
        assert s["slem"] == 1.0 and s["lambda_min"] == -1.0 and s["spectral_gap"] == 0.0
        assert s["note"] == summary.PERIODIC_NOTE
        assert s["relaxation_time"] == math.inf
        assert S.lazy_rate(W, 0.5) < 1.0  # laziness removes the periodicity


def test_even_cycle_sparse_path_periodic():
    W = walk(cycle_adj(400))
    assert S.slem(W, method="sparse") == 1.0
    assert S.spectral_summary(W, method="sparse")["note"] == summary.PERIODIC_NOTE


@pytest.mark.parametrize("n", [3, 8, 50])
def test_complete_graph(n):
    J = np.full((n, n), 1.0 / n)
    assert S.slem(J) == pytest.approx(0.0, abs=1e-12)
    assert S.lazy_rate(J, 0.3) == pytest.approx(0.7, abs=1e-12)
    assert S.lazy_rate(J, S.DEFAULT_G) == pytest.approx(math.exp(-1), abs=1e-12)
    K = walk(np.ones((n, n)) - np.eye(n))
    assert S.slem(K) == pytest.approx(1.0 / (n - 1), abs=1e-12)
    assert S.fiedler_value(K) == pytest.approx(n / (n - 1), abs=1e-12)
    assert S.kemeny_constant(K) == pytest.approx((n - 1) ** 2 / n, abs=1e-10)
    assert S.kemeny_constant(J) == pytest.approx(n - 1, abs=1e-10)


@pytest.mark.parametrize("n", [5, 12])
def test_path_walk_spectrum(n):
    W = walk(path_adj(n))
    ev = S.top_eigenvalues(W, k=n)
    expected = np.cos(np.pi * np.arange(n) / (n - 1))
    assert ev.dtype.kind == "f"
    np.testing.assert_allclose(np.sort(ev), np.sort(expected), atol=1e-12)
    assert ev[0] == pytest.approx(1.0)
    assert np.all(np.diff(np.abs(ev)) <= 1e-12)  # sorted by modulus, descending


@pytest.mark.parametrize("which", ["reversible", "directed"])
def test_top_eigenvalues_sparse_matches_dense(which):
    W = nx_walk(nx.barabasi_albert_graph(300, 2, seed=6), 1) if which == "reversible" else (
        directed(300, 8))
    d = S.top_eigenvalues(W, k=5, method="dense")
    s = S.top_eigenvalues(W, k=5, method="sparse", tol=0.0)
    assert d.dtype.kind == s.dtype.kind == ("f" if which == "reversible" else "c")
    np.testing.assert_allclose(np.abs(s), np.abs(d), atol=1e-9)
    assert s[0] == pytest.approx(1.0)


def test_star():
    n = 9
    W = walk(star_adj(n))
    ev = np.sort(S.top_eigenvalues(W, k=n))
    np.testing.assert_allclose(ev, [-1] + [0] * (n - 2) + [1], atol=1e-12)
    assert S.slem(W) == 1.0
    assert S.fiedler_value(W) == pytest.approx(1.0, abs=1e-12)
    assert S.fiedler_value(W, normalized=False) == pytest.approx(n / (2 * (n - 1)), abs=1e-12)
    assert S.degree_heterogeneity(W) == pytest.approx(n / 2)
    np.testing.assert_allclose(S.stationary_distribution(W), [0.5] + [0.5 / (n - 1)] * (n - 1))


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_fiedler_closed_forms(method):
    for n in (6, 40):
        C = cycle_adj(n) / 2
        assert S.fiedler_value(C, method=method, tol=1e-13) == pytest.approx(
            1 - math.cos(2 * math.pi / n), abs=1e-9)
        K = walk(np.ones((n, n)) - np.eye(n))
        assert S.fiedler_value(K, method=method, tol=1e-13) == pytest.approx(n / (n - 1), abs=1e-9)
        P = path_adj(n) / 2  # path with self weight 1/2 at both ends: S = A / 2
        P[0, 0] = P[-1, -1] = 0.5
        assert S.fiedler_value(P, method=method, tol=1e-13) == pytest.approx(
            1 - math.cos(math.pi / (n - 1)), abs=1e-9)
        assert S.fiedler_value(P, normalized=False, method=method, tol=1e-13) == pytest.approx(
            1 - math.cos(math.pi / n), abs=1e-9)


def test_lazy_map_matches_eigenvalues():
    A = sym_adj(nx.gnp_random_graph(60, 0.1, seed=1), weighted_seed=2).toarray()
    W = walk(A + 1e-2 * cycle_adj(60))  # connected, reversible
    lam = np.linalg.eigvals(W.toarray())
    rest = np.delete(lam, np.argmin(np.abs(lam - 1)))
    for g in (0.2, 0.5, S.DEFAULT_G, 1.0):
        assert S.lazy_rate(W, g) == pytest.approx(np.max(np.abs(1 - g + g * rest)), abs=1e-10)
    D = directed(80, 3)
    lam = np.linalg.eigvals(D.toarray())
    rest = np.delete(lam, np.argmin(np.abs(lam - 1)))
    for g in (0.3, 1.0):
        ref = np.max(np.abs(1 - g + g * rest))
        assert S.lazy_rate(D, g) == pytest.approx(ref, abs=1e-10)
        assert S.lazy_rate(D, g, method="sparse", tol=0.0) == pytest.approx(ref, abs=1e-8)


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_directed_periodic(method):
    n = 9
    C = np.roll(np.eye(n), 1, axis=1)  # directed cycle: period 9, eigenvalues e^{2 pi i k / 9}
    s = S.spectral_summary(C, method=method)
    assert s["slem"] == 1.0 and not s["reversible"] and s["note"] == summary.PERIODIC_ODD
    ev = S.top_eigenvalues(C, k=n)
    np.testing.assert_allclose(np.abs(ev), 1.0, atol=1e-12)
    # non-reversible, period 2: two directed 5-cycles on the two sides of a bipartition
    A = np.zeros((10, 10))
    for i in range(5):
        A[i, 5 + i] = A[i, 5 + (i + 1) % 5] = 1
        A[5 + i, (i + 2) % 5] = 1
    W = walk(A)
    s = S.spectral_summary(W, method=method)
    assert not s["reversible"] and s["slem"] == 1.0 and s["lambda_min"] == -1.0
    assert s["note"] == summary.PERIODIC_NOTE
    assert S.lazy_rate(W, 0.5, method=method) < 1.0


def test_arpack_budget_fallback(monkeypatch):
    W = directed(400, 12)
    lam = np.linalg.eigvals(W.toarray())
    rest = np.delete(lam, np.argmin(np.abs(lam - 1)))
    exact = float(np.max(np.abs(rest)))
    lazy = float(np.max(np.abs(0.5 + 0.5 * rest)))
    monkeypatch.setattr(_linalg, "ARPACK_MATVECS", 1)  # ARPACK gives up at once
    chain = _markov._Chain(W, "sparse")
    assert chain._arpack(chain._moved, "LM").size == 0
    e = chain.ends
    assert math.isnan(e.lambda_2)
    assert e.slem == pytest.approx(exact, rel=0.03)  # power-iteration estimate
    assert chain.lazy(0.5) == pytest.approx(lazy, rel=0.03)


def test_stationary_undirected_is_degree_over_2m():
    G = nx.barabasi_albert_graph(300, 2, seed=4)
    W = nx_walk(G)
    deg = np.array([d for _, d in G.degree()], dtype=float)
    for method in ("dense", "sparse"):
        pi = S.stationary_distribution(W, method=method)
        np.testing.assert_allclose(pi, deg / deg.sum(), rtol=1e-12)
    assert S.is_reversible(W) and S.is_reversible(W, pi=deg / deg.sum())
    assert not S.is_reversible(W, pi=np.full(300, 1 / 300))


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_stationary_nonreversible_and_reducible(method):
    D = directed(200, 5)
    pi = S.stationary_distribution(D, method=method)
    np.testing.assert_allclose(pi, dense_pi(D), atol=1e-12)
    np.testing.assert_allclose(pi @ D.toarray(), pi, atol=1e-12)
    assert not S.is_reversible(D)
    # two closed classes (sizes 3 and 2) and one transient node 5
    A = np.zeros((6, 6))
    A[0, 1] = A[1, 2] = A[2, 0] = A[2, 1] = 1
    A[3, 4] = A[4, 3] = A[4, 4] = 1
    A[5, 0] = A[5, 3] = A[5, 5] = 1
    W = walk(A)
    pi = S.stationary_distribution(W, method=method)
    np.testing.assert_allclose(pi @ W.toarray(), pi, atol=1e-14)
    assert pi[5] == 0 and pi[:3].sum() == pytest.approx(0.6) and pi[3:5].sum() == pytest.approx(0.4)
    s = S.spectral_summary(W, method=method)
    assert s["n_components"] == 1 and s["slem"] == 1.0
    assert s["note"] == "reducible: 2 closed classes (gap 0)"
    assert s["kemeny_constant"] == math.inf and not s["reversible"]


# ----------------------------------------------------------------------------- Friedkin-Johnsen


def fj_reference(W, h):
    Wd = sp.csr_array(W).toarray()
    n = len(h)
    B = (1 - h)[:, None] * Wd
    P = np.linalg.solve(np.eye(n) - B, np.diag(h))
    C = np.eye(n) - np.ones((n, n)) / n
    rate = np.max(np.abs(np.linalg.eigvals(B)))
    return P, rate, math.sqrt(np.sum((C @ P) ** 2) / np.sum(C**2))


def test_fj_no_anchoring():
    W = nx_walk(nx.barabasi_albert_graph(100, 2, seed=0))
    for method in ("dense", "sparse"):
        assert S.fj_rate(W, np.zeros(100), method=method) == 1.0
        assert S.fj_floor(W, np.zeros(100), method=method) == 0.0


@pytest.mark.parametrize("which", ["reversible", "directed"])
def test_fj_matches_explicit_dense(which):
    n = 150
    rev = which == "reversible"
    W = nx_walk(nx.barabasi_albert_graph(n, 2, seed=1), 3) if rev else directed(n, 7)
    h = np.random.default_rng(0).uniform(0, 0.3, n)
    h[:5] = 0.0
    h[5] = 1.0
    limit, rate, floor = fj_reference(W, h)
    assert S.fj_rate(W, h) == pytest.approx(rate, abs=1e-12)
    assert S.fj_rate(W, h, method="sparse", tol=1e-14) == pytest.approx(rate, abs=1e-9)
    assert S.fj_floor(W, h) == pytest.approx(floor, abs=1e-12)
    chain = _markov._Chain(W, "sparse", 1e-12)
    Z = np.random.default_rng(1).standard_normal((n, 4))
    np.testing.assert_allclose(P._fj_apply(chain, h, Z), limit @ Z, atol=1e-8)
    est = S.fj_floor(W, h, method="sparse", seed=3)
    assert est == pytest.approx(floor, rel=0.15)
    assert est == S.fj_floor(W, h, method="sparse", seed=3)  # seeded


def test_fj_unanchored_component_reaches_its_own_consensus():
    W = sp.block_diag([walk(cycle_adj(5) + np.eye(5)), walk(path_adj(4) + np.eye(4))], format="csr")
    h = np.zeros(9)
    h[0] = 0.5  # only the first component is anchored
    B = (1 - h)[:, None] * W.toarray()
    X = np.eye(9)
    for _ in range(3000):  # the FJ iteration itself, from every unit initial opinion
        X = B @ X + np.diag(h)
    C = np.eye(9) - 1 / 9
    ref = math.sqrt(np.sum((C @ X) ** 2) / np.sum(C**2))
    assert S.fj_rate(W, h) == 1.0
    assert S.fj_floor(W, h) == pytest.approx(ref, abs=1e-10)
    chain = _markov._Chain(W, "sparse", 1e-12)
    Z = np.random.default_rng(2).standard_normal((9, 3))
    np.testing.assert_allclose(P._fj_apply(chain, h, Z), X @ Z, atol=1e-9)
    assert S.fj_floor(W, np.zeros(9), method="sparse") == pytest.approx(
        S.fj_floor(W, np.zeros(9)), abs=1e-12)  # exact formula for blockdiag(1 pi_c^T)


# ----------------------------------------------------------------------------- sparse vs dense


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
    d = _markov._Chain(W, "dense")
    s = _markov._Chain(W, "sparse", tol=1e-13)
    for name in ("slem", "lambda_2", "lambda_min"):
        if name == "lambda_min" and kind == "directed":  # not computed there (aperiodic)
            assert math.isnan(s.ends.lambda_min) and d.ends.lambda_min > -1
            continue
        assert getattr(s.ends, name) == pytest.approx(getattr(d.ends, name), abs=1e-8), name
    assert s.lazy(0.4) == pytest.approx(d.lazy(0.4), abs=1e-8)
    np.testing.assert_allclose(s.pi, d.pi, atol=1e-12)
    assert s.reversible == d.reversible == (kind != "directed")
    assert P._fj_rate(s, h) == pytest.approx(P._fj_rate(d, h), abs=1e-8)
    if kind != "directed":  # the graph may be disconnected for ER
        assert P._fiedler(s, True) == pytest.approx(P._fiedler(d, True), abs=1e-8)
    if kind in ("ba", "directed"):
        assert P._kemeny(s, 0) == pytest.approx(P._kemeny(d, 0), rel=0.02)
    if kind == "ba_weighted":
        assert P._fiedler(s, False) == pytest.approx(P._fiedler(d, False), abs=1e-8)


# ----------------------------------------------------------------------------- invariants, summary


def test_invariants_on_random_walks():
    for W in (nx_walk(nx.barabasi_albert_graph(200, 2, seed=9)), directed(150, 2)):
        np.testing.assert_allclose(W.sum(axis=1), 1.0)
        ev = S.top_eigenvalues(W, k=4)
        assert ev[0] == pytest.approx(1.0, abs=1e-12)
        assert np.all(np.abs(ev) <= 1 + 1e-12)
        assert 0 <= S.slem(W) < 1 and S.spectral_gap(W) == pytest.approx(1 - S.slem(W))
        assert S.relaxation_time(W) == pytest.approx(1 / S.spectral_gap(W))
        pi = S.stationary_distribution(W)
        assert pi.sum() == pytest.approx(1.0) and np.all(pi > 0)


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
        "n", "n_edges", "n_components", "reversible", "slem", "spectral_gap", "lambda_2",
        "lambda_min", "lazy_g", "lazy_rate", "relaxation_time", "mixing_time_lower",
        "mixing_time_upper", "fiedler_value", "fj_rate", "fj_floor", "kemeny_constant",
        "degree_heterogeneity", "pi_min", "pi_max", "note",
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


# ----------------------------------------------------------------------------- errors


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


# ----------------------------------------------------------------------------- graph input


def test_every_public_function_takes_a_retrieval_graph_as_is():
    from netcollapse.graphs import build

    g = build("watts_strogatz", n=40, k=4, p=0.2, self_weight=0.3, anchoring=0.1, seed=2)
    chain = _markov._Chain(g)
    assert chain.W is g.W  # trusted: neither re-validated nor copied
    W = g.W.toarray()  # the same matrix, raw: validated
    for fn in (S.slem, S.spectral_gap, S.relaxation_time, S.fiedler_value,
               S.kemeny_constant, S.degree_heterogeneity, S.n_components):
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
