"""Predictor tables (correlations with bootstrap intervals) and the lazy-DeGroot theory check."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from netcollapse.engines.gmm import GMMWeb
from netcollapse.errors import DataError, SpecError
from netcollapse.graphs.retrieval_graph import build
from netcollapse.measures.curves import fit_rate
from netcollapse.measures.theory import g_from_alpha, measured_rate, predicted_rate, theory_check
from netcollapse.sweeps.analysis import format_predictor_table, predictor_table


# --------------------------------------------------------------------------- predictor table
def test_monotone_relation_gives_spearman_one_with_a_degenerate_interval():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 0.99, 40)
    df = pd.DataFrame({"slem": x, "half_life": -1 / np.log(x), "status": "ok"})
    t = predictor_table(df, n_boot=300, seed=1)
    sp = t[t.method == "spearman"].iloc[0]
    assert (sp.predictor, sp.measure, sp.n) == ("slem", "half_life", 40)
    assert [sp.r, sp.lo, sp.hi] == pytest.approx([1.0, 1.0, 1.0])
    pe = t[t.method == "pearson"].iloc[0]
    assert pe.r == pytest.approx(stats.pearsonr(x, -1 / np.log(x))[0])
    assert pe.r < 1.0 and pe.lo <= pe.r <= pe.hi


def test_point_estimates_match_scipy_and_the_interval_covers_the_truth():
    rng = np.random.default_rng(3)
    rho, n = 0.6, 400
    xy = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    df = pd.DataFrame({"lazy_rate": xy[:, 0], "rate": xy[:, 1]})
    t = predictor_table(df, n_boot=1000, seed=0).set_index("method")
    assert t.loc["pearson", "r"] == pytest.approx(stats.pearsonr(xy[:, 0], xy[:, 1])[0])
    assert t.loc["spearman", "r"] == pytest.approx(stats.spearmanr(xy[:, 0], xy[:, 1])[0])
    assert t.loc["pearson", "lo"] < rho < t.loc["pearson", "hi"]
    spearman_truth = 6 / math.pi * math.asin(rho / 2)  # Spearman's rho of a Gaussian pair
    assert t.loc["spearman", "lo"] < spearman_truth < t.loc["spearman", "hi"]
    assert 0.05 < t.loc["pearson", "hi"] - t.loc["pearson", "lo"] < 0.2
    again = predictor_table(df, n_boot=1000, seed=0).set_index("method")
    pd.testing.assert_frame_equal(t, again)  # seeded resampling


def test_default_columns_error_rows_nans_and_constants():
    df = pd.DataFrame({
        "status": ["ok"] * 5 + ["error"],
        "slem": [0.1, 0.2, 0.3, 0.4, np.nan, 0.9],
        "n": [8] * 6,  # constant: left out by default
        "rate": [0.2, 0.3, 0.5, 0.6, 0.7, np.nan],
        "half_life": [1.0, 2.0, 3.0, 5.0, 8.0, np.nan],
        "other": list("abcdef"),
    })
    t = predictor_table(df, n_boot=50)
    assert set(t.predictor) == {"slem"} and set(t.measure) == {"rate", "half_life"}
    assert (t.n == 4).all()  # the error row and the NaN row are left out
    assert np.allclose(t.loc[t.method == "spearman", "r"], 1.0)
    few = predictor_table(df.iloc[:2], predictors=["slem"], measures=["rate"])
    assert few.r.isna().all() and (few.n == 2).all()
    with pytest.raises(SpecError, match="predictors: got 'gap', expected a column"):
        predictor_table(df, predictors=["gap"])
    text = format_predictor_table(t, measures=("rate",))
    assert "slem" in text and "+1.000" in text and "half_life" not in text


# --------------------------------------------------------------------------- theory
def test_g_from_alpha():
    assert g_from_alpha("1/k", 1) == 1.0
    assert g_from_alpha("1/k", 4) == pytest.approx(1 - 0.75**4)
    assert g_from_alpha(0.1, 10) == pytest.approx(1 - 0.9**10)
    assert g_from_alpha("1/k", 10**6) == pytest.approx(1 - math.exp(-1), abs=1e-6)
    with pytest.raises(SpecError, match="alpha: got '1/n'"):
        g_from_alpha("1/n", 3)
    with pytest.raises(SpecError, match="k: got 0, expected an integer >= 1"):
        g_from_alpha(0.5, 0)


@pytest.mark.parametrize("n, k, alpha", [(4, 10, "1/k"), (7, 100, "1/k"), (5, 3, 0.2)])
def test_predicted_rate_complete_graph_with_self_loop_is_one_minus_g(n, k, alpha):
    g = build("complete", n=n, self_weight=1 / n)  # uniform weights including the self loop
    assert np.allclose(g.W.toarray(), 1 / n)
    assert predicted_rate(g, k, alpha) == pytest.approx(1 - g_from_alpha(alpha, k), abs=1e-9)
    assert predicted_rate(g.W, k, alpha) == pytest.approx(predicted_rate(g, k, alpha))


def test_predicted_rate_on_the_cycle_matches_its_closed_form():
    n, k = 10, 50
    g = g_from_alpha("1/k", k)
    # cycle walk: eigenvalues cos(2 pi j / n); lazy map lambda -> 1 - g + g lambda
    expected = max(abs(1 - g + g * math.cos(2 * math.pi / n)), abs(1 - 2 * g))
    assert predicted_rate(build("ring", n=n, k=2), k) == pytest.approx(expected, abs=1e-9)


def test_measured_rate_removes_the_noise_floor_in_quadrature():
    t = np.arange(50)
    F = np.sqrt((5 * 0.6**t) ** 2 + 0.3**2)
    assert measured_rate(F) == pytest.approx(0.6, abs=1e-2)
    assert measured_rate(F, floor=0.3) == pytest.approx(0.6, abs=1e-9)
    naive = fit_rate(F, window=(0, 12)).rate  # the same steps without the floor removed
    assert naive > 0.65  # biased toward 1
    assert measured_rate(5 * 0.8**t, floor=0.0) == pytest.approx(0.8)
    assert math.isnan(measured_rate(np.full(10, 2.0)))  # flat: no signal above the floor
    assert math.isnan(measured_rate(np.array([3.0])))
    with pytest.raises(DataError, match="F: got an invalid trajectory"):
        measured_rate(np.array([1.0, np.nan]))
    with pytest.raises(SpecError, match="floor: got -1"):
        measured_rate(F, floor=-1)


def test_theory_check_on_memoryless_gmm_complete_graph():
    graph = build("complete", n=16, self_weight=1 / 16)
    web = GMMWeb(graph, B=3, means=[-9, 0, 9], L=96, a=0.2, seed=2, retrieval={"k": 96, "memory": 1})
    res = web.run(10, progress=False)
    check = theory_check(res, graph, k=96)
    assert set(check) == {"measured", "predicted"}
    assert check["predicted"] == pytest.approx(1 - g_from_alpha("1/k", 96))
    assert abs(check["measured"] - check["predicted"]) < 0.06
    assert theory_check(res.frobenius, graph, 96) == check


def test_memoryless_ring_contracts_slower_than_the_complete_graph():
    kw = dict(B=3, means=[-9, 0, 9], L=64, retrieval={"k": 64, "memory": 1}, a=0.2, seed=5)
    ring, complete = build("ring", n=16, k=2), build("complete", n=16)
    r_ring = measured_rate(GMMWeb(ring, **kw).run(40, progress=False).frobenius)
    r_full = measured_rate(GMMWeb(complete, **kw).run(40, progress=False).frobenius)
    assert predicted_rate(complete, 64) < predicted_rate(ring, 64)
    assert r_full < 0.5 < r_ring
