"""The worker side of sweeps: one task, its files, and the executors that run many.

* :func:`run_task` runs one task of :func:`netcollapse.sweep.expand` (graph,
  spectral predictors once per distinct graph and process, the run, collapse
  measures, theory check) and returns its row and per-step metrics; errors are
  caught into the row.
* :class:`TaskOutcome`, :func:`save_outcome`, :func:`load_outcomes`,
  :func:`write_tables` and ``MEASURE_COLUMNS`` live in :mod:`netcollapse.sweepfolder`
  (the sweep folder on disk) and are re-exported here.

Every executor has the same shape: ``map(fn, tasks)`` yields ``(task, outcome)``
pairs as tasks finish (in completion order), where ``outcome`` is ``fn(task)`` or
the exception that the *infrastructure* raised (a crashed worker process, a dead
Ray actor). ``fn`` must be a module-level function, so that it pickles by
reference, and a pure function of its task, so that every executor gives the same
numbers.

* :class:`SerialExecutor` runs in this process (no start-up cost, no isolation).
* :class:`ProcessExecutor` is a stdlib :class:`~concurrent.futures.ProcessPoolExecutor`
  on a locally created ``spawn`` context (the global start method is never set).
  Each worker process calls :func:`worker_init` once: one torch thread
  (two 1-thread processes beat one 2-thread process on a small machine).
* :class:`RayExecutor` joins a Ray cluster (``address``) or starts a local one with
  ``num_cpus = workers`` and no dashboard, started with ``RAY_USAGE_STATS_ENABLED=0``
  and ``RAY_AUTH_MODE=disabled`` (unless the environment sets them), and shuts a
  cluster it started down at the end. Tasks whose ``engine`` is ``"llm"`` go to a
  pool of actors, which keep their loaded models across tasks (models are cached
  per process, see :mod:`netcollapse.models`); other tasks are Ray tasks with one
  CPU each.

Nothing here changes global state at import time; Ray and torch are imported only
when an executor starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import socket
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from netcollapse.config import parse_run
from netcollapse.errors import SpecError, bad
from netcollapse.sweepfolder import (
    MEASURE_COLUMNS,
    TaskOutcome,
    load_outcomes,
    save_outcome,
    write_tables,
)

__all__ = [
    "EXECUTORS",
    "MEASURE_COLUMNS",
    "ProcessExecutor",
    "RayExecutor",
    "SerialExecutor",
    "TaskOutcome",
    "error_outcome",
    "graph_key",
    "load_outcomes",
    "make_executor",
    "run_task",
    "save_outcome",
    "worker_init",
    "write_tables",
]

#: Names accepted by :func:`make_executor` (and ``netcollapse sweep --executor``).
EXECUTORS = ("serial", "process", "ray")

#: Environment a locally started Ray cluster gets unless the user set these already.
RAY_LOCAL_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}


Outcome = tuple[Any, Any]


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


def _pool_worker_init() -> None:
    """Set up a process-pool worker: :func:`worker_init` and a parent watchdog."""
    worker_init()
    parent = os.getppid()

    def watch() -> None:  # a SIGKILLed sweep leaves no idle workers behind
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="netcollapse-parent-watch").start()


def _one_torch_thread() -> None:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def _engine(task: Any) -> str:
    return str(getattr(task, "engine", "gmm"))


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
    >>> from netcollapse.topology import build
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
    from netcollapse.analysis import predicted_rate

    k = spec.retrieval.k if spec.retrieval.k_max is None else min(spec.retrieval.k,
                                                                   spec.retrieval.k_max)
    return float(predicted_rate(graph, k, spec.gmm.alpha))


def _one_line(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 500 else text[:497] + "..."


def _row_head(task: Any, error: str | None) -> dict[str, Any]:
    return {
        "task_id": task.task_id, "status": "error", "error": error,
        "replicate": task.replicate, "seed": task.seed,
        **{k: _scalar(v) for k, v in task.params.items()},
        "family": (task.spec.get("graph") or {}).get("family"), "engine": task.engine,
    }


def run_task(task: Any) -> TaskOutcome:
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
    >>> from netcollapse.sweep import expand
    >>> task = expand({"base": {"engine": "gmm", "T": 4, "graph": {"family": "ring", "n": 5}},
    ...                "axes": {"gmm.L": [2]}})[0]
    >>> out = run_task(task)
    >>> out.row["status"], len(out.steps), round(out.row["slem"], 6)
    ('ok', 5, 0.809017)
    """
    from netcollapse.metrics import collapse_measures
    from netcollapse.runner import build_graph, build_web

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
            result = web.run(spec.T, None, progress=False)
            marks["run"] = time.perf_counter()
            from netcollapse.analysis import measured_rate

            F = result.frobenius
            row.update({k: _scalar(v) for k, v in collapse_measures(F).items()})
            row["measured_rate"] = measured_rate(F)
            row["predicted_rate"] = _predicted(spec, graph)
            steps = result.metrics.copy()
            steps.insert(0, "task_id", task.task_id)
            row.update(status="ok", error=None)
        except Exception as exc:  # recorded, the sweep goes on
            row["error"] = _one_line(exc)
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


