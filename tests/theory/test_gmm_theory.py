"""Tests for netcollapse.theory.gmm: the GMM engine's linear model against the engine."""

from __future__ import annotations

import numpy as np
import pytest

from netcollapse.engines.gmm import GMMWeb
from netcollapse.graphs.retrieval_graph import build
from netcollapse.theory.gmm import GMMLinearModel, predict_gmm


def _rms_over_seeds(make, T: int, seeds: range) -> tuple[np.ndarray, np.ndarray]:
    F2, P2 = [], []
    for s in seeds:
        web = make(s)
        P2.append(predict_gmm(web, T)["frobenius"].to_numpy() ** 2)
        F2.append(web.run(T, progress=False).frobenius ** 2)
    return np.sqrt(np.mean(F2, axis=0)), np.sqrt(np.mean(P2, axis=0))


def test_step_reads_and_initial_state():
    g = build("ring", n=10, k=4, self_weight=0.2, anchoring=0.25)
    web = GMMWeb(
        g, B=4, means=[-9, -3, 3, 9], L=16, A0=40, seed=0, retrieval={"k": 32, "memory": 1}
    )
    model = GMMLinearModel(web)
    st = model.step(0)
    rows = np.asarray(st.S.sum(axis=1)).ravel() + st.a
    np.testing.assert_allclose(rows, 1.0)  # every read is from a store or from H
    np.testing.assert_allclose(st.a, 8 / 32)  # the quota of H: round(0.25 * 32)
    assert model.X0.shape == (10, 4) and np.allclose(model.X0.sum(axis=1), 0)
    # the initial state is the run's row 0
    res = web.run(1, progress=False)
    pred = predict_gmm(web, 1)
    assert pred["frobenius"][0] == pytest.approx(res.frobenius[0], rel=1e-12)


def test_one_engine_step_has_the_linear_models_mean():
    """Monte-Carlo of one engine step from fixed weights against the model's linear step.

    Components 40 standard deviations apart make every ownership one-hot and the
    weights (all >= 0.15) never reach the positivity reset, so the expected new
    weights are the linear step ``keep y + gain (S y + a (human mix - 1/B))``
    (``y`` = weights - 1/B; the human mix is each seed's own ``A0`` points). Every
    cell of the mean over runs must lie within 4.5 standard errors of it. With
    ``c = 0.05`` the model's ``gain = g / (1 - B c)`` is 18% above the lazy-DeGroot
    pull ``g = 1 - keep``: the gain the runs measure must be the model's, not ``g``.
    """
    B, n, runs = 3, 24, 300
    g = build("ring", n=n, k=2, self_weight=0.2, anchoring=0.25)
    P0 = 0.55 * np.random.default_rng(0).dirichlet(np.ones(B), size=n) + 0.45 / B
    y0 = P0 - 1 / B

    def make(seed: int) -> GMMWeb:
        return GMMWeb(
            g,
            B=B,
            means=[-40, 0, 40],
            L=16,
            A0=40,
            c=0.05,
            seed=seed,
            retrieval={"k": 32, "memory": 1},
        )

    st = GMMLinearModel(make(0)).step(0)
    keep, gain = st.keep[:, None], st.gain[:, None]
    resid, gains = [], []
    for seed in range(runs):
        web = make(seed)
        web.reset()
        web.Pi = P0.copy()
        web.step()
        assert web.Pi.min() > 0.01  # no positivity reset
        own = web.human_lik / web.human_lik.sum(axis=1, keepdims=True)
        assert np.allclose(own, own.round(), rtol=0, atol=1e-12)  # one-hot ownerships
        read = st.S @ y0 + st.a[:, None] * (own.mean(axis=0) - 1 / B)
        y1 = web.Pi - 1 / B
        resid.append(y1 - keep * y0 - gain * read)
        gains.append(float(((y1 - keep * y0) * read).sum() / (read * read).sum()))
    resid = np.asarray(resid)
    z = resid.mean(axis=0) / (resid.std(axis=0, ddof=1) / np.sqrt(runs))
    assert np.abs(z).max() < 4.5, np.round(z, 2)
    measured, se = np.mean(gains), np.std(gains, ddof=1) / np.sqrt(runs)
    assert abs(measured - st.gain[0]) < 4 * se, (measured, se)
    lazy = 1.0 - st.keep[0]
    assert abs(measured - lazy) > 6 * se  # the runs tell gain from g


@pytest.mark.parametrize(
    ("family", "params", "memory"),
    [
        ("complete", {"n": 16, "self_weight": 1 / 16}, 1),
        ("ring", {"n": 16, "k": 2, "self_weight": 0.2}, 2),
        ("barbell", {"cliques": 2, "clique_size": 8}, 4),
    ],
)
def test_predicted_curve_matches_the_engine_in_mean_square(family, params, memory):
    """Root-mean-square ||D(t)||_F over seeds: the prediction is an expectation."""
    g = build(family, **params)

    def make(seed: int) -> GMMWeb:
        return GMMWeb(
            g, B=3, means=[-8, 0, 8], a=0.2, L=32, seed=seed, retrieval={"k": 32, "memory": memory}
        )

    F, P = _rms_over_seeds(make, 30, range(20))
    np.testing.assert_allclose(P, F, rtol=0.12)  # 20 seeds: Monte-Carlo error about 5%


def test_paper_pooled_keep_all_setting():
    """Pooled reads from the union, keep-all memory and k = beta |A| growing every step."""
    g = build("complete", n=3, self_weight=0.34)

    def make(seed: int) -> GMMWeb:
        return GMMWeb(
            g, B=2, means=[-5, 5], L=3, seed=seed, retrieval={"mode": "pooled", "beta": 0.5}
        )

    F, P = _rms_over_seeds(make, 20, range(48))
    np.testing.assert_allclose(P, F, rtol=0.12)


def test_noise_free_prediction_and_the_overlap_warning():
    g = build("complete", n=6)
    web = GMMWeb(g, B=2, means=[-5, 5], L=8, seed=0, retrieval={"k": 8, "memory": 1})
    pred = predict_gmm(web, 10, noise=False)
    np.testing.assert_allclose(pred["frobenius"], pred["signal"])
    close = GMMWeb(g, B=3, means=[-1, 0, 1], L=8, seed=0, retrieval={"k": 8, "memory": 1})
    with pytest.warns(UserWarning, match="components are 1.00 Mahalanobis units apart"):
        predict_gmm(close, 3)


def test_a_node_reading_only_itself_is_warned_about():
    g = build("barabasi_albert", n=12, m=2, directed=True, self_weight=0.3, seed=0)
    web = GMMWeb(g, B=2, means=[-5, 5], L=8, seed=0, retrieval={"k": 8, "memory": 1})
    with pytest.warns(UserWarning, match="node 0 reads only its own store"):
        predict_gmm(web, 2)
