"""Static dose-response calibration: the linearity test, the choice rule, a real tiny run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from netcollapse.app.cli import main
from netcollapse.studies.calibrate import (
    choose_variant,
    lack_of_fit,
    load_calibration,
    run_calibration,
)


def test_lack_of_fit_passes_a_line_and_flags_a_curve():
    rng = np.random.default_rng(0)
    j = np.repeat(np.arange(5), 20)
    x = j / 4 - 0.5
    noise = rng.normal(0, 0.05, x.size)
    line = lack_of_fit(j, x, 0.1 + 0.4 * x + noise)
    assert line["slope"] == pytest.approx(0.4, abs=0.03) and line["p"] > 0.05
    assert line["df"] == [3, 95]
    curve = lack_of_fit(j, x, 0.1 + 0.4 * x + 0.8 * x**2 + noise)  # saturating response
    assert curve["p"] < 1e-6
    by = {r["dose"]: r["mean"] for r in curve["residual_by_dose"]}
    assert by[0] > 0 and by[2] < 0 and by[4] > 0  # the curve's residual pattern
    assert sum(r["n"] for r in curve["residual_by_dose"]) == 100


def test_lack_of_fit_with_reads_that_vary_within_a_dose():
    """The read stance of a context varies around its dose: the test is still nested."""
    rng = np.random.default_rng(1)
    j = np.repeat(np.arange(5), 30)
    x = j / 4 - 0.5 + rng.normal(0, 0.1, j.size)
    linear = lack_of_fit(j, x, 0.2 + 0.5 * x + rng.normal(0, 0.05, j.size))
    assert linear["df"] == [4, 144] and linear["p"] > 0.01
    assert linear["slope"] == pytest.approx(0.5, abs=0.03)
    bent = lack_of_fit(j, x, 0.2 + 0.5 * x - 0.3 * (j == 2) + rng.normal(0, 0.05, j.size))
    assert bent["p"] < 1e-6 and bent["residual_by_dose"][2]["mean"] < -0.15


def test_choice_rule_prefers_linear_then_steepest():
    res = {
        "a": {"slope": 0.9, "p": 0.001, "F": 12.0},
        "b": {"slope": 0.3, "p": 0.5, "F": 0.7},
        "c": {"slope": 0.5, "p": 0.06, "F": 2.4},
    }
    assert choose_variant(res) == "c"
    assert choose_variant({"a": res["a"], "x": {"slope": 0.1, "p": 0.01, "F": 8.0}}) == "x"


SPEC = """
name: tiny
seed: 3
k: 2
contexts: 2
L: 2
variants:
  - {name: plain, temperature: 0.8}
  - {name: reader, persona: "You answer from the posts you are given.", temperature: 0.8}
llm:
  threads: 1
  defaults: {max_new_tokens: 10}
  stances: {held_out: 10}
"""


@pytest.mark.slow
def test_calibrate_command_real_models(tmp_path, capsys):
    spec = tmp_path / "cal.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "cal"
    assert main(["calibrate", str(spec), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "lack-of-fit F" in printed and "* chosen:" in printed
    table = pd.read_parquet(out / "contexts.parquet")
    assert len(table) == 2 * 3 * 2  # variants x doses (j = 0..k) x contexts
    assert sorted(table["dose"].unique()) == [0, 1, 2]
    # the read stance follows the dose: all-bearish contexts read below all-bullish ones
    means = table.groupby("dose")["read_stance"].mean()
    assert means[0] < means[1] < means[2]
    cal = json.loads((out / "calibration.json").read_text())
    assert cal["chosen"] in ("plain", "reader") and cal["auc"] > 0.8
    assert cal["provenance"]["generators"][0]["threads"] == 1
    r = load_calibration(out)
    assert r.rows == 6 and r.read_var is None and np.isfinite(r.slope)
    before = (out / "calibration.json").read_bytes()
    assert main(["calibrate", str(spec), "--out", str(out)]) == 2  # never overwritten
    assert "out: got" in capsys.readouterr().err
    assert (out / "calibration.json").read_bytes() == before


@pytest.mark.parametrize(
    "text, message",
    [
        ("k: 0\n", "k: got 0, expected a value >= 1"),
        ("variants: [{name: a}, {name: a}]\n", "variants: got ['a', 'a'], expected distinct"),
        ("k: 40\n", "k: got 40, expected at most 30"),
        ("llm: {L: 2}\n", "llm.stances: got None, expected a stances section"),
        ("contexts: 1\n", "contexts: got 1, expected a value >= 2"),
        ("source: answers\npool: 2\nL: 2\nk: 5\n", "k: got 5, expected at most pool x L = 4"),
        ("source: replies\n", "source: got 'replies'"),
    ],
)
def test_bad_calibration_specs(tmp_path, capsys, text, message):
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    assert main(["calibrate", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "o").exists()


def test_dose_table_without_stances_is_a_one_line_error():
    # found by mypy: dose_table read spec.llm.stances.corpus (AttributeError on None)
    from netcollapse._spec import validate
    from netcollapse.errors import SpecError
    from netcollapse.studies.calibrate import CalibrationSpec, dose_table

    spec = validate(CalibrationSpec, {"llm": {"L": 2}})
    assert spec.llm.stances is None
    with pytest.raises(SpecError, match=r"^llm\.stances: got None, expected a stances section"):
        dose_table(spec)


@pytest.mark.slow
def test_calibration_from_the_models_own_answers(tmp_path):
    """source: answers: contexts of model answers of known stance, not human posts."""
    spec = {
        "k": 2, "contexts": 2, "L": 2, "source": "answers", "pool": 2, "pool_posts": 2,
        "variants": [{"name": "reader", "persona": "You answer from the posts you are given."}],
        "llm": {"threads": 1, "defaults": {"max_new_tokens": 10}, "stances": {"held_out": 10}},
    }  # fmt: skip
    result = run_calibration(spec, tmp_path / "cal")
    table = pd.read_parquet(tmp_path / "cal" / "contexts.parquet")
    assert (table["source"] == "answers").all() and len(table) == 3 * 2
    posts = run_calibration({**spec, "source": "posts"}, tmp_path / "posts")
    ptable = pd.read_parquet(tmp_path / "posts" / "contexts.parquet")
    # answers are read on the same axis but sit closer to the middle than human posts
    spread = table.groupby("dose")["read_stance"].mean()
    pspread = ptable.groupby("dose")["read_stance"].mean()
    assert spread[2] - spread[0] < pspread[2] - pspread[0]
    assert result["spec"]["source"] == "answers" and posts["spec"]["source"] == "posts"
