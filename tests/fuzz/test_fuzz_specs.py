"""Fuzzing the spec loaders: each mutation of each shipped spec is accepted or refused in one line.

Run specs, sweep specs, topology specs and calibration specs are mutated (fields
dropped, unknown fields added, values replaced by wrong types, huge and negative
numbers, NaN, infinities, unicode, bytes, deep nesting) and given to the loaders
in-process; an accepted spec must also pass the size check and, when small,
build its graph. The property: accepted, or one
:class:`~netcollapse.errors.NetcollapseError` line naming a field; never another
exception.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from mutations import (
    CALIBRATIONS,
    FIELD_FIRST,
    RUNS,
    SWEEPS,
    TOPOLOGIES,
    count,
    fuzz_settings,
    mutated,
    nasty,
    refused,
)

from netcollapse._spec import validate
from netcollapse.app.shipped import shipped_dir
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.graphs.size import graph_size
from netcollapse.graphs.spec import parse_topology
from netcollapse.runs.budget import check_run
from netcollapse.runs.runner import build_graph, load_run_spec
from netcollapse.studies.calibrate import CalibrationSpec
from netcollapse.sweeps.expand import expand
from netcollapse.sweeps.spec import load_sweep


def _one_line_or_none(outcome: str | None) -> bool:
    """The property: accepted (``None``), or refused with one line naming a field."""
    return outcome is None or FIELD_FIRST.match(outcome) is not None and "\n" not in outcome


SMALL = 2_000
"""Graphs of at most this many nodes are built too (bigger ones only validated)."""

EXPERIMENTS_DIR = shipped_dir("experiments")
TOPOLOGIES_DIR = shipped_dir("topologies")


def _accept_run(data: dict) -> None:
    spec, _ = load_run_spec(data)
    estimate = check_run(spec)
    if estimate.nodes <= SMALL:
        build_graph(spec, EXPERIMENTS_DIR)


@fuzz_settings(4000)
@given(mutated(RUNS))
def test_mutated_run_specs(data):
    count("run specs")
    assert _one_line_or_none(refused(_accept_run, data))


def _accept_sweep(data: dict) -> None:
    sweep, _ = load_sweep(data)
    expand(sweep)


@fuzz_settings(2500)
@given(mutated(SWEEPS))
def test_mutated_sweep_specs(data):
    count("sweep specs")
    assert _one_line_or_none(refused(_accept_sweep, data))


def _accept_topology(data: dict) -> None:
    spec = parse_topology(data)
    if graph_size(spec)[0] <= SMALL:
        RetrievalGraph.from_spec(data, base_dir=TOPOLOGIES_DIR)


@fuzz_settings(2500)
@given(mutated(TOPOLOGIES))
def test_mutated_topology_specs(data):
    count("topology specs")
    assert _one_line_or_none(refused(_accept_topology, data))


@fuzz_settings(600)
@given(mutated(CALIBRATIONS))
def test_mutated_calibration_specs(data):
    count("calibration specs")
    assert _one_line_or_none(refused(validate, CalibrationSpec, data))


@fuzz_settings(400)
@given(st.one_of(nasty, st.dictionaries(st.text(max_size=8), nasty, max_size=4)))
def test_anything_as_a_spec(data):
    count("any value as a spec")
    loaders = [load_run_spec, load_sweep, parse_topology] if isinstance(data, dict) else []
    for load in loaders or [parse_topology]:
        assert _one_line_or_none(refused(load, data))


@fuzz_settings(600)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)), st.sampled_from(["run", "sweep"]))
def test_garbage_spec_files(tmp_path_factory, content, kind):
    count("garbage spec files")
    path = Path(tmp_path_factory.mktemp("spec")) / "spec.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    assert _one_line_or_none(refused(load_run_spec if kind == "run" else load_sweep, path))
