"""The stance topology study on a tiny real sweep (bundled models).

The calibration run's graph has its own seed (1), not the run's (9): the case
where the old reader rebuilt another graph (issue 19). The calibration and the
study's predictions are recomputed here on the graph the run read from, and
required to differ on the graph the old rule built.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from netcollapse.app.cli import main
from netcollapse.backends.embedding import SentenceTransformerEmbedder
from netcollapse.errors import DataError, SpecError
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.measures.curves import curve_measures
from netcollapse.runs.runner import run_spec
from netcollapse.runs.spec import parse_run
from netcollapse.scenarios.stances import readout, seed_stances
from netcollapse.studies.stance import (
    _calibration,
    format_study,
    predict_stance_run,
    stance_study,
)
from netcollapse.sweeps.run import run_sweep
from netcollapse.theory.stance import fit_read_var, fit_stance_response, predict_stance_curve

LLM = {"L": 3, "backend": "hf", "defaults": {"max_new_tokens": 12}, "stances": {"posts": 3}}
RETRIEVAL = {"k": 3, "quota": "multinomial"}
CAL_SEED = 9
CAL_GRAPH = {"family": "erdos_renyi", "n": 4, "p": 0.7, "self_weight": 0.5, "seed": 1}
SWEEP_GRAPHS = {
    "complete": {"family": "complete", "n": 4, "self_weight": 0.5},
    "ring": {"family": "ring", "n": 4, "self_weight": 0.5},
    "star": {"family": "star", "n": 4, "self_weight": 0.5},
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    run_spec(
        {
            "engine": "llm",
            "T": 3,
            "seed": CAL_SEED,
            "retrieval": RETRIEVAL,
            "llm": LLM,
            "graph": CAL_GRAPH,
        },
        root / "calibration",
        progress=False,
    )
    sweep = {
        "base": {"engine": "llm", "T": 3, "retrieval": RETRIEVAL, "llm": LLM},
        "graphs": SWEEP_GRAPHS,
        "seeds": 1,
    }
    run_sweep(sweep, root / "sweep", progress=False)
    return root


def calibration_inputs(folder):
    """What the calibration reads, straight from the run folder's files."""
    config = json.loads((folder / "config.json").read_text())
    nodes = pd.read_parquet(folder / "nodes.parquet")
    measured = pd.read_parquet(folder / "metrics.parquet")["stance_corrected"].to_numpy(float)
    z = np.asarray(config["stances"]["seed_stance"], float)
    kw = {
        "seeds": config["stances"]["posts"],
        "memory": config["retrieval"]["memory"],
        "publish": config["publish"],
    }
    return config, nodes, measured, z, kw


@pytest.fixture(scope="module")
def calibrated(folders):
    """The calibration recomputed on the graph the run read from (its own seed 1)."""
    config, nodes, measured, z, kw = calibration_inputs(folders / "calibration")
    assert config["graph"]["seed"] == CAL_GRAPH["seed"] and config["seed"] == CAL_SEED
    response = fit_stance_response(nodes, config["L"])
    own = RetrievalGraph.from_spec(CAL_GRAPH)
    wrong = RetrievalGraph.from_spec(CAL_GRAPH, seed=CAL_SEED)  # the old rule: the run seed
    return (
        fit_read_var(own, z, response, measured, **kw),
        fit_read_var(wrong, z, response, measured, **kw),
    )


@pytest.mark.slow
def test_calibration_is_fitted_on_the_runs_own_graph(folders, calibrated):
    config, nodes, measured, z, kw = calibration_inputs(folders / "calibration")
    own = RetrievalGraph.from_spec(CAL_GRAPH)
    assert (own.W != RetrievalGraph.from_spec(CAL_GRAPH, seed=CAL_SEED).W).nnz > 0
    want, wrong = calibrated
    # the response is the least-squares line through (read, stance) of every node-round
    d = nodes.dropna(subset=["stance", "read_stance"])
    slope, intercept = np.polyfit(d["read_stance"], d["stance"], 1)
    assert want.slope == pytest.approx(slope, rel=1e-9)
    assert want.intercept == pytest.approx(intercept, rel=1e-9, abs=1e-12)
    assert want.rows == len(d) == 4 * 4

    # read_var minimises the squared error of the predicted F^2 over rounds 1..T
    def sse(v: float) -> float:
        r = dataclasses.replace(want, read_var=v)
        F = predict_stance_curve(own, z, r, len(measured) - 1, **kw)["frobenius"].to_numpy()
        return float(((F**2 - measured**2)[1:] ** 2).sum())

    v = want.read_var
    assert v > 0 and sse(v) < min(sse(0.9 * v), sse(1.1 * v))
    got = _calibration(folders / "calibration")
    assert got == want
    assert got.round_var == v and got.to_dict() == want.to_dict()
    assert wrong.read_var != pytest.approx(v, rel=1e-3)  # the old rule fits another value


