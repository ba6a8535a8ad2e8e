"""Spearman's rank correlation and the mean's t-interval: closed forms and the NaN rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from netcollapse.errors import SpecError
from netcollapse.measures.stats import mean_interval, pearson_rows, spearman, spearman_rows


# ----------------------------------------------------------------------------- spearman
def test_spearman_closed_forms():
    # no ties: rho = 1 - 6 sum d^2 / (n (n^2 - 1)); d = (-1, 1, -1, 1, 0)
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(1 - 6 * 4 / (5 * 24))
    x = np.linspace(0.1, 3.0, 12)
    assert spearman(x, np.exp(5 * x)) == pytest.approx(1.0)  # any increasing map
    assert spearman(x, -(x**3)) == pytest.approx(-1.0)
    # ties share their mean rank: ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(3 / math.sqrt(10))


def test_spearman_matches_scipy_with_ties():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 5, size=40).astype(float)
    y = x + rng.integers(0, 4, size=40)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)


def test_spearman_drops_non_finite_pairs():
    x = [1.0, 2.0, np.nan, 3.0, np.inf, 4.0]
    y = [4.0, 3.0, 1.0, 2.0, 0.0, -np.inf]
    assert spearman(x, y) == pytest.approx(-1.0)  # the pairs (1, 4), (2, 3), (3, 2)


def test_spearman_is_nan_below_three_pairs_or_with_a_constant_side():
    assert math.isnan(spearman([1.0, 2.0], [2.0, 1.0]))
    assert math.isnan(spearman([1.0, 2.0, np.nan], [1.0, 2.0, 3.0]))  # 2 finite pairs
    assert math.isnan(spearman([1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0]))
    assert math.isnan(spearman([1.0, 1.0, 1.0, 9.0], [1.0, 2.0, 3.0, np.nan]))  # constant kept
    assert math.isnan(spearman([], []))


def test_spearman_rejects_columns_of_different_lengths():
    with pytest.raises(SpecError, match=r"len\(y\): got 2, expected 3, the length of x"):
        spearman([1, 2, 3], [1, 2])


def test_row_correlations_agree_with_the_single_ones():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 9)), rng.normal(size=(5, 9))
    want = [spearman(a, b) for a, b in zip(x, y)]
    np.testing.assert_allclose(spearman_rows(x, y), want, rtol=1e-12)
    np.testing.assert_allclose(
        pearson_rows(x, y), [np.corrcoef(a, b)[0, 1] for a, b in zip(x, y)], rtol=1e-12
    )
    assert np.isnan(pearson_rows([[1.0, 1.0, 1.0]], [[1.0, 2.0, 3.0]])).all()


# ----------------------------------------------------------------------------- t-interval
def test_mean_interval_closed_forms_for_one_and_two_degrees_of_freedom():
    # Student's t quantiles: tan(pi (p - 1/2)) with 1 df, (2p - 1) / sqrt(2 p (1 - p)) with 2
    p = 0.975
    m, lo, hi = mean_interval([0.0, 2.0])  # mean 1, sd sqrt(2)
    assert m == 1.0
    assert hi - m == pytest.approx(math.tan(math.pi * (p - 0.5)) * math.sqrt(2) / math.sqrt(2))
    m, lo, hi = mean_interval([1.0, 2.0, 3.0])  # mean 2, sd 1
    t2 = (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    assert (m, lo, hi) == pytest.approx((2.0, 2.0 - t2 / math.sqrt(3), 2.0 + t2 / math.sqrt(3)))


def test_mean_interval_keeps_the_old_table_and_is_right_beyond_it():
    table = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}
    table |= {6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}
    for df, t in table.items():
        v = np.r_[np.zeros(df), float(df + 1)]  # n = df + 1 values
        m, _, hi = mean_interval(v)
        half = t * v.std(ddof=1) / math.sqrt(v.size)
        assert hi - m == pytest.approx(half, abs=6e-4 * v.std(ddof=1) / math.sqrt(v.size))
    # 30 df: t = 2.042, not the 1.96 of a normal
    v = np.arange(31.0)
    m, _, hi = mean_interval(v)
    assert (hi - m) / (v.std(ddof=1) / math.sqrt(31)) == pytest.approx(2.042, abs=5e-4)


def test_mean_interval_level_and_non_finite_values():
    m, lo, hi = mean_interval([1.0, 2.0, 3.0, np.nan, np.inf], level=0.5)
    t = stats.t.ppf(0.75, 2)  # half of the mass within +/- t
    assert (m, hi - m) == pytest.approx((2.0, t / math.sqrt(3)))
    assert lo == pytest.approx(2 * m - hi)
    assert mean_interval([5.0, np.nan])[0] == 5.0 and math.isnan(mean_interval([5.0])[1])
    assert all(math.isnan(v) for v in mean_interval([np.nan]))
    with pytest.raises(SpecError, match=r"level: got 1\.0, expected a coverage in \(0, 1\)"):
        mean_interval([1.0, 2.0], level=1.0)


# ------------------------------------------------ paired, blocked, line fit
def _blocked_table(rng, conditions=("a", "b", "c"), blocks=8):
    rows = []
    for s in range(blocks):
        shift = rng.normal(0, 2.0)  # a block effect shared by every condition
        for i, c in enumerate(conditions):
            rows.append({"graph": c, "seed": s, "v": shift + 0.5 * i + rng.normal(0, 0.3)})
    return pd.DataFrame(rows)


def test_paired_interval_matches_scipy_ttest_rel():
    from scipy.stats import ttest_rel

    from netcollapse.measures.stats import paired_interval

    t = _blocked_table(np.random.default_rng(0))
    r = paired_interval(t, "v", "c", "a")
    a = t[t.graph == "a"].sort_values("seed")["v"].to_numpy()
    c = t[t.graph == "c"].sort_values("seed")["v"].to_numpy()
    ci = ttest_rel(c, a).confidence_interval(0.95)
    assert r["n"] == 8 and r["positive"] == int((c > a).sum())
    np.testing.assert_allclose([r["mean"], r["lo"], r["hi"]], [(c - a).mean(), ci.low, ci.high])
    # the block effect (SD 2) cancels: the paired interval is far narrower than unpaired
    assert r["hi"] - r["lo"] < 0.5


def test_paired_interval_skips_unshared_blocks_and_names_bad_conditions():
    from netcollapse.measures.stats import paired_interval

    t = _blocked_table(np.random.default_rng(1))
    t.loc[(t.graph == "a") & (t.seed == 3), "v"] = np.nan
    assert paired_interval(t, "v", "b", "a")["n"] == 7
    with pytest.raises(SpecError, match="^graph: got 'ring'"):
        paired_interval(t, "v", "ring", "a")


def test_blocked_anova_two_conditions_is_the_paired_t_squared():
    from scipy.stats import ttest_rel

    from netcollapse.measures.stats import blocked_anova

    t = _blocked_table(np.random.default_rng(2), conditions=("a", "b"))
    r = blocked_anova(t, "v")
    a = t[t.graph == "a"].sort_values("seed")["v"].to_numpy()
    b = t[t.graph == "b"].sort_values("seed")["v"].to_numpy()
    res = ttest_rel(a, b)
    np.testing.assert_allclose(r["F_condition"], res.statistic**2)
    np.testing.assert_allclose(r["p_condition"], res.pvalue)
    assert r["p_block"] < 0.01  # the block effect is there


def test_blocked_anova_drops_incomplete_blocks():
    from netcollapse.measures.stats import blocked_anova

    t = _blocked_table(np.random.default_rng(3))
    t.loc[(t.graph == "b") & (t.seed == 0), "v"] = np.nan
    r = blocked_anova(t, "v")
    assert (r["conditions"], r["blocks"]) == (3, 7)
    assert r["p_condition"] < 0.05  # condition steps of 0.5 against noise 0.3


def test_line_fit_matches_linregress():
    from scipy.stats import linregress, t

    from netcollapse.measures.stats import line_fit

    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, 12)
    y = 0.2 + 0.9 * x + rng.normal(0, 0.05, 12)
    r = line_fit(np.r_[x, np.nan], np.r_[y, 1.0])
    ref = linregress(x, y)
    half = t.ppf(0.975, 10) * ref.stderr
    np.testing.assert_allclose(
        [r["slope"], r["intercept"], r["slope_lo"], r["slope_hi"], r["r2"]],
        [ref.slope, ref.intercept, ref.slope - half, ref.slope + half, ref.rvalue**2],
    )
    assert r["n"] == 12
    assert np.isnan(line_fit([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])["slope"])
