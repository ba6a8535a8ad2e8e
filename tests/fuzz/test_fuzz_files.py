"""Fuzzing the file readers: graph files (edge list, GraphML, GML) and corpora (JSONL, CSV, text).

Random edge lists (bad tokens, negative, NaN and huge weights, self-loops, huge ids),
truncated or garbled GraphML and GML, corpora with bad lines, missing columns,
other encodings and empty files: each is read or refused in one
:class:`~netcollapse.errors.NetcollapseError` line naming the field; an accepted
graph is a valid retrieval graph.
"""

from __future__ import annotations

import io
from pathlib import Path

import networkx as nx
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from mutations import count, fuzz_settings, refused, text

from netcollapse.app.shipped import shipped_dir
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.retrieval.corpus import load_corpus

TOKENS = st.one_of(
    st.sampled_from(["0", "1", "2", "3", "a", "b", "-1", "nan", "inf", "-inf", "1e400", "0.5"]),
    st.sampled_from(["-2.5", "1e-320", str(2**70), "#", ",", "''", "\x00", "é", "🐍", "0x1"]),
    st.integers(-3, 40).map(str),
    text.filter(lambda s: s.strip() and "\n" not in s and "\r" not in s),
)
LINES = st.lists(st.lists(TOKENS, min_size=0, max_size=4).map(" ".join), max_size=12)


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


def _read_graph(path: Path, weighting: str, fmt: str | None = None) -> None:
    spec = {"family": "file", "path": str(path), "weighting": weighting, "self_weight": 0.2}
    if fmt is not None:
        spec["format"] = fmt
    g = RetrievalGraph.from_spec(spec)
    sums = np.asarray(g.W.sum(axis=1)).ravel()
    assert np.all(np.isfinite(g.W.data)) and np.allclose(sums, 1.0)


@fuzz_settings(800)
@given(LINES, st.sampled_from(["uniform", "weight", "degree"]), st.booleans())
def test_random_edge_lists(tmp_path_factory, lines, weighting, directed):
    count("edge lists")
    path = _write(tmp_path_factory.mktemp("g"), "edges.txt", "\n".join(lines))
    spec = {"family": "file", "path": str(path), "weighting": weighting, "directed": directed}
    refused(RetrievalGraph.from_spec, spec)
    refused(_read_graph, path, weighting)


def _valid_graph_texts() -> dict[str, str]:
    G = nx.karate_club_graph()
    out = io.BytesIO()
    nx.write_graphml(G, out)
    return {
        "graphml": out.getvalue().decode(),
        "gml": "\n".join(nx.generate_gml(nx.path_graph(5))),
        "shipped_gml": (shipped_dir("topologies") / "ring16_alternate.gml").read_text(),
    }


GRAPH_TEXTS = _valid_graph_texts()


@st.composite
def garbled(draw):
    """A valid GraphML or GML text, truncated, with text inserted, or with a byte changed."""
    name = draw(st.sampled_from(sorted(GRAPH_TEXTS)))
    data = GRAPH_TEXTS[name].encode()
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["truncate", "insert", "replace"]))
        piece = draw(
            st.one_of(st.binary(max_size=8), text.map(lambda s: s.encode("utf-8", "replace")))
        )
        piece = draw(st.sampled_from([piece, b"-1", b"nan", b"]", b"<", b"weight -3", b"id 0"]))
        if how == "truncate":
            data = data[:at]
        elif how == "insert":
            data = data[:at] + piece + data[at:]
        else:
            data = data[:at] + piece + data[at + len(piece) :]
    return ("gml" if "gml" in name and "graphml" not in name else "graphml"), data


@fuzz_settings(800)
@given(garbled(), st.sampled_from(["uniform", "weight"]))
def test_garbled_graphml_and_gml(tmp_path_factory, case, weighting):
    count("graphml and gml")
    fmt, data = case
    path = _write(tmp_path_factory.mktemp("g"), f"graph.{fmt}", data)
    refused(_read_graph, path, weighting, fmt)


def _jsonl_line(draw):
    return draw(
        st.one_of(
            st.sampled_from(['{"text": "a post"}', '{"text": ""}', '{"text": 3}', "{}", "[1, 2]"]),
            st.sampled_from(['{"text": null}', '{"body": "x"}', "nan", '"just a string"', "{"]),
            st.sampled_from(['{"text": "x", "stance": [1]}', '{"text": "\\ud800"}', "[", "]"]),
            text,
        )
    )


@st.composite
def corpora(draw):
    """A corpus file: (suffix, content) with bad lines, missing columns, other encodings."""
    suffix = draw(st.sampled_from([".jsonl", ".json", ".csv", ".txt", ".ndjson"]))
    if draw(st.integers(0, 9)) == 0:
        return suffix, draw(st.binary(max_size=200))
    if suffix == ".csv":
        header = draw(st.sampled_from(["text", "text,stance", "body", "", "text,text", '"text']))
        cells = st.one_of(text, st.sampled_from(["", '"', '""', ",", "a,b,c", "\x00"]))
        rows = draw(st.lists(st.lists(cells, max_size=3).map(",".join), max_size=6))
        content = "\n".join([header, *rows])
    elif suffix == ".txt":
        content = "\n".join(draw(st.lists(text, max_size=6)))
    else:
        content = "\n".join(_jsonl_line(draw) for _ in range(draw(st.integers(0, 6))))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1", "cp1252"]))
    return suffix, content.encode(encoding, errors="replace")


@fuzz_settings(1200)
@given(corpora(), st.sampled_from(["text", "body", ""]))
def test_corpus_files(tmp_path_factory, case, column):
    count("corpora")
    suffix, data = case
    path = _write(tmp_path_factory.mktemp("c"), f"corpus{suffix}", data)
    refused(load_corpus, path, text_column=column)
