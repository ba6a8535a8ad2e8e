"""netcollapse export: GraphML, GEXF and CSV read back by networkx, pandas and igraph."""

import json
import math
from pathlib import Path

import igraph as ig
import networkx as nx
import pandas as pd
import pytest

from netcollapse.app.cli import main
from netcollapse.app.export import export_run
from netcollapse.engines.gmm import GMMWeb
from netcollapse.graphs.retrieval_graph import build
from netcollapse.runs import load_run, run_spec

GMM = {
    "engine": "gmm",
    "T": 3,
    "seed": 4,
    "graph": {"family": "watts_strogatz", "n": 8, "k": 4, "p": 0.3, "self_weight": 0.1},
    "retrieval": {"k": 4},
    "gmm": {"B": 2, "L": 2},
    "interventions": [{"at": 2, "rewire": {"rate": 0.5}}],
}
LLM = {
    "engine": "llm",
    "T": 1,
    "seed": 9,
    "retrieval": {"k": 2, "quota": "multinomial"},
    "llm": {
        "L": 2,
        "backend": "hf",
        "threads": 1,
        "defaults": {"max_new_tokens": 6},
        "stances": {"posts": 2},
    },
    "graph": {"family": "complete", "n": 3, "self_weight": 0.5},
}


def plain(attrs):
    """Attributes without missing values, numbers as floats (igraph reads every number so)."""
    out = {}
    for key, value in attrs.items():
        if isinstance(value, float) and math.isnan(value):
            continue
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        out[key] = float(value) if is_number else value
    return out


def expected(run, step):
    G = load_run(run).result().to_networkx(step)
    nodes = {i: plain(d) for i, d in G.nodes(data=True)}
    return nodes, {(u, v): w for u, v, w in G.edges(data="weight")}, G.graph


def networkx_back(path, fmt):
    """Nodes, edges, graph attributes as networkx reads the file (csv: pandas)."""
    if fmt == "csv":
        nodes = pd.read_csv(path / "nodes.csv", dtype={"Label": str})
        edges = pd.read_csv(path / "edges.csv")
        assert list(edges.columns) == ["Source", "Target", "Type", "Weight"]
        assert set(edges["Type"]) == {"Directed"}
        assert list(nodes.columns[:2]) == ["Id", "Label"]
        got = {
            int(r["Id"]): plain({"label": r["Label"], **r.drop(["Id", "Label"]).to_dict()})
            for _, r in nodes.iterrows()
        }
        weights = {(int(s), int(t)): w for s, t, w in edges[["Source", "Target", "Weight"]].values}
        return got, weights, json.loads((path / "graph.json").read_text())
    read = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    G = read(path, node_type=int)
    nodes = {i: plain(d) for i, d in G.nodes(data=True)}
    return nodes, {(u, v): w for u, v, w in G.edges(data="weight")}, G.graph


def igraph_back(path, fmt):
    """Nodes, edges and graph attributes as igraph reads GraphML or the CSV tables."""
    if fmt == "graphml":
        g = ig.Graph.Read_GraphML(str(path))
        ids = [int(v) for v in g.vs["id"]]
        nodes = {ids[v.index]: plain(v.attributes()) for v in g.vs}
        for d in nodes.values():
            del d["id"]
        graph = {a: g[a] for a in g.attributes()}
    else:
        frame = pd.read_csv(path / "nodes.csv", dtype={"Label": str})
        frame = frame.rename(columns={"Label": "label"})
        edges = pd.read_csv(path / "edges.csv")[["Source", "Target", "Weight"]]
        g = ig.Graph.DataFrame(edges, directed=True, vertices=frame, use_vids=False)
        ids = [int(v) for v in g.vs["name"]]
        nodes = {ids[v.index]: plain(v.attributes()) for v in g.vs}
        for d in nodes.values():
            del d["name"]
        graph = json.loads((path / "graph.json").read_text())
    wkey = "weight" if fmt == "graphml" else "Weight"
    edges = {(ids[e.source], ids[e.target]): e[wkey] for e in g.es}
    return nodes, edges, graph


def check_round_trip(run, tmp_path, step=None):
    want_nodes, want_edges, want_graph = expected(run, step)
    assert want_edges and all(len(d) >= 5 for d in want_nodes.values())
    for fmt in ("graphml", "gexf", "csv"):
        out = tmp_path / f"export.{fmt}"
        args = ["export", str(run), "--format", fmt, "--out", str(out)]
        assert main(args + ([] if step is None else ["--step", str(step)])) == 0
        readers = [networkx_back] + ([igraph_back] if fmt != "gexf" else [])
        for reader in readers:
            nodes, edges, graph = reader(out, fmt)
            assert nodes == want_nodes, (fmt, reader.__name__)
            assert edges.keys() == want_edges.keys(), (fmt, reader.__name__)
            assert all(edges[e] == want_edges[e] for e in edges)  # repr floats: exact
            if fmt != "gexf":  # GEXF keeps no graph attributes
                got = plain(graph)
                assert {k: got.get(k) for k in want_graph} == plain(want_graph), fmt
                assert {"engine", "seed", "step", "family", "n", "edges"} <= set(got)


