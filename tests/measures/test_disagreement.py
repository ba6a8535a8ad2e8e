"""Tests for netcollapse.measures.disagreement: closed forms and slow obvious references."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from netcollapse.errors import SpecError
from netcollapse.measures import disagreement as M


def _explicit_frobenius(X: np.ndarray) -> float:
    """Slow reference: build D entry by entry."""
    n = X.shape[0]
    total = 0.0
    for i in range(n):
        for j in range(n):
            total += float(np.sqrt(np.sum((X[i] - X[j]) ** 2))) ** 2
    return math.sqrt(total)


# ----------------------------------------------------------------------------- states
def test_node_means_shape_and_values():
    rng = np.random.default_rng(0)
    s = rng.normal(size=(4, 7, 3))
    X = M.node_means(s)
    assert X.shape == (4, 3)
    np.testing.assert_allclose(X[2], s[2].sum(axis=0) / 7, atol=1e-14)


def test_distance_matrix_matches_loops():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 5))
    D = M.distance_matrix(X)
    for i in range(6):
        for j in range(6):
            assert D[i, j] == pytest.approx(np.linalg.norm(X[i] - X[j]), abs=1e-12)
    assert np.allclose(D, D.T) and np.all(np.diag(D) == 0)


@pytest.mark.parametrize("shape", [(2, 3), (5, 768), (30, 2), (1, 4), (9,)])
def test_frobenius_matches_explicit_matrix(shape):
    rng = np.random.default_rng(2)
    X = rng.normal(loc=3.0, size=shape)
    Xr = X[:, None] if X.ndim == 1 else X
    expected = _explicit_frobenius(Xr)
    assert M.frobenius_distance(X) == pytest.approx(expected, abs=1e-10, rel=1e-12)
    assert M.frobenius_distance(X) == pytest.approx(
        float(np.linalg.norm(M.distance_matrix(X))), abs=1e-10
    )


def test_frobenius_on_mixture_weights_and_identical_rows():
    rng = np.random.default_rng(3)
    Pi = rng.dirichlet(np.ones(11), size=8)  # GMM weights (n, B)
    assert M.frobenius_distance(Pi) == pytest.approx(_explicit_frobenius(Pi), abs=1e-12)
    same = np.tile(Pi[0], (8, 1))
    assert M.frobenius_distance(same) == pytest.approx(0.0, abs=1e-12)
    # two nodes at distance 1: D = [[0, 1], [1, 0]], ||D||_F = sqrt(2)
    assert M.frobenius_distance(np.array([[1.0, 0.0], [0.0, 0.0]])) == pytest.approx(math.sqrt(2))


def test_frobenius_trajectory_matches_per_step():
    rng = np.random.default_rng(4)
    states = rng.normal(size=(5, 6, 3))
    traj = M.frobenius_trajectory(states)
    np.testing.assert_allclose(traj, [M.frobenius_distance(x) for x in states], atol=1e-12)


def test_within_spread_and_spread_against_loops():
    rng = np.random.default_rng(5)
    s = rng.normal(size=(3, 10, 4))
    ws = M.within_spread(s)
    for i in range(3):
        mu = s[i].mean(axis=0)
        ref = np.mean([np.linalg.norm(s[i, k] - mu) for k in range(10)])
        assert ws[i] == pytest.approx(ref, abs=1e-12)
    assert M.spread(s) == pytest.approx(ws.mean())
    assert M.within_spread(s[:, :1, :]).tolist() == [0.0, 0.0, 0.0]


def test_drift_with_centroid_and_points():
    X = np.array([[1.0, 1.0], [3.0, 1.0]])  # centroid (2, 1)
    assert M.drift(X, np.array([2.0, 4.0])) == pytest.approx(3.0)
    human = np.array([[0.0, 4.0], [4.0, 4.0]])  # centroid (2, 4)
    assert M.drift(X, human) == pytest.approx(3.0)
    with pytest.raises(SpecError, match=r"reference.shape: got \(3,\), expected a last dim"):
        M.drift(X, np.zeros(3))


def test_synthetic_share():
    assert M.synthetic_share(3, 12) == 0.25
    assert math.isnan(M.synthetic_share(0, 0))
    with pytest.raises(SpecError, match=r"n_synthetic: got 5, expected a number <= n_total"):
        M.synthetic_share(5, 4)
    with pytest.raises(SpecError, match=r"n_total: got -1, expected a number >= 0"):
        M.synthetic_share(0, -1)


def test_bad_samples_raise():
    with pytest.raises(SpecError, match=r"samples.shape: got \(3, 4\), expected an array of shape"):
        M.node_means(np.zeros((3, 4)))
    bad = np.zeros((2, 3, 4))
    bad[1, 2, 3] = np.nan
    with pytest.raises(SpecError, match=r"samples\[1, 2, 3\]: got nan, expected a finite number"):
        M.spread(bad)


# ----------------------------------------------------------------------------- tidy rows
def test_step_metrics_row():
    rng = np.random.default_rng(9)
    s = rng.normal(size=(4, 6, 3))
    ref = rng.normal(size=3)
    row = M.step_metrics(s, 7, reference=ref, n_synthetic=2, n_retrieved=8)
    X = s.mean(axis=1)
    assert row["step"] == 7
    assert row["frobenius"] == pytest.approx(_explicit_frobenius(X), abs=1e-12)
    assert row["within_spread"] == pytest.approx(M.spread(s))
    assert row["drift_from_human"] == pytest.approx(np.linalg.norm(X.mean(axis=0) - ref))
    assert row["synthetic_share"] == 0.25
    bare = M.step_metrics(s, 0)
    assert math.isnan(bare["drift_from_human"]) and math.isnan(bare["synthetic_share"])


def test_step_metrics_accepts_states():
    Pi = np.array([[0.2, 0.8], [0.6, 0.4]])
    row = M.step_metrics(Pi, 1)
    assert row["frobenius"] == pytest.approx(_explicit_frobenius(Pi))
    assert math.isnan(row["within_spread"])


def test_node_rows():
    s = np.array([[[0.0, 0.0], [2.0, 0.0]], [[4.0, 3.0], [4.0, 3.0]], [[8.0, 0.0], [6.0, 0.0]]])
    rows = M.node_rows(s, 5)
    assert [r["node"] for r in rows] == [0, 1, 2]
    assert all(r["step"] == 5 for r in rows)
    X = s.mean(axis=1)
    centre = X.mean(axis=0)
    for r in rows:
        assert r["dist_to_centroid"] == pytest.approx(np.linalg.norm(X[r["node"]] - centre))
    assert [r["within_spread"] for r in rows] == [1.0, 0.0, 1.0]
    assert pd.DataFrame(rows).shape == (3, 4)
