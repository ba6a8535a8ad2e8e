"""One sweep task on a worker: graph, spectral predictors, run, collapse measures.

:func:`run_task` is a pure function of its :class:`~netcollapse.sweeps.expand.Task`
(spec and seed), so every executor gives the same numbers; errors are caught into
the task's row. Spectral predictors are computed once per distinct graph and
process (:func:`graph_key`). :func:`worker_init` prepares a worker process for one
torch thread; nothing here changes global state at import time.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from netcollapse.errors import exception_line
from netcollapse.runs.spec import parse_run
from netcollapse.sweeps.expand import Task
from netcollapse.sweeps.folder import (
    PREDICTED_MEASURES,
    STANCE_MEASURES,
    TaskOutcome,
)

__all__ = ["error_outcome", "graph_key", "run_task", "worker_init"]

_IN_WORKER = False  # set by worker_init in worker processes only


def worker_init() -> None:
    """Prepare a worker process for one torch thread (``torch.set_num_threads(1)``).

    Called once per worker (process-pool initializer, Ray actor constructor, and
    at the start of each Ray task); never at import and never in the caller's
    process. If torch is loaded, its thread count is set now; if not, the worker's
    ``OMP_NUM_THREADS`` becomes 1 and :func:`run_task` sets the count when an LLM
    task loads torch: importing torch costs seconds per worker and the GMM engine
    never needs it.
    """
    global _IN_WORKER
    _IN_WORKER = True
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "torch" in sys.modules:
        _one_torch_thread()


def _one_torch_thread() -> None:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


# --------------------------------------------------------------------------- one task
_SPECTRAL_CACHE: dict[str, dict[str, Any]] = {}  # graph_key -> predictors, per process
_CACHE_SIZE = 512


def graph_key(graph: Any) -> str:
    """Hash of a graph's ``W`` (pattern and values) and ``h``: equal graphs, equal keys.

    Parameters
    ----------
    graph : RetrievalGraph

    Returns
    -------
    str
        16 hex digits.

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> graph_key(build("ring", n=6)) == graph_key(build("ring", n=6, seed=3))
    True
    """
    W = graph.W
    h = hashlib.sha256()
    for arr in (np.asarray(W.shape), W.indptr, W.indices, W.data, np.asarray(graph.h)):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, sort_keys=True)
    return value


def _spectral(graph: Any, key: str) -> dict[str, Any]:
    if key not in _SPECTRAL_CACHE:
        from netcollapse.spectral import spectral_summary

        if len(_SPECTRAL_CACHE) >= _CACHE_SIZE:
            _SPECTRAL_CACHE.pop(next(iter(_SPECTRAL_CACHE)))
        summary = spectral_summary(graph)
        _SPECTRAL_CACHE[key] = {str(k): _scalar(v) for k, v in summary.items()}
    return dict(_SPECTRAL_CACHE[key])


def _predicted(spec: Any, graph: Any) -> float:
    """Lazy-DeGroot prediction when the theory applies: GMM engine with a fixed k."""
    if spec.engine != "gmm" or spec.retrieval.k is None:
        return math.nan
    from netcollapse.theory.degroot import predicted_rate

    k = (
        spec.retrieval.k
        if spec.retrieval.k_max is None
        else min(spec.retrieval.k, spec.retrieval.k_max)
    )
    return float(predicted_rate(graph, k, spec.gmm.alpha))


def _prediction(web: Any, T: int) -> tuple[Any, str | None]:
    """Return the engine's predicted curve (``None``: no linear model) and its warnings."""
    import warnings

    from netcollapse.runs.runner import predict_web

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pred = predict_web(web, T)
    return pred, "; ".join(str(w.message) for w in caught) or None


def _stance_measures(curve: np.ndarray) -> dict[str, Any]:
    """``stance_<measure>`` of the corrected stance disagreement (seeded stances)."""
    from netcollapse.measures.levels import level_measures

    values = level_measures(curve)
    return {f"stance_{k}": float(values[k]) for k in STANCE_MEASURES}


