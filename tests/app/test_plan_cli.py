"""``netcollapse run/sweep --plan``: the table, strict JSON, nothing written, bad input; and
the plan held against a real small sweep (the one timed comparison the package makes).

Factors stated for the timed comparison (generous: CI machines vary and the test must
not be flaky; the machine may be shared): wall time within :data:`PROBE_FACTOR` either
way of the ``--probe`` plan (it measured this machine just before) and within
:data:`BENCH_FACTOR` of the plan from the stored benchmarks (which cannot see the
machine's load or a CPU outside the table's three kinds); generated tokens at most the
upper bound and within :data:`TOKEN_FACTOR` of the expected count. Task and node-round
counts are exact.
"""

import json
import subprocess
import sys
import time

import pandas as pd
import pytest

from netcollapse.app.cli import main

PROBE_FACTOR = 4.0
BENCH_FACTOR = 6.0
TOKEN_FACTOR = 2.0

GMM_SWEEP = """
name: tiny_gmm
base: {engine: gmm, T: 30, graph: {family: ring, n: 8}, gmm: {L: 8}}
axes: {graph.n: [8, 16]}
seeds: 2
"""

LLM_SWEEP = """
name: tiny_llm
base:
  engine: llm
  T: 1
  graph: {family: ring, n: 3}
  llm: {L: 1, threads: 1, defaults: {max_new_tokens: 6}}
seeds: 2
"""

RUN = "engine: gmm\nT: 6\ngraph: {family: ring, n: 6}\ngmm: {B: 2, L: 3}\n"


def strict_json(text):
    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A fresh working folder: the default run and sweep folders would land in it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sweep.yaml").write_text(GMM_SWEEP)
    (tmp_path / "run.yaml").write_text(RUN)
    return tmp_path


def test_sweep_plan_prints_the_table_and_writes_nothing(here, capsys):
    assert main(["sweep", "sweep.yaml", "--plan"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("plan (nothing is run or written):")
    assert "4 (4 to run, 0 done in sweeps/tiny_gmm, 0 invalid)" in out
    assert f"node-rounds  {2 * (8 + 16) * 31:,}" in out
    for label in ("executor", "start-up", "task time", "wall time", "from"):
        assert f"  {label}" in out
    assert sorted(p.name for p in here.iterdir()) == ["run.yaml", "sweep.yaml"]


def test_sweep_plan_json_is_one_strict_object(here, capsys):
    args = ["sweep", "sweep.yaml", "--plan", "--json", "--executor", "process", "--workers", "2"]
    assert main(args) == 0
    record = strict_json(capsys.readouterr().out)
    assert record["kind"] == "sweep" and record["tasks"] == record["pending"] == 4
    assert record["workers"] == 2 and record["node_rounds"] == 2 * (8 + 16) * 31
    assert record["seconds"] > record["startup_seconds"] > 0
    assert sorted(p.name for p in here.iterdir()) == ["run.yaml", "sweep.yaml"]


def test_run_plan_prints_and_writes_no_run_folder(here, capsys):
    assert main(["run", "run.yaml", "--plan"]) == 0
    out = capsys.readouterr().out
    assert "rows         7 (t = 0..6) x 6 nodes" in out and "node-rounds  42" in out
    assert main(["run", "run.yaml", "--plan", "--json", "--seed", "3"]) == 0
    record = strict_json(capsys.readouterr().out)
    assert record["kind"] == "run" and record["node_rounds"] == 42 and record["seconds"] > 0
    assert not (here / "runs").exists()


def test_a_resumed_sweep_plans_what_is_left(here, capsys):
    assert main(["sweep", "sweep.yaml", "--out", "s", "--limit", "3", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["sweep", "sweep.yaml", "--out", "s", "--plan", "--json"]) == 0
    record = strict_json(capsys.readouterr().out)
    assert (record["done"], record["pending"], record["node_rounds"]) == (3, 1, 16 * 31)


@pytest.mark.parametrize(
    "args, message",
    [
        (["sweep", "nope.yaml", "--plan"], "spec: got 'nope.yaml'"),
        (["sweep", "run.yaml", "--plan"], "spec: got 'run.yaml', expected a sweep spec"),
        (["sweep", "bad.yaml", "--plan"], "gmm.L: got 'zero'"),
        (["sweep", "sweep.yaml", "--plan", "--workers", "0"], "workers: got 0"),
        (["sweep", "sweep.yaml", "--json"], "--json: got True, expected only with --plan"),
        (["run", "run.yaml", "--probe"], "--probe: got True, expected only with --plan"),
        (["run", "bad_run.yaml", "--plan"], "graph.n: got 1"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(here, capsys, args, message):
    (here / "bad.yaml").write_text(GMM_SWEEP.replace("L: 8", "L: zero"))
    (here / "bad_run.yaml").write_text(RUN.replace("n: 6", "n: 1"))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("netcollapse: error: ")
    assert message in err, err
    assert not (here / "sweeps").exists() and not (here / "runs").exists()


# ----------------------------------------------------------------- against a real sweep
def _cli(*args, cwd):
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "netcollapse", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=900,  # guards a hang; no assertion on it
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, time.perf_counter() - start


def _within(measured, planned, factor):
    return planned / factor <= measured <= planned * factor


def _check_against_real(tmp_path, text, probe):
    (tmp_path / "s.yaml").write_text(text)
    plans = {"bench": strict_json(_cli("sweep", "s.yaml", "--plan", "--json", cwd=tmp_path)[0])}
    if probe:
        plans["probe"] = strict_json(
            _cli("sweep", "s.yaml", "--plan", "--probe", "--json", cwd=tmp_path)[0]
        )
    assert not (tmp_path / "sweeps").exists()
    _, wall = _cli("sweep", "s.yaml", "--out", "out", "--quiet", cwd=tmp_path)
    results = pd.read_parquet(tmp_path / "out" / "results.parquet")
    steps = pd.read_parquet(tmp_path / "out" / "steps.parquet")
    rows = steps.groupby("task_id").size()
    node_rounds = int((results.set_index("task_id")["n"] * rows).sum())
    for plan in plans.values():
        assert plan["tasks"] == plan["pending"] == len(results)
        assert plan["node_rounds"] == node_rounds
    return plans, results, wall


@pytest.mark.slow
def test_the_plan_matches_a_real_gmm_sweep(tmp_path):
    plans, _, wall = _check_against_real(tmp_path, GMM_SWEEP, probe=True)
    assert _within(wall, plans["probe"]["seconds"], PROBE_FACTOR), (wall, plans)
    assert _within(wall, plans["bench"]["seconds"], BENCH_FACTOR), (wall, plans)


@pytest.mark.slow
def test_the_plan_matches_a_real_llm_sweep(tmp_path):
    plans, results, wall = _check_against_real(tmp_path, LLM_SWEEP, probe=True)
    generated = int(results["generated_tokens"].sum())
    for plan in plans.values():
        assert plan["answers"] == 2 * 3 * 2  # tasks x nodes x rows, L = 1
        assert generated <= plan["tokens_max"] == 6 * plan["answers"]
        assert _within(generated, plan["tokens_expected"], TOKEN_FACTOR)
    assert _within(wall, plans["probe"]["seconds"], PROBE_FACTOR), (wall, plans)
    assert _within(wall, plans["bench"]["seconds"], BENCH_FACTOR), (wall, plans)
