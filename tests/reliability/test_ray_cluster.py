"""A two-node Ray cluster on 127.0.0.1: sweeps through ``--address``, a node killed mid-sweep.

The cluster is the one ``docs/cluster.md`` describes, on one machine: a head
(``ray start --head --block``) and a worker node (``ray start --address=... --block``),
one CPU each, each ``ray start`` in a process group of its own. A node is the
``ray start`` process and its descendants (the raylet puts each worker process in
a group of its own). ``netcollapse sweep SPEC --executor ray --address
127.0.0.1:PORT`` runs as a separate process, the way a user runs it.

* A GMM sweep (the shipped ``compare_gmm`` at ``T = 300``, so that a task lasts
  long enough to be caught), its first 8 of 12 tasks (``--limit 8``): once a task
  has finished on the worker node and another runs there, the whole node is
  killed (``SIGKILL``: raylet, agents, workers). The sweep ends with status 0 (the
  task that died with the node, ``NodeDiedError``, ran once more on the head);
  a fresh worker node joins and the same command without ``--limit`` runs the 4
  tasks left. The tables equal an uninterrupted serial sweep's (wall times and
  where it ran aside), each task has one row, and no temporary file is left.
* A tiny LLM sweep (bundled models; each actor loads them itself) through the
  same cluster, 3 of its 4 tasks: one actor starts on each node; the worker node
  is killed while its actor runs a task; the sweep ends with status 0 on the
  head's actor (the replacement actor, which no node has a CPU for, holds nothing
  up); a fresh node joins, the same command runs the last task, and the tables
  equal a serial run's.
* Without a cluster (quick): two actors wanted on one CPU, with GMM tasks beside
  them, end (the regression test of the two hangs above).

Every wait is bounded, and the nodes are killed (and checked gone) in a
``finally``; ``ray stop`` is never called, since it would stop every Ray process
of the user on this machine, other tests' clusters included.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from conftest import assert_same_sweep, temporaries
from test_ray_faults import LLM_SWEEP

from netcollapse.app.shipped import resolve_spec
from netcollapse.sweeps.executors import RAY_LOCAL_ENV
from netcollapse.sweeps.run import run_sweep

pytestmark = pytest.mark.ray

RAY = str(Path(sys.executable).with_name("ray"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes() -> dict[int, tuple[int, str]]:
    """Pid -> (parent pid, command line: Ray's process title) of this machine's live processes."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()  # state, ppid, pgrp, ...
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if fields[0] != b"Z":  # a zombie is dead already
            found[int(entry.name)] = (int(fields[1]), cmdline)
    return found


def _tree(root: int) -> dict[int, str]:
    """Pid -> command line of ``root`` and its live descendants.

    A node's ``ray start --block`` starts the raylet; the raylet starts the worker
    processes, each in a process group of its own: the tree is the whole node.
    """
    live = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in live.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in live and pid not in found:
            found[pid] = live[pid][1]
            todo.extend(children.get(pid, []))
    return found


def _until(check: Callable[[], object], timeout: float, what: str, step: float = 0.05) -> object:
    """Poll ``check()`` until it is truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(step)
    pytest.fail(f"{what}: not within {timeout:.0f} s")


class Cluster:
    """A head and worker nodes started with ``ray start --block``, one process group each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {**os.environ, **RAY_LOCAL_ENV}
        self.nodes: list[subprocess.Popen] = []
        self.killed: set[int] = set()  # the nodes killed on purpose
        self.seen: dict[int, set[int]] = {}  # node -> every pid ever seen in its tree

    def command(self, head: bool) -> list[str]:
        """The ``ray start`` command line of the head or of a worker node."""
        common = ["--num-cpus=1", "--object-store-memory=268435456", "--block"]
        if head:
            return [
                RAY,
                "start",
                "--head",
                "--node-ip-address=127.0.0.1",
                f"--port={self.port}",
                f"--ray-client-server-port={_free_port()}",
                "--include-dashboard=false",
                f"--temp-dir={self.root / 'head'}",
                *common,
            ]
        return [RAY, "start", f"--address={self.address}", f"--temp-dir={self.root}/w", *common]

    def start(self, head: bool = False) -> subprocess.Popen:
        """Start a node in a new process group; its output goes to a log file."""
        log = (self.root / f"node{len(self.nodes)}.log").open("wb")
        node = subprocess.Popen(
            self.command(head),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )
        log.close()
        self.nodes.append(node)
        return node

    def alive(self) -> int:
        """Alive nodes as ``ray status --address`` counts them (0 if it cannot tell)."""
        try:
            proc = subprocess.run(
                [RAY, "status", f"--address={self.address}"],
                capture_output=True,
                text=True,
                timeout=60,
                env=self.env,
            )
        except subprocess.TimeoutExpired:
            return 0
        if proc.returncode != 0 or "Active:" not in proc.stdout:
            return 0
        active = proc.stdout.split("Active:", 1)[1].split("Pending:", 1)[0]
        return sum("node_" in line for line in active.splitlines())

    def wait_nodes(self, n: int, timeout: float = 120) -> None:
        """Wait until ``n`` nodes are alive (bounded), failing with the node logs' tails."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead = [n.args for n in self.nodes if n.pid not in self.killed and n.poll() is not None]
            assert not dead, f"a node exited: {dead}\n{self.logs()}"
            if self.alive() == n:
                return
            time.sleep(1.0)
        pytest.fail(
            f"{n} alive Ray nodes at {self.address}: not within {timeout:.0f} s\n{self.logs()}"
        )

    def watch(self, node: subprocess.Popen) -> dict[int, str]:
        """The node's live processes now (remembered in :attr:`seen`)."""
        found = _tree(node.pid)
        self.seen.setdefault(node.pid, set()).update(found)
        return found

    def kill(self, node: subprocess.Popen) -> None:
        """``SIGKILL`` a node: its process group (raylet, agents) and its worker processes."""
        pids = self.watch(node)
        self.killed.add(node.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(node.pid, signal.SIGKILL)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        node.wait(timeout=30)
        _until(lambda: not set(pids) & set(_processes()), 30, f"the node of pid {node.pid} gone")

    def close(self) -> None:
        """Kill every node; fail if one of their processes is left."""
        for node in reversed(self.nodes):
            self.kill(node)
        seen = set().union(*self.seen.values())
        left = seen & {p for p, (_, cmd) in _processes().items() if "ray" in cmd}
        assert not left, f"Ray processes left after the test: {sorted(left)}"

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n" + p.read_text(errors="replace")[-1500:]
            for p in sorted(self.root.glob("node*.log"))
        )


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A head node and one worker node on 127.0.0.1, torn down in any case."""
    pytest.importorskip("ray")
    # a short root: Ray's socket paths under it must stay below 108 characters
    root = Path(tempfile.mkdtemp(prefix="nc-ray-", dir="/tmp"))
    made = Cluster(root)
    try:
        made.start(head=True)
        made.wait_nodes(1)
        made.start()
        made.wait_nodes(2)
        yield made
    finally:
        try:
            made.close()
        finally:
            shutil.rmtree(root, ignore_errors=True)


def _sweep(spec: Path, out: Path, address: str, *more: str) -> subprocess.Popen:
    """``netcollapse sweep SPEC --executor ray --address ADDRESS ...``, in its own group."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "netcollapse", "sweep", str(spec)),
            *("--executor", "ray", "--address", address, "--workers", "2"),
            *("--out", str(out), "--quiet", "--boot", "20", *more),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[str, str]:
    """Wait for a process (bounded); kill its group and fail if it does not end."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        pytest.fail(f"it did not end within {timeout:.0f} s: {err[-2000:]}")


def _rows(out: Path) -> dict[str, dict]:
    """The finished tasks' rows, read from ``tasks/ID.json`` (partial files skipped)."""
    rows = {}
    for path in (out / "tasks").glob("*.json") if (out / "tasks").is_dir() else ():
        try:
            row = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        rows[row["task_id"]] = row
    return rows


def _pid(row: dict) -> int | None:
    """The pid of the worker process that wrote a row (none for a task the executor lost)."""
    worker = row.get("worker")
    return int(str(worker).rsplit(":", 1)[1]) if worker else None


def _kill_mid_sweep(
    cluster: Cluster,
    node: subprocess.Popen,
    proc: subprocess.Popen,
    out: Path,
    title: str,
    limit: int,
    finished_here: bool,
) -> float:
    """Kill ``node`` while a task (process title ``title``) runs there; return the time.

    With ``finished_here``, wait first for a task that finished on the node, so that
    a row from the killed node is kept. The kill comes before ``limit`` rows exist.
    """

    def ready() -> bool:
        assert proc.poll() is None, f"the sweep ended before the kill: {proc.communicate()}"
        running = any(title in cmd for cmd in cluster.watch(node).values())
        rows = _rows(out)
        here = any(_pid(r) in cluster.seen[node.pid] for r in rows.values())
        return running and (here or not finished_here) and len(rows) < limit

    _until(ready, 300, f"a task running on the worker node ({title})")
    cluster.kill(node)
    return time.monotonic()


def _sweep_ends_whole(proc: subprocess.Popen, out: Path, ran: int) -> None:
    """The sweep whose node was killed ends with status 0: every task it ran is ok.

    A node's death reruns its tasks once elsewhere (``NodeDiedError``,
    ``ActorDiedError``); a replacement actor that cannot be placed holds nothing up.
    """
    stdout, err = _finish(proc)
    assert proc.returncode == 0, err[-2000:]
    assert f"(ran {ran}, skipped 0 already done, 0 with errors)" in stdout, stdout
    statuses = {r["status"] for r in _rows(out).values()}
    assert statuses == {"ok"}, [r.get("error") for r in _rows(out).values()]


def _resume(spec: Path, out: Path, address: str, ran: int, n: int) -> None:
    """Run the same command again (no ``--limit``): it runs exactly the ``ran`` left."""
    proc = _sweep(spec, out, address)
    stdout, err = _finish(proc)
    assert proc.returncode == 0, err[-2000:]
    want = f"tasks: {n} (ran {ran}, skipped {n - ran} already done, 0 with errors)"
    assert want in stdout, stdout


def _check_folder(out: Path, serial: Path, n: int) -> None:
    assert_same_sweep(out, serial)
    assert len(list((out / "tasks").glob("*.json"))) == n  # one row each, never two
    assert temporaries(out) == []


def _run_killed(
    cluster: Cluster, spec: Path, out: Path, title: str, limit: int, finished_here: bool
) -> tuple[subprocess.Popen, float]:
    """Run ``spec`` with ``--limit``, kill the worker node mid-sweep, check the sweep ends."""
    worker = cluster.nodes[-1]
    proc = _sweep(spec, out, cluster.address, "--limit", str(limit))
    try:
        killed = _kill_mid_sweep(cluster, worker, proc, out, title, limit, finished_here)
        _sweep_ends_whole(proc, out, limit)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
    return worker, time.monotonic() - killed


#: Three LLM and three GMM tasks on a session with one CPU, ``RayExecutor(workers=2)``.
ONE_CPU = """
import os, sys
from types import SimpleNamespace
sys.path.insert(0, sys.argv[1])
import dying, ray
from netcollapse.sweeps.executors import RAY_LOCAL_ENV, RayExecutor
os.environ.update(RAY_LOCAL_ENV)
ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
ray.cloudpickle.register_pickle_by_value(dying)
tasks = [SimpleNamespace(task_id=f"{e}{i}", engine=e, mode="ok", folder=sys.argv[2])
         for e in ("llm", "gmm") for i in range(3)]
with RayExecutor(workers=2) as pool:
    print(sorted(out for _, out in pool.map(dying.work, tasks)))
ray.shutdown()
"""


def test_llm_tasks_go_only_to_actors_that_started(tmp_path):
    """Two actors wanted, one CPU: the one that started runs the LLM tasks (no hang).

    Before actors were asked ``ready`` first, the second actor, which no node can
    place, was given a task at once and the sweep waited for it for ever: what
    happens when a node dies and the replacement actor finds no free CPU. And an
    actor with no LLM task left gives its CPU back, or the GMM tasks wait for ever.
    """
    pytest.importorskip("ray")
    proc = subprocess.Popen(
        [sys.executable, "-c", ONE_CPU, str(Path(__file__).parent), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    out, err = _finish(proc, 180)
    assert proc.returncode == 0, err[-2000:]
    want = [f"{e}{i} done on try 1" for e in ("gmm", "llm") for i in range(3)]
    assert out.strip().splitlines()[-1] == str(want)


@pytest.mark.slow
def test_a_gmm_and_an_llm_sweep_on_a_two_node_cluster_survive_a_node_killed(cluster, tmp_path):
    start = time.monotonic()
    gmm = yaml.safe_load(resolve_spec("compare_gmm", "experiments").read_text())
    gmm["T"] = 300  # a task lasts about 2 s: long enough to kill the node under it
    spec = tmp_path / "compare_gmm.yaml"
    spec.write_text(yaml.safe_dump(gmm))
    n, out = 12, tmp_path / "gmm"

    # ---- GMM: 8 of 12 tasks; the worker node dies under a task, the head finishes them
    worker, gmm_after_kill = _run_killed(cluster, spec, out, "ray::_ray_call", 8, True)
    rows = _rows(out)
    on_worker = [t for t, r in rows.items() if _pid(r) in cluster.seen[worker.pid]]
    assert on_worker, "no task kept a row from the killed worker node"
    assert len(on_worker) < len(rows), "the head ran nothing"
    # ---- a fresh worker node joins; the same command resumes the 4 left
    cluster.start()
    cluster.wait_nodes(2)
    _resume(spec, out, cluster.address, n - 8, n)
    run_sweep(spec, tmp_path / "gmm-serial", progress=False).raise_for_errors()
    _check_folder(out, tmp_path / "gmm-serial", n)
    gmm_seconds = time.monotonic() - start

    # ---- LLM: one actor per node; the worker node dies while its actor runs a task
    llm = tmp_path / "llm.yaml"
    llm.write_text(yaml.safe_dump(LLM_SWEEP))
    n, out = 4, tmp_path / "llm"
    _, llm_after_kill = _run_killed(cluster, llm, out, "_TaskActor.run", 3, False)
    cluster.start()
    cluster.wait_nodes(2)
    _resume(llm, out, cluster.address, 1, n)
    run_sweep(llm, tmp_path / "llm-serial", progress=False).raise_for_errors()
    _check_folder(out, tmp_path / "llm-serial", n)
    whole = time.monotonic() - start
    print(
        f"\ncluster test: GMM part {gmm_seconds:.1f} s (the killed sweep ended "
        f"{gmm_after_kill:.1f} s after the kill), LLM part {whole - gmm_seconds:.1f} s "
        f"(ended {llm_after_kill:.1f} s after the kill), whole test {whole:.1f} s"
    )
