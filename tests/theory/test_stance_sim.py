"""The Monte-Carlo of the calibrated stance model against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from netcollapse.graphs.retrieval_graph import build
from netcollapse.measures.rates import stance_rates
from netcollapse.theory.stance import StanceResponse
from netcollapse.theory.stance_sim import simulate_stance_run

RESPONSE = StanceResponse(0.44, 0.04, 0.12, 0.05, 0.001, 0.0, 60, 0.7)
Z = np.r_[np.full(8, 0.4), np.full(8, -0.4)]


def mean_gap_rate(graph, runs=300):
    rates = [
        stance_rates(
            simulate_stance_run(graph.W, Z, RESPONSE, 5, L=8, k=8, rng=np.random.default_rng(s)),
            start=0,
        )["stance_gap_rate"]
        for s in range(runs)
    ]
    return float(np.nanmean(rates)), float(np.nanstd(rates) / np.sqrt(runs))


@pytest.mark.parametrize(
    "graph, mode",
    [
        (build("isolated", n=16), 1.0),  # W = I: only the response contracts the gap
        (build("complete", n=16, self_weight=0.5), 0.5 - 0.5 / 15),  # lambda of every mode
    ],
)
def test_gap_rate_is_the_slope_times_the_graphs_eigenvalue(graph, mode):
    rate, se = mean_gap_rate(graph)
    assert rate == pytest.approx(RESPONSE.slope * mode, abs=max(4 * se, 0.02))


def test_same_seed_same_run_and_round_zero_does_not_depend_on_the_graph():
    a = simulate_stance_run(build("ring", n=16).W, Z, RESPONSE, 3, L=4, k=4,
                            rng=np.random.default_rng(5))  # fmt: skip
    b = simulate_stance_run(build("ring", n=16).W, Z, RESPONSE, 3, L=4, k=4,
                            rng=np.random.default_rng(5))  # fmt: skip
    c = simulate_stance_run(build("complete", n=16).W, Z, RESPONSE, 3, L=4, k=4,
                            rng=np.random.default_rng(5))  # fmt: skip
    assert a.equals(b) and a.iloc[0].equals(c.iloc[0]) and not a.equals(c)


def test_expected_gap_closed_form_and_against_the_simulation():
    from netcollapse.theory.stance import predict_stance_gap

    g = build("complete", n=16, self_weight=0.5)
    lam = 0.5 - 0.5 / 15
    gap = predict_stance_gap(g, Z, RESPONSE, 4)
    np.testing.assert_allclose(gap, 0.8 * 0.44 ** (np.arange(5) + 1) * lam ** np.arange(5))
    sims = [
        simulate_stance_run(g.W, Z, RESPONSE, 4, L=4, k=8, rng=np.random.default_rng(s))
        for s in range(400)
    ]
    mean = np.mean([s["stance_gap"].to_numpy() for s in sims], axis=0)
    se = np.std([s["stance_gap"].to_numpy() for s in sims], axis=0) / np.sqrt(400)
    assert np.all(np.abs(mean - gap) < 4 * se + 1e-3)
