import pytest

from netcollapse.app.cli import shipped_dir
from netcollapse.app.demo import comparison_specs, run_comparison, spectral_table
from netcollapse.errors import SpecError


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


def test_comparison_runs_each_topology_and_reuses_finished_runs(tmp_path):
    spec = tmp_path / "cmp.yaml"
    spec.write_text(
        "base: {name: c, engine: gmm, T: 4, retrieval: {k: 4, memory: 1}, gmm: {L: 4}}\n"
        "topologies:\n  complete: {family: complete, n: 6}\n  ring: {family: ring, n: 6}\n"
    )
    assert set(comparison_specs(spec)) == {"complete", "ring"}
    first = run_comparison(spec, tmp_path / "runs", progress=False, seeds=(0, 1))
    assert len(first) == 2 * 2 * 5 and set(first.topology) == {"complete", "ring"}
    again = run_comparison(spec, tmp_path / "runs", progress=False, seeds=(0, 1))
    assert again.equals(first)


def test_bad_comparison_spec(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("base: {engine: gmm}\n")
    with pytest.raises(SpecError, match=r"^comparison: got '.*bad.yaml', expected a mapping"):
        comparison_specs(spec)
