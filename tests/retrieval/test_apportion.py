"""Largest-remainder rounding with seeded random tie-breaks, and its expectation."""

from __future__ import annotations

import numpy as np
import pytest

from netcollapse.retrieval.apportion import hamilton, hamilton_expected, multinomial_rows


def one_row(target, units):
    m = len(target)
    return np.array([units]), np.zeros(m, dtype=np.int64), np.arange(m), np.asarray(target), 1


def test_no_tie_is_deterministic_and_draws_nothing():
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    give, drew = hamilton(*one_row([1.7, 0.2, 1.1], 3), rng=rng)
    assert give.tolist() == [2, 0, 1]
    assert drew is False
    assert rng.bit_generator.state == state  # the generator was not touched


def test_equal_remainders_above_the_cut_are_not_ties():
    # 0.6 and 0.6 both get one of the 2 units left: nothing to break, nothing drawn
    give, drew = hamilton(*one_row([0.6, 0.6, 0.4, 0.4], 2), rng=np.random.default_rng(0))
    assert give.tolist() == [1, 1, 0, 0]
    assert drew is False
    give, drew = hamilton(*one_row([1.5, 1.5, 1.0], 4), rng=np.random.default_rng(0))
    assert sorted(give.tolist()[:2]) == [1, 2] and give[2] == 1
    assert drew is True


def test_ties_at_the_cut_are_uniform():
    counts = np.zeros(5)
    for seed in range(4000):
        give, drew = hamilton(*one_row([0.4] * 5, 2), rng=np.random.default_rng(seed))
        assert drew and give.sum() == 2 and set(give.tolist()) <= {0, 1}
        counts += give
    # each of 5 tied sources gets a unit with probability 2/5: 1600 of 4000 (sd ~31)
    assert np.abs(counts - 1600).max() < 130
    # without a random source, the earlier sources win every time
    assert hamilton(*one_row([0.4] * 5, 2))[0].tolist() == [1, 1, 0, 0, 0]


def test_untied_entries_keep_their_units():
    target = [2.7, 0.3, 0.3, 0.3, 0.4]  # 4 units: floors 2, then 0.7 and 0.4 are above the cut
    give, drew = hamilton(*one_row(target, 4), rng=np.random.default_rng(1))
    assert give[0] == 3 and give[4] == 1 and give[1:4].sum() == 0
    assert drew is False


def test_expected_matches_the_mean_over_tie_orders():
    target = np.array([1.3, 0.3, 0.3, 2.3, 0.8])  # 5 units: floors 3, 0.8 first, then 4 tied
    args = one_row(target, 5)
    exp, tied = hamilton_expected(*args)
    assert tied.tolist() == [True, True, True, True, False]
    np.testing.assert_allclose(exp, [1.25, 0.25, 0.25, 2.25, 1.0])
    mean = np.mean([hamilton(*args, rng=np.random.default_rng(s))[0] for s in range(3000)], axis=0)
    np.testing.assert_allclose(mean, exp, atol=0.04)


@pytest.mark.parametrize("seed", range(6))
def test_several_rows_sum_and_bounds(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 7, size=8)
    ra = np.repeat(np.arange(8), sizes)
    a = np.arange(ra.size)
    shares = rng.choice([1.0, 2.0], size=ra.size)  # few distinct shares: many ties
    units = rng.integers(0, 12, size=8)
    S = np.bincount(ra, weights=shares, minlength=8)
    target = units[ra] * shares / S[ra]
    give, _ = hamilton(units, ra, a, target, 8, rng=rng)
    assert np.bincount(ra, weights=give, minlength=8).astype(int).tolist() == units.tolist()
    assert np.all(give >= np.floor(target + 1e-9)) and np.all(give <= np.floor(target) + 1)
    exp, _ = hamilton_expected(units, ra, a, target, 8)
    np.testing.assert_allclose(np.bincount(ra, weights=exp, minlength=8), units)


def test_multinomial_rows_sums():
    x = multinomial_rows(
        np.array([7, 0, 3]),
        np.array([0, 0, 1, 2, 2]),
        np.array([0.3, 0.7, 1.0, 0.5, 0.5]),
        np.random.default_rng(2),
    )
    assert [int(x[:2].sum()), int(x[2]), int(x[3:].sum())] == [7, 0, 3]
