"""Tests for netcollapse.theory.gmm: the GMM engine's linear model against the engine."""

from __future__ import annotations

import numpy as np
import pytest

from netcollapse.engines.gmm import GMMWeb
from netcollapse.graphs.retrieval_graph import build
from netcollapse.theory.degroot import g_from_alpha
from netcollapse.theory.gmm import GMMLinearModel, predict_gmm


def _rms_over_seeds(make, T: int, seeds: range) -> tuple[np.ndarray, np.ndarray]:
    F2, P2 = [], []
    for s in seeds:
        web = make(s)
        P2.append(predict_gmm(web, T)["frobenius"].to_numpy() ** 2)
        F2.append(web.run(T, progress=False).frobenius ** 2)
    return np.sqrt(np.mean(F2, axis=0)), np.sqrt(np.mean(P2, axis=0))


def test_step_coefficients_follow_the_derivation():
    g = build("ring", n=10, k=4, self_weight=0.2, anchoring=0.25)
    web = GMMWeb(
        g, B=4, means=[-9, -3, 3, 9], L=16, A0=40, seed=0, retrieval={"k": 32, "memory": 1}
    )
    model = GMMLinearModel(web)
    st = model.step(0)
    k, B = 32, 4
    gk = g_from_alpha("1/k", k)
    np.testing.assert_allclose(st.keep, 1 - gk)
    np.testing.assert_allclose(st.gain, gk / (1 - B / (k * B * B)))  # c = 1/(k B^2)
    rows = np.asarray(st.S.sum(axis=1)).ravel() + st.a
    np.testing.assert_allclose(rows, 1.0)  # every read is from a store or from H
    np.testing.assert_allclose(st.a, 8 / 32)  # the quota of H: round(0.25 * 32)
    assert model.X0.shape == (10, 4) and np.allclose(model.X0.sum(axis=1), 0)
    # the initial state is the run's row 0
    res = web.run(1, progress=False)
    pred = predict_gmm(web, 1)
    assert pred["frobenius"][0] == pytest.approx(res.frobenius[0], rel=1e-12)


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
