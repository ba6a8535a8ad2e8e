"""Tests for netcollapse.measures.curves: closed forms of the collapse measures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from netcollapse.errors import SpecError
from netcollapse.measures import curves as M

GEOM = 5 * 0.5 ** np.arange(41)


def test_geometric_closed_forms():
    assert M.half_life(GEOM) == 1.0
    assert M.epsilon_time(GEOM, eps=0.1) == pytest.approx(math.log(0.1) / math.log(0.5), abs=1e-12)
    fit = M.fit_rate(GEOM)
    assert fit.rate == pytest.approx(0.5, abs=1e-12)
    assert fit.slope == pytest.approx(math.log(0.5), abs=1e-12)
    assert fit.intercept == pytest.approx(math.log(5), abs=1e-12)
    assert fit.r2 == pytest.approx(1.0, abs=1e-12)
    assert fit.start == 0 and fit.stop >= 3


def test_geometric_other_rate_and_absolute_eps():
    F = 2.0 * 0.8 ** np.arange(60)
    assert M.half_life(F) == pytest.approx(math.log(0.5) / math.log(0.8), abs=1e-12)
    assert M.fit_rate(F).rate == pytest.approx(0.8, abs=1e-12)
    # absolute eps: 2 * 0.8^t = 0.1  ->  t = log(0.05) / log(0.8)
    t = M.epsilon_time(F, eps=0.1, relative=False)
    assert t == pytest.approx(math.log(0.05) / math.log(0.8), abs=1e-12)


def test_linear_interpolation_is_exact_for_linear_curve():
    F = 10.0 - np.arange(11.0)  # 10, 9, ..., 0
    assert M.half_life(F, interpolation="linear") == pytest.approx(5.0)
    assert M.epsilon_time(F, eps=0.25, interpolation="linear") == pytest.approx(7.5)
    # log interpolation differs between 7 (F=3) and 8 (F=2) for target 2.5
    expected = 7 + (math.log(3) - math.log(2.5)) / (math.log(3) - math.log(2))
    assert M.epsilon_time(F, eps=0.25) == pytest.approx(expected, abs=1e-12)
    # reaching exactly zero falls back to linear interpolation
    assert M.epsilon_time(F, eps=0.0) == 10.0


def test_constant_curve_never_collapses():
    F = np.full(25, 3.0)
    assert math.isnan(M.half_life(F))
    assert math.isnan(M.epsilon_time(F))
    fit = M.fit_rate(F)
    assert fit.rate == 1.0 and fit.slope == 0.0 and fit.r2 == 1.0
    assert (fit.start, fit.stop) == (0, 3)
    assert M.plateau(F) == 3.0


def test_decay_to_floor_plateau_and_window():
    c, r = 2.0, 0.6
    t = np.arange(101)
    F = c + 30.0 * r**t
    assert M.plateau(F) == pytest.approx(c, rel=1e-12)
    auto = M.fit_rate(F)
    # window ends before F < 1.5 c, i.e. before 30 r^t < c / 2
    first_below = int(np.flatnonzero(F < 1.5 * M.plateau(F))[0])
    assert auto.stop == first_below
    assert np.all(F[auto.start : auto.stop] >= 1.5 * M.plateau(F))
    whole = M.fit_rate(F, window=(0, 101))
    assert abs(auto.rate - r) < 0.1 < abs(whole.rate - r)
    assert whole.start == 0 and whole.stop == 101


def test_plateau_tail_count():
    F = np.arange(15.0)  # ceil(0.2 * 15) = 3 values: 12, 13, 14
    assert M.plateau(F) == 13.0
    assert M.plateau(F, tail=1.0) == 7.0
    assert M.plateau(np.array([4.0, 1.0])) == 1.0
    with pytest.raises(SpecError, match=r"tail: got 0, expected a number in \(0, 1\]"):
        M.plateau(F, tail=0)


def test_fit_rate_with_zeros_and_short_curves():
    F = np.array([8.0, 4.0, 2.0, 1.0, 0.0, 0.0, 0.0])
    fit = M.fit_rate(F)
    assert (fit.start, fit.stop) == (0, 4)
    assert fit.rate == pytest.approx(0.5, abs=1e-12)
    one = M.fit_rate(np.array([3.0]))
    assert math.isnan(one.rate) and (one.start, one.stop) == (0, 1)
    two = M.fit_rate(np.array([3.0, 1.5]))
    assert two.rate == pytest.approx(0.5) and two.r2 == 1.0
    with pytest.raises(SpecError, match=r"window: got \(2, 6\), expected steps where F > 0"):
        M.fit_rate(F, window=(2, 6))
    with pytest.raises(SpecError, match=r"window: got \(0, 1\), expected \(start, stop\)"):
        M.fit_rate(F, window=(0, 1))


def test_explicit_window_fits_only_that_part():
    F = np.concatenate([10 * 0.5 ** np.arange(5), np.full(5, 10 * 0.5**4)])
    fit = M.fit_rate(F, window=(1, 5))
    assert fit.rate == pytest.approx(0.5, abs=1e-12)
    assert M.fit_rate(F, window=(5, 10)).rate == pytest.approx(1.0, abs=1e-12)


def test_rate_fit_is_frozen():
    fit = M.fit_rate(GEOM)
    with pytest.raises(AttributeError):
        fit.rate = 2.0  # type: ignore[misc]
    assert set(fit.to_dict()) == {"rate", "slope", "intercept", "r2", "start", "stop"}


def test_collapse_measures_keys_and_values():
    m = M.collapse_measures(GEOM)
    assert set(m) == {
        "half_life",
        "time_to_twice_floor",
        "floor",
        "area_above_floor",
        "late_rate",
        "late_start",
        "late_stop",
        "notes",
        "final_frobenius",
        "initial_frobenius",
    }
    assert m["half_life"] == 1.0
    assert m["initial_frobenius"] == 5.0 and m["final_frobenius"] == GEOM[-1]
    flat = M.collapse_measures(np.full(10, 2.0))
    assert math.isnan(flat["half_life"]) and math.isnan(flat["late_rate"])
    assert "never falls to half" in flat["notes"]


def test_curve_measures_closed_forms_with_a_floor():
    """F(t)^2 = (a r^t)^2 + c^2: every measure has a closed form."""
    a, r, c = 8.0, 0.6, 0.02
    t = np.arange(80)
    F = np.sqrt((a * r**t) ** 2 + c**2)
    m = M.curve_measures(F, floor=c)
    assert m.floor == c
    assert m.late_rate == pytest.approx(r, abs=1e-12)  # noise removed in quadrature: exact
    # 2c is reached where (a r^t)^2 = 3 c^2; log interpolation is within the step
    t2 = math.log(math.sqrt(3) * c / a) / math.log(r)
    assert m.time_to_twice_floor == pytest.approx(t2, abs=0.05)
    assert m.late_stop == math.ceil(t2) and m.late_start < m.late_stop - 2
    assert m.area_above_floor == pytest.approx(float((F - c).sum()), rel=1e-12)
    assert m.notes == ""


def test_curve_measures_default_floor_is_the_tail_mean_and_nan_reasons():
    F = np.r_[10.0, 5.0, np.full(18, 1.0)]
    m = M.curve_measures(F)
    assert m.floor == 1.0 and m.half_life == 1.0
    assert m.area_above_floor == pytest.approx(9.0 + 4.0)
    assert math.isnan(m.late_rate) and "fewer than 3 steps" in m.notes
    zero = M.curve_measures(GEOM, floor=0.0)
    assert math.isnan(zero.time_to_twice_floor) and "floor is 0" in zero.notes
    assert zero.late_rate == pytest.approx(0.5, abs=1e-12)
    rising = M.curve_measures(np.linspace(1.0, 3.0, 20))
    assert "starts within twice its floor" in rising.notes


def test_curve_measures_bad_floor():
    with pytest.raises(SpecError, match="floor: got -1"):
        M.curve_measures(GEOM, floor=-1.0)


@pytest.mark.parametrize(
    ("F", "pattern"),
    [
        (np.array([]), r"F.shape: got \(0,\), expected a 1-D array .*non-empty"),
        (np.array([3.0, np.nan, 1.0]), r"F\[1\]: got nan, expected a finite number"),
        (np.array([3.0, np.inf]), r"F\[1\]: got inf, expected a finite number"),
        (np.array([3.0, -1.0]), r"F\[1\]: got -1.0, expected a value >= 0"),
        (np.ones((2, 2)), r"F.shape: got \(2, 2\), expected a 1-D array"),
    ],
)
@pytest.mark.parametrize(
    "func", [M.half_life, M.epsilon_time, M.fit_rate, M.plateau, M.collapse_measures]
)
def test_bad_curves_raise_one_line_spec_error(func, F, pattern):
    with pytest.raises(SpecError, match=pattern) as info:
        func(F)
    assert "\n" not in str(info.value)


def test_bad_interpolation_and_eps():
    with pytest.raises(SpecError, match=r"interpolation: got 'cubic', expected 'log' or 'linear'"):
        M.half_life(GEOM, interpolation="cubic")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match=r"eps: got -0.1, expected a finite number >= 0"):
        M.epsilon_time(GEOM, eps=-0.1)
