"""Curve measures relative to the level: closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from netcollapse.errors import SpecError
from netcollapse.measures.levels import (
    LEVEL_MEASURES,
    excess_half_life,
    level_measures,
    retained_share,
)


def test_excess_half_life_of_geometric_decay_over_a_floor():
    t = np.arange(40)
    for r in (0.5, 0.8):
        F = np.sqrt(25 * r**t + 4.0)  # excess 25 r^t over floor^2 = 4
        assert excess_half_life(F, floor=2.0) == pytest.approx(math.log(0.5) / math.log(r))


def test_excess_half_life_is_defined_where_half_life_is_not():
    F = np.array([8.0, 5.0, 5.1, 4.9, 5.0, 5.0])  # floor 5 > F(0) / 2
    assert 0 < excess_half_life(F) <= 1
    assert math.isnan(excess_half_life(np.full(6, 3.0)))  # never above its floor


def test_retained_share_closed_forms():
    assert retained_share(np.array([4.0, 2.0, 2.0])) == 0.5
    r, T = 0.6, 400
    F = r ** np.arange(T + 1)
    assert retained_share(F) == pytest.approx(r / ((1 - r) * T), rel=1e-6)
    assert math.isnan(retained_share(np.zeros(3)))
    with pytest.raises(SpecError, match="^F: got"):
        retained_share(np.array([1.0]))


def test_level_measures_of_a_drop_to_a_plateau_and_of_geometric_decay():
    m = level_measures(np.array([8.0] + [4.0] * 9))  # floor 4 (last 2 steps), F(0) = 2 floor
    assert list(m) == [*LEVEL_MEASURES, "notes"]
    assert [m[k] for k in ("half_life", "retained_share", "floor")] == [1.0, 0.5, 4.0]
    assert m["excess_half_life"] == 0.5  # excess 48 -> 0 in one step, linear in between
    assert math.isnan(m["time_to_twice_floor"]) and "within twice its floor" in m["notes"]
    T = 40
    m = level_measures(8 * 0.5 ** np.arange(T + 1))
    assert m["half_life"] == pytest.approx(1.0)
    assert m["retained_share"] == pytest.approx((1 - 0.5**T) / T)
    tail = 0.5 ** np.arange(32, T + 1)  # the last ceil(0.2 * 41) = 9 steps
    assert m["floor"] == pytest.approx(8 * tail.mean(), rel=1e-12)