@pytest.mark.slow
def test_study_table_curves_and_targets(folders, calibrated):
    study = stance_study(folders / "sweep", folders / "calibration")
    assert sorted(study.graphs["graph"]) == ["complete", "ring", "star"]
    assert len(study.tasks) == 3 and len(study.curves) == 3 * 4
    steps = pd.read_parquet(folders / "sweep" / "steps.parquet")
    response, wrong = calibrated
    assert study.targets["response"] == response.to_dict()
    embedder = SentenceTransformerEmbedder()
    for task in study.tasks.itertuples():
        c = study.curves[study.curves.task_id == task.task_id].sort_values("step")
        want = steps[steps.task_id == task.task_id].sort_values("step")["stance_corrected"]
        np.testing.assert_allclose(c["measured"], want)
        # the prediction: the task's graph and seed stances with the calibrated response
        run = parse_run(
            {
                "engine": "llm",
                "T": 3,
                "seed": task.seed,
                "retrieval": RETRIEVAL,
                "llm": LLM,
                "graph": SWEEP_GRAPHS[task.graph],
            }
        )
        graph = RetrievalGraph.from_spec(SWEEP_GRAPHS[task.graph], seed=task.seed)
        z = readout(seed_stances(run.llm.stances, graph, task.seed), embedder).z
        kw = {"seeds": 3, "memory": run.retrieval.memory, "publish": run.llm.publish}
        pred = predict_stance_curve(graph, z, response, 3, **kw)["frobenius"]
        np.testing.assert_allclose(c["predicted"], pred, rtol=1e-9)
        other = predict_stance_curve(graph, z, wrong, 3, **kw)["frobenius"]
        assert not np.allclose(c["predicted"], other, rtol=1e-3)
        pm = study.tasks.set_index("task_id").loc[task.task_id]
        assert pm["pred_half_life"] == pytest.approx(
            curve_measures(pred.to_numpy()).half_life, nan_ok=True
        )
    results = pd.read_parquet(folders / "sweep" / "results.parquet").set_index("task_id")
    np.testing.assert_allclose(
        results.loc[study.tasks["task_id"], "stance_retained_share"], study.tasks["retained_share"]
    )
    assert (study.graphs["n_seeds"] <= 1).all()
    assert study.graphs["lo"].isna().all()  # one seed: no interval
    assert study.targets["response"]["round_var"] == response.read_var
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


@pytest.mark.slow
def test_study_with_a_static_calibration_and_the_rate_measure(folders, tmp_path):
    """A graph-free calibration folder gives the response; rates are measured from round 1."""
    from netcollapse.measures.rates import geometric_rate
    from netcollapse.studies.calibrate import load_calibration, run_calibration

    cal = tmp_path / "static"
    run_calibration(
        {"k": 2, "contexts": 2, "L": 2, "variants": [{"name": "plain"}],
         "llm": {**LLM, "threads": 1, "stances": {}}},
        cal,
    )  # fmt: skip
    study = stance_study(folders / "sweep", cal, measure="stance_rate")
    response = load_calibration(cal)
    assert study.targets["response"] == response.to_dict()
    assert study.targets["response"]["read_var"] is None  # nothing fitted to a curve
    steps = pd.read_parquet(folders / "sweep" / "steps.parquet")
    results = pd.read_parquet(folders / "sweep" / "results.parquet").set_index("task_id")
    for task in study.tasks.itertuples():
        curve = steps[steps.task_id == task.task_id].sort_values("step")["stance_corrected"]
        rate, se = geometric_rate(curve.to_numpy())
        assert task.stance_rate == pytest.approx(rate)
        assert results.loc[task.task_id, "stance_rate"] == pytest.approx(rate)
        assert results.loc[task.task_id, "stance_rate_se"] == pytest.approx(se, nan_ok=True)
        assert np.isfinite(task.pred_stance_rate)
        assert math.isnan(task.pred_stance_gap_rate)  # persistent seeds: no gap prediction
        assert np.isfinite(task.stance_gap_rate)
    assert "moment estimate" in format_study(study)
    # a calibration of another model is refused (one line), the folder left as it was
    data = json.loads((cal / "calibration.json").read_text())
    other = tmp_path / "other"
    other.mkdir()
    (other / "calibration.json").write_text(json.dumps({**data, "model": "HuggingFaceTB/X"}))
    with pytest.raises(SpecError, match=r"^calibration: got \"model 'HuggingFaceTB/X'\""):
        stance_study(folders / "sweep", other, measure="stance_rate")


@pytest.mark.slow
def test_study_pairs_reference_anova_and_the_full_embedding(folders, capsys):
    from netcollapse.measures.rates import geometric_rate

    study = stance_study(
        folders / "sweep",
        folders / "calibration",
        measure="retained_share",
        pairs=[("ring", "complete")],
        reference="complete",
    )
    by = study.tasks.set_index("graph")
    (pair,) = study.targets["pairs"]
    assert pair["n"] == 1 and math.isnan(pair["lo"])  # one seed: a difference, no interval
    assert pair["mean"] == pytest.approx(
        by.loc["ring", "retained_share"] - by.loc["complete", "retained_share"]
    )
    g = study.graphs.set_index("graph")
    assert g.loc["complete", "vs_ref"] == 0.0
    assert study.targets["anova"]["conditions"] == 3 and study.targets["anova"]["blocks"] == 1
    steps = pd.read_parquet(folders / "sweep" / "steps.parquet")
    for task in study.tasks.itertuples():
        s = steps[steps.task_id == task.task_id].sort_values("step")
        assert task.corrected_rate == pytest.approx(geometric_rate(s["corrected"].to_numpy())[0])
        assert task.diversity_last == pytest.approx(s["diversity"].iloc[-1])
    text = format_study(study)
    assert "paired ring - complete" in text and "full-embedding rate" in text
    # a pair naming a graph the sweep does not have: one line, exit 2, before any work
    status = main(
        ["study", str(folders / "sweep"), "--calibration", str(folders / "calibration"),
         "--pair", "ring:torus"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and "pair: got 'torus'" in err
    assert len(err.strip().splitlines()) == 1
    status = main(
        ["study", str(folders / "sweep"), "--calibration", str(folders / "calibration"),
         "--pair", "ring"]
    )  # fmt: skip
    assert status == 2 and "--pair: got 'ring'" in capsys.readouterr().err