@pytest.fixture(scope="module")
def gmm_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gmm") / "run"
    run_spec(GMM, out, progress=False)
    return out


@pytest.mark.parametrize("step", [None, 1, 3])
def test_a_gmm_run_round_trips_through_networkx_and_igraph(gmm_run, tmp_path, step, capsys):
    check_round_trip(gmm_run, tmp_path, step)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(f"row {step or 3} of the finished run" in x for x in lines)


def test_the_export_is_the_graph_of_the_row(gmm_run, tmp_path):
    folder = load_run(gmm_run)
    for step in (1, 3):  # before and after rewiring
        out = tmp_path / f"s{step}.graphml"
        assert main(["export", str(gmm_run), "--step", str(step), "--out", str(out)]) == 0
        G = nx.read_graphml(out, node_type=int)
        W = folder.schedule.graph_at(step).W.toarray()
        assert {(j, i): W[i, j] for i, j in zip(*W.nonzero())} == {
            (u, v): w for u, v, w in G.edges(data="weight")
        }
    assert (
        nx.read_graphml(tmp_path / "s1.graphml").edges
        != nx.read_graphml(tmp_path / "s3.graphml").edges
    )


def test_the_default_out_is_named_after_the_run_and_row(gmm_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert export_run(gmm_run, "csv").path.name == "run-step3-csv"
    assert sorted(p.name for p in (tmp_path / "run-step3-csv").iterdir()) == [
        "edges.csv",
        "graph.json",
        "nodes.csv",
    ]
    assert export_run(gmm_run, "gexf", step=0).path == Path("run-step0.gexf")
    assert nx.read_gexf(tmp_path / "run-step0.gexf").number_of_nodes() == 8


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "gml"], "format: got 'gml', expected one of graphml, gexf, csv"),
        (["--step", "4"], "step: got 4, expected a row of the run in 0..3"),
        (["--step", "-1"], "step: got -1, expected a row of the run in 0..3"),
        (["--step", "two"], "step: got 'two', expected a row of the run (an integer)"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(gmm_run, tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert main(["export", str(gmm_run), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"netcollapse: error: {message}"]
    assert list(tmp_path.iterdir()) == []


def test_a_missing_run_folder_is_one_line(tmp_path, capsys):
    assert main(["export", str(tmp_path / "nope"), "--out", str(tmp_path / "g.graphml")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("netcollapse: error: run: got ") and "expected a run folder" in line
    assert list(tmp_path.iterdir()) == []


def test_an_existing_out_is_refused_unless_forced(gmm_run, tmp_path, capsys):
    out = tmp_path / "g.graphml"
    out.write_text("keep me")
    assert main(["export", str(gmm_run), "--out", str(out)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "out: got " in line and "expected a path that does not exist yet (--force" in line
    assert out.read_text() == "keep me"
    assert main(["export", str(gmm_run), "--out", str(out), "--force"]) == 0
    assert nx.read_graphml(out).number_of_nodes() == 8
    folder = tmp_path / "tables"
    folder.mkdir()
    assert main(["export", str(gmm_run), "--format", "csv", "--out", str(folder)]) == 2
    assert main(["export", str(gmm_run), "--format", "csv", "--out", str(out), "--force"]) == 2
    assert "expected a folder to replace for --format csv" in capsys.readouterr().err
    assert main(["export", str(gmm_run), "--format", "csv", "--out", str(folder), "--force"]) == 0
    assert (folder / "nodes.csv").is_file() and sorted(p.name for p in tmp_path.iterdir()) == [
        "g.graphml",
        "tables",
    ]


def test_an_unfinished_run_exports_its_last_checkpointed_row(tmp_path, capsys):
    class Stop(Exception):
        pass

    def stop(t):
        if t == 2:
            raise Stop

    web = GMMWeb(build("ring", n=5), L=2, retrieval={"k": 2}, seed=1)
    with pytest.raises(Stop):
        web.run(6, tmp_path / "cut", progress=False, on_step=stop)
    out = tmp_path / "g.graphml"
    assert main(["export", str(tmp_path / "cut"), "--out", str(out)]) == 0
    assert (
        "row 2 of the unfinished run: rows up to its latest checkpoint" in capsys.readouterr().out
    )
    assert nx.read_graphml(out).graph["step"] == 2


@pytest.mark.slow
def test_a_tiny_llm_stance_run_round_trips(tmp_path):
    run = tmp_path / "llm"
    run_spec(LLM, run, progress=False)
    nodes = load_run(run).nodes
    assert {"stance", "read_stance", "read_seeds"} <= set(nodes.columns)
    check_round_trip(run, tmp_path)
    (tmp_path / "row0").mkdir()
    check_round_trip(run, tmp_path / "row0", step=0)


def test_help_lists_export_with_its_line(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.strip().startswith("export ")]
    assert "GraphML, GEXF or CSV" in line
