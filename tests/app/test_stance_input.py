"""Bad stance settings in a run spec: one line naming the field, exit 2, nothing written."""

from __future__ import annotations

import pytest
from bad_input import run_bad as check_bad

from netcollapse.app.cli import main


def run_bad(tmp_path, capsys, llm):
    return check_bad(
        tmp_path,
        capsys,
        {
            "name": "bad",
            "engine": "llm",
            "T": 1,
            "seed": 0,
            "graph": {"family": "ring", "n": 4},
            "retrieval": {"k": 2},
            "llm": {"L": 2, "defaults": {"max_new_tokens": 4}, **llm},
        },
    )


@pytest.mark.parametrize(
    ("llm", "expected"),
    [
        ({"stances": {"column": "side"}}, "llm.stances.column: got 'side', expected a column"),
        ({"stances": {"positive": "neutral"}}, "llm.stances.positive: got 'neutral'"),
        (
            {"stances": {"assign": ["bullish", "bearish", "bullish", "hodl"]}},
            "llm.stances.assign[3]: got 'hodl'",
        ),
        ({"stances": {"posts": 40}}, "llm.stances.posts: got 40, expected at most 30"),
        ({"stances": {"assign": "block"}}, "llm.stances.assign: got 'block', expected an SBM"),
        ({"stances": {"assign": "sides"}}, "llm.stances.assign"),
        ({"L": 1, "stances": {}}, "llm.L: got 1, expected L >= 2 with seeded stances"),
        ({"stances": {"persist": "sometimes"}}, "llm.stances.persist: got 'sometimes'"),
    ],
)
def test_bad_stance_settings(tmp_path, capsys, llm, expected):
    assert expected in run_bad(tmp_path, capsys, llm)


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        (
            {"family": "isolated", "n": 4},
            "llm.stances.assign: got 'slowest_mode', expected a graph with one real slowest mode",
        ),
        (
            {"family": "isolated", "n": 4, "anchoring": 0.2},
            "graph.anchoring: got 0.2, expected 0 for family 'isolated'",
        ),
    ],
)
def test_modes_that_cannot_work(tmp_path, capsys, graph, expected):
    spec = {
        "name": "bad", "engine": "llm", "T": 1, "seed": 0, "graph": graph,
        "retrieval": {"k": 2},
        "llm": {"L": 2, "defaults": {"max_new_tokens": 4}, "stances": {"assign": "slowest_mode"}},
    }  # fmt: skip
    assert expected in check_bad(tmp_path, capsys, spec)


def test_study_needs_a_sweep_and_a_calibration_run(tmp_path, capsys):
    status = main(["study", str(tmp_path), "--calibration", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert status == 2 and err.startswith("netcollapse: error: ")
    assert len(err.splitlines()) == 1
