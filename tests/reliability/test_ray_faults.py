"""Ray faults: a worker process killed mid-task, the sweep goes on, a re-run completes it.

* The executor alone, on a local cluster: tasks whose worker process kills itself
  (``SIGKILL``) the first time run once more on a fresh worker and succeed; a task
  whose worker dies both times is reported as one :class:`WorkerLost` line, and the
  other tasks finish. Actors (LLM tasks) and plain Ray tasks (GMM) alike.
* ``netcollapse sweep`` of an LLM sweep on Ray (bundled models): one actor's
  process is killed with ``SIGKILL`` while it runs a task (its process title says
  ``_TaskActor.run``); the sweep finishes, the task runs again on a fresh actor,
  and the folder's tables equal a serial run's (wall times aside) once a re-run
  has completed whatever is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import assert_same_sweep

from netcollapse.sweeps.executors import RayExecutor, WorkerLost
from netcollapse.sweeps.run import run_sweep

pytestmark = pytest.mark.ray

LLM_SWEEP = {
    "name": "ray_faults",
    "base": {
        "engine": "llm",
        "T": 2,
        "retrieval": {"k": 2, "quota": "multinomial"},
        "llm": {"L": 2, "backend": "auto", "defaults": {"max_new_tokens": 6}},
    },
    "graphs": {
        "complete": {"family": "complete", "n": 3, "self_weight": 0.5},
        "ring": {"family": "ring", "n": 3, "self_weight": 0.5},
    },
    "seeds": 2,
    "seed": 4,
}


def _tasks(folder: Path) -> list[SimpleNamespace]:
    modes = ["ok", "flaky", "dies"]
    return [
        SimpleNamespace(task_id=f"{engine}-{mode}", engine=engine, mode=mode, folder=str(folder))
        for engine in ("llm", "gmm")
        for mode in modes
    ]


def test_a_task_whose_worker_dies_runs_once_more_then_is_one_line(tmp_path):
    pytest.importorskip("ray")

    import dying
    import ray

    ray.cloudpickle.register_pickle_by_value(dying)  # the workers cannot import it

    with RayExecutor(workers=2) as pool:
        outcomes = {t.task_id: out for t, out in pool.map(dying.work, _tasks(tmp_path))}
    assert sorted(outcomes) == sorted(t.task_id for t in _tasks(tmp_path))  # once each
    for engine in ("llm", "gmm"):
        assert outcomes[f"{engine}-ok"] == f"{engine}-ok done on try 1"
        assert outcomes[f"{engine}-flaky"] == f"{engine}-flaky done on try 2"
        lost = outcomes[f"{engine}-dies"]
        assert isinstance(lost, WorkerLost) and "died twice" in str(lost), lost
        assert "\n" not in str(lost)
        assert (tmp_path / f"{engine}-dies").read_text() == "xx"  # two tries, not more


def _titled(word: str) -> list[int]:
    """Pids of this machine's processes whose command line (Ray's process title) has ``word``."""
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                    if word.encode() in handle.read():
                        pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.mark.slow
def test_an_llm_sweep_survives_an_actor_killed_mid_task(tmp_path):
    pytest.importorskip("ray")
    spec = tmp_path / "sweep.yaml"
    spec.write_text(yaml.safe_dump(LLM_SWEEP))
    out = tmp_path / "killed"
    args = ["sweep", str(spec), "--out", str(out), "--quiet", "--boot", "20"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "netcollapse", *args, "--executor", "ray", "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        already = set(_titled("_TaskActor.run"))  # another test's cluster, if any
        deadline = time.monotonic() + 240
        running: list[int] = []
        while not running and proc.poll() is None and time.monotonic() < deadline:
            running = sorted(set(_titled("_TaskActor.run")) - already)
            time.sleep(0.05)
        assert running, "no actor ever ran a task"
        time.sleep(np.random.default_rng(5).uniform(0.5, 2.0))  # into its task
        victim = running[0]
        assert victim in _titled("_TaskActor.run"), "the task ended before the kill"
        os.kill(victim, signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    failed = 0
    if proc.returncode == 1:  # reported failed: one line, then a re-run completes it
        lines = err.splitlines()
        assert len(lines) == 1 and "tasks failed" in lines[0], err[-2000:]
        failed = int((pd.read_parquet(out / "results.parquet")["status"] != "ok").sum())
    else:
        assert proc.returncode == 0, err[-2000:]
    again = run_sweep(spec, out, progress=False)  # the resume (serial: no second cluster)
    assert again.errors == 0 and again.ran == failed
    whole = run_sweep(spec, tmp_path / "whole", progress=False)
    assert whole.errors == 0
    assert_same_sweep(out, tmp_path / "whole")
    workers = set(again.results["worker"].str.split(":").str[1])
    assert str(victim) not in workers, "the killed actor's task kept a row from it"
