"""Sweeps: grid expansion, stable ids, common random numbers, executors, resume, errors, CLI."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from netcollapse.app.cli import main
from netcollapse.errors import SpecError
from netcollapse.sweeps import expand, load_sweep, make_executor, run_sweep, run_task
from netcollapse.sweeps.expand import replicate_seeds
from netcollapse.sweeps.folder import MEASURE_COLUMNS

BASE = {
    "engine": "gmm",
    "T": 6,
    "retrieval": {"k": 6, "memory": 1},
    "gmm": {"B": 3, "means": [-6.0, 0.0, 6.0], "L": 6},
}


def tiny(**extra):
    spec = {
        "name": "tiny",
        "base": BASE,
        "seeds": 2,
        "seed": 3,
        "axes": {"graph.family": ["ring", "complete"], "graph.n": [4, 6]},
    }
    spec.update(extra)
    return spec


def measures(frame):
    cols = [c for c in (*MEASURE_COLUMNS, "slem", "lazy_rate", "fiedler_value") if c in frame]
    return frame.sort_values("task_id").set_index("task_id")[cols]


# --------------------------------------------------------------------------- expansion
def test_grid_expansion_order_params_and_common_random_numbers():
    tasks = expand(tiny())
    assert len(tasks) == 8
    assert [t.params for t in tasks[::2]] == [
        {"graph.family": f, "graph.n": n} for f in ("ring", "complete") for n in (4, 6)
    ]
    assert [t.replicate for t in tasks] == [0, 1] * 4
    seeds = replicate_seeds(2, seed=3)
    assert seeds == [
        int(c.generate_state(1, dtype=np.uint32)[0] >> 1)
        for c in np.random.SeedSequence(3).spawn(2)
    ]
    # the same replicate seed in every condition (common random numbers)
    assert {t.seed for t in tasks if t.replicate == 0} == {seeds[0]}
    assert {t.seed for t in tasks if t.replicate == 1} == {seeds[1]}
    assert all(t.spec["seed"] == t.seed and t.spec["T"] == 6 for t in tasks)
    assert tasks[0].spec["graph"] == {"family": "ring", "n": 4}
    assert len({t.task_id for t in tasks}) == 8


def test_common_random_numbers_give_the_same_initial_state():
    tasks = expand(tiny())
    rows = [run_task(t).row for t in tasks if t.params["graph.n"] == 6]
    by_rep = {}
    for r in rows:
        by_rep.setdefault(r["replicate"], set()).add(round(r["initial_frobenius"], 12))
    assert all(len(v) == 1 for v in by_rep.values())  # ring and complete start alike
    assert by_rep[0] != by_rep[1]


def test_task_ids_are_stable_and_depend_on_the_resolved_spec_only():
    a = {t.task_id for t in expand(tiny())}
    assert a == {t.task_id for t in expand(tiny())}
    # a sub-sweep with one of the conditions, written differently, has the same ids
    sub = expand(
        {
            "base": {**BASE, "graph": {"family": "ring", "n": 4, "k": 2}},
            "seeds": 2,
            "seed": 3,
            "name": "other",
        }
    )
    assert {t.task_id for t in sub} < a
    # a different T or sweep seed changes every id
    assert not a & {t.task_id for t in expand(tiny(T=7))}
    assert not a & {t.task_id for t in expand(tiny(seed=4))}
    assert all(len(t) == 12 and int(t, 16) >= 0 for t in a)


def test_zip_groups_vary_together_and_named_graphs_are_one_axis():
    spec = {
        "base": BASE,
        "seeds": [11, 12],
        "graphs": {"ring": {"family": "ring", "n": 6}, "star": {"family": "star", "n": 5}},
        "axes": {"graph.self_weight": [0.0, 0.5], "gmm.L": [4, 8]},
        "zip": [["graph.self_weight", "gmm.L"]],
    }
    tasks = expand(spec)
    assert len(tasks) == 2 * 2 * 2
    conds = [t.params for t in tasks[::2]]
    assert conds == [
        {"graph": g, "graph.self_weight": w, "gmm.L": L}
        for g in ("ring", "star")
        for w, L in ((0.0, 4), (0.5, 8))
    ]
    assert [t.seed for t in tasks[:2]] == [11, 12]
    t = tasks[2]
    assert t.spec["graph"] == {"family": "ring", "n": 6, "self_weight": 0.5}
    assert t.spec["gmm"]["L"] == 8 and t.spec["gmm"]["B"] == 3


def test_invalid_combinations_become_error_tasks_unless_all_are_invalid():
    tasks = expand(
        {"base": BASE, "axes": {"graph.family": ["ring"], "graph.n": [4, 8], "graph.k": [2, 4]}}
    )
    errors = [t for t in tasks if t.error]
    assert [t.params for t in errors] == [{"graph.family": "ring", "graph.n": 4, "graph.k": 4}]
    assert "k: got 4" in errors[0].error
    with pytest.raises(SpecError, match="graph.k: got 2, expected no such field"):
        expand(
            {"base": BASE, "axes": {"graph.family": ["complete"], "graph.n": [4], "graph.k": [2]}}
        )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"axes": {"graph.nn": [3]}}, r"axes: got 'graph.nn', expected a run-spec parameter path"),
        ({"axes": {"gmm.LL": [3]}}, r"axes: got 'gmm.LL', expected a run-spec parameter path"),
        ({"axes": {"seed": [1, 2]}}, r"axes: got 'seed', expected no seed axis"),
        ({"axes": {"graph.n": []}}, r"axes.graph.n: got \[\], expected a non-empty list of values"),
        ({"axes": {"graph.n": 4}}, r"axes.graph.n: got 4, expected a list"),
        ({"zip": [["graph.n", "gmm.L"]]}, r"zip.0: got 'gmm.L', expected an axis name"),
        (
            {
                "zip": [["graph.n", "graph.family"]],
                "axes": {"graph.family": ["ring"], "graph.n": [4, 5]},
            },
            r"zip.0: got \['graph.n', 'graph.family'\], expected axes with the same number",
        ),
        ({"seeds": 0}, r"seeds: got 0, expected a number of replicates >= 1"),
        ({"seeds": [1, 1]}, r"seeds: got \[1, 1\], expected a non-empty list of distinct"),
        ({"base": {**BASE, "seed": 4}}, r"base.seed: got 4, expected no seed in base"),
        ({"colour": "red"}, r"colour: got 'red', expected no such field"),
        ({"graphs": {"g": {"family": "torus", "n": 4}}}, r"graphs.g.family: got 'torus'"),
    ],
)
def test_bad_specs_give_one_line_errors(change, message):
    with pytest.raises(SpecError, match=message):
        load_sweep(tiny(**change))


def test_bad_executor_and_workers(tmp_path):
    with pytest.raises(SpecError, match="executor: got 'dask', expected one of serial, process"):
        run_sweep(tiny(), tmp_path / "s", executor="dask")
    with pytest.raises(SpecError, match="workers: got 0, expected an integer >= 1"):
        make_executor("process", workers=0)
    with pytest.raises(SpecError, match="address: got 'auto', expected no address unless"):
        make_executor("process", address="auto")
    assert not (tmp_path / "s").exists()  # nothing written on bad input


# --------------------------------------------------------------------------- running
def test_serial_sweep_writes_one_tidy_table(tmp_path):
    res = run_sweep(tiny(), tmp_path / "s", progress=False)
    r = pd.read_parquet(tmp_path / "s" / "results.parquet")
    assert len(r) == 8 and (r["status"] == "ok").all() and r["task_id"].is_unique
    for col in (
        "task_id",
        "status",
        "error",
        "seed",
        "replicate",
        "graph.family",
        "graph.n",
        "family",
        "slem",
        "spectral_gap",
        "lazy_rate",
        "fiedler_value",
        "late_rate",
        "half_life",
        "final_frobenius",
        "predicted_rate",
        "pred_half_life",
        "curve_error",
        "seconds_total",
    ):
        assert col in r.columns, col
    assert list(r.columns[:7]) == [
        "task_id",
        "status",
        "error",
        "replicate",
        "seed",
        "graph.family",
        "graph.n",
    ]
    assert (r["family"] == r["graph.family"]).all()
    complete = r[r["family"] == "complete"]
    assert np.allclose(complete["slem"], 1 / (complete["graph.n"] - 1))  # K_n walk: 1/(n-1)
    s = pd.read_parquet(tmp_path / "s" / "steps.parquet")
    assert len(s) == 8 * 7 and set(s["task_id"]) == set(r["task_id"])
    assert (s["predicted_frobenius"] > 0).all()  # the GMM engine's predicted curve, per step
    assert res.ran == 8 and res.skipped == 0 and res.errors == 0
    listing = json.loads((tmp_path / "s" / "sweep.json").read_text())
    assert [t["task_id"] for t in listing["tasks"]] == r["task_id"].tolist()


def test_process_pool_gives_identical_results(tmp_path):
    serial = run_sweep(tiny(), tmp_path / "a", progress=False)
    pool = run_sweep(tiny(), tmp_path / "b", executor="process", workers=2, progress=False)
    pd.testing.assert_frame_equal(measures(serial.results), measures(pool.results))
    key = ["task_id", "step"]
    pd.testing.assert_frame_equal(
        serial.steps.sort_values(key).reset_index(drop=True),
        pool.steps.sort_values(key).reset_index(drop=True),
    )
    assert pool.results["worker"].nunique() >= 1


@pytest.mark.ray
def test_ray_local_cluster_gives_identical_results(tmp_path):
    pytest.importorskip("ray")
    import ray

    serial = run_sweep(tiny(), tmp_path / "a", progress=False)
    env = dict(os.environ)
    res = run_sweep(tiny(), tmp_path / "r", executor="ray", workers=2, progress=False)
    assert not ray.is_initialized()  # the local cluster it started is shut down
    assert dict(os.environ) == env  # RAY_* settings were for the started cluster only
    pd.testing.assert_frame_equal(measures(serial.results), measures(res.results))
    assert res.results["worker"].str.split(":").str[1].ne(str(os.getpid())).all()


def test_resume_skips_finished_tasks_and_never_duplicates(tmp_path):
    out = tmp_path / "s"
    first = run_sweep(tiny(), out, limit=3, progress=False)
    assert first.ran == 3 and len(pd.read_parquet(out / "results.parquet")) == 3
    second = run_sweep(tiny(), out, progress=False)
    assert (second.ran, second.skipped) == (5, 3)
    r = pd.read_parquet(out / "results.parquet")
    assert len(r) == 8 and r["task_id"].is_unique
    # a lost task (its row file deleted) is the only one run again
    victim = r["task_id"].iloc[4]
    (out / "tasks" / f"{victim}.json").unlink()
    third = run_sweep(tiny(), out, progress=False)
    assert (third.ran, third.skipped) == (1, 7)
    r3 = pd.read_parquet(out / "results.parquet")
    assert len(r3) == 8 and r3["task_id"].is_unique
    pd.testing.assert_frame_equal(measures(r), measures(r3))
    steps = pd.read_parquet(out / "steps.parquet")
    assert len(steps) == 8 * 7 and not steps.duplicated(["task_id", "step"]).any()
    # a bigger sweep (one more seed) reuses the 8 finished tasks
    more = run_sweep(tiny(seeds=3), out, progress=False)
    assert (more.ran, more.skipped, len(more.results)) == (4, 8, 12)


def test_failing_tasks_are_recorded_and_do_not_stop_the_sweep(tmp_path):
    spec = {
        "base": BASE,
        "seeds": 2,
        "graphs": {
            "ring": {"family": "ring", "n": 5},
            "lost": {"family": "file", "path": str(tmp_path / "missing.edges")},
        },
    }
    res = run_sweep(spec, tmp_path / "s", progress=False)
    r = res.results
    assert len(r) == 4 and res.errors == 2
    lost = r[r["graph"] == "lost"]
    assert (lost["status"] == "error").all()
    assert lost["error"].str.contains("missing.edges").all()
    assert lost["error"].map(lambda e: "\n" not in e).all()
    assert (r.loc[r["graph"] == "ring", "status"] == "ok").all()
    saved = json.loads((tmp_path / "s" / "tasks" / f"{lost['task_id'].iloc[0]}.json").read_text())
    assert "Traceback" in saved["traceback"] and "traceback" not in r.columns
    again = run_sweep(spec, tmp_path / "s", progress=False)  # failed tasks are retried
    assert (again.ran, again.skipped, len(again.results)) == (2, 2, 4)


def test_sigkill_midway_then_rerun_completes(tmp_path):
    spec = {
        "name": "kill",
        "base": {
            **BASE,
            "T": 30,
            "gmm": {**BASE["gmm"], "L": 64},
            "retrieval": {"k": 64, "memory": 1},
        },
        "axes": {"graph.family": ["ring", "complete"], "graph.n": [8, 16, 24]},
        "seeds": 3,
    }
    path = tmp_path / "kill.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "netcollapse", "sweep", str(path), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((out / "tasks").glob("*.json"))) >= 3:
            break
        time.sleep(0.05)
    killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(list((out / "tasks").glob("*.json")))
    assert main(["sweep", str(path), "--out", str(out), "--quiet", "--boot", "20"]) == 0
    r = pd.read_parquet(out / "results.parquet")
    assert len(r) == 18 and r["task_id"].is_unique and (r["status"] == "ok").all()
    assert not any(p.name.endswith(".tmp") for p in out.rglob("*") if p.parent == out)
    assert killed and 3 <= done_before < 18  # it really died midway


# --------------------------------------------------------------------------- CLI & import
def test_cli_prints_the_predictor_table(tmp_path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(tiny(seeds=3)))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--quiet", "--boot", "50"]) == 0
    text = capsys.readouterr().out
    assert "tasks: 12 (ran 12, skipped 0 already done, 0 with errors)" in text
    assert "predictor table (spearman r" in text and "lazy_rate" in text
    table = pd.read_csv(tmp_path / "o" / "predictors.csv")
    assert {"predictor", "measure", "method", "r", "lo", "hi", "n"} <= set(table.columns)


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(tiny()))
    assert main(["sweep", str(path), "--executor", "dask", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("netcollapse: error: executor: got 'dask', expected one of serial, process, ray")
    path.write_text(yaml.safe_dump(tiny(axes={"graph.size": [3]})))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "axes: got 'graph.size'" in capsys.readouterr().err


def strict_json(text):
    """Parse JSON as any strict parser would: a bare NaN or Infinity is an error."""

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_cli_sweep_with_failed_tasks_writes_everything_and_exits_1(tmp_path):
    # ring with n = 4 cannot have k = 4 neighbours: 1 of the 4 tasks is invalid
    spec = {
        "name": "partly",
        "base": BASE,
        "seeds": 1,
        "axes": {"graph.family": ["ring"], "graph.n": [4, 8], "graph.k": [2, 4]},
    }
    path = tmp_path / "partly.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "o"
    cmd = [
        sys.executable,
        "-m",
        "netcollapse",
        "sweep",
        str(path),
        "--out",
        str(out),
        "--quiet",
        "--boot",
        "20",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in proc.stderr
    assert err[0].startswith("netcollapse: error: 1 of 4 tasks failed; first error: ")
    assert "k: got 4" in err[0]
    assert "tasks: 4 (ran 4, skipped 0 already done, 1 with errors)" in proc.stdout
    r = pd.read_parquet(out / "results.parquet")
    assert len(r) == 4 and (r["status"] == "ok").sum() == 3
    assert len(pd.read_parquet(out / "steps.parquet")) == 3 * 7
    assert (out / "predictors.csv").is_file()  # 3 finished tasks: the table is written too
    # a fully successful sweep exits 0, bad input 2
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(tiny(seeds=1)))
    ok = subprocess.run(
        cmd[:4] + [str(good), "--out", str(tmp_path / "ok"), "--quiet", "--boot", "20"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "0 with errors" in ok.stdout, ok.stderr
    bad = subprocess.run(cmd[:4] + [str(tmp_path / "missing.yaml")], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("netcollapse: error: spec: got ")


def test_sweep_files_are_strict_json(tmp_path):
    # no fixed k: predicted_rate is NaN in every row; T = 1: no half-life (NaN)
    spec = {
        "base": {"engine": "gmm", "T": 1, "gmm": {"L": 2}},
        "graphs": {
            "ring": {"family": "ring", "n": 6, "self_weight": 0.0},
            "lost": {"family": "file", "path": str(tmp_path / "missing.txt")},
        },
    }
    res = run_sweep(spec, tmp_path / "s", progress=False)
    assert res.errors == 1
    ok_row = res.results[res.results["status"] == "ok"].iloc[0]
    assert np.isnan(ok_row["predicted_rate"]) and np.isinf(ok_row["relaxation_time"])
    texts = [
        p.read_text()
        for p in [tmp_path / "s" / "sweep.json", *(tmp_path / "s" / "tasks").glob("*.json")]
    ]
    assert len(texts) == 3
    rows = [strict_json(t) for t in texts[1:]]
    ok = next(r for r in rows if r["status"] == "ok")
    assert ok["predicted_rate"] is None and ok["relaxation_time"] is None
    assert strict_json(texts[0])["tasks"][0]["params"] == {"graph": "ring"}
    # resumed from those files, the NaN measures come back as NaN, not None
    again = run_sweep(spec, tmp_path / "s", progress=False)
    row = again.results[again.results["status"] == "ok"].iloc[0]
    assert again.skipped == 1 and np.isnan(row["predicted_rate"])


def test_import_changes_no_global_state():
    code = (
        "import multiprocessing as mp, sys\n"
        "import netcollapse.sweeps.run, netcollapse.sweeps.executors, netcollapse.sweeps.analysis\n"
        "assert mp.get_start_method(allow_none=True) is None\n"
        "assert 'ray' not in sys.modules and 'torch' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_shipped_sweep_specs_expand():
    root = Path(__file__).resolve().parents[2] / "experiments"
    sizes = {}
    for name in ("sweep_topologies_gmm", "sweep_topologies_llm", "sweep_graph_effect"):
        spec, base = load_sweep(root / f"{name}.yaml")
        tasks = expand(spec, base)
        assert not [t.error for t in tasks if t.error], name
        sizes[name] = (len(tasks), len({t.spec["graph"]["family"] for t in tasks}))
    assert sizes["sweep_topologies_gmm"][0] >= 5 * 2 * 5 and sizes["sweep_topologies_gmm"][1] >= 5
    assert sizes["sweep_graph_effect"][0] >= 30 and sizes["sweep_graph_effect"][1] >= 5
    assert {t.engine for t in expand(*load_sweep(root / "sweep_topologies_llm.yaml"))} == {"llm"}


def test_tidy_steps_carry_the_axis_values(tmp_path):
    spec = {
        "base": {"engine": "gmm", "T": 3, "gmm": {"L": 2}},
        "seeds": 2,
        "graphs": {"ring": {"family": "ring", "n": 5}, "star": {"family": "star", "n": 5}},
    }
    res = run_sweep(spec, tmp_path / "s", progress=False)
    tidy = res.tidy_steps()
    assert len(tidy) == 2 * 2 * 4 and len(tidy) == len(res.steps)
    assert set(tidy["graph"]) == {"ring", "star"} and tidy["replicate"].nunique() == 2
    for (_, g), part in tidy.groupby(["task_id", "graph"]):
        want = res.results.set_index("task_id").loc[part["task_id"].iloc[0], "graph"]
        assert g == want and len(part) == 4


def test_task_ids_of_the_shipped_study_still_match_its_spec():
    """Ids hash the resolved spec: fields added later (empty) must not change old sweeps' ids."""
    import json
    from pathlib import Path

    import pandas as pd

    from netcollapse.sweeps.expand import expand
    from netcollapse.sweeps.spec import load_sweep

    folder = Path(__file__).resolve().parents[2] / "docs" / "results" / "llm_topology_study"
    spec, base = load_sweep(json.loads((folder / "sweep.json").read_text())["spec"])
    ids = {t.task_id for t in expand(spec, base)}
    assert set(pd.read_parquet(folder / "results.parquet")["task_id"]) == ids
    with_events = {**spec.base, "interventions": [{"at": 1, "h": 0.1}]}
    assert (
        not {
            t.task_id
            for t in expand(
                {**json.loads((folder / "sweep.json").read_text())["spec"], "base": with_events}
            )
        }
        & ids
    )


def test_fields_added_later_change_ids_only_when_set():
    from netcollapse.sweeps.expand import expand

    base = {"engine": "llm", "T": 2, "graph": {"family": "ring", "n": 4}, "llm": {"L": 2}}

    def tid(llm):
        return expand({"base": {**base, "llm": {**base["llm"], **llm}}, "axes": {}})[0].task_id

    assert tid({}) == tid({"quantize": None}) != tid({"quantize": "q4_0"})
