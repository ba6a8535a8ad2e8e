"""The engine conformance suite: what every engine promises (as scikit-learn's check_estimator).

Each ``check_*`` takes a factory ``make(graph=None, seed=0) -> Web`` (and a folder
where one is needed) and asserts one part of the contract stated in
:mod:`netcollapse.engines.loop`. :data:`FACTORIES` names the engines the suite runs
on; a subprocess can build one by name, which the SIGKILL check needs.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from netcollapse.backends import FakeGenerator, HashEmbedder
from netcollapse.engines import GMMWeb, LLMWeb, RunResult
from netcollapse.graphs import build
from netcollapse.retrieval import default_corpus

T = 4
COMMON_COLUMNS = ("step", "frobenius", "synthetic_share", "k_mean")
NODE_COLUMNS = ("step", "node", "dist_to_centroid", "k", "synthetic")
RUN_FILES = ("config.json", "metrics.parquet", "nodes.parquet", "timings.parquet", "summary.json")
HERE = Path(__file__).resolve().parent


def _graph(graph=None):
    return graph if graph is not None else build("ring", n=4, self_weight=0.2, anchoring=0.25)


def gmm(graph=None, seed=0):
    return GMMWeb(_graph(graph), B=3, L=3, A0=8, retrieval={"k_max": 6, "memory": 2}, seed=seed)


def llm_fake(graph=None, seed=0):
    return LLMWeb(
        _graph(graph),
        default_corpus(),
        FakeGenerator(),
        HashEmbedder(16),
        L=2,
        retrieval={"k_max": 4},
        seed=seed,
    )


def llm_real(graph=None, seed=0):
    from netcollapse.backends import HFGenerator, SentenceTransformerEmbedder

    return LLMWeb(
        _graph(graph),
        default_corpus(),
        HFGenerator("smollm2"),
        SentenceTransformerEmbedder("minilm"),
        L=2,
        decoding={"max_new_tokens": 6},
        retrieval={"k_max": 3},
        seed=seed,
    )


FACTORIES = {"gmm": gmm, "llm_fake": llm_fake, "llm_real": llm_real}


def _frames(res: RunResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    return res.metrics.reset_index(drop=True), res.nodes.reset_index(drop=True)


def assert_same_run(a: RunResult, b: RunResult) -> None:
    """Same metrics and node tables, value for value (dtypes may differ after parquet)."""
    for x, y in zip(_frames(a), _frames(b)):
        pd.testing.assert_frame_equal(x, y, check_dtype=False)


# --------------------------------------------------------------------------- checks
def check_rows(make) -> None:
    """run(T) gives T + 1 rows, steps 0..T, the shared columns, one node row per node and row."""
    web = make()
    res = web.run(T, progress=False)
    assert res.metrics["step"].tolist() == list(range(T + 1))
    assert set(COMMON_COLUMNS) <= set(res.metrics.columns)
    assert len(res.nodes) == web.n * (T + 1) and set(NODE_COLUMNS) <= set(res.nodes.columns)
    first = res.nodes[res.nodes["step"] == 0]
    assert (first["synthetic"] == 0).all()  # row 0: nobody has read another node yet
    share = res.metrics["synthetic_share"].iloc[0]
    assert np.isnan(share) or share == 0
    assert res.metrics["synthetic_share"].iloc[1:].gt(0).all()
    assert np.isfinite(res.frobenius).all() and (res.frobenius >= 0).all()


def check_row0_is_before_reading(make) -> None:
    """Row 0 does not depend on W: two graphs with the same n and h give the same row 0."""
    ring = build("ring", n=4, self_weight=0.2, anchoring=0.25)
    full = build("complete", n=4, self_weight=0.25, anchoring=0.25)
    a = make(graph=ring).run(1, progress=False)
    b = make(graph=full).run(1, progress=False)
    assert a.metrics.iloc[0].equals(b.metrics.iloc[0])
    assert a.metrics["frobenius"].iloc[1] != b.metrics["frobenius"].iloc[1]


def check_same_seed_same_numbers(make) -> None:
    """The same seed gives the same numbers; another seed gives other numbers."""
    a, b = make(seed=3).run(T, progress=False), make(seed=3).run(T, progress=False)
    assert_same_run(a, b)
    c = make(seed=4).run(T, progress=False)
    assert not np.array_equal(a.frobenius, c.frobenius)


def check_seed_types(make) -> None:
    """int, Generator and None seeds; the root seed in the config repeats the run."""
    a = make(seed=np.random.default_rng(11)).run(2, progress=False)
    b = make(seed=np.random.default_rng(11)).run(2, progress=False)
    assert_same_run(a, b)
    free = make(seed=None)
    res = free.run(2, progress=False)
    again = make(seed=res.config["seed"]).run(2, progress=False)
    assert_same_run(res, again)


def check_global_rng_untouched(make) -> None:
    """NumPy's and Python's global RNGs (and torch's, where loaded) are left alone."""
    np.random.seed(123)
    random.seed(123)
    np_state, py_state = np.random.get_state()[1].copy(), random.getstate()
    torch = sys.modules.get("torch")
    torch_state = torch.random.get_rng_state().clone() if torch is not None else None
    make().run(2, progress=False)
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert random.getstate() == py_state
    torch = sys.modules.get("torch")
    if torch is not None and torch_state is not None:
        assert torch.equal(torch.random.get_rng_state(), torch_state)


def _strict_json(path: Path) -> dict:
    def refuse(name: str) -> None:
        raise AssertionError(f"{path.name} holds a bare {name}")

    return json.loads(path.read_text(), parse_constant=refuse)


def check_interventions_leave_the_past(make) -> None:
    """A schedule changes rows from its ``at`` on, never before; the config records it."""
    from netcollapse.scenarios.interventions import Schedule

    events = [
        {"at": 2, "graph": {"family": "complete", "n": 4, "self_weight": 0.25, "anchoring": 0.25}},
        {"at": 3, "freeze": [0]},
    ]
    plain = make(seed=5).run(T, progress=False)
    web = make(seed=5)
    web.schedule = Schedule(web.base_graph, events, seed=web.seed)
    res = web.run(T, progress=False)
    pd.testing.assert_frame_equal(res.metrics.iloc[:2], plain.metrics.iloc[:2], check_dtype=False)
    assert not res.metrics.iloc[2:].equals(plain.metrics.iloc[2:])
    assert web.graph is web.schedule.graph_at(T) and web.graph.W[0, 0] == 1.0
    assert [e["at"] for e in res.config["interventions"]] == [2, 3]
    assert res.config["graph"] == plain.config["graph"]  # the run's own graph, not the last


def check_run_folder(make, folder: Path) -> None:
    """The run-folder contract: the tables, strict JSON, no working files left, readable back."""
    res = make().run(T, folder, progress=False)
    for name in RUN_FILES:
        assert (folder / name).is_file(), name
    assert not (folder / "steps").exists() and not (folder / "checkpoint").exists()
    summary = _strict_json(folder / "summary.json")
    assert summary["status"] == "complete" and summary["steps"] == T
    config = _strict_json(folder / "config.json")
    assert {"engine", "graph", "retrieval", "seed"} <= set(config)
    assert config["retrieval"] == make().retrieval.model_dump()
    back = RunResult.load(folder)
    assert_same_run(res, back)
    timings = pd.read_parquet(folder / "timings.parquet")
    assert timings["step"].tolist() == list(range(T + 1))


def run_and_kill(name: str, folder: Path, at: int) -> subprocess.CompletedProcess:
    """Run engine ``name`` into ``folder`` in a subprocess that SIGKILLs itself after row ``at``."""
    code = (
        "import os, signal, sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "from conformance import FACTORIES, T\n"
        "def kill(t):\n"
        f"    if t == {at}:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        f"FACTORIES[{name!r}]().run(T, {str(folder)!r}, progress=False, on_step=kill)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env
    )


def check_resume_after_sigkill(name: str, folder: Path, reference: Path) -> None:
    """A run SIGKILLed mid-way and resumed ends with the tables of an uninterrupted run."""
    make = FACTORIES[name]
    proc = run_and_kill(name, folder, at=2)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert (folder / "checkpoint").is_dir() and not (folder / "summary.json").exists()
    resumed = make().run(T, folder, resume=True, progress=False)
    whole = make().run(T, reference, progress=False)
    assert_same_run(whole, resumed)
    for name_ in ("metrics.parquet", "nodes.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(reference / name_), pd.read_parquet(folder / name_)
        )
    if (reference / "responses.jsonl").is_file():
        assert (reference / "responses.jsonl").read_text() == (
            folder / "responses.jsonl"
        ).read_text()
