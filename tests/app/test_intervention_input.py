"""Bad interventions in run specs: one line naming the field, exit 2, no run folder."""

from __future__ import annotations

import pytest
from bad_input import run_bad

GMM = {"engine": "gmm", "T": 5, "graph": {"family": "ring", "n": 6}}
LLM = {"engine": "llm", "T": 2, "graph": {"family": "ring", "n": 4}}


@pytest.mark.parametrize(
    "spec, start",
    [
        (
            {**GMM, "interventions": [{"at": 9, "h": 0.2}]},
            "interventions.0.at: got 9, expected a row <= T = 5",
        ),
        (
            {**GMM, "interventions": [{"at": 2, "h": 0.2, "freeze": [1]}]},
            "interventions.0.action: got ['h', 'freeze'], expected exactly one of",
        ),
        (
            {**GMM, "interventions": [{"at": 2, "freeze": [6]}]},
            "interventions.0.freeze: got 6, expected node indices in [0, 5]",
        ),
        (
            {**GMM, "interventions": [{"at": 2, "graph": {"family": "ring", "n": 7}}]},
            "interventions.0.graph.n: got 7, expected 6, the run's number of nodes",
        ),
        (
            {**GMM, "interventions": [{"at": 2, "graph": {"family": "rign", "n": 6}}]},
            "interventions.0.graph.family: got 'rign'",
        ),
        (
            {**GMM, "interventions": [{"at": 2, "rewire": {"rate": -0.1}}]},
            "interventions.0.rewire.rate: got -0.1, expected a value >= 0.0",
        ),
        (
            {**GMM, "interventions": [{"at": 2, "inject": {"texts": ["a post"]}}]},
            "interventions.0.inject: got 'no count', expected count (and optional weights)",
        ),
        (
            {**GMM, "interventions": [{"at": 2, "inject": {"count": 5, "weights": [1, 2, 3]}}]},
            "interventions.0.inject.weights: got '3 weights', expected B = 2 (one per component)",
        ),
        (
            {**LLM, "interventions": [{"at": 1, "inject": {"count": 5}}]},
            "interventions.0.inject: got 'no texts', expected texts, or corpus with count",
        ),
        (
            {**LLM, "interventions": [{"at": 1, "inject": {"texts": ["x"], "count": 2}}]},
            "interventions.0.inject.texts: got 1 texts with corpus/count",
        ),
        (
            {**GMM, "interventions": [{"at": 2, "h": [0.1, 0.2]}]},
            "interventions.0.h.shape: got (2,), expected () or (6,)",
        ),
    ],
)
def test_bad_interventions(tmp_path, capsys, spec, start):
    err = run_bad(tmp_path, capsys, spec)
    assert err.startswith("netcollapse: error: " + start), err
