"""Tests of netcollapse.spectral.predictors: Fiedler closed forms, Friedkin-Johnsen rate, floor."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from walks import cycle_adj, directed, nx_walk, path_adj, walk

from netcollapse import spectral as S
from netcollapse.spectral import _markov
from netcollapse.spectral import predictors as P


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_fiedler_closed_forms(method):
    for n in (6, 40):
        C = cycle_adj(n) / 2
        assert S.fiedler_value(C, method=method, tol=1e-13) == pytest.approx(
            1 - math.cos(2 * math.pi / n), abs=1e-9
        )
        K = walk(np.ones((n, n)) - np.eye(n))
        assert S.fiedler_value(K, method=method, tol=1e-13) == pytest.approx(n / (n - 1), abs=1e-9)
        P = path_adj(n) / 2  # path with self weight 1/2 at both ends: S = A / 2
        P[0, 0] = P[-1, -1] = 0.5
        assert S.fiedler_value(P, method=method, tol=1e-13) == pytest.approx(
            1 - math.cos(math.pi / (n - 1)), abs=1e-9
        )
        assert S.fiedler_value(P, normalized=False, method=method, tol=1e-13) == pytest.approx(
            1 - math.cos(math.pi / n), abs=1e-9
        )


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
    chain = _markov.Chain(W, "sparse", 1e-12)
    Z = np.random.default_rng(1).standard_normal((n, 4))
    np.testing.assert_allclose(P._fj_apply(chain, h, Z)[0], limit @ Z, atol=1e-8)
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
    chain = _markov.Chain(W, "sparse", 1e-12)
    Z = np.random.default_rng(2).standard_normal((9, 3))
    np.testing.assert_allclose(P._fj_apply(chain, h, Z)[0], X @ Z, atol=1e-9)
    assert S.fj_floor(W, np.zeros(9), method="sparse") == pytest.approx(
        S.fj_floor(W, np.zeros(9)), abs=1e-12
    )  # exact formula for blockdiag(1 pi_c^T)
