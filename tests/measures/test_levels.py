"""Curve measures relative to the level: closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from netcollapse.errors import SpecError
from netcollapse.measures.levels import excess_half_life, retained_share


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
