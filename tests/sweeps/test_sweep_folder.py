"""The sweep folder records where its spec's relative paths resolve, portably."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import netcollapse
from netcollapse.sweeps.folder import prepare_folder, read_sweep

DATA = Path(netcollapse.__file__).resolve().parent / "data"


def _finish(folder: Path) -> None:
    pd.DataFrame({"task_id": ["a"], "status": ["ok"]}).to_parquet(folder / "results.parquet")
    pd.DataFrame({"task_id": ["a"], "step": [0]}).to_parquet(folder / "steps.parquet")


def test_a_shipped_spec_folder_is_recorded_relative_to_the_package(tmp_path):
    out = prepare_folder(tmp_path / "s", {"name": "s"}, [], base_dir=DATA / "experiments")
    assert json.loads((out / "sweep.json").read_text())["base_dir"] == "package:experiments"
    _finish(out)
    assert read_sweep(out).base_dir == DATA / "experiments"


def test_other_folders_are_absolute_and_vanish_when_gone(tmp_path):
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    out = prepare_folder(tmp_path / "s", {"name": "s"}, [], base_dir=spec_dir)
    assert json.loads((out / "sweep.json").read_text())["base_dir"] == str(spec_dir.resolve())
    _finish(out)
    assert read_sweep(out).base_dir == spec_dir.resolve()
    spec_dir.rmdir()
    assert read_sweep(out).base_dir is None
    # folders written before base_dir was recorded read as None
    meta = json.loads((out / "sweep.json").read_text())
    del meta["base_dir"]
    (out / "sweep.json").write_text(json.dumps(meta))
    assert read_sweep(out).base_dir is None


def test_a_file_graph_of_a_shipped_sweep_resolves_from_any_folder(tmp_path, monkeypatch):
    from netcollapse.runs.runner import build_graph
    from netcollapse.runs.spec import parse_run
    from netcollapse.sweeps.expand import expand
    from netcollapse.sweeps.spec import load_sweep

    spec = {
        "base": {"engine": "gmm", "T": 2},
        "graphs": {"alt": {"family": "file", "path": "../topologies/ring16_alternate.gml"}},
        "seeds": 1,
    }
    sweep, _ = load_sweep(spec)
    tasks = expand(sweep, DATA / "experiments")
    out = prepare_folder(tmp_path / "s", sweep.model_dump(mode="json"), tasks, DATA / "experiments")
    _finish(out)
    monkeypatch.chdir(tmp_path)
    found = read_sweep(out)
    again, base = load_sweep(found.spec)
    (task,) = expand(again, base or found.base_dir)
    assert build_graph(parse_run(task.spec), Path(task.base_dir)).n == 16


def test_nan_and_infinities_of_a_task_row_read_back_as_they_were(tmp_path):
    """A resumed sweep's rows equal an uninterrupted one's: an infinite relaxation time
    (a disconnected graph) was read back as NaN, because strict JSON writes both as null."""
    import math
    from types import SimpleNamespace

    from netcollapse.sweeps.folder import NONFINITE, TaskOutcome, load_outcomes, save_outcome

    (tmp_path / "tasks").mkdir()
    row = {"task_id": "a1", "status": "error", "relaxation_time": math.inf, "slem": -math.inf}
    row |= {"kemeny": math.nan, "half_life": math.nan, "floor": 1.5, "error": None}
    save_outcome(tmp_path, TaskOutcome(row))
    text = (tmp_path / "tasks" / "a1.json").read_text()
    stored = json.loads(text, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
    assert stored["relaxation_time"] is None and stored[NONFINITE]["relaxation_time"] == "inf"
    back = load_outcomes(tmp_path, [SimpleNamespace(task_id="a1")])["a1"].row
    assert back.keys() == row.keys() and back["error"] is None and back["floor"] == 1.5
    assert back["relaxation_time"] == math.inf and back["slem"] == -math.inf
    assert math.isnan(back["kemeny"]) and math.isnan(back["half_life"])
