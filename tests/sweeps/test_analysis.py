"""Predictor tables (correlations with bootstrap intervals) and the lazy-DeGroot theory check."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from netcollapse.errors import SpecError
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
    df = pd.DataFrame({"lazy_rate": xy[:, 0], "late_rate": xy[:, 1]})
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
    df = pd.DataFrame(
        {
            "status": ["ok"] * 5 + ["error"],
            "slem": [0.1, 0.2, 0.3, 0.4, np.nan, 0.9],
            "n": [8] * 6,  # constant: left out by default
            "late_rate": [0.2, 0.3, 0.5, 0.6, 0.7, np.nan],
            "half_life": [1.0, 2.0, 3.0, 5.0, 8.0, np.nan],
            "other": list("abcdef"),
        }
    )
    t = predictor_table(df, n_boot=50)
    assert set(t.predictor) == {"slem"} and set(t.measure) == {"late_rate", "half_life"}
    assert (t.n == 4).all()  # the error row and the NaN row are left out
    assert np.allclose(t.loc[t.method == "spearman", "r"], 1.0)
    few = predictor_table(df.iloc[:2], predictors=["slem"], measures=["late_rate"])
    assert few.r.isna().all() and (few.n == 2).all()
    with pytest.raises(SpecError, match="predictors: got 'gap', expected a column"):
        predictor_table(df, predictors=["gap"])
    text = format_predictor_table(t, measures=("late_rate",))
    assert "slem" in text and "+1.000" in text and "half_life" not in text
