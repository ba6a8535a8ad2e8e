"""Kill loops: SIGKILL at 20 or more random moments, resume each time, end exactly as uninterrupted.

* A GMM sweep on the process executor (2 workers), ``netcollapse sweep`` in its
  own process group, killed whole (``os.killpg``): some kills land while it
  starts (reading the folder, writing ``sweep.json``, spawning workers), the
  rest a random moment after one or two tasks finished (between tasks, in a
  task's writes, in the table rebuild). After every kill each task file is
  whole, and a task's row, once written, never changes (no task runs twice).
* An LLM run on the bundled models (3 nodes, 16 rounds): ``netcollapse run`` (then
  ``--resume``) killed with its process group 20 times, 5 of them a random moment
  within a round after the process made a new row, 15 a random moment before
  that (imports, model loading, the resume's reads). The last ``--resume`` ends it.
  (An earlier version forked children from a process holding the loaded models
  to save the start-up: a child deadlocked on a lock held by a thread of the
  parent at the fork, so every kill is now of a fresh process.)

At the end: the tables equal an uninterrupted run's exactly (wall times aside),
every task or row once, and no temporary file is left. The delays come from a
seeded generator; where they land also depends on the machine's load.
"""

from __future__ import annotations

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
from conftest import assert_same_run, assert_same_sweep, cli, temporaries

from netcollapse._io import read_json

KILLS = 20
ROW_DEADLINE = 300.0  # seconds: a run that makes no row in this long has hung
SWEEP = {
    "name": "kill_loop",
    "base": {
        "engine": "gmm",
        "T": 30,
        "retrieval": {"k": 24, "memory": 1},
        "gmm": {"B": 4, "means": [-6.0, -2.0, 2.0, 6.0], "L": 24, "A0": 20},
    },
    "graphs": {
        "ring": {"family": "ring", "n": 24, "self_weight": 0.2},
        "complete": {"family": "complete", "n": 24, "self_weight": 0.2},
        "star": {"family": "star", "n": 24, "self_weight": 0.2},
    },
    "seeds": 24,
    "seed": 5,
}
N_TASKS = 72
LLM = {
    "name": "kill_llm",
    "engine": "llm",
    "T": 16,
    "seed": 9,
    "retrieval": {"k": 2, "quota": "multinomial"},
    "llm": {"L": 2, "backend": "auto", "defaults": {"max_new_tokens": 8}},
    "graph": {"family": "complete", "n": 3, "self_weight": 0.5},
}


def _spec(tmp_path: Path, name: str, spec: dict) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return str(path)


# ----------------------------------------------------------------------------- the sweep
def _rows(out: Path) -> dict[str, bytes]:
    """Every finished task's row file by name, with its bytes."""
    folder = out / "tasks"
    if not folder.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name.endswith(".json")}


def _count_rows(out: Path) -> int:
    try:
        return sum(e.name.endswith(".json") for e in os.scandir(out / "tasks"))
    except FileNotFoundError:
        return 0


def _start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers
    proc.communicate()


def _check_after_kill(out: Path, seen: dict[str, bytes]) -> None:
    """Every row file whole and readable; no row written earlier changed or vanished."""
    rows = _rows(out)
    for name, data in seen.items():
        assert rows.get(name) == data, f"task {name} ran again or lost its row"
    for name in rows:
        row = read_json(out / "tasks" / name, "a finished task's row")
        if row["status"] == "ok":
            steps = out / "tasks" / f"{row['task_id']}-steps.parquet"
            assert not pd.read_parquet(steps).empty, steps
    if (out / "results.parquet").exists():
        assert pd.read_parquet(out / "results.parquet")["task_id"].is_unique
    seen.update(rows)


def _reference(cmd: list[str], out: Path) -> tuple[float, float]:
    """Run the sweep uninterrupted; return (seconds to its first task, seconds in all)."""
    start = time.monotonic()
    proc = _start(cmd)
    first = None
    while proc.poll() is None:
        if first is None and _count_rows(out):
            first = time.monotonic() - start
        time.sleep(0.02)
    assert proc.returncode == 0, proc.communicate()[1][-2000:]
    return first or 1.0, time.monotonic() - start


