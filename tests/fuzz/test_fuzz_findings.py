"""What the fuzzers found, one regular test each, and the up-front refusal of sizes nobody means."""

from __future__ import annotations

import subprocess
import sys

import pytest
from mutations import EXPERIMENTS, RUNS, check_error

from netcollapse._spec import read_yaml, validate
from netcollapse.errors import NetcollapseError
from netcollapse.graphs.size import machine_memory
from netcollapse.graphs.spec import parse_topology
from netcollapse.runs.budget import MAX_SECONDS, check_run, estimate_run
from netcollapse.runs.spec import RunSpec, parse_run, run_graph
from netcollapse.sweeps.expand import expand
from netcollapse.sweeps.spec import load_sweep

RING = {"engine": "gmm", "T": 5, "graph": {"family": "ring", "n": 8}}


def refusal(call, *args) -> str:
    with pytest.raises(NetcollapseError) as info:
        call(*args)
    return check_error(info.value)


@pytest.mark.parametrize(
    "spec, start",
    [
        ({**RING, "graph": {"family": ["ring"], "n": 8}}, "graph.family: got ['ring']"),
        ({**RING, "": None}, "'': got None, expected no such field"),
        ({**RING, "a\nb": 1}, "'a\\nb': got 1, expected no such field"),
        ({**RING, "retrieval": {"": 1}}, "retrieval.'': got 1"),
        ({**RING, "graph": {"family": "ring", "n": 8, "seed": -1}}, "graph.seed: got -1"),
        ({**RING, "gmm": {"B": 2**40}}, "gmm.B: got 1099511627776, expected at most"),
        ({**RING, "graph": {"family": "tree", "r": 2, "height": 10**18}}, "graph.height: got"),
        ({**RING, "T": 10**5000}, "T: got an integer of 16610 bits"),
        ({**RING, "gmm": {"B": [[[[0]]]] * 2}}, "gmm.B: got"),
    ],
)
def test_found_by_fuzzing(spec, start):
    assert refusal(parse_run, spec).startswith(start)


def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path):
    value: object = 0
    for _ in range(5000):
        value = [value]
    assert refusal(parse_run, {**RING, "gmm": {"B": value}}).startswith("gmm.B")
    path = tmp_path / "deep.yaml"
    path.write_text("engine: gmm\nname: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert "nested at most" in refusal(read_yaml, path)


def test_a_yaml_integer_past_4300_digits_is_one_line(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("engine: gmm\nT: " + "9" * 5000 + "\n")
    assert refusal(read_yaml, path).startswith("spec: got")


def test_graph_seed_is_used_as_validated():
    assert (
        run_graph({"family": "erdos_renyi", "n": 8, "p": 0.5, "seed": 7.0}, 0).params["seed"]
        == run_graph({"family": "erdos_renyi", "n": 8, "p": 0.5, "seed": 7}, 0).params["seed"]
    )


# ------------------------------------------------------------------ sizes nobody means
def test_T_2_to_the_70_is_refused_at_once_with_the_estimate(tmp_path):
    spec = tmp_path / "t70.yaml"
    spec.write_text("engine: gmm\nT: 1180591620717411303424\ngraph: {family: ring, n: 8}\n")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "netcollapse", "run", str(spec), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and not out.exists()
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("netcollapse: error: T: got 1180591620717411303424, expected at most ")
    assert "on this machine" in line and "of memory" in line and "years" in line


@pytest.mark.parametrize(
    "change, field",
    [
        ({"graph": {"family": "complete", "n": 10**6}}, "graph.n"),
        ({"graph": {"family": "ring", "n": 10**12}}, "graph.n"),
        ({"graph": {"family": "grid", "rows": 10**6, "cols": 10**6}}, "graph.rows"),
        ({"graph": {"family": "ring", "n": 10**7}, "gmm": {"L": 10**9}}, "gmm.L"),
        ({"engine": "llm", "llm": {"defaults": {"max_new_tokens": 10**12}}}, "graph.n"),
        ({"T": 10**9}, "T"),
    ],
)
def test_oversize_runs_are_refused_naming_the_field(change, field):
    line = refusal(parse_run, {**RING, **change})
    assert line.startswith(f"{field}: got ") and "on this machine" in line


def test_the_largest_T_quoted_is_accepted_and_one_more_is_not():
    line = refusal(parse_run, {**RING, "T": 2**70})
    most = int(line.split("expected at most ")[1].split(" ")[0].replace(",", ""))
    check_run(validate(RunSpec, {**RING, "T": most}))  # the model alone, without the budget
    with pytest.raises(NetcollapseError):
        check_run(validate(RunSpec, {**RING, "T": most + 1}))


def test_every_shipped_run_fits_with_room():
    for name, data in RUNS.items():
        est = estimate_run(parse_run(data))
        assert est.memory < machine_memory() / 100 and est.seconds < MAX_SECONDS / 1000, name


def test_sweep_seeds_and_totals_nobody_means():
    base = {"engine": "gmm", "T": 5, "graph": {"family": "ring", "n": 8}}
    assert refusal(load_sweep, {"base": base, "seeds": 2**31}).startswith("seeds: got 2147483648")
    # each task 6.3 years at the measured rate (accepted), 200 of them are refused
    llm = {"L": 100, "defaults": {"max_new_tokens": 500_000}}
    big = {"engine": "llm", "T": 100, "graph": {"family": "ring", "n": 16}, "llm": llm}
    assert expand({"base": big, "seeds": 2})
    assert refusal(expand, {"base": big, "seeds": 200}).startswith("seeds: got 200")
    for name in ("compare_gmm", "validate_curves", "sweep_graph_effect"):
        assert expand(load_sweep(EXPERIMENTS[name])[0])


def test_graph_size_refusal_in_a_topology_spec():
    line = refusal(parse_topology, {"family": "complete", "n": 10**6}, "graph.")
    assert line.startswith("graph.n: got 1000000, expected at most ")
