"""Process pool faults: a worker process killed mid-task, the sweep goes on.

A worker of the process executor that dies (``SIGKILL``: killed, out of memory)
breaks the whole stdlib pool and every task in flight with it. The pool is
replaced and those tasks run once more; a task whose worker dies both times is one
:class:`~netcollapse.sweeps.executors.WorkerLost` line, and the others finish.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from dying import work

from netcollapse.sweeps.executors import ProcessExecutor, WorkerLost


def _tasks(folder: Path, modes: list[str]) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(task_id=f"{i}-{mode}", mode=mode, folder=str(folder))
        for i, mode in enumerate(modes)
    ]


def _tries(folder: Path, task: SimpleNamespace) -> int:
    return len((folder / task.task_id).read_text())


def test_a_task_whose_worker_dies_runs_once_more_then_is_one_line(tmp_path):
    flaky = _tasks(tmp_path / "a", ["ok", "flaky", "ok", "ok", "ok"])
    dies = _tasks(tmp_path / "b", ["dies"])
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    with ProcessExecutor(workers=2) as pool:
        outcomes = {t.task_id: out for t, out in pool.map(work, flaky)}
        (_, lost), *more = pool.map(work, dies)
        after = [out for _, out in pool.map(work, _tasks(tmp_path / "b", ["", "ok"])[1:])]
    assert sorted(outcomes) == sorted(t.task_id for t in flaky)  # each once
    for task in flaky:  # run again if it was in flight when the worker died
        tries = _tries(tmp_path / "a", task)
        assert outcomes[task.task_id] == f"{task.task_id} done on try {tries}"
        assert tries == 2 if task.mode == "flaky" else tries <= 2
    assert isinstance(lost, WorkerLost) and "died twice" in str(lost), lost
    assert _tries(tmp_path / "b", dies[0]) == 2 and "\n" not in str(lost)
    assert not more and after == ["1-ok done on try 1"]  # the pool still works