def error_outcome(task: Any, exc: BaseException) -> TaskOutcome:
    """Return the error row of a task that the executor lost (a crashed worker, say)."""
    return TaskOutcome(_row_head(task, _one_line(exc)), None)


# --------------------------------------------------------------------------- serial
class SerialExecutor:
    """Run tasks one after the other in this process.

    Examples
    --------
    >>> with SerialExecutor() as ex:
    ...     sorted(out for _, out in ex.map(abs, [-2, 1]))
    [1, 2]
    """

    name = "serial"
    workers = 1

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release."""

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        """Yield ``(task, fn(task))`` for each task, in order."""
        for task in tasks:
            yield task, fn(task)


# --------------------------------------------------------------------------- processes
class ProcessExecutor:
    """Run tasks in ``workers`` spawned processes (stdlib process pool).

    Parameters
    ----------
    workers : int
        Number of worker processes (>= 1).
    window : int, optional
        Tasks submitted ahead of completion (default ``2 * workers``), so that
        an interrupted sweep leaves little work queued.
    """

    name = "process"

    def __init__(self, workers: int = 2, window: int | None = None) -> None:
        self.workers = _check_workers(workers)
        self.window = window or 2 * self.workers
        self._pool: Any = None

    def __enter__(self) -> ProcessExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("spawn")  # a local context; the default is untouched
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=ctx, initializer=_pool_worker_init
        )
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(cancel=exc[0] is not None)

    def close(self, cancel: bool = False) -> None:
        """Shut the pool down (cancelling queued tasks when ``cancel``)."""
        if self._pool is not None:
            self._pool.shutdown(wait=not cancel, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        """Yield ``(task, outcome)`` as tasks finish."""
        from concurrent.futures import FIRST_COMPLETED, wait

        if self._pool is None:
            raise RuntimeError("use the executor as a context manager")
        queue = deque(tasks)
        running: dict[Any, Any] = {}
        while queue or running:
            while queue and len(running) < self.window:
                task = queue.popleft()
                try:
                    running[self._pool.submit(fn, task)] = task
                except RuntimeError as exc:  # a broken pool refuses new work
                    yield task, exc
            if not running:
                continue
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                task = running.pop(fut)
                exc = fut.exception()
                yield task, (exc if exc is not None else fut.result())


# --------------------------------------------------------------------------- ray
def _ray_call(fn: Callable[[Any], Any], task: Any) -> Any:
    """Body of a Ray task: one torch thread, then ``fn(task)``."""
    worker_init()
    return fn(task)


class _TaskActor:
    """A long-lived Ray worker; its process keeps loaded models between tasks."""

    def __init__(self) -> None:
        worker_init()

    def run(self, fn: Callable[[Any], Any], task: Any) -> Any:
        return fn(task)


class RayExecutor:
    """Run tasks on Ray: tasks for the GMM engine, a pool of actors for LLM tasks.

    Parameters
    ----------
    workers : int
        CPUs of a local cluster (``num_cpus``), the number of actors, and twice
        this is the number of Ray tasks kept in flight.
    address : str, optional
        Join an existing cluster (``"auto"``, ``"ray://host:10001"``, ``"host:6379"``);
        by default a local cluster is started and shut down at the end.
    gpus_per_actor : float
        GPUs each LLM actor reserves (0 on CPU machines).
    object_store_mb : int
        Object store size of a local cluster.
    """

    name = "ray"

    def __init__(
        self,
        workers: int = 2,
        address: str | None = None,
        gpus_per_actor: float = 0.0,
        object_store_mb: int = 256,
    ) -> None:
        self.workers = _check_workers(workers)
        self.address = address
        if not gpus_per_actor >= 0:
            raise bad("gpus_per_actor", gpus_per_actor, "a number >= 0")
        self.gpus_per_actor = float(gpus_per_actor)
        self.object_store_mb = int(object_store_mb)
        self._owner = False
        self._ray: Any = None
        self._environ: dict[str, str] = {}

    def __enter__(self) -> RayExecutor:
        try:
            import ray
        except ImportError:
            raise SpecError(
                "executor: got 'ray', expected Ray installed (pip install 'netcollapse[ray]')"
            ) from None
        self._ray = ray
        if ray.is_initialized():  # the caller's session: use it, leave it running
            return self
        self._environ = dict(os.environ)  # ray.init sets variables (PYTHONBREAKPOINT)
        if self.address:
            try:
                ray.init(address=self.address, logging_level=logging.WARNING,
                         log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                _restore_environ(self._environ)
                raise bad("address", self.address,
                          f"a reachable Ray cluster ({_one_line(exc)[:120]})") from None
        else:
            with _environ(RAY_LOCAL_ENV):
                ray.init(
                    num_cpus=self.workers, include_dashboard=False, log_to_driver=False,
                    logging_level=logging.WARNING,
                    object_store_memory=self.object_store_mb * 2**20,
                )
        self._owner = True
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect; shut down a cluster this executor started."""
        if self._ray is not None and self._owner:
            self._ray.shutdown()
            _restore_environ(self._environ)
        self._owner = False

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        """Yield ``(task, outcome)`` as tasks finish."""
        ray = self._ray
        if ray is None:
            raise RuntimeError("use the executor as a context manager")
        items = list(tasks)
        plain = deque(t for t in items if _engine(t) != "llm")
        llm = deque(t for t in items if _engine(t) == "llm")
        remote = ray.remote(num_cpus=1, max_retries=0)(_ray_call)
        actor_cls = ray.remote(num_cpus=1, num_gpus=self.gpus_per_actor, max_restarts=0)(
            _TaskActor
        )
        free = [actor_cls.remote() for _ in range(min(self.workers, len(llm)))]
        fn_ref = ray.put(fn)
        running: dict[Any, tuple[Any, Any]] = {}  # object ref -> (task, actor or None)
        try:
            while plain or llm or running:
                while plain and sum(a is None for _, a in running.values()) < 2 * self.workers:
                    task = plain.popleft()
                    running[remote.remote(fn_ref, task)] = (task, None)
                while llm and free:
                    task, actor = llm.popleft(), free.pop()
                    running[actor.run.remote(fn_ref, task)] = (task, actor)
                if not running:  # LLM tasks left but every actor died
                    free.append(actor_cls.remote())
                    continue
                ready, _ = ray.wait(list(running), num_returns=1)
                for ref in ready:
                    task, actor = running.pop(ref)
                    try:
                        outcome = ray.get(ref)
                    except Exception as exc:  # RayTaskError, RayActorError, ...
                        outcome = exc
                        if actor is not None and isinstance(exc, ray.exceptions.RayActorError):
                            actor = actor_cls.remote()  # replace the dead actor
                    if actor is not None:
                        free.append(actor)
                    yield task, outcome
        finally:
            for ref in running:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
            for actor in free + [a for _, a in running.values() if a is not None]:
                with contextlib.suppress(Exception):
                    ray.kill(actor)


