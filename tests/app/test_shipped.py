"""Files shipped with the package: experiment specs run with the command their header names,
short names resolve to shipped specs, and the wheel's package data covers every data file."""

import configparser
import fnmatch
import re
from pathlib import Path

import pytest

from netcollapse.app.shipped import resolve_spec, shipped_dir, spec_command
from netcollapse.errors import SpecError
from netcollapse.runs.runner import build_graph, load_run_spec
from netcollapse.sweeps import expand, load_sweep

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = sorted(shipped_dir("experiments").glob("*.yaml"))


def test_there_are_run_sweep_and_calibrate_experiments():
    commands = {spec_command(p).split()[1] for p in EXPERIMENTS}
    assert len(EXPERIMENTS) >= 8 and commands == {"run", "sweep", "calibrate"}


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.name)
def test_each_experiment_loads_with_the_loader_its_header_names(path):
    command = spec_command(path)
    assert command is not None, f"{path.name}: no 'netcollapse run|sweep|...' line in its header"
    header = path.read_text().splitlines()[:3]
    assert any(command in line for line in header), f"{path.name}: command not in lines 1-3"
    words = command.split()
    assert words[2] == f"experiments/{path.name}"
    if words[1] == "calibrate":
        from netcollapse._spec import read_yaml, validate
        from netcollapse.studies.calibrate import CalibrationSpec

        spec = validate(CalibrationSpec, read_yaml(path))
        assert spec.llm.stances is not None
        # a calibration tries 3 or more variants; the one on the model's own answers
        # follows up the variant the first one chose
        assert len(spec.variants) >= 3 or spec.source == "answers"
        with pytest.raises(SpecError):  # and it is not a run spec
            load_run_spec(path)
    elif words[1] == "run":
        spec, base = load_run_spec(path)
        assert spec.T >= 1 and build_graph(spec, base).n >= 2
        with pytest.raises(SpecError):  # and it is not a sweep spec
            load_sweep(path)
    else:
        sweep, base = load_sweep(path)
        tasks = expand(sweep, base)
        assert tasks and not [t.error for t in tasks if t.error]
        with pytest.raises(SpecError):  # and it is not a run spec
            load_run_spec(path)


def test_spec_command_needs_the_leading_comment_block(tmp_path):
    late = tmp_path / "late.yaml"
    late.write_text("# a title\nname: x\n#   netcollapse run experiments/late.yaml\n")
    assert spec_command(late) is None
    early = tmp_path / "early.yaml"
    early.write_text("# a title\n#   netcollapse sweep experiments/early.yaml --workers 2\n")
    assert spec_command(early) == "netcollapse sweep experiments/early.yaml --workers 2"


@pytest.mark.parametrize(
    "arg, kind, name",
    [
        ("ring", "topologies", "ring.yaml"),
        ("ring.yaml", "topologies", "ring.yaml"),
        ("topologies/ring.yaml", "topologies", "ring.yaml"),
        ("paper_gmm", "experiments", "paper_gmm.yaml"),
        ("experiments/compare_gmm.yaml", "experiments", "compare_gmm.yaml"),
    ],
)
def test_short_names_resolve_to_shipped_specs_from_any_folder(
    arg, kind, name, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no topologies/ or experiments/ here
    assert resolve_spec(arg, kind) == shipped_dir(kind) / name


@pytest.mark.parametrize(
    "arg, kind",
    [
        ("ring", "experiments"),
        ("other/ring.yaml", "topologies"),
        ("/no/ring.yaml", "topologies"),
        ("karate_edgelist.txt", "topologies"),
    ],
)
def test_names_outside_the_shipped_folder_are_errors(arg, kind, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError, match=rf"^spec: got '{re.escape(arg)}', expected an existing"):
        resolve_spec(arg, kind)


def test_package_data_covers_every_shipped_file():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    patterns = cfg["options.package_data"]["netcollapse"].split()
    data = ROOT / "netcollapse" / "data"
    files = [
        p.relative_to(ROOT / "netcollapse").as_posix()
        for p in data.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    # and the PEP 561 marker: the package's type hints are for its users' type checkers
    assert (ROOT / "netcollapse" / "py.typed").is_file()
    files.append("py.typed")
    assert "data/topologies/karate_edgelist.txt" in files and "data/bitcoin_seed.jsonl" in files
    missed = [f for f in files if not any(fnmatch.fnmatchcase(f, pat) for pat in patterns)]
    assert not missed, f"not in [options.package_data]: {missed}"
    unused = [pat for pat in patterns if not any(fnmatch.fnmatchcase(f, pat) for f in files)]
    assert not unused, unused
