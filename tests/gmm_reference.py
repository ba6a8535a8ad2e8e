"""A small, obviously-correct reference of the interacting-GMM system (plain loops, paper order).

Used by tests/test_surrogate.py (step-by-step check on the engine's own random draws)
and by benchmarks/bench_gmm.py (speed of the vectorised engine vs these loops).
"""

import numpy as np
from quota_reference import allocate_row_reference
from scipy.stats import multivariate_normal

from netcollapse.engines.gmm_kernels import zvdh_point


def reference_update(pi, points, means, cov, eps, alpha=None, c=None):
    """Algorithm 2 of the paper, one point at a time."""
    pi = list(pi)
    B = len(pi)
    k = len(points)
    alpha = 1.0 / k if alpha is None else alpha
    c = 1.0 / (k * B * B) if c is None else c
    comps = [multivariate_normal(means[b], cov) for b in range(B)]
    for u in points:
        dens = [pi[b] * comps[b].pdf(u) for b in range(B)]
        total = sum(dens)
        own = [x / total for x in dens]
        pi = [(1 - alpha) * pi[b] + alpha * (own[b] - c) / (1 - B * c) for b in range(B)]
        for b in range(B):
            if pi[b] <= 0:
                pi = [p / (1 + eps - pi[b]) if j != b else p for j, p in enumerate(pi)]
                pi[b] = eps
    return np.array(pi)


def reference_sample(pi, u, z, means, chol):
    """One point from a mixture: component by inverse CDF of ``u``, then ``mu + chol z``."""
    cdf = 0.0
    for b, p in enumerate(pi):
        cdf += p
        if u <= cdf or b == len(pi) - 1:
            return means[b] + chol @ z


def reference_run(W, means, cov, L, k, T, seed, a=1.0, eps=1e-4):
    """Weighted-mode GMM web with memory 1 and no anchoring, all in plain loops.

    Each step every node samples L points, then reads from each source j its
    Hamilton quota of k (row i of W) among j's L newest points, in random order.
    Returns the trajectory of ||D||_F.
    """
    rng = np.random.default_rng(seed)
    W = np.asarray(W.toarray() if hasattr(W, "toarray") else W)
    n, B = W.shape[0], len(means)
    chol = np.linalg.cholesky(cov)
    pis = [rng.dirichlet([a] * B) for _ in range(n)]
    traj = []
    for _ in range(T):
        published = [
            [
                reference_sample(
                    pis[i], rng.random(), rng.standard_normal(len(means[0])), means, chol
                )
                for _ in range(L)
            ]
            for i in range(n)
        ]
        new = []
        for i in range(n):
            sources = [j for j in range(n) if W[i, j] > 0]
            quota = allocate_row_reference([W[i, j] for j in sources], [L] * len(sources), k)
            points = []
            for j, q in zip(sources, quota):
                for s in rng.choice(L, size=q, replace=False):
                    points.append(published[j][s])
            order = rng.permutation(len(points))
            new.append(reference_update(pis[i], [points[o] for o in order], means, cov, eps))
        pis = new
        X = np.array(pis)
        traj.append(np.sqrt(sum(np.sum((X[i] - X[j]) ** 2) for i in range(n) for j in range(n))))
    return np.array(traj)


def zvdh_update(
    Pi: np.ndarray,
    lik: np.ndarray,
    mask: np.ndarray,
    alpha: np.ndarray,
    c: np.ndarray,
    eps: float,
) -> np.ndarray:
    """Dense reference of the engine's Zivkovic-van der Heijden update, point by point.

    Parameters
    ----------
    Pi : ndarray, shape (n, B)
        Mixture weights of every node (not modified).
    lik : ndarray, shape (n, P, B)
        Component likelihoods ``N(u_p; mu_b, Sigma)`` (up to a positive factor per
        point) of each node's ``P`` retrieved points, in update order.
    mask : ndarray of bool, shape (n, P)
        Which of the ``P`` slots hold a point (nodes retrieve different numbers).
    alpha, c : ndarray, shape (n,)
        Learning rate and the Dirichlet-prior constant of each node.
    eps : float
        Value a non-positive weight is reset to (positivity step).

    Returns
    -------
    ndarray, shape (n, B)
        Updated weights.

    Notes
    -----
    Zivkovic & van der Heijden, "Recursive unsupervised learning of finite mixture
    models", IEEE TPAMI 26(5), 2004; used as the GMM update in Wang et al. (2025),
    Algorithm 2. The positivity step, per component ``b`` in order: if
    ``pi_b <= 0``, every other weight is multiplied by ``1 / (1 + eps - pi_b)`` and
    ``pi_b`` is set to ``eps``.

    Examples
    --------
    >>> Pi = np.array([[0.5, 0.5]])
    >>> lik = np.array([[[1.0, 0.0]]])           # one point, owned by component 0
    >>> zvdh_update(Pi, lik, np.ones((1, 1), bool), np.array([0.5]), np.array([0.0]), 1e-4)
    array([[0.75, 0.25]])
    """
    Pi = np.array(Pi, dtype=float, copy=True)
    B = Pi.shape[1]
    gain = (alpha / (1.0 - B * c))[:, None]
    keep = (1.0 - alpha)[:, None]
    cc = np.asarray(c)[:, None]
    scratch = np.empty_like(Pi)
    for p in range(lik.shape[1]):
        rows = mask[:, p]
        if not rows.any():
            break
        if rows.all():
            zvdh_point(Pi, lik[:, p], gain, keep, cc, eps, scratch)
        else:
            P = Pi[rows]
            zvdh_point(P, lik[rows, p], gain[rows], keep[rows], cc[rows], eps, scratch[: len(P)])
            Pi[rows] = P
    return Pi
