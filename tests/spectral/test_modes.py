"""The slowest mode of W against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from netcollapse.errors import DataError
from netcollapse.graphs.retrieval_graph import build
from netcollapse.spectral.modes import balanced_signs, slowest_mode


def test_path_mode_is_the_cosine():
    # lazy walk on a path of n nodes with reflecting ends (self weight 1/2 inside, the ends
    # keep 1/2 too): its slowest right eigenvector is cos(pi (i + 1/2) / n)
    n = 7
    W = np.zeros((n, n))
    for i in range(n):
        W[i, i] = 0.5
        W[i, max(i - 1, 0)] += 0.25
        W[i, min(i + 1, n - 1)] += 0.25
    v = slowest_mode(W)
    expected = np.cos(np.pi * (np.arange(n) + 0.5) / n)
    expected /= np.linalg.norm(expected)
    np.testing.assert_allclose(v, expected, atol=1e-10)


def test_two_blocks_give_the_blocks():
    W = np.full((4, 4), 0.05) + np.kron(np.eye(2), np.full((2, 2), 0.4))
    W /= W.sum(axis=1, keepdims=True)
    assert balanced_signs(slowest_mode(W)).tolist() in ([1, 1, -1, -1], [-1, -1, 1, 1])
    np.testing.assert_allclose(np.abs(slowest_mode(W)), 0.5, atol=1e-12)


def test_repeated_eigenvalue_is_a_seeded_direction_in_its_eigenspace():
    g = build("ring", n=10, self_weight=0.5)
    W = g.W.toarray()
    lam = 0.5 + 0.5 * np.cos(2 * np.pi / 10)  # the ring's slowest eigenvalue (twice)
    a, b = slowest_mode(g.W, seed=1), slowest_mode(g.W, seed=2)
    for v in (a, b):
        np.testing.assert_allclose(W @ v, lam * v, atol=1e-10)
    assert np.array_equal(a, slowest_mode(g.W, seed=1)) and not np.allclose(np.abs(a), np.abs(b))


@pytest.mark.parametrize(
    "W, message",
    [
        (np.eye(3), "no eigenvalue other than 1"),
        (np.roll(np.eye(3), 1, axis=1) * 0.5 + np.eye(3) * 0.5, "complex slowest eigenvalue"),
    ],
)
def test_no_real_mode_is_one_line(W, message):
    with pytest.raises(DataError, match=message):
        slowest_mode(W)


def test_balanced_signs():
    assert balanced_signs([0.0, 0.0, 0.0, 0.0]).tolist() == [1, 1, -1, -1]  # ties: by index
    assert balanced_signs([3.0, -1.0, 2.0]).tolist() == [1, -1, -1]  # n // 2 positive
