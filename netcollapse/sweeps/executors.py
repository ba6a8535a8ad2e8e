"""Executors: run many sweep tasks serially, on local processes, or on Ray.

Every executor has the same shape: ``map(fn, tasks)`` yields ``(task, outcome)``
pairs as tasks finish (in completion order), where ``outcome`` is ``fn(task)`` or
the exception that the *infrastructure* raised (a crashed worker process, a dead
Ray actor). ``fn`` must be a module-level function, so that it pickles by
reference, and a pure function of its task, so that every executor gives the same
numbers.

* :class:`SerialExecutor` runs in this process (no start-up cost, no isolation).
* :class:`ProcessExecutor` is a stdlib :class:`~concurrent.futures.ProcessPoolExecutor`
  on a locally created ``spawn`` context (the global start method is never set).
  A worker that dies takes the pool down: it is replaced, and the tasks that were
  in flight run once more.
  Each worker process calls :func:`worker_init` once: one torch thread
  (two 1-thread processes beat one 2-thread process on a small machine).
* :class:`RayExecutor` joins a Ray cluster (``address``) or starts a local one with
  ``num_cpus = workers`` and no dashboard, started with ``RAY_USAGE_STATS_ENABLED=0``
  and ``RAY_AUTH_MODE=disabled`` (unless the environment sets them), and shuts a
  cluster it started down at the end. Tasks whose ``engine`` is ``"llm"`` go to a
  pool of actors, which keep their loaded models across tasks (models are cached
  per process, see :mod:`netcollapse.backends.models`); other tasks are Ray tasks with one
  CPU each. A task whose worker process dies (killed, out of memory: ``RayActorError``,
  ``WorkerCrashedError``), or whose node dies (``NodeDiedError``), runs once more on a
  fresh worker; a second death is its outcome, :class:`WorkerLost` (one line in its
  row), and the sweep goes on. An actor takes tasks once it has started, so a
  replacement that waits for a free CPU (its node died) holds no task up.

Nothing here changes global state at import time; Ray and torch are imported only
when an executor starts.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from netcollapse.errors import SpecError, bad, exception_line
from netcollapse.sweeps.task import worker_init

__all__ = [
    "EXECUTORS",
    "ProcessExecutor",
    "RayExecutor",
    "SerialExecutor",
    "WorkerLost",
    "make_executor",
]

#: Names accepted by :func:`make_executor` (and ``netcollapse sweep --executor``).
EXECUTORS = ("serial", "process", "ray")

#: Environment a locally started Ray cluster gets unless the user set these already.
RAY_LOCAL_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}


Outcome = tuple[Any, Any]


def _pool_worker_init() -> None:
    """Set up a process-pool worker: :func:`worker_init` and a parent watchdog."""
    worker_init()
    parent = os.getppid()

    def watch() -> None:  # a SIGKILLed sweep leaves no idle workers behind
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="netcollapse-parent-watch").start()


def _engine(task: Any) -> str:
    return str(getattr(task, "engine", "gmm"))


class WorkerLost(RuntimeError):
    """A task's worker process died (killed, out of memory) on both tries."""


def _second_death(task: Any, exc: BaseException, retried: set[Any]) -> WorkerLost | None:
    """Return ``None`` the first time ``task``'s worker died (run it again), else its error."""
    key = getattr(task, "task_id", id(task))
    if key not in retried:
        retried.add(key)
        return None
    return WorkerLost(
        f"the worker process running this task died twice ({type(exc).__name__}: "
        "killed, or out of memory); run the sweep again to retry it"
    )


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
        """Yield ``(task, outcome)`` as tasks finish.

        A worker process that dies (killed, out of memory) breaks the pool and
        every task in flight with it: the pool is replaced and those tasks run
        once more; a second death is a task's outcome, :class:`WorkerLost`.
        """
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        if self._pool is None:
            raise RuntimeError("use the executor as a context manager")
        queue = deque(tasks)
        running: dict[Any, Any] = {}
        retried: set[Any] = set()
        while queue or running:
            while queue and len(running) < self.window:
                task = queue.popleft()
                try:
                    running[self._pool.submit(fn, task)] = task
                except RuntimeError as exc:  # a shut-down pool refuses new work
                    yield task, exc
            if not running:
                continue
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                done, _ = wait(list(running))  # the whole pool is gone: every task in flight
                self.close(cancel=True)
                self.__enter__()
            lost = []
            for fut in done:
                task = running.pop(fut)
                error = fut.exception()
                if isinstance(error, BrokenProcessPool):
                    error = _second_death(task, error, retried)
                    if error is None:
                        lost.append(task)
                        continue
                yield task, (error if error is not None else fut.result())
            queue.extendleft(reversed(lost))


