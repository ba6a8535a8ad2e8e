"""Tests for netcollapse.measures.corrected: exact split, unbiasedness, honest SEs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from netcollapse.errors import SpecError
from netcollapse.measures import corrected as C
from netcollapse.measures.disagreement import frobenius_distance, node_means

REPLICATES = 2000


def _pairwise(X: np.ndarray, pairs) -> float:
    return float(sum(np.sum((X[i] - X[j]) ** 2) for i, j in pairs))


def _population(rng, n=6, d=5):
    mu = rng.normal(scale=0.6, size=(n, d))
    sd = rng.uniform(0.5, 2.0, size=n)  # unequal within-node spreads
    return mu, sd


def _draw(rng, mu, sd, L):
    n, d = mu.shape
    return mu[:, None, :] + sd[:, None, None] * rng.normal(size=(n, L, d))


def test_raw_is_the_papers_metric_and_split_is_exact():
    rng = np.random.default_rng(1)
    s = rng.normal(size=(5, 4, 3))
    d = C.corrected_disagreement(s)
    assert d.raw == pytest.approx(frobenius_distance(node_means(s)) ** 2, rel=1e-12)
    assert d.between + d.noise == pytest.approx(d.raw, rel=1e-12)
    X = node_means(s)
    s2 = np.array([np.sum((s[i] - X[i]) ** 2) / 3 for i in range(5)])
    assert d.noise == pytest.approx(2 * 4 * s2.sum() / 4, rel=1e-12)
    assert d.diversity == pytest.approx(s2.mean(), rel=1e-12)


@pytest.mark.parametrize("L", [3, 8])
def test_between_is_unbiased_and_its_se_is_honest(L):
    rng = np.random.default_rng(L)
    mu, sd = _population(rng)
    n, d = mu.shape
    truth = _pairwise(mu, [(i, j) for i in range(n) for j in range(n)])
    div_truth = float((sd**2 * d).mean())
    est = np.array([C.corrected_disagreement(_draw(rng, mu, sd, L)) for _ in range(REPLICATES)])
    between, diversity, se = est[:, 1], est[:, 3], est[:, 5]
    mc = between.std(ddof=1) / math.sqrt(REPLICATES)
    assert abs(between.mean() - truth) < 4 * mc  # bias within Monte-Carlo error
    assert abs(diversity.mean() - div_truth) < 4 * diversity.std(ddof=1) / math.sqrt(REPLICATES)
    # the raw metric is biased upward by the sampling floor, by far more than the MC error
    assert est[:, 0].mean() - truth > 20 * mc
    # the jackknife is honest or conservative: never below the true variance, and at
    # most about L / (L - 2) times it (the degenerate U-statistic case)
    ratio = np.mean(se**2) / between.var(ddof=1)
    assert 0.9 < ratio < 1.25 * L / (L - 2)


def test_group_split_is_unbiased_and_adds_up():
    rng = np.random.default_rng(7)
    mu, sd = _population(rng, n=6)
    groups = np.array([0, 0, 0, 1, 1, 1])
    n = 6
    same = [(i, j) for i in range(n) for j in range(n) if groups[i] == groups[j]]
    cross = [(i, j) for i in range(n) for j in range(n) if groups[i] != groups[j]]
    gap = float(np.sum((mu[:3].mean(0) - mu[3:].mean(0)) ** 2))
    est = []
    for _ in range(REPLICATES):
        s = _draw(rng, mu, sd, 4)
        g = C.group_disagreement(s, groups)
        assert g.within + g.across == pytest.approx(C.corrected_disagreement(s).between)
        est.append(g)
    est = np.array(est)
    for col, truth in ((0, _pairwise(mu, same)), (1, _pairwise(mu, cross)), (2, gap)):
        mc = est[:, col].std(ddof=1) / math.sqrt(REPLICATES)
        assert abs(est[:, col].mean() - truth) < 4 * mc


def test_scalar_readouts_are_one_dimensional_samples():
    s = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 7.0]])
    assert C.corrected_disagreement(s) == C.corrected_disagreement(s[:, :, None])


def test_small_L():
    s = np.random.default_rng(0).normal(size=(3, 1, 2))
    d = C.corrected_disagreement(s)
    assert d.raw > 0 and math.isnan(d.between) and math.isnan(d.corrected)
    d2 = C.corrected_disagreement(np.random.default_rng(0).normal(size=(3, 2, 2)))
    assert math.isfinite(d2.between) and math.isnan(d2.between_se)


def test_clipped_root_keeps_sign_information_out():
    assert C.clipped_root(-3.0) == 0.0 and C.clipped_root(9.0) == 3.0
    assert math.isnan(C.clipped_root(math.nan))


@pytest.mark.parametrize("groups", [[0, 0, 0], [0, 1], [0, 2, 1]])
def test_bad_groups(groups):
    with pytest.raises(SpecError, match="^groups: got"):
        C.group_disagreement(np.zeros((3, 2, 1)), groups)
