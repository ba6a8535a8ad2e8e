"""RunResult.to_networkx: the graph in force at a row, that row's node table, one-line errors."""

import pandas as pd
import pytest

from netcollapse.engines.gmm import GMMWeb
from netcollapse.engines.result import RunResult
from netcollapse.errors import SpecError
from netcollapse.graphs.retrieval_graph import build
from netcollapse.runs import load_run, run_spec
from netcollapse.scenarios.interventions import Schedule

EVENTS = [
    {"at": 2, "graph": {"family": "star", "n": 5}},  # hub 0 from row 2 on
    {"at": 3, "freeze": [1]},  # node 1 reads only itself from row 3 on
]
SPEC = {
    "engine": "gmm",
    "T": 4,
    "seed": 11,
    "graph": {"family": "ring", "n": 5, "self_weight": 0.2},
    "retrieval": {"k": 3},
    "gmm": {"B": 2, "L": 2},
    "interventions": EVENTS,
}


def weights(G):
    return {(u, v): w for u, v, w in G.edges(data="weight")}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    run_spec(SPEC, out, progress=False)
    return load_run(out).result()


def test_each_row_exports_the_graph_it_read(run):
    ring = {(i, i): 0.2 for i in range(5)}
    ring |= {((i + d) % 5, i): 0.4 for i in range(5) for d in (1, -1)}  # i reads i +- 1
    assert weights(run.to_networkx(step=0)) == ring
    assert weights(run.to_networkx(step=1)) == ring
    star = {(0, i): 1.0 for i in range(1, 5)} | {(i, 0): 0.25 for i in range(1, 5)}
    row2 = run.to_networkx(step=2)
    assert weights(row2) == star and row2.graph["family"] == "star"
    frozen = {**star, (1, 1): 1.0}
    del frozen[(0, 1)]  # node 1 no longer reads the hub
    assert weights(run.to_networkx(step=3)) == frozen
    assert weights(run.to_networkx()) == frozen  # default: the last row, 4


def test_node_attributes_are_the_node_table_row_and_the_graph_says_what_it_is(run):
    G = run.to_networkx(step=3)
    rows = run.nodes[run.nodes["step"] == 3].set_index("node")
    assert len(rows) == 5
    columns = [c for c in rows.columns if c != "step"]
    assert len(columns) >= 3 and "dist_to_centroid" in columns
    for i in range(5):
        want = {"label": str(i), "h": 0.0, **{c: rows.at[i, c] for c in columns}}
        assert G.nodes[i] == want
    assert {k: G.graph[k] for k in ("engine", "seed", "step", "n")} == {
        "engine": "gmm",
        "seed": 11,
        "step": 3,
        "n": 5,
    }


@pytest.mark.parametrize("step", [5, -1, 1.5, True, "2"])
def test_a_step_outside_the_rows_is_one_line(run, step):
    with pytest.raises(
        SpecError, match=rf"^step: got {step!r}, expected a row of the run in 0..4$"
    ):
        run.to_networkx(step=step)


def test_a_result_without_its_graphs_or_nodes_says_what_is_missing(run):
    bare = RunResult(run.metrics, run.nodes, run.config)
    with pytest.raises(SpecError, match=r"^schedule: got None, expected a result that carries"):
        bare.to_networkx()
    with pytest.raises(SpecError, match=r"^nodes: got None, expected a run with its node table"):
        RunResult(run.metrics, None, run.config).to_networkx()


def test_a_schedule_given_directly_is_used_as_it_is():
    g = build("ring", n=4)
    res = GMMWeb(g, L=2, retrieval={"k": 2}, seed=0).run(2, progress=False)
    with_graphs = RunResult(
        res.metrics, res.nodes, res.config, schedule=Schedule(g, [{"at": 1, "h": 0.5}], seed=0)
    )
    assert [d["h"] for _, d in with_graphs.to_networkx(step=0).nodes(data=True)] == [0.0] * 4
    assert [d["h"] for _, d in with_graphs.to_networkx(step=1).nodes(data=True)] == [0.5] * 4


def test_an_unfinished_run_exports_the_rows_up_to_its_checkpoint(tmp_path):
    class Stop(Exception):
        pass

    def stop(t):
        if t == 2:
            raise Stop

    web = GMMWeb(build("ring", n=4), L=2, retrieval={"k": 2}, seed=3)
    with pytest.raises(Stop):
        web.run(5, tmp_path / "cut", progress=False, on_step=stop)
    folder = load_run(tmp_path / "cut", finished=False)
    assert folder.result().nodes is None  # the plain result: no node table yet
    so_far = folder.result(so_far=True)
    assert so_far.metrics["step"].tolist() == [0, 1, 2]
    G = so_far.to_networkx()
    assert G.graph["step"] == 2
    rows = so_far.nodes[so_far.nodes["step"] == 2].set_index("node")
    assert [G.nodes[i]["dist_to_centroid"] for i in range(4)] == rows["dist_to_centroid"].tolist()
    with pytest.raises(SpecError, match=r"^step: got 3, expected a row of the run in 0..2$"):
        so_far.to_networkx(step=3)
    pd.testing.assert_frame_equal(folder.result(so_far=True).nodes, so_far.nodes)


def test_an_in_memory_result_and_a_finished_run_read_back_on_resume_export_too(tmp_path, run):
    fresh = run_spec(SPEC, tmp_path / "r", progress=False)  # straight from the engine
    again = run_spec(SPEC, tmp_path / "r", progress=False, resume=True)  # already finished
    for result in (fresh, again):
        for step in (1, 3):
            assert weights(result.to_networkx(step=step)) == weights(run.to_networkx(step=step))
