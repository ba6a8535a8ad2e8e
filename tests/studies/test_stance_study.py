"""The stance topology study on a tiny real sweep (bundled models)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from netcollapse.app.cli import main
from netcollapse.errors import DataError
from netcollapse.runs.runner import run_spec
from netcollapse.studies.stance import format_study, predict_stance_run, stance_study
from netcollapse.sweeps.run import run_sweep

LLM = {"L": 3, "backend": "hf", "defaults": {"max_new_tokens": 12}, "stances": {"posts": 3}}
RETRIEVAL = {"k": 3, "quota": "multinomial"}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    run_spec(
        {
            "engine": "llm",
            "T": 3,
            "seed": 9,
            "retrieval": RETRIEVAL,
            "llm": LLM,
            "graph": {"family": "erdos_renyi", "n": 4, "p": 0.7, "self_weight": 0.5, "seed": 1},
        },
        root / "calibration",
        progress=False,
    )
    sweep = {
        "base": {"engine": "llm", "T": 3, "retrieval": RETRIEVAL, "llm": LLM},
        "graphs": {
            "complete": {"family": "complete", "n": 4, "self_weight": 0.5},
            "ring": {"family": "ring", "n": 4, "self_weight": 0.5},
            "star": {"family": "star", "n": 4, "self_weight": 0.5},
        },
        "seeds": 1,
    }
    run_sweep(sweep, root / "sweep", progress=False)
    return root


@pytest.mark.slow
def test_study_table_curves_and_targets(folders):
    study = stance_study(folders / "sweep", folders / "calibration")
    assert sorted(study.graphs["graph"]) == ["complete", "ring", "star"]
    assert len(study.tasks) == 3 and len(study.curves) == 3 * 4
    steps = pd.read_parquet(folders / "sweep" / "steps.parquet")
    for tid, c in study.curves.groupby("task_id"):
        want = steps[steps.task_id == tid].sort_values("step")["stance_corrected"]
        np.testing.assert_allclose(c["measured"], want)
        assert np.isfinite(c["predicted"]).all() and (c["predicted"] > 0).all()
    results = pd.read_parquet(folders / "sweep" / "results.parquet").set_index("task_id")
    np.testing.assert_allclose(
        results.loc[study.tasks["task_id"], "stance_retained_share"], study.tasks["retained_share"]
    )
    assert (study.graphs["n_seeds"] <= 1).all()
    assert study.graphs["lo"].isna().all()  # one seed: no interval
    r = study.targets["response"]
    assert math.isfinite(r["slope"]) and r["round_var"] >= 0
    assert math.isnan(study.targets["complete_ring_separated"])
    text = format_study(study)
    assert "Spearman measured vs calibrated" in text and "ring" in text


@pytest.mark.slow
def test_study_command_writes_its_files(folders, capsys):
    out = folders / "report"
    status = main(
        [
            "study",
            str(folders / "sweep"),
            "--calibration",
            str(folders / "calibration"),
            "--out",
            str(out),
        ]
    )
    assert status == 0, capsys.readouterr().err
    assert "calibrated response: slope" in capsys.readouterr().out
    for name in ("study_tasks.csv", "study_graphs.csv", "study_curves.csv", "study.png"):
        assert (out / name).stat().st_size > 0
    assert json.loads((out / "study.json").read_text())["measure"] == "half_life"


@pytest.mark.slow
def test_calibration_must_be_a_stance_run(folders, capsys):
    status = main(["study", str(folders / "sweep"), "--calibration", str(folders / "sweep")])
    err = capsys.readouterr().err
    assert status == 2 and "calibration: got" in err


@pytest.mark.slow
def test_predicted_run_follows_its_graph_schedule(folders):
    """A real LLM run whose ring becomes complete at row 2, predicted from the calibration."""
    spec = {
        "engine": "llm",
        "T": 3,
        "seed": 4,
        "retrieval": RETRIEVAL,
        "llm": LLM,
        "graph": {"family": "ring", "n": 4, "self_weight": 0.5},
        "interventions": [
            {"at": 2, "graph": {"family": "complete", "n": 4, "self_weight": 0.5}},
            {"at": 3, "freeze": [0]},
        ],
    }
    run_spec(spec, folders / "switch", progress=False)
    pred = predict_stance_run(folders / "switch", folders / "calibration")
    measured = pd.read_parquet(folders / "switch" / "metrics.parquet")["stance_corrected"]
    np.testing.assert_allclose(pred["measured"], measured)
    assert len(pred) == 4 and np.isfinite(pred["predicted"]).all()
    plain = dict(spec, interventions=[])
    run_spec(plain, folders / "plain", progress=False)
    base = predict_stance_run(folders / "plain", folders / "calibration")["predicted"]
    np.testing.assert_allclose(pred["predicted"][:2], base[:2])  # same graph up to row 1
    assert not np.allclose(pred["predicted"][2:], base[2:])
    anchored = dict(spec, interventions=[{"at": 2, "h": 0.5}])
    run_spec(anchored, folders / "anchored", progress=False)
    with pytest.raises(DataError, match=r"^run: got .* with an h or inject intervention"):
        predict_stance_run(folders / "anchored", folders / "calibration")
