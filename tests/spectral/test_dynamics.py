"""Tests for netcollapse.spectral.dynamics: closed forms, Lyapunov floor, probes, memory."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp

from netcollapse.errors import SpecError
from netcollapse.graphs.retrieval_graph import build
from netcollapse.spectral import linear_step, predict_curve
from netcollapse.spectral.dynamics import LinearStep


def _frob(X: np.ndarray) -> float:
    X = X.reshape(X.shape[0], -1)
    n = X.shape[0]
    return float(np.sqrt(2 * n * ((X - X.mean(axis=0)) ** 2).sum()))


def _random_W(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = rng.random((n, n)) * (rng.random((n, n)) < 0.3)
    A += np.eye(n) * 0.1
    return A / A.sum(axis=1, keepdims=True)


def test_noise_free_curve_is_the_iterated_friedkin_johnsen_map():
    """All modes, from the actual initial state: iterate M by hand on a directed graph."""
    n, g = 12, 0.6
    W = _random_W(n, 0)
    h = np.linspace(0, 0.3, n)
    X0 = np.random.default_rng(1).normal(size=(n, 3))
    pred = predict_curve(W, X0, 15, g=g, h=h)
    X, expected = X0.copy(), []
    for _ in range(16):
        expected.append(_frob(X))
        X = (1 - g) * X + g * ((1 - h)[:, None] * (W @ X) + h[:, None] * X0)
    np.testing.assert_allclose(pred["frobenius"], expected, rtol=1e-12)
    np.testing.assert_allclose(pred["signal"], expected, rtol=1e-12)
    assert (pred["noise"] == 0).all() and len(pred) == 16


def test_complete_graph_contracts_by_one_minus_g_and_a_shared_anchor_adds_nothing():
    W = np.full((5, 5), 0.2)
    pred = predict_curve(W, np.arange(5.0), 6, g=0.4, h=0.5, anchor=[7.0])
    F = pred["frobenius"].to_numpy()
    # disagreement modes of the complete graph have eigenvalue 0: factor 1 - g each step
    np.testing.assert_allclose(F[1:] / F[:-1], 0.6, rtol=1e-12)


def test_stationary_floor_matches_the_discrete_lyapunov_solution():
    n, g = 8, 0.5
    W = _random_W(n, 3)
    q_pub, q_read = np.linspace(0.01, 0.02, n), np.linspace(0.03, 0.01, n)
    st = linear_step(W, g=g)
    M = np.diag(st.keep) + np.diag(st.gain) @ st.S.toarray()
    G = np.diag(st.gain) @ st.S.toarray()
    Q = G @ np.diag(q_pub) @ G.T + np.diag(q_read)
    # the consensus mode (M 1 = 1) is a random walk; the disagreement lives on 1-perp, where
    # C M = C M C is stable: solve the Lyapunov equation there (P: orthonormal basis of 1-perp)
    P = sla.null_space(np.ones((1, n)))
    A, Qp = P.T @ M @ P, P.T @ Q @ P
    Sigma = sla.solve_discrete_lyapunov(A, Qp)
    floor = np.sqrt(2 * n * np.trace(Sigma))
    pred = predict_curve(W, np.zeros(n), 300, g=g, noise=(q_pub, q_read), method="dense")
    assert pred["frobenius"].iloc[-1] == pytest.approx(floor, rel=1e-9)
    assert pred.attrs["method"] == "dense"


@pytest.mark.parametrize("memory", [1, 3, None])
def test_probes_agree_with_the_dense_covariance(memory):
    """The stochastic estimate is unbiased; at n = 300 its error is about a percent."""
    g = build("watts_strogatz", n=300, k=6, p=0.1, seed=0)
    X0 = np.random.default_rng(0).normal(size=(300, 2))

    def noise(t, mean, var):  # state-dependent, like the GMM's
        return 0.05 / (1 + (mean**2).sum(axis=1)), 0.02 + 0.0 * var

    kw = dict(g=0.5, memory=memory, noise=noise, T=40)
    dense = predict_curve(g, X0, method="dense", **kw)
    probe = predict_curve(g, X0, method="probes", probes=256, seed=1, **kw)
    rel = np.abs(probe["noise"] ** 2 / dense["noise"].clip(1e-300) ** 2 - 1)[5:]
    assert rel.max() < 0.05
    z = np.abs(probe["noise"] ** 2 - dense["noise"] ** 2)[5:] / probe["noise_se"][5:]
    assert np.median(z) < 2.5  # the reported standard error is honest
    np.testing.assert_allclose(probe["signal"], dense["signal"], rtol=1e-12)
    again = predict_curve(g, X0, method="probes", probes=256, seed=1, **kw)
    np.testing.assert_array_equal(again["frobenius"], probe["frobenius"])  # seeded


def test_memory_companion_form_matches_a_monte_carlo_of_the_windowed_model():
    """E||D||_F^2 of the order-R recursion with publishing and reading noise, by simulation."""
    n, R, g, T, reps = 5, 3, 0.7, 12, 20000
    W = _random_W(n, 5)
    X0 = np.array([0.0, 1.0, -1.0, 2.0, 0.5])
    q_pub, q_read = 0.04, 0.01
    pred = predict_curve(W, X0, T, g=g, memory=R, noise=(q_pub, q_read), method="dense")
    rng = np.random.default_rng(0)
    y = np.tile(X0, (reps, 1))
    published: list[np.ndarray] = []
    F2 = [np.mean(2 * n * ((y - y.mean(1, keepdims=True)) ** 2).sum(1))]
    for _ in range(T):
        published.append(y + np.sqrt(q_pub) * rng.standard_normal(y.shape))
        window = np.mean(published[-R:], axis=0)
        y = (1 - g) * y + g * window @ W.T + np.sqrt(q_read) * rng.standard_normal(y.shape)
        F2.append(np.mean(2 * n * ((y - y.mean(1, keepdims=True)) ** 2).sum(1)))
    np.testing.assert_allclose(pred["frobenius"] ** 2, F2, rtol=0.03)
    slower = predict_curve(W, X0, T, g=g, memory=1)["signal"].to_numpy()
    assert pred["signal"].iloc[4] > slower[4]  # memory slows the mean path


def test_schedule_and_linear_step_inputs():
    W = np.full((3, 3), 1 / 3)
    st = linear_step(W, g=0.5)
    a = predict_curve(st, [0.0, 1.0, 2.0], 4)
    b = predict_curve(lambda t: st, [0.0, 1.0, 2.0], 4)
    c = predict_curve(W, [0.0, 1.0, 2.0], 4, g=0.5)
    np.testing.assert_allclose(a["frobenius"], c["frobenius"])
    np.testing.assert_allclose(b["frobenius"], c["frobenius"])


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"X0": np.zeros(4)}, r"X0: got '4 rows', expected 3 rows"),
        ({"memory": 0}, r"memory: got 0, expected an integer >= 1 or None"),
        ({"method": "exact"}, r"method: got 'exact', expected 'auto', 'dense' or 'probes'"),
        ({"g": 1.5}, r"g: got 1.5, expected a number in \(0, 1\]"),
        ({"noise": (-1.0, 0.0)}, r"noise.publish_var: got -1.0, expected finite variances >= 0"),
        ({"anchor": np.zeros(7)}, r"anchor: got 'shape \(7,\)', expected shape \(1,\) \(shared\)"),
    ],
)
def test_bad_input_one_line_errors(kwargs, pattern):
    args = {"W": np.full((3, 3), 1 / 3), "X0": np.zeros(3), "T": 3, **kwargs}
    with pytest.raises(SpecError, match=pattern):
        predict_curve(**args)


def test_a_step_may_carry_its_own_anchor():
    """Fully anchored nodes jump to each step's anchor: ``||D(t)||_F = sqrt(2) t`` here."""
    n = 2

    def step(t):
        return LinearStep(
            sp.csr_array((n, n)),
            np.zeros(n),
            np.ones(n),
            np.ones(n),
            np.array([[t + 1.0], [-(t + 1.0)]]) / 2,
        )

    c = predict_curve(step, np.zeros((n, 1)), 3)
    np.testing.assert_allclose(c["frobenius"], np.sqrt(2) * np.arange(4))
