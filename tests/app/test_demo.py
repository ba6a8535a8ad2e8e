import pandas as pd
import pytest

from netcollapse.app.demo import run_comparison, spectral_table
from netcollapse.app.shipped import shipped_dir
from netcollapse.sweeps import expand, load_sweep
from netcollapse.sweeps.run import TasksFailed


def test_shipped_families_order_complete_first_ring_and_path_last():
    table = spectral_table(shipped_dir("topologies"), n=64)
    assert table.index[0] == "complete"
    assert set(table.index[-2:]) == {"ring", "path"}
    assert (table["n_components"] == 1).all()


def test_zero_self_weight_marks_the_bipartite_families_periodic():
    table = spectral_table(shipped_dir("topologies"), n=64, self_weight=0.0)
    periodic = set(table.index[table["note"].astype(str).str.startswith("periodic")])
    assert {"ring", "path", "star", "grid"} <= periodic
    assert (table.loc[list(periodic), "slem"] == 1.0).all()


def test_comparison_is_a_sweep_and_reuses_finished_tasks(tmp_path):
    spec = tmp_path / "cmp.yaml"
    spec.write_text(
        "name: c\nbase: {engine: gmm, T: 4, retrieval: {k: 4, memory: 1}, gmm: {L: 4}}\n"
        "graphs:\n  complete: {family: complete, n: 6}\n  ring: {family: ring, n: 6}\n"
        "seeds: [0, 1]\n"
    )
    out = tmp_path / "sweep"
    first = run_comparison(spec, out, progress=False)
    assert len(first) == 2 * 2 * 5 and first["topology"].unique().tolist() == ["complete", "ring"]
    assert first["seed"].unique().tolist() == [0, 1] and "task_id" not in first.columns
    # the same folder as `netcollapse sweep` writes, one row per task
    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == 4 and (results["status"] == "ok").all()
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "tasks").glob("*.json")}
    again = run_comparison(spec, out, progress=False)
    assert again.equals(first)
    assert {p.name: p.stat().st_mtime_ns for p in (out / "tasks").glob("*.json")} == stamps


def test_comparison_with_a_failing_task_raises_after_writing(tmp_path):
    spec = {
        "base": {"engine": "gmm", "T": 3, "gmm": {"L": 4}},
        "seeds": [0],
        "graphs": {
            "ring": {"family": "ring", "n": 5},
            "lost": {"family": "file", "path": str(tmp_path / "missing.txt")},
        },
    }
    with pytest.raises(TasksFailed, match=r"^1 of 2 tasks failed; first error: .*missing.txt"):
        run_comparison(spec, tmp_path / "s", progress=False)
    assert len(pd.read_parquet(tmp_path / "s" / "results.parquet")) == 2


def test_shipped_comparisons_are_sweeps_over_named_graphs():
    for name, n_graphs in (("compare_gmm", 4), ("compare_llm", 2)):
        sweep, base = load_sweep(shipped_dir("experiments") / f"{name}.yaml")
        tasks = expand(sweep, base)
        assert len(sweep.graphs) == n_graphs and not [t.error for t in tasks if t.error]
        assert [t.seed for t in tasks[: len(sweep.seeds)]] == sweep.seeds


def test_stance_summary_measures_the_gap_rate_and_quotes_the_shipped_study():
    from pathlib import Path

    import numpy as np

    from netcollapse.app.demo import stance_summary
    from netcollapse.measures.rates import geometric_rate

    shipped = Path(__file__).resolve().parents[2] / "docs" / "results" / "llm_rate_study"
    results = pd.read_parquet(shipped / "results.parquet")
    steps = pd.read_parquet(shipped / "steps.parquet")
    keys = results[["task_id", "graph", "seed"]].rename(columns={"graph": "topology"})
    metrics = steps.merge(keys, on="task_id")
    metrics = metrics[metrics["topology"].isin(["complete", "ring"])].drop(columns="task_id")
    table, verdict = stance_summary(metrics, 16)
    for name in ("complete", "ring"):
        runs = metrics[metrics["topology"] == name].sort_values("step").groupby("seed")
        rates = [geometric_rate(r["stance_gap"].to_numpy(float), 0)[0] for _, r in runs]
        assert table.loc[name, "gap rate"] == np.mean(rates)
    assert table.loc["ring", "gap rate"] > table.loc["complete", "gap rate"]
    assert "ring minus complete, paired by seed: +0.428" in verdict
    assert "pre-registered rate study" in verdict and "slope 1.98" in verdict
