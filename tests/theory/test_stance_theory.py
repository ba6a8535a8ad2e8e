"""The calibrated stance model: the fit recovers known responses; the prediction is the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netcollapse.errors import DataError, SpecError
from netcollapse.graphs.retrieval_graph import build
from netcollapse.theory.stance import (
    StanceResponse,
    fit_read_var,
    fit_stance_response,
    predict_stance_curve,
    seed_share,
)


def simulate(W, z, r, T, seeds, memory, reps, rng):
    """Monte Carlo of the stance model the docstring states, step by step."""
    n = len(z)
    out = np.zeros((reps, T + 1))
    anchor = W @ z
    for rep in range(reps):
        y = r.slope * z
        posts = []
        for t in range(T + 1):
            out[rep, t] = 2 * n * np.sum((y - y.mean()) ** 2)
            if t == T:
                break
            posts.append(y + rng.normal(0, np.sqrt(r.answer_var), n))
            window = posts if memory is None else posts[-memory:]
            phi = seed_share(t, seeds, memory)
            read = (1 - phi) * (W @ np.mean(window, axis=0)) + phi * anchor
            y = r.slope * read + rng.normal(0, np.sqrt(r.round_var), n)
    return out.mean(axis=0)


@pytest.mark.parametrize("memory", [None, 2])
def test_prediction_matches_a_monte_carlo_of_the_model(memory):
    g = build("ring", n=6, self_weight=0.5)
    W = g.W.toarray()
    z = np.array([0.5, 0.4, 0.6, -0.5, -0.45, -0.55])
    r = StanceResponse(0.6, 0.0, 0.1, 0.05, 0.0, 0.0, 100, 0.5, read_var=0.01)
    mc = simulate(W, z, r, 8, 4, memory, 4000, np.random.default_rng(0))
    pred = predict_stance_curve(g, z, r, 8, seeds=4, memory=memory)["frobenius"].to_numpy()
    np.testing.assert_allclose(pred**2, mc, rtol=0.04)


def test_fit_recovers_slope_intercept_and_noise_split():
    rng = np.random.default_rng(1)
    m, L = 4000, 4
    read = rng.uniform(-0.5, 0.5, m)
    mu = 0.05 + 0.7 * read + rng.normal(0, np.sqrt(0.01), m)  # context variance 0.01
    answers = mu[:, None] + rng.normal(0, np.sqrt(0.04), (m, L))  # answer variance 0.04
    nodes = pd.DataFrame(
        {
            "stance": answers.mean(1),
            "stance_var": answers.var(1, ddof=1),
            "read_stance": read,
            "read_stance_var": 0.08,
            "k": 4,
        }
    )
    r = fit_stance_response(nodes, L)
    assert r.slope == pytest.approx(0.7, abs=3 * r.slope_se)
    assert r.intercept == pytest.approx(0.05, abs=0.01)
    assert r.answer_var == pytest.approx(0.04, rel=0.05)
    assert r.context_var == pytest.approx(0.01, rel=0.15)
    assert r.pick_var == pytest.approx(0.02)
    assert r.prior == pytest.approx(0.05 / 0.3, rel=0.1)
    assert r.round_var == pytest.approx(r.slope**2 * 0.02 + r.context_var)


def test_fit_read_var_recovers_the_variance_behind_a_curve():
    g = build("ring", n=8)
    z = np.r_[np.full(4, 0.5), np.full(4, -0.5)]
    truth = StanceResponse(0.6, 0.0, 0.0, 0.03, 0.0, 0.0, 10, 1.0, read_var=0.015)
    F = predict_stance_curve(g, z, truth, 10, seeds=4)["frobenius"]
    got = fit_read_var(g, z, StanceResponse(0.6, 0.0, 0.0, 0.03, 0.2, 0.2, 10, 1.0), F, seeds=4)
    assert got.read_var == pytest.approx(0.015, rel=1e-9)


def test_bad_inputs():
    g = build("ring", n=4)
    r = StanceResponse(0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 10, 1.0)
    with pytest.raises(SpecError, match=r"^z: got 'shape \(3,\)', expected \(4,\)"):
        predict_stance_curve(g, [0.5, 0.5, -0.5], r, 3, seeds=4)
    with pytest.raises(SpecError, match=r"^graph.anchoring: got 0.2"):
        predict_stance_curve(build("ring", n=4, anchoring=0.2), np.zeros(4), r, 3, seeds=4)
    with pytest.raises(DataError, match=r"^nodes: got no 'stance_var' column"):
        fit_stance_response(pd.DataFrame({"stance": [0.1]}), 4)
    with pytest.raises(SpecError, match=r"^L: got 1, expected an integer >= 2"):
        fit_stance_response(
            pd.DataFrame(
                {
                    c: [0.0] * 3
                    for c in ("stance", "stance_var", "read_stance", "read_stance_var", "k")
                }
            ),
            1,
        )


def test_seeds_that_only_start_the_run_give_degroot_on_stance():
    """persist = False, memory 1, no noise: D(t) = b^(t+1) |lambda|^t D(z) on a complete graph."""
    import numpy as np

    from netcollapse.graphs.retrieval_graph import build
    from netcollapse.theory.stance import StanceResponse, predict_stance_curve

    n, s, b = 6, 0.5, 0.6
    g = build("complete", n=n, self_weight=s)
    z = np.array([0.5, 0.5, 0.5, -0.5, -0.5, -0.5])
    quiet = StanceResponse(b, 0.0, 0.1, 0.0, 0.0, 0.0, 10, 1.0)
    F = predict_stance_curve(g, z, quiet, 5, seeds=4, memory=1, persist=False)
    F = F["frobenius"].to_numpy()
    lam = s - (1 - s) / (n - 1)  # the complete graph's non-trivial eigenvalue
    D_z = np.sqrt(((z[:, None] - z[None, :]) ** 2).sum())
    expected = b ** (np.arange(6) + 1) * abs(lam) ** np.arange(6) * D_z
    np.testing.assert_allclose(F, expected, rtol=1e-9)
    kept = predict_stance_curve(g, z, quiet, 5, seeds=4, memory=1)["frobenius"].to_numpy()
    assert kept[-1] > 10 * F[-1]  # persistent seeds hold a level
