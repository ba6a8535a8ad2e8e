"""The least-squares geometric rate from round 1 on, against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from netcollapse.measures.rates import geometric_rate, stance_rates


def test_exact_for_geometric_decay_from_round_one():
    x = np.r_[10.0, 2.0 * 0.7 ** np.arange(6)]  # round 0 is a level: not fitted
    r, se = geometric_rate(x)
    assert r == pytest.approx(0.7, abs=1e-12) and se == pytest.approx(0.0, abs=1e-12)
    assert geometric_rate(x, start=0)[0] != pytest.approx(0.7)


def test_closed_form_with_noise():
    x = np.array([1.0, 1.0, 0.5, 0.4, 0.1])
    prev, cur = x[1:-1], x[2:]
    r = prev @ cur / (prev @ prev)
    s2 = np.sum((cur - r * prev) ** 2) / 2
    assert geometric_rate(x) == pytest.approx((r, math.sqrt(s2 / (prev @ prev))))


def test_edge_cases():
    assert all(math.isnan(v) for v in geometric_rate([1.0, 0.0, 0.0, 0.0]))
    r, se = geometric_rate([1.0, 0.5, 0.25])  # one pair: a rate, no SE
    assert r == 0.5 and math.isnan(se)
    r, _ = geometric_rate([1.0, 0.8, np.nan, 0.4, 0.2])  # NaN rounds drop their pairs
    assert r == pytest.approx(0.5)


def test_stance_rates_of_a_run():
    m = pd.DataFrame(
        {"stance_corrected": [0.9, 0.6, 0.3, 0.15], "stance_gap": [1, -0.8, 0.4, -0.2]}
    )
    out = stance_rates(m)
    assert out["stance_rate"] == pytest.approx(0.5) and out["stance_gap_rate"] == pytest.approx(
        -0.5
    )
    assert stance_rates(pd.DataFrame({"frobenius": [1.0, 0.5]})) is None
    only = stance_rates(pd.DataFrame({"stance_corrected": [0.9, 0.6, 0.3]}))
    assert math.isnan(only["stance_gap_rate"])