def _row_head(task: Task, error: str | None) -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "status": "error",
        "error": error,
        "replicate": task.replicate,
        "seed": task.seed,
        **{k: _scalar(v) for k, v in task.params.items()},
        "family": (task.spec.get("graph") or {}).get("family"),
        "engine": task.engine,
    }


def run_task(task: Task) -> TaskOutcome:
    """Run one task: build its graph, its spectral predictors, run it, measure collapse.

    A pure function of the task (its spec and seed), so every executor gives the same
    numbers. Exceptions are caught and recorded in the row (``status = "error"``).

    Parameters
    ----------
    task : Task

    Returns
    -------
    TaskOutcome

    Examples
    --------
    >>> from netcollapse.sweeps.expand import expand
    >>> task = expand({"base": {"engine": "gmm", "T": 4, "graph": {"family": "ring", "n": 5}},
    ...                "axes": {"gmm.L": [2]}})[0]
    >>> out = run_task(task)
    >>> out.row["status"], len(out.steps), round(out.row["slem"], 6)
    ('ok', 5, 0.809017)
    """
    from netcollapse.backends.provenance import provenance_columns
    from netcollapse.measures.curves import collapse_measures
    from netcollapse.measures.rates import first_round, stance_rates
    from netcollapse.runs.runner import build_graph, build_web
    from netcollapse.theory.degroot import curve_error

    start = time.perf_counter()
    row = _row_head(task, task.error)
    steps = None
    marks = {"graph": start, "spectral": start, "run": start}
    if task.error is None:
        try:
            spec = parse_run(task.spec)
            base_dir = Path(task.base_dir) if task.base_dir else None
            graph = build_graph(spec, base_dir)
            marks["graph"] = time.perf_counter()
            key = graph_key(graph)
            row.update(family=graph.family, graph_id=key)
            row.update(_spectral(graph, key))
            marks["spectral"] = time.perf_counter()
            if _IN_WORKER and spec.engine == "llm":
                _one_torch_thread()
            web = build_web(spec, base_dir, graph=graph)
            pred, row["prediction_warning"] = _prediction(web, spec.T)
            result = web.run(spec.T, None, progress=False)
            marks["run"] = time.perf_counter()
            F = result.frobenius
            row.update({k: _scalar(v) for k, v in collapse_measures(F).items()})
            row["predicted_rate"] = _predicted(spec, graph)
            tokens = result.tokens()
            if tokens is not None:
                row.update(prompt_tokens=tokens["prompt"], generated_tokens=tokens["generated"])
            if "provenance" in result.config:
                row.update(provenance_columns(result.config["provenance"]))
            if "stance_corrected" in result.metrics.columns:
                row.update(_stance_measures(result.metrics["stance_corrected"].to_numpy(float)))
                row.update(stance_rates(result.metrics, first_round(result.config)) or {})
            steps = result.metrics.copy()
            if pred is not None:
                P = pred["frobenius"].to_numpy()
                row.update(
                    {
                        f"pred_{k}": _scalar(v)
                        for k, v in collapse_measures(P).items()
                        if k in PREDICTED_MEASURES
                    }
                )
                row["curve_error"], row["curve_error_steps"] = curve_error(F, P)
                steps["predicted_frobenius"] = P
            steps.insert(0, "task_id", task.task_id)
            row.update(status="ok", error=None)
        except Exception as exc:  # recorded, the sweep goes on
            row["error"] = exception_line(exc)
            row["traceback"] = traceback.format_exc(limit=8)
    end = time.perf_counter()
    row.update(
        seconds_graph=marks["graph"] - start,
        seconds_spectral=max(0.0, marks["spectral"] - marks["graph"]),
        seconds_run=max(0.0, marks["run"] - marks["spectral"]),
        seconds_total=end - start,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    return TaskOutcome(row, steps)


def error_outcome(task: Task, exc: BaseException) -> TaskOutcome:
    """Return the error row of a task that the executor lost (a crashed worker, say)."""
    return TaskOutcome(_row_head(task, exception_line(exc)), None)
