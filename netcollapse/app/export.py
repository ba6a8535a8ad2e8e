"""``netcollapse export``: a run's graph at one row, for the tools network people use.

``netcollapse export RUN --format graphml|gexf|csv [--step N] [--out PATH] [--force]``
writes the graph row ``N`` of the run read with (interventions included) and that
row's node table, as built by
:meth:`RunResult.to_networkx <netcollapse.engines.result.RunResult.to_networkx>`:

``graphml``
    one GraphML file (Gephi, Cytoscape, igraph, networkx): node, edge and graph
    attributes (``engine``, ``seed``, ``step``, ``family``, ``n``, ``edges``).
``gexf``
    one GEXF 1.2 file (Gephi): node and edge attributes; the format keeps no
    graph attributes (networkx writes the graph's name and mode only).
``csv``
    a folder with ``nodes.csv`` (``Id``, ``Label``, then ``h`` and the node
    table's columns), ``edges.csv`` (``Source``, ``Target``, ``Type`` =
    ``Directed``, ``Weight``): the columns Gephi's spreadsheet import reads
    (Cytoscape: import ``edges.csv`` as a network with Source / Target, then
    ``nodes.csv`` as a node table keyed by ``Id``); and ``graph.json``, the
    graph attributes.

Edges point the way documents flow: ``j -> i`` with weight ``W[i, j]``, node *i*
reads node *j*'s store (:mod:`netcollapse.graphs.export`). A missing value (NaN)
is left out: no GraphML / GEXF value, an empty CSV cell.

Default ``--step``: the last row. An unfinished run exports the rows up to its
latest checkpoint (the default is the last of them) and says so. Default ``--out``:
``RUNNAME-stepN.graphml`` / ``.gexf``, or the folder ``RUNNAME-stepN-csv``, in the
current folder. An existing ``--out`` is refused unless ``--force`` (then replaced,
only by the same kind: a file for graphml / gexf, a folder for csv). Every file is
written atomically (:mod:`netcollapse._io`): on any error nothing is written.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcollapse._io import atomic_write_dir, atomic_write_text
from netcollapse.errors import bad

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

__all__ = ["FORMATS", "Export", "cmd_export", "csv_tables", "export_run"]

FORMATS = ("graphml", "gexf", "csv")
"""The formats ``netcollapse export`` writes."""


@dataclass(frozen=True)
class Export:
    """What :func:`export_run` wrote.

    Attributes
    ----------
    path : Path
        The file (graphml, gexf) or folder (csv) written.
    step : int
        The row exported.
    finished : bool
        Whether the run had finished (else: rows up to its latest checkpoint).
    nodes, edges : int
        Numbers of nodes and edges written.
    """

    path: Path
    step: int
    finished: bool
    nodes: int
    edges: int


def csv_tables(G: nx.DiGraph) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a graph's node and edge tables in Gephi's spreadsheet columns.

    Parameters
    ----------
    G : networkx.DiGraph
        A graph of :func:`netcollapse.graphs.export.to_networkx`.

    Returns
    -------
    nodes : pandas.DataFrame
        ``Id``, ``Label``, then every other node attribute in first-seen order
        (a node without a value: NaN, an empty cell in the CSV).
    edges : pandas.DataFrame
        ``Source``, ``Target``, ``Type`` (``Directed``), ``Weight``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_node(0, label="a", k=2)
    >>> G.add_node(1, label="b")
    >>> G.add_edge(1, 0, weight=1.0)
    >>> nodes, edges = csv_tables(G)
    >>> nodes.columns.tolist(), edges.values.tolist()
    (['Id', 'Label', 'k'], [[1, 0, 'Directed', 1.0]])
    """
    import pandas as pd

    keys: dict[str, None] = {}
    for _, data in G.nodes(data=True):
        keys.update(dict.fromkeys(k for k in data if k != "label"))
    nodes = pd.DataFrame(
        [
            {"Id": i, "Label": data.get("label", str(i)), **{k: data.get(k) for k in keys}}
            for i, data in G.nodes(data=True)
        ],
        columns=["Id", "Label", *keys],
    )
    edges = pd.DataFrame(
        [(u, v, "Directed", float(d["weight"])) for u, v, d in G.edges(data=True)],
        columns=["Source", "Target", "Type", "Weight"],
    )
    return nodes, edges