# --------------------------------------------------------------------------- ray
def _ray_call(fn: Callable[[Any], Any], task: Any) -> Any:
    """Body of a Ray task: one torch thread, then ``fn(task)``."""
    worker_init()
    return fn(task)


class _TaskActor:
    """A long-lived Ray worker; its process keeps loaded models between tasks."""

    def __init__(self) -> None:
        worker_init()

    def ready(self) -> bool:
        """Answer once the actor has started (placed on a node, constructed)."""
        return True

    def run(self, fn: Callable[[Any], Any], task: Any) -> Any:
        return fn(task)


#: What an actor's ``ready`` call stands for among the tasks in flight.
_STARTING = object()


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
                ray.init(address=self.address, logging_level=logging.WARNING, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                _restore_environ(self._environ)
                raise bad(
                    "address", self.address, f"a reachable Ray cluster ({exception_line(exc, 120)})"
                ) from None
        else:
            with _environ(RAY_LOCAL_ENV):
                ray.init(
                    num_cpus=self.workers,
                    include_dashboard=False,
                    log_to_driver=False,
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
        """Yield ``(task, outcome)`` as tasks finish.

        An actor gets tasks only once it has started (``ready``): a replacement for
        an actor whose node died may wait for a free CPU that never comes, and the
        surviving actors take the tasks meanwhile. An actor with no LLM task left
        to take is let go, so that its CPU runs the other tasks.
        """
        ray = self._ray
        if ray is None:
            raise RuntimeError("use the executor as a context manager")
        items = list(tasks)
        plain = deque(t for t in items if _engine(t) != "llm")
        llm = deque(t for t in items if _engine(t) == "llm")
        remote = ray.remote(num_cpus=1, max_retries=0)(_ray_call)
        actor_cls = ray.remote(num_cpus=1, num_gpus=self.gpus_per_actor, max_restarts=0)(_TaskActor)
        running: dict[Any, tuple[Any, Any]] = {}  # ref -> (task or _STARTING, actor or None)

        def start_actor() -> None:
            actor = actor_cls.remote()
            running[actor.ready.remote()] = (_STARTING, actor)

        for _ in range(min(self.workers, len(llm))):
            start_actor()
        free: list[Any] = []  # started actors without a task
        fn_ref = ray.put(fn)
        errors = ray.exceptions
        lost = (errors.RayActorError, errors.WorkerCrashedError, errors.NodeDiedError)
        retried: set[Any] = set()  # tasks run again once after their worker died
        failed_starts = 0
        try:
            while plain or llm or any(t is not _STARTING for t, _ in running.values()):
                while plain and sum(a is None for _, a in running.values()) < 2 * self.workers:
                    task = plain.popleft()
                    running[remote.remote(fn_ref, task)] = (task, None)
                while llm and free:
                    task, actor = llm.popleft(), free.pop()
                    running[actor.run.remote(fn_ref, task)] = (task, actor)
                if not running:  # LLM tasks left but every actor died
                    start_actor()
                ready, _ = ray.wait(list(running), num_returns=1)
                for ref in ready:
                    task, actor = running.pop(ref)
                    try:
                        outcome = ray.get(ref)
                    except Exception as exc:  # RayTaskError, RayActorError, ...
                        outcome = exc
                        if task is _STARTING:  # it died starting: drop it, maybe give up
                            failed_starts += 1
                            alive = free or any(a is not None for _, a in running.values())
                            while llm and not alive and failed_starts > 2 * self.workers:
                                yield (
                                    llm.popleft(),
                                    WorkerLost(
                                        f"no Ray actor could start ({type(exc).__name__}); "
                                        "run the sweep again to retry it"
                                    ),
                                )
                            continue
                        if actor is not None and isinstance(exc, ray.exceptions.RayActorError):
                            start_actor()  # replace the dead actor
                            actor = None
                        if isinstance(exc, lost):  # killed, out of memory, node gone
                            outcome = _second_death(task, exc, retried)
                            if outcome is None:  # once more, on another worker
                                (plain if _engine(task) != "llm" else llm).appendleft(task)
                    if actor is not None and llm:
                        free.append(actor)
                    elif actor is not None:  # no LLM task waits: its CPU goes to the others
                        with contextlib.suppress(Exception):
                            ray.kill(actor)
                    if outcome is not None and task is not _STARTING:
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
