"""Tests of netcollapse.spectral.rates: closed forms, the lazy map, stationary laws, invariants."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from walks import cycle_adj, dense_pi, directed, nx_walk, path_adj, star_adj, sym_adj, walk

from netcollapse import spectral as S
from netcollapse.spectral import _linalg, _markov, summary


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
    W = (
        nx_walk(nx.barabasi_albert_graph(300, 2, seed=6), 1)
        if which == "reversible"
        else (directed(300, 8))
    )
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


def test_arpack_out_of_budget_is_nan_with_a_note(monkeypatch):
    W = directed(400, 12)
    monkeypatch.setattr(_linalg, "ARPACK_MATVECS", 1)  # ARPACK gives up at once
    chain = _markov.Chain(W, "sparse")
    assert chain.arpack(chain._moved, "LM").size == 0
    e = chain.ends
    assert math.isnan(e.lambda_2) and math.isnan(e.slem) and math.isnan(e.gap)
    assert "ARPACK did not converge" in e.why
    assert math.isnan(chain.lazy(0.5))  # never an unconverged estimate
    s = S.spectral_summary(W, method="sparse")
    assert math.isnan(s["slem"]) and math.isnan(s["relaxation_time"])
    assert "ARPACK did not converge" in s["note"]


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
