"""Damaged run and sweep folders: one line, exit 2, and not a byte of the folder written.

Every file of a finished GMM run, an interrupted GMM run, a finished LLM run
(bundled models, smallest size) and a GMM sweep is made missing, truncated (half
its bytes) or garbled (random bytes); then every command and reader that reads
such a folder is run on a copy:

- where it reads the file, a command prints exactly one line on stderr, naming
  the file, and exits 2 (a Python reader raises one ``DataError`` line naming
  it), with no traceback;
- where it does not read the file, it does exactly what it does on the intact
  folder (same exit status, same stderr);
- either way no file of the folder changes: no byte, none added or removed
  (a report that succeeds adds its own ``report/`` folder).

:data:`READS` is the matrix: which files each command reads.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from netcollapse.app.cli import main
from netcollapse.engines.result import RunResult
from netcollapse.errors import DataError, NetcollapseError
from netcollapse.runs.folder import load_run
from netcollapse.runs.runner import build_web, load_run_spec
from netcollapse.studies.stance import predict_stance_run
from netcollapse.sweeps.run import run_sweep

DAMAGES = ("missing", "truncated", "garbled")
GMM = {
    "name": "tiny",
    "engine": "gmm",
    "T": 4,
    "seed": 5,
    "retrieval": {"k": 3},
    "gmm": {"B": 2, "L": 2},
    "graph": {"family": "ring", "n": 4, "self_weight": 0.3},
}
LLM = {
    "name": "tiny_llm",
    "engine": "llm",
    "T": 1,
    "seed": 9,
    "retrieval": {"k": 2, "quota": "multinomial"},
    "llm": {"L": 2, "backend": "hf", "defaults": {"max_new_tokens": 6}, "stances": {"posts": 2}},
    "graph": {"family": "complete", "n": 3, "self_weight": 0.5},
}
STOP = 2  # the interrupted run stops after row 2 of 4

TABLES = {"config.json", "summary.json", "metrics.parquet", "nodes.parquet"}
FINISHED_GMM = [*sorted(TABLES), "timings.parquet"]  # prediction.csv: written, never read
FINISHED_LLM = [*FINISHED_GMM, "embeddings.npz", "responses.jsonl", "sources.json"]
CK = f"checkpoint/step-{STOP:06d}"
INTERRUPTED_GMM = [
    "config.json",
    "metrics.parquet",
    "checkpoint/LATEST",
    f"{CK}/t.json",
    f"{CK}/Pi.npy",
    f"{CK}/metrics.parquet",
    f"{CK}/timings.parquet",
    *(f"steps/lik-{s:06d}.npy" for s in range(STOP)),
    *(f"steps/nodes-{s:06d}.parquet" for s in range(STOP + 1)),
]
SWEEP = ["sweep.json", "results.parquet", "steps.parquet"]

#: (folder, command) -> the files the command reads: where one is damaged, one line and
#: exit 2. ``report`` reads ``embeddings.npz`` where there is one (a folder without it,
#: like the shipped results, gets a note instead of the maps); ``run --resume`` of an
#: interrupted run rebuilds the top-level ``metrics.parquet`` from the checkpoint.
READS = {
    ("gmm", "run --resume"): TABLES,
    ("gmm", "run --resume --profile"): TABLES | {"timings.parquet"},
    ("gmm", "report"): TABLES,
    ("gmm", "load_run"): TABLES,
    ("gmm", "RunResult.load"): TABLES - {"summary.json"},
    ("interrupted", "run --resume"): set(INTERRUPTED_GMM) - {"metrics.parquet"},
    ("interrupted", "load_run(finished=False)"): {"config.json", "metrics.parquet"},
    ("llm", "run --resume"): TABLES,
    ("llm", "report"): TABLES | {"embeddings.npz"},
    ("llm", "load_run"): TABLES,
    ("llm", "RunResult.load"): TABLES - {"summary.json"},
    ("llm", "RunResult.embeddings"): TABLES - {"summary.json"} | {"embeddings.npz"},
    ("llm", "RunResult.responses"): TABLES - {"summary.json"} | {"responses.jsonl", "sources.json"},
    ("llm", "predict_stance_run"): TABLES,
    ("llm", "study --calibration"): TABLES,
    ("sweep", "report"): set(SWEEP),
    ("sweep", "study"): set(SWEEP),
}
FILES = {"gmm": FINISHED_GMM, "interrupted": INTERRUPTED_GMM, "llm": FINISHED_LLM, "sweep": SWEEP}


def reads(kind: str, command: str, name: str, how: str) -> bool:
    """Return whether ``command`` reads file ``name`` of a ``kind`` folder damaged ``how``."""
    if (kind, command, name, how) == ("llm", "report", "embeddings.npz", "missing"):
        return False
    return name in READS[kind, command]


# ----------------------------------------------------------------------------- folders
class Stop(Exception):
    """Raised from ``on_step`` to interrupt a run after a checkpoint."""


def _stop(t: int) -> None:
    if t == STOP:
        raise Stop


def _spec(root: Path, name: str, spec: dict) -> Path:
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.fixture(scope="module")
def gmm(tmp_path_factory) -> dict[str, Path]:
    """A finished GMM run (as ``netcollapse run`` leaves it), an interrupted one, a sweep."""
    root = tmp_path_factory.mktemp("gmm")
    spec = _spec(root, "gmm", GMM)
    assert main(["run", str(spec), "--out", str(root / "finished"), "--quiet"]) == 0
    parsed, base = load_run_spec(spec)
    with pytest.raises(Stop):
        build_web(parsed, base).run(parsed.T, root / "interrupted", progress=False, on_step=_stop)
    sweep = {
        "base": {k: v for k, v in GMM.items() if k not in ("name", "graph", "seed")},
        "graphs": {"ring": GMM["graph"]},
        "seeds": 1,
    }
    run_sweep(sweep, root / "sweep", progress=False)
    return {"spec": spec, "gmm": root / "finished", "interrupted": root / "interrupted"} | {
        "sweep": root / "sweep"
    }


@pytest.fixture(scope="module")
def llm(tmp_path_factory) -> dict[str, Path]:
    """A finished LLM run with seeded stances on the bundled models (n = 3, T = 1, L = 2)."""
    root = tmp_path_factory.mktemp("llm")
    spec = _spec(root, "llm", LLM)
    assert main(["run", str(spec), "--out", str(root / "finished"), "--quiet"]) == 0
    shutil.copytree(root / "finished", root / "calibration")  # intact, for predict_stance_run
    return {"spec": spec, "llm": root / "finished", "calibration": root / "calibration"}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (``report/`` left out) by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] != "report"
    }


def damage(path: Path, how: str) -> None:
    """Make ``path`` missing, truncated to half its bytes, or random bytes of the same length."""
    data = path.read_bytes()
    if how == "missing":
        path.unlink()
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(np.random.default_rng(len(data)).bytes(max(len(data), 64)))


# ----------------------------------------------------------------------------- commands
def _cli(args: list[str], capsys) -> tuple[int, str, type | None]:
    status = main(args)
    return status, capsys.readouterr().err, None


def _py(call: Callable[[], object]) -> tuple[int, str, type | None]:
    try:
        call()
    except NetcollapseError as exc:
        return 2, f"netcollapse: error: {exc}\n", type(exc)
    return 0, "", None


def command(kind: str, name: str, folder: Path, paths: dict[str, Path], capsys):
    """Run command ``name`` on ``folder``; return (exit status, stderr, exception type)."""
    spec = str(paths.get("spec", ""))
    d = str(folder)
    if name.startswith("run --resume"):
        extra = ["--profile"] if name.endswith("--profile") else []
        return _cli(["run", spec, "--out", d, "--resume", "--quiet", *extra], capsys)
    if name == "report":
        return _cli(["report", d], capsys)
    if name == "study":  # the sweep folder is read before the calibration
        return _cli(["study", d, "--calibration", str(paths["gmm"])], capsys)
    if name == "study --calibration":
        return _cli(["study", str(paths["sweep"]), "--calibration", d], capsys)
    calls = {
        "load_run": lambda: load_run(folder),
        "load_run(finished=False)": lambda: load_run(folder, finished=False),
        "RunResult.load": lambda: RunResult.load(folder),
        "RunResult.embeddings": lambda: RunResult.load(folder).embeddings(),
        "RunResult.responses": lambda: RunResult.load(folder).responses(),
        "predict_stance_run": lambda: predict_stance_run(folder, paths["calibration"]),
    }
    return _py(calls[name])


_CONTROLS: dict[tuple[str, str, str], tuple[int, str]] = {}


def control(kind: str, cmd: str, paths, tmp_path, capsys) -> tuple[int, str]:
    """What ``cmd`` gives on an intact copy of folder ``kind`` (its path written DIR)."""
    key = (kind, cmd, str(paths[kind]))
    if key not in _CONTROLS:
        intact = tmp_path / "intact"
        shutil.copytree(paths[kind], intact)
        status, err, _ = command(kind, cmd, intact, paths, capsys)
        _CONTROLS[key] = (status, err.replace(str(intact), "DIR"))
    return _CONTROLS[key]


def check(kind: str, name: str, how: str, cmd: str, paths, tmp_path, capsys) -> None:
    """Damage file ``name`` of a copy of folder ``kind`` ``how``, run ``cmd``, check the matrix."""
    intact = control(kind, cmd, paths, tmp_path, capsys)
    folder = tmp_path / "damaged"
    shutil.copytree(paths[kind], folder)
    target = folder / name
    damage(target, how)
    before = snapshot(folder)
    status, err, error = command(kind, cmd, folder, paths, capsys)
    assert "Traceback" not in err
    if reads(kind, cmd, name, how):
        lines = err.splitlines()
        assert status == 2 and len(lines) == 1, err
        assert lines[0].startswith("netcollapse: error: "), err
        assert str(target) in lines[0] or (
            target.name in lines[0] and str(target.parent) in lines[0]
        ), lines[0]
        assert error in (None, DataError), error  # a Python reader raises DataError
    else:  # not read: exactly what the intact folder gives
        assert (status, err.replace(str(folder), "DIR")) == intact
    assert snapshot(folder) == before  # nothing written, nothing removed


#: Resuming an LLM run builds its engine (models, stance readout: about 7 s): one damage
#: per file there; the files it reads are read by the same code as a GMM run's.
ONLY = {("llm", "run --resume"): ("truncated",)}


def cases(kind: str) -> list:
    return [
        pytest.param(name, how, cmd, id=f"{cmd}-{name}-{how}")
        for k, cmd in READS
        if k == kind
        for name in FILES[kind]
        for how in ONLY.get((kind, cmd), DAMAGES)
    ]


# ----------------------------------------------------------------------------- tests
def test_the_matrix_lists_every_file_the_runs_write(gmm):
    """A file added to a run folder must be added to the matrix (or said to be never read)."""
    assert set(snapshot(gmm["gmm"])) == {*FINISHED_GMM, "prediction.csv"}
    assert set(snapshot(gmm["interrupted"])) == set(INTERRUPTED_GMM)
    assert set(SWEEP) <= set(snapshot(gmm["sweep"]))


@pytest.mark.parametrize(("name", "how", "cmd"), cases("gmm"))
def test_finished_gmm_run(gmm, tmp_path, capsys, name, how, cmd):
    check("gmm", name, how, cmd, gmm, tmp_path, capsys)


@pytest.mark.parametrize(("name", "how", "cmd"), cases("interrupted"))
def test_interrupted_gmm_run(gmm, tmp_path, capsys, name, how, cmd):
    if not reads("interrupted", cmd, name, how) and cmd == "run --resume":
        # the top-level metrics.parquet is rebuilt from the checkpoint: the run finishes
        # exactly as the uninterrupted one
        folder = tmp_path / "run"
        shutil.copytree(gmm["interrupted"], folder)
        damage(folder / name, how)
        args = ["run", str(gmm["spec"]), "--out", str(folder), "--resume", "--quiet"]
        assert main(args) == 0, capsys.readouterr().err
        want = pd.read_parquet(gmm["gmm"] / "metrics.parquet")
        pd.testing.assert_frame_equal(pd.read_parquet(folder / "metrics.parquet"), want)
        return
    check("interrupted", name, how, cmd, gmm, tmp_path, capsys)


@pytest.mark.parametrize(("name", "how", "cmd"), cases("sweep"))
def test_gmm_sweep(gmm, tmp_path, capsys, name, how, cmd):
    check("sweep", name, how, cmd, gmm, tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "how", "cmd"), cases("llm"))
def test_finished_llm_run(gmm, llm, tmp_path, capsys, name, how, cmd):
    check("llm", name, how, cmd, {**llm, "sweep": gmm["sweep"]}, tmp_path, capsys)


@pytest.mark.slow
def test_the_llm_matrix_lists_every_file(llm):
    assert set(snapshot(llm["llm"])) == set(FINISHED_LLM)


def test_resume_with_a_truncated_metrics_table_is_one_line_in_a_new_process(gmm, tmp_path):
    """The issue's case: it printed a pyarrow traceback and exited 1."""
    folder = tmp_path / "run"
    shutil.copytree(gmm["gmm"], folder)
    damage(folder / "metrics.parquet", "truncated")
    before = snapshot(folder)
    proc = subprocess.run(
        [sys.executable, "-m", "netcollapse", "run", str(gmm["spec"])]
        + ["--out", str(folder), "--resume", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"netcollapse: error: metrics.parquet: got {str(folder / 'metrics.parquet')!r} "
        "unreadable (ArrowInvalid), expected the run's per-step metrics"
    ]
    assert snapshot(folder) == before


@pytest.mark.parametrize("gone", [("summary.json",), ("summary.json", "metrics.parquet")])
def test_a_started_folder_is_never_started_again_over_its_tables(gmm, tmp_path, capsys, gone):
    """Without summary.json and checkpoint/, a folder with a run's tables is refused, not rerun."""
    folder = tmp_path / "run"
    shutil.copytree(gmm["gmm"], folder)
    for name in gone:
        (folder / name).unlink()
    before = snapshot(folder)
    for extra in ([], ["--resume"]):
        assert main(["run", str(gmm["spec"]), "--out", str(folder), "--quiet", *extra]) == 2
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 1, lines
        assert ("summary.json" if extra else "pass --resume") in lines[0], lines[0]
    assert snapshot(folder) == before
