"""``load_run``, the one reader of a run folder, and the W every reader sees (issue 19).

The regression: the stance calibration and ``netcollapse report`` rebuilt a run's
graph with ``RetrievalGraph.from_spec(config["graph"], seed=config["seed"])``,
the run seed in place of the graph's own ``graph.seed``. Every run here is on a
seeded random graph whose graph seed differs from the run seed, so each reader
is checked against the ``W`` the engine read from *and* against the graph the
old rule built (a different graph): each test fails on the old rule.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from netcollapse.errors import DataError
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.reports.report import build_report
from netcollapse.runs.folder import RunFolder, load_run
from netcollapse.runs.runner import build_graph, build_web, predict_spec
from netcollapse.runs.spec import parse_run
from netcollapse.spectral import spectral_summary
from netcollapse.studies.stance import _calibration, predict_stance_run
from netcollapse.theory.stance import fit_read_var, fit_stance_response, predict_stance_curve

# The shipped calibration's graph (experiments/llm_stance_calibration.yaml): seed 7, run seed 100.
SEEDED = {"family": "erdos_renyi", "n": 16, "p": 0.25, "self_weight": 0.5, "seed": 7}
GMM = {
    "engine": "gmm",
    "T": 6,
    "seed": 100,
    "retrieval": {"k": 8},
    "gmm": {"B": 2, "L": 4},
    "graph": SEEDED,
}
EVENTS = [
    {"at": 3, "graph": {"family": "ring", "n": 16, "self_weight": 0.2}},
    {"at": 4, "freeze": [0]},
]
# Seed 7 gives a connected graph; the run seed 100 one where nodes 2 and 3 read only themselves.
LLM = {
    "engine": "llm",
    "T": 2,
    "seed": 100,
    "retrieval": {"k": 3, "quota": "multinomial"},
    "llm": {
        "L": 2,
        "backend": "hf",
        "defaults": {"max_new_tokens": 8},
        "stances": {"posts": 3},
    },
    "graph": {"family": "erdos_renyi", "n": 4, "p": 0.6, "self_weight": 0.5, "seed": 7},
}


def old_rule(config: dict) -> RetrievalGraph:
    """The graph the buggy readers built: the run seed replaced the graph's own seed."""
    return RetrievalGraph.from_spec(config["graph"], seed=config["seed"])


def same_W(a, b) -> bool:
    """Same shape, same stored pattern and exactly the same values."""
    a, b = sp.csr_array(a), sp.csr_array(b)
    return a.shape == b.shape and (a != b).nnz == 0 and np.array_equal(a.toarray(), b.toarray())


def spectral_table(page: str) -> dict[str, str]:
    """The report page's spectral table: predictor -> the cell as shown."""
    section = page.split('<section id="spectral"')[1].split("</section>")[0]
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*</tr>", section, re.S)
    return {k: html.unescape(v) for k, v in rows}


def matches_summary(table: dict[str, str], summary: pd.Series) -> bool:
    """Every predictor of ``summary`` shown with its value (5 significant digits)."""
    if set(table) != set(summary.index):
        return False
    for key, value in summary.items():
        cell = table[key]
        if isinstance(value, str):
            if cell != value:
                return False
        elif float(cell) != pytest.approx(float(value), rel=6e-5, abs=1e-12):
            return False
    return True


def run_in(spec: dict, folder, **kw):
    """Run a spec into ``folder`` through the runner's own web; return the web (its graph)."""
    web = build_web(parse_run(spec))
    web.run(spec["T"], folder, progress=False, **kw)
    return web


@pytest.fixture(scope="module")
def gmm_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("folder") / "gmm"
    return folder, run_in(GMM, folder)


# ----------------------------------------------------------------------------- the W
def test_load_run_rebuilds_the_w_the_engine_read_from(gmm_run):
    folder, web = gmm_run
    run = load_run(folder)
    assert run.config["graph"]["seed"] == 7 and run.seed == 100
    assert same_W(run.graph.W, web.graph.W)  # the W the engine read from
    assert same_W(run.graph.W, build_graph(parse_run(GMM)).W)
    np.testing.assert_array_equal(run.graph.h, web.graph.h)
    assert run.graph.W.nnz == 98  # the figures of issue 19
    assert old_rule(run.config).W.nnz == 72  # the old rule: another graph
    assert not same_W(old_rule(run.config).W, web.graph.W)


def test_report_shows_the_spectrum_of_the_runs_own_graph(gmm_run, tmp_path):
    folder, web = gmm_run
    out, _ = build_report(folder, tmp_path / "report")
    table = spectral_table((out / "report.html").read_text())
    assert matches_summary(table, spectral_summary(web.graph))
    assert int(table["n_edges"]) == spectral_summary(web.graph)["n_edges"]
    wrong = spectral_summary(old_rule(load_run(folder).config))
    assert not matches_summary(table, wrong)


def test_predicting_a_finished_run_uses_its_own_graph(gmm_run):
    folder, _ = gmm_run
    run = load_run(folder)
    parsed, from_folder = predict_spec(run.gmm_spec())
    original, from_spec = predict_spec(GMM)
    pd.testing.assert_frame_equal(from_folder, from_spec, check_exact=True)
    assert build_web(parsed).config() == build_web(original).config()  # same resolved run
    assert (parsed.T, parsed.seed) == (GMM["T"], GMM["seed"])
    _, other = predict_spec({**GMM, "graph": {**SEEDED, "seed": GMM["seed"]}})
    assert not np.allclose(other["frobenius"], from_spec["frobenius"])