def test_a_process_sweep_killed_20_times_ends_as_an_uninterrupted_one(tmp_path):
    spec = _spec(tmp_path, "sweep", SWEEP)
    base = ["sweep", spec, "--executor", "process", "--workers", "2", "--quiet", "--boot", "20"]
    cmd = [sys.executable, "-m", "netcollapse", *base, "--out"]
    startup, total = _reference([*cmd, str(tmp_path / "whole")], tmp_path / "whole")
    gap = (total - startup) / N_TASKS  # seconds between two finished tasks
    out = tmp_path / "killed"
    rng = np.random.default_rng(22)
    seen: dict[str, bytes] = {}
    kills = during_tasks = 0
    while kills < KILLS:
        proc = _start([*cmd, str(out)])
        before = _count_rows(out)
        if rng.random() < 0.25:  # while it starts
            deadline, wait_for = time.monotonic() + rng.uniform(0.3, startup), None
        else:  # a random moment after one or two more tasks finished
            deadline, wait_for = None, int(rng.integers(1, 3))
        while proc.poll() is None:
            if wait_for is not None and _count_rows(out) >= before + wait_for:
                deadline, wait_for = time.monotonic() + rng.uniform(0, gap), None
            if deadline is not None and time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the sweep finished after only {kills} kills"
        _kill(proc)
        kills += 1
        during_tasks += _count_rows(out) > before
        _check_after_kill(out, seen)
    assert during_tasks >= KILLS // 2, during_tasks
    assert 0 < len(seen) < N_TASKS
    proc = cli(*base, "--out", str(out))  # the last resume finishes it
    assert proc.returncode == 0, proc.stderr[-2000:]
    _check_after_kill(out, seen)
    assert len(seen) == N_TASKS
    assert_same_sweep(out, tmp_path / "whole")
    assert temporaries(out) == []


# ----------------------------------------------------------------------------- the LLM run
def _latest(out: Path) -> int:
    """The row of the run's latest checkpoint (-1: none yet)."""
    try:
        return int((out / "checkpoint" / "LATEST").read_text()[5:])
    except (FileNotFoundError, ValueError):
        return -1


def _wait_for_row(proc: subprocess.Popen, out: Path, before: int) -> None:
    """Wait until the run in ``out`` checkpoints a row after ``before`` (bounded wait)."""
    start = time.monotonic()
    while _latest(out) == before:
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() - start < ROW_DEADLINE, f"no row after {before} in time"
        time.sleep(0.005)


@pytest.mark.slow
def test_an_llm_run_killed_20_times_ends_as_an_uninterrupted_one(tmp_path):
    spec = _spec(tmp_path, "llm", LLM)
    start = time.monotonic()
    proc = _start(
        [
            sys.executable,
            "-m",
            "netcollapse",
            "run",
            spec,
            "--out",
            str(tmp_path / "whole"),
            "--quiet",
        ]
    )
    while proc.poll() is None and _latest(tmp_path / "whole") < 0:
        time.sleep(0.005)
    first = time.monotonic() - start  # start-up: imports, models, row 0 (or all of it)
    assert proc.wait() == 0, proc.communicate()[1][-2000:]
    per_round = (time.monotonic() - start - first) / LLM["T"]
    out = tmp_path / "killed"
    rng = np.random.default_rng(23)
    # PROGRESS kills land a random moment within a round after the process made a new
    # row (in the next round or its writes); the others a random moment before its
    # first new row (imports, model loading, the resume's reads): the run cannot end
    # before the last kill. Every kill is of a real `netcollapse run` process group.
    progress = 5
    plan = [True] + list(rng.permutation([True] * (progress - 1) + [False] * (KILLS - progress)))
    for i, makes_a_row in enumerate(plan):
        before = _latest(out)
        args = ["run", spec, "--out", str(out), "--quiet", *(["--resume"] if i else [])]
        proc = _start([sys.executable, "-m", "netcollapse", *args])
        if makes_a_row:
            _wait_for_row(proc, out, before)
            time.sleep(rng.uniform(0, per_round))
        else:
            time.sleep(rng.uniform(0.05, 0.9 * first))
        assert proc.poll() is None, f"the run ended at row {_latest(out)}"
        _kill(proc)
    assert not (out / "summary.json").exists() and progress <= _latest(out) < LLM["T"]
    proc = cli("run", spec, "--out", str(out), "--quiet", "--resume")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert_same_run(out, tmp_path / "whole")
    for name in ("responses.jsonl", "sources.json"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert metrics["step"].tolist() == list(range(LLM["T"] + 1))
    assert temporaries(out) == []
