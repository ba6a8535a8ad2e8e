"""Tests for netcollapse.measures.perspective: CMDS against known configurations and references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netcollapse.errors import SpecError
from netcollapse.measures import perspective as persp
from netcollapse.measures.disagreement import distance_matrix


# ----------------------------------------------------------------------------- CMDS
def _procrustes_residual(A: np.ndarray, B: np.ndarray) -> float:
    """Distance between two centred configurations after the best orthogonal map."""
    A = A - A.mean(axis=0)
    B = B - B.mean(axis=0)
    u, _, vt = np.linalg.svd(B.T @ A)
    return float(np.linalg.norm(B @ (u @ vt) - A))


def test_cmds_recovers_planar_configuration():
    rng = np.random.default_rng(6)
    P = rng.normal(size=(12, 2)) * [3.0, 1.0]
    D = distance_matrix(P)
    Y = persp.cmds(D, k=2)
    assert Y.shape == (12, 2)
    np.testing.assert_allclose(distance_matrix(Y), D, atol=1e-10)
    assert _procrustes_residual(P, Y) < 1e-10
    # centred, and columns ordered by variance
    np.testing.assert_allclose(Y.mean(axis=0), 0.0, atol=1e-12)
    assert Y[:, 0].var() >= Y[:, 1].var()


def test_cmds_sign_convention_and_determinism():
    rng = np.random.default_rng(7)
    D = distance_matrix(rng.normal(size=(9, 3)))
    Y = persp.cmds(D, k=3)
    for j in range(3):
        assert Y[np.argmax(np.abs(Y[:, j])), j] > 0
    np.testing.assert_array_equal(Y, persp.cmds(D.copy(), k=3))


def test_sign_convention_breaks_ties_by_first_row():
    # a square: every coordinate has the same magnitude, eigenvalues are equal
    P = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    a = persp.cmds(distance_matrix(P), k=1)[:, 0]
    b = persp.cmds(distance_matrix(P.copy()), k=1)[:, 0]
    np.testing.assert_array_equal(a, b)
    top = np.abs(a).max()
    first = int(np.argmax(np.abs(a) >= top * (1 - 1e-9)))
    assert a[first] > 0
    line = np.array([[0.0], [1.0], [2.0]])
    np.testing.assert_allclose(persp.cmds(distance_matrix(line), k=1)[:, 0], [1, 0, -1], atol=1e-12)


def test_cmds_clips_negative_eigenvalues():
    # non-Euclidean "distances" (triangle inequality fails) give negative eigenvalues
    D = np.array([[0.0, 1.0, 5.0], [1.0, 0.0, 1.0], [5.0, 1.0, 0.0]])
    Y = persp.cmds(D, k=3)
    assert np.all(np.isfinite(Y))
    assert np.allclose(Y[:, 2], 0.0)


def test_cmds_bad_input():
    with pytest.raises(SpecError, match=r"D.shape: got \(2, 3\), expected a square matrix"):
        persp.cmds(np.zeros((2, 3)))
    with pytest.raises(SpecError, match=r"k: got 4, expected an integer in \[1, 3\]"):
        persp.cmds(np.zeros((3, 3)), k=4)


def test_perspective_space_equals_cmds_of_distances():
    rng = np.random.default_rng(8)
    n, T, L, d = 3, 4, 5, 16
    E = rng.normal(size=(n * T * L, d)) + np.repeat(rng.normal(size=(n, d)) * 4, T * L, axis=0)
    labels = pd.DataFrame(
        {
            "node": np.repeat(np.arange(n), T * L),
            "step": np.tile(np.repeat(np.arange(T), L), n),
            "sample": np.tile(np.arange(L), n * T),
        },
        index=np.arange(100, 100 + n * T * L),
    )
    frame = persp.perspective_space(E, labels, k=2)
    assert list(frame.columns) == ["node", "step", "sample", "dim1", "dim2"]
    assert len(frame) == n * T * L
    np.testing.assert_array_equal(frame["node"].to_numpy(), labels["node"].to_numpy())
    ref = persp.cmds(distance_matrix(E), k=2)
    np.testing.assert_allclose(frame[["dim1", "dim2"]].to_numpy(), ref, atol=1e-8)


def test_perspective_space_without_labels_and_padding():
    E = np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.0]])  # rank 1
    frame = persp.perspective_space(E, k=3)
    assert list(frame.columns) == ["dim1", "dim2", "dim3"]
    # |-2| = |2|: the tie goes to the first row, which is made positive
    np.testing.assert_allclose(frame["dim1"], [2.0, 0.0, -2.0], atol=1e-12)
    np.testing.assert_allclose(frame[["dim2", "dim3"]].to_numpy(), 0.0, atol=1e-12)


def test_perspective_space_bad_labels():
    E = np.zeros((4, 2))
    with pytest.raises(SpecError, match=r"labels: got 3, expected a DataFrame with 4 rows"):
        persp.perspective_space(E, pd.DataFrame({"node": [0, 1, 2]}))
    with pytest.raises(SpecError, match=r"labels.columns: got \['dim1'\]"):
        persp.perspective_space(E, pd.DataFrame({"dim1": range(4)}))