# --------------------------------------------------------------------------- factory
def _check_workers(workers: Any) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise bad("workers", workers, "an integer >= 1")
    return workers


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables the user has not set, for the duration of the block."""
    added = [k for k in values if k not in os.environ]
    for k in added:
        os.environ[k] = values[k]
    try:
        yield
    finally:
        for k in added:
            os.environ.pop(k, None)


def _restore_environ(saved: dict[str, str]) -> None:
    """Undo the environment changes made since ``saved`` was taken."""
    for key in [k for k in os.environ if k not in saved]:
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def make_executor(
    name: str,
    workers: int | None = None,
    address: str | None = None,
    **options: Any,
) -> SerialExecutor | ProcessExecutor | RayExecutor:
    """Build an executor by name.

    Parameters
    ----------
    name : {"serial", "process", "ray"}
    workers : int, optional
        Worker processes / Ray CPUs (default: the number of CPUs; 1 for serial).
    address : str, optional
        Ray cluster to join (``ray`` only).
    **options
        Passed to :class:`RayExecutor` (``gpus_per_actor``, ``object_store_mb``).

    Returns
    -------
    executor
        A context manager with ``map(fn, tasks)``.

    Examples
    --------
    >>> make_executor("serial").name
    'serial'
    >>> make_executor("dask")
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: executor: got 'dask', expected one of serial, process, ray
    """
    if name not in EXECUTORS:
        raise bad("executor", name, f"one of {', '.join(EXECUTORS)}")
    if address is not None and name != "ray":
        raise bad("address", address, "no address unless the executor is ray")
    w = _check_workers(workers) if workers is not None else max(1, os.cpu_count() or 1)
    if name == "serial":
        return SerialExecutor()
    if name == "process":
        return ProcessExecutor(w)
    return RayExecutor(w, address=address, **options)

