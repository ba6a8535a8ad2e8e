"""Sweep plans (netcollapse.sweeps.plan): tasks, pending on resume, workers, nothing written."""

import pytest

from netcollapse.errors import SpecError
from netcollapse.sweeps.plan import plan_sweep
from netcollapse.sweeps.run import run_sweep

GMM = {
    "name": "tiny",
    "base": {"engine": "gmm", "T": 4, "graph": {"family": "ring", "n": 5}, "gmm": {"L": 2}},
    "axes": {"graph.n": [5, 7], "gmm.L": [2, 3]},
    "seeds": 3,
}


def test_counts_are_closed_form_over_the_grid():
    p = plan_sweep(GMM)
    assert (p.tasks, p.pending, p.done, p.invalid) == (12, 12, 0, 0)
    # 3 seeds x 2 L values x (5 + 7) nodes x 5 rows
    assert p.node_rounds == 3 * 2 * (5 + 7) * 5
    assert p.answers == p.tokens_max == 0 and p.paths == ["gmm"]
    assert p.executor == "serial" and p.workers == 1
    assert p.seconds == pytest.approx(p.startup_seconds + p.task_seconds)


def test_llm_sweep_counts_answers_and_the_token_bound():
    spec = {
        "base": {"engine": "llm", "T": 2, "graph": {"family": "ring", "n": 4},
                 "llm": {"L": 3, "threads": 1, "defaults": {"max_new_tokens": 7}}},
        "axes": {"llm.L": [1, 3]},
        "seeds": 2,
    }  # fmt: skip
    p = plan_sweep(spec)
    assert (p.tasks, p.node_rounds) == (4, 4 * 4 * 3)
    assert p.answers == 2 * 4 * 3 * (1 + 3)
    assert p.tokens_max == 7 * p.answers and 0 < p.tokens_expected <= p.tokens_max
    assert p.token_source and p.paths[0].endswith("1 thread(s)")


def test_workers_split_the_tasks_and_start_once_each():
    serial = plan_sweep(GMM)
    two = plan_sweep(GMM, executor="process", workers=2)
    assert two.workers == 2 and two.task_seconds == pytest.approx(serial.task_seconds)
    assert two.startup_seconds < two.seconds < serial.seconds
    # more workers than tasks: only the tasks' count of workers
    assert plan_sweep(GMM, executor="process", workers=64, limit=3).workers == 3


def test_a_resumed_sweep_plans_only_the_pending_tasks(tmp_path):
    out = tmp_path / "sweep"
    run_sweep(GMM, out, limit=5, progress=False)
    p = plan_sweep(GMM, out)
    assert (p.tasks, p.done, p.pending) == (12, 5, 7)
    assert p.node_rounds == sum(n * 5 for n in [5, 5, 5, 5, 5, 5, 7, 7, 7, 7, 7, 7][5:])
    assert plan_sweep(GMM, out, limit=2).pending == 2


def test_nothing_is_written_and_a_missing_folder_is_not_created(tmp_path):
    out = tmp_path / "not-yet"
    p = plan_sweep(GMM, out, executor="process", workers=2)
    assert p.pending == 12 and not out.exists() and list(tmp_path.iterdir()) == []


def test_invalid_tasks_are_counted_apart_and_not_planned():
    spec = {**GMM, "axes": {"graph.n": [5, 1]}}  # n = 1 is refused, n = 5 runs
    p = plan_sweep(spec)
    assert (p.tasks, p.invalid, p.pending) == (6, 3, 3)
    assert p.node_rounds == 3 * 5 * 5


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"executor": "dask"}, "executor: got 'dask'"),
        ({"workers": 0}, "workers: got 0"),
        ({"limit": -1}, "limit: got -1"),
    ],
)
def test_bad_settings_are_one_line(kwargs, message):
    with pytest.raises(SpecError, match=message):
        plan_sweep(GMM, **kwargs)