# ----------------------------------------------------------------------------- basics
def test_a_finished_run_with_interventions(tmp_path):
    spec = {**GMM, "interventions": EVENTS}
    web = run_in(spec, tmp_path / "run")
    run = load_run(tmp_path / "run")
    assert run.engine == "gmm" and run.finished and run.T == 6 and run.summary["steps"] == 6
    assert run.metrics["step"].tolist() == list(range(7))
    assert sorted(run.nodes["step"].unique()) == list(range(7)) and len(run.nodes) == 16 * 7
    assert [e["at"] for e in run.events] == [3, 4]
    assert run.events[0]["graph"]["family"] == "ring" and run.events[1]["freeze"] == [0]
    assert run.schedule.graph_at(0) is run.graph and run.schedule.graph_at(2) is run.graph
    assert same_W(run.graph.W, web.base_graph.W)
    ring = RetrievalGraph.from_spec(EVENTS[0]["graph"])
    assert same_W(run.schedule.graph_at(3).W, ring.W)
    assert same_W(run.schedule.graph_at(6).W, web.schedule.graph_at(6).W)
    np.testing.assert_array_equal(run.column("frobenius"), run.result().frobenius)
    with pytest.raises(DataError, match=r"^metrics.parquet: got no column 'stance_corrected'"):
        run.column("stance_corrected")
    with pytest.raises(DataError, match="expected an LLM run with llm.stances"):
        run.seed_stance()
    with pytest.raises(DataError, match="expected GMM"):
        RunFolder(
            run.path, {**run.config, "engine": "llm"}, run.metrics, run.nodes, run.summary
        ).gmm_spec()


def test_an_interrupted_run(tmp_path):
    class Stop(Exception):
        pass

    def stop(t: int) -> None:
        if t == 3:
            raise Stop

    spec = {**GMM, "interventions": EVENTS}
    with pytest.raises(Stop):
        run_in(spec, tmp_path / "run", on_step=stop)
    with pytest.raises(DataError, match=r"^summary.json: got .* has not finished"):
        load_run(tmp_path / "run")
    run = load_run(tmp_path / "run", finished=False)
    assert not run.finished and run.summary is None and run.nodes is None
    assert run.T == 3 and run.metrics["step"].tolist() == [0, 1, 2, 3]
    assert [e["at"] for e in run.events] == [3, 4]
    assert same_W(run.graph.W, build_graph(parse_run(GMM)).W)
    assert run.schedule.graph_at(0) is run.graph
    run_in(spec, tmp_path / "whole")
    whole = load_run(tmp_path / "whole")
    pd.testing.assert_frame_equal(run.metrics, whole.metrics.iloc[:4], check_exact=True)
    run_in(spec, tmp_path / "run", resume=True)
    resumed = load_run(tmp_path / "run")
    assert resumed.finished and resumed.T == 6
    pd.testing.assert_frame_equal(resumed.metrics, whole.metrics, check_exact=True)


def test_not_a_run_folder(tmp_path):
    with pytest.raises(DataError, match=r"^run: got .*, expected a run folder"):
        load_run(tmp_path / "missing")
    (tmp_path / "config.json").write_text(json.dumps({"engine": "gmm", "seed": 1}))
    with pytest.raises(DataError, match=r"^config.json: got no 'graph'"):
        load_run(tmp_path)


# ----------------------------------------------------------------------------- LLM stances
@pytest.fixture(scope="module")
def llm_run(tmp_path_factory):
    """A real LLM run with seeded stances on the bundled models (about a minute)."""
    folder = tmp_path_factory.mktemp("folder") / "llm"
    return folder, run_in(LLM, folder)


@pytest.mark.slow
def test_stance_calibration_and_prediction_read_the_runs_own_graph(llm_run):
    folder, web = llm_run
    run = load_run(folder)
    assert run.config["graph"]["seed"] == 7 and run.seed == 100
    assert same_W(run.graph.W, web.graph.W)
    wrong = old_rule(run.config)
    assert not same_W(wrong.W, web.graph.W)
    # the calibration, recomputed from the files on the engine's graph
    config = json.loads((folder / "config.json").read_text())
    nodes = pd.read_parquet(folder / "nodes.parquet")
    measured = pd.read_parquet(folder / "metrics.parquet")["stance_corrected"].to_numpy(float)
    z = np.asarray(config["stances"]["seed_stance"], float)
    kw = {
        "seeds": config["stances"]["posts"],
        "memory": config["retrieval"]["memory"],
        "publish": config["publish"],
    }
    response = fit_stance_response(nodes, config["L"])
    want = fit_read_var(web.graph, z, response, measured, **kw)
    got = _calibration(folder)
    assert got == want and got.read_var > 0
    assert fit_read_var(wrong, z, response, measured, **kw).read_var != pytest.approx(
        want.read_var, rel=1e-6
    )
    # the prediction of the run from its own calibration (T = 2: with T = 1 the fitted
    # per-round variance matches row 1 on any graph, and the curves could not tell)
    pred = predict_stance_run(folder, folder)
    curve = predict_stance_curve(web.graph, z, want, LLM["T"], **kw)
    np.testing.assert_array_equal(pred["predicted"], curve["frobenius"])
    np.testing.assert_array_equal(pred["measured"], measured)
    on_wrong = predict_stance_curve(wrong, z, want, LLM["T"], **kw)["frobenius"]
    assert not np.allclose(pred["predicted"], on_wrong)


@pytest.mark.slow
def test_report_of_a_stance_run_reads_its_own_graph(llm_run, tmp_path):
    folder, web = llm_run
    out, rep = build_report(folder, tmp_path / "report", calibration=folder)
    table = spectral_table((out / "report.html").read_text())
    assert matches_summary(table, spectral_summary(web.graph))
    assert not matches_summary(table, spectral_summary(old_rule(load_run(folder).config)))
    assert any("predicted_vs_measured" in name for name, _, _ in rep.figures)
