"""Walks on small graphs shared by the spectral tests (dense references are in the tests)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp


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


# walks whose spectra are known in closed form (tests/spectral/test_certify.py and
# benchmarks/bench_certified.py), self weight s
def ring_walk(n: int, s: float) -> sp.csr_array:
    """Walk on the ring C_n: eigenvalues s + (1 - s) cos(2 pi k / n)."""
    i = np.arange(n)
    A = sp.csr_array((np.full(n, 0.5), (i, (i + 1) % n)), shape=(n, n))
    return sp.csr_array(s * sp.eye_array(n) + (1 - s) * (A + A.T))


def path_walk(n: int, s: float) -> sp.csr_array:
    """Walk on the path P_n (a stay of 1/2 at both ends): s + (1 - s) cos(pi k / n)."""
    i = np.arange(n - 1)
    A = sp.csr_array((np.full(n - 1, 0.5), (i, i + 1)), shape=(n, n))
    ends = np.zeros(n)
    ends[[0, -1]] = 0.5
    return sp.csr_array(s * sp.eye_array(n) + (1 - s) * (A + A.T + sp.diags_array(ends)))


def torus_walk(m: int, s: float) -> sp.csr_array:
    """Walk on the m x m torus: s + (1 - s) (cos(2 pi a / m) + cos(2 pi b / m)) / 2."""
    R, eye = ring_walk(m, 0.0), sp.eye_array(m)
    return sp.csr_array(s * sp.eye_array(m * m) + (1 - s) * (sp.kron(R, eye) + sp.kron(eye, R)) / 2)
