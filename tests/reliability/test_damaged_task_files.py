"""A sweep re-run over damaged task files runs those tasks again and ends as an intact one.

A sweep killed mid-write leaves whole files (they are written atomically), but a
disk or a person can still damage them: every task file of a finished GMM sweep
is made missing, truncated, garbled, a JSON value of the wrong kind, a row of
another task, or a row with garbled non-finite values. ``netcollapse sweep`` into
the folder again exits 0 with no traceback, runs exactly the damaged task again,
and its tables equal the intact sweep's (wall times aside).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import assert_same_sweep, temporaries

from netcollapse.app.cli import main
from netcollapse.sweeps.folder import NONFINITE
from netcollapse.sweeps.run import run_sweep

SWEEP = {
    "name": "damaged",
    "base": {
        "engine": "gmm",
        "T": 5,
        "retrieval": {"k": 4, "memory": 1},
        "gmm": {"B": 2, "means": [-4.0, 4.0], "L": 4},
    },
    "graphs": {
        "complete": {"family": "complete", "n": 4},  # relaxation time inf: a non-finite value
        "ring": {"family": "ring", "n": 5},
    },
    "seeds": 1,
}
DAMAGES = {
    "row missing": ("row", lambda p: p.unlink()),
    "row truncated": ("row", lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])),
    "row garbled": ("row", lambda p: p.write_bytes(b"\xff\x00garbage" * 9)),
    "row a list": ("row", lambda p: p.write_text("[]")),
    "row of another task": ("row", lambda p: p.write_text('{"task_id": "x", "status": "ok"}')),
    "row with garbled non-finite values": (
        "row",
        lambda p: p.write_text(
            p.read_text().replace(f'"{NONFINITE}": {{', f'"{NONFINITE}": {{"status": 1, ')
        ),
    ),
    "steps missing": ("steps", lambda p: p.unlink()),
    "steps truncated": ("steps", lambda p: p.write_bytes(p.read_bytes()[:100])),
}


@pytest.fixture(scope="module")
def intact(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("sweep")
    spec = root / "sweep.yaml"
    spec.write_text(yaml.safe_dump(SWEEP))
    res = run_sweep(spec, root / "intact", progress=False)
    assert res.errors == 0 and len(res.results) == 2
    return spec, root / "intact"


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_task_file_runs_that_task_again(intact, tmp_path, capsys, damage):
    spec, folder = intact
    out = tmp_path / "sweep"
    shutil.copytree(folder, out)
    which, harm = DAMAGES[damage]
    complete = next(p for p in (out / "tasks").glob("*.json") if NONFINITE in p.read_text())
    tid = complete.stem
    harm(complete if which == "row" else out / "tasks" / f"{tid}-steps.parquet")
    assert main(["sweep", str(spec), "--out", str(out), "--quiet", "--boot", "20"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    again = run_sweep(spec, out, progress=False)
    assert (again.ran, again.skipped) == (0, 2)
    assert_same_sweep(out, folder)
    assert temporaries(out) == []


def test_a_folder_where_a_row_belongs_is_one_line(intact, tmp_path, capsys):
    spec, folder = intact
    out = tmp_path / "sweep"
    shutil.copytree(folder, out)
    row = next((out / "tasks").glob("*.json"))
    row.unlink()
    row.mkdir()
    assert main(["sweep", str(spec), "--out", str(out), "--quiet", "--boot", "20"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and f"{str(row)!r} in the way (EISDIR" in lines[0], lines
    assert temporaries(out) == []