def _check_out(out: Path, fmt: str, force: bool) -> None:
    """Refuse an existing ``out`` unless ``force`` and it is of the kind written."""
    if not (out.exists() or out.is_symlink()):
        return
    want_dir = fmt == "csv"
    if not force:
        raise bad("out", str(out), "a path that does not exist yet (--force replaces it)")
    if out.is_dir() != want_dir or out.is_symlink():
        kind = "a folder" if want_dir else "a file"
        raise bad("out", str(out), f"{kind} to replace for --format {fmt}, or a new path")


def export_run(
    run: str | Path,
    fmt: str = "graphml",
    *,
    step: int | None = None,
    out: str | Path | None = None,
    force: bool = False,
) -> Export:
    """Write a run's graph at one row as GraphML, GEXF or CSV tables.

    Parameters
    ----------
    run : str or Path
        A run folder (finished, or unfinished with a checkpoint).
    fmt : {"graphml", "gexf", "csv"}
        The format (see the module docstring).
    step : int, optional
        The row (default the last row read).
    out : str or Path, optional
        The file (graphml, gexf) or folder (csv); default ``RUNNAME-stepN.FORMAT``
        (csv: ``RUNNAME-stepN-csv``) in the current folder.
    force : bool
        Replace an existing ``out`` of the same kind.

    Returns
    -------
    Export
        What was written.

    Raises
    ------
    SpecError
        One line naming ``format``, ``step`` or ``out``; nothing is written.
    DataError
        One line naming a missing or damaged file of the run folder.

    Examples
    --------
    >>> import tempfile
    >>> import networkx as nx
    >>> from netcollapse.runs import run_spec
    >>> root = Path(tempfile.mkdtemp())
    >>> spec = {"engine": "gmm", "T": 2, "seed": 0, "graph": {"family": "ring", "n": 4}}
    >>> _ = run_spec(spec, root / "run", progress=False)
    >>> done = export_run(root / "run", "graphml", out=root / "g.graphml")
    >>> done.step, done.nodes, done.edges
    (2, 4, 8)
    >>> nx.read_graphml(root / "g.graphml").graph["engine"]
    'gmm'
    """
    import networkx as nx

    from netcollapse.runs.folder import load_run

    if fmt not in FORMATS:
        raise bad("format", fmt, f"one of {', '.join(FORMATS)}")
    folder = load_run(run, finished=False)
    G = folder.result(so_far=True).to_networkx(step)
    row = int(G.graph["step"])
    if out is None:
        suffix = "-csv" if fmt == "csv" else f".{fmt}"
        out = Path(f"{folder.path.resolve().name}-step{row}{suffix}")
    out = Path(out)
    _check_out(out, fmt, force)
    if fmt == "csv":
        nodes, edges = csv_tables(G)

        def write(tmp: Path) -> None:
            # Python's shortest float repr: every weight and value reads back exactly
            nodes.to_csv(tmp / "nodes.csv", index=False)
            edges.to_csv(tmp / "edges.csv", index=False)
            (tmp / "graph.json").write_text(json.dumps(G.graph, indent=1) + "\n")

        atomic_write_dir(out, write, replace=force)
    else:
        lines = nx.generate_graphml(G) if fmt == "graphml" else nx.generate_gexf(G)
        atomic_write_text(out, "\n".join(lines) + "\n")
    return Export(out, row, folder.finished, G.number_of_nodes(), G.number_of_edges())


def _parse_step(text: Any) -> int | None:
    """Return ``--step`` as an integer (``None``: not given); one line when it is not one."""
    if text is None:
        return None
    if not re.fullmatch(r"[+-]?\d{1,18}", str(text).strip()):
        raise bad("step", text, "a row of the run (an integer)")
    return int(text)


def cmd_export(args: argparse.Namespace) -> int:
    """Run ``netcollapse export``: write the graph, print what and where."""
    done = export_run(
        args.run, args.format, step=_parse_step(args.step), out=args.out, force=args.force
    )
    where = "finished run" if done.finished else "unfinished run: rows up to its latest checkpoint"
    print(
        f"export: {done.path} ({args.format}, row {done.step} of the {where}; "
        f"{done.nodes} nodes, {done.edges} edges j -> i weighted W[i, j])"
    )
    return 0
