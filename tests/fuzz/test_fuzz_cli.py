"""Fuzzing the command line: a refused spec file is one stderr line, exit 2, nothing written.

Mutated shipped run and sweep specs are written as YAML and given to
``netcollapse run`` / ``netcollapse sweep`` with ``--out``, in-process
(:func:`netcollapse.app.cli.main`) for the bulk and through a real subprocess for a
sample. Specs the loader accepts are run only when small (a GMM run of at most
:data:`SMALL_WORK` node-rounds); they must then succeed or be refused as above.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st
from mutations import RUNS, SWEEPS, count, folder_files, fuzz_settings, mutated

from netcollapse.app.cli import main
from netcollapse.errors import NetcollapseError
from netcollapse.runs.budget import estimate_run
from netcollapse.runs.runner import load_run_spec
from netcollapse.sweeps.spec import load_sweep

# an accepted run may warn (overlapping components make the prediction rough)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

SMALL_WORK = 200
"""Accepted GMM runs of at most this many node-rounds are run too."""


def _yaml(folder: Path, spec: object) -> Path:
    try:
        content = yaml.safe_dump(spec, allow_unicode=True)
    except (ValueError, RecursionError, yaml.YAMLError):  # an int past 4300 digits
        assume(False)
    path = folder / "spec.yaml"
    path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


def _worth_running(kind: str, path: Path) -> bool:
    """True for specs the loader refuses, and for small accepted GMM runs."""
    try:
        if kind == "sweep":
            load_sweep(path)
            return False
        spec, _ = load_run_spec(path)
    except NetcollapseError:
        return True
    return spec.engine == "gmm" and estimate_run(spec).nodes * spec.T <= SMALL_WORK


def _check(status: int, err: str, out: Path) -> None:
    assert "Traceback" not in err, err
    if status == 0:
        return
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("netcollapse: error: "), err
    assert not out.exists(), folder_files(out)


@fuzz_settings(250)
@given(st.sampled_from(["run", "sweep"]), st.data())
def test_cli_in_process(tmp_path_factory, capsys, kind, data):
    count("cli in-process")
    spec = data.draw(mutated(RUNS if kind == "run" else SWEEPS))
    folder = tmp_path_factory.mktemp("cli")
    path = _yaml(folder, spec)
    if not _worth_running(kind, path):
        return
    out = folder / "out"
    status = main([kind, str(path), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    _check(status, captured.err, out)


@fuzz_settings(16)
@given(st.sampled_from(["run", "sweep"]), st.data())
def test_cli_subprocess(tmp_path_factory, kind, data):
    count("cli subprocess")
    spec = data.draw(mutated(RUNS if kind == "run" else SWEEPS))
    folder = tmp_path_factory.mktemp("cli")
    path = _yaml(folder, spec)
    assume(_worth_running(kind, path))
    out = folder / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "netcollapse", kind, str(path), "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    _check(proc.returncode, proc.stderr, out)
