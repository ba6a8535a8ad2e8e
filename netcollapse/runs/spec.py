"""Run specs: engine, graph, retrieval settings, steps, seed, node settings, interventions.

A run spec is a mapping (usually a YAML file, see ``experiments/``); :func:`parse_run`
validates it with one-line errors, the graph part as a topology spec.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from netcollapse._spec import Spec as _Spec
from netcollapse._spec import validate
from netcollapse.engines.spec import GMMSpec, LLMSpec, NodeSpec
from netcollapse.errors import bad
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.graphs.spec import parse_topology
from netcollapse.retrieval.settings import Retrieval
from netcollapse.runs.budget import check_run
from netcollapse.scenarios.interventions import Intervention

__all__ = ["RunSpec", "parse_run", "run_graph"]


class RunSpec(_Spec):
    """A whole run: engine, graph, retrieval, steps, seed, node settings and interventions.

    ``interventions`` is a list of events that change the graph, the anchoring,
    who reads, or the human corpus from a given row on
    (:mod:`netcollapse.scenarios.interventions`).
    """

    name: str = "run"
    description: str = ""
    engine: Literal["gmm", "llm"]
    T: int = Field(ge=1)
    seed: int = Field(default=0, ge=0)
    graph: dict[str, Any]
    retrieval: Retrieval = Retrieval()
    gmm: GMMSpec = GMMSpec()
    llm: LLMSpec = LLMSpec()
    interventions: list[Intervention] = []


def parse_run(data: dict[str, Any]) -> RunSpec:
    """Validate a run spec mapping; the graph part is checked as a topology spec.

    Parameters
    ----------
    data : dict

    Returns
    -------
    RunSpec

    Examples
    --------
    >>> spec = parse_run({"engine": "gmm", "T": 5, "graph": {"family": "complete", "n": 3}})
    >>> spec.retrieval.beta, spec.gmm.B
    (0.5, 2)
    >>> parse_run({"engine": "gmm", "T": 5, "graph": {"family": "complete", "n": 3},
    ...            "retrieval": {"beta": 1.5}})
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: retrieval.beta: got 1.5, expected a value <= 1.0
    """
    spec = validate(RunSpec, data)
    parse_topology(spec.graph, prefix="graph.")
    for i, ev in enumerate(spec.interventions):
        if ev.at > spec.T:
            raise bad(f"interventions.{i}.at", ev.at, f"a row <= T = {spec.T}")
        if ev.graph is not None:
            parse_topology(ev.graph, prefix=f"interventions.{i}.graph.")
        if ev.inject is not None:
            ev.inject.check_engine(spec.engine, spec.gmm.B, f"interventions.{i}.inject")
    if spec.engine == "llm" and spec.llm.nodes is not None:
        for i, node in enumerate(spec.llm.nodes):
            validate(NodeSpec, {**spec.llm.defaults.model_dump(), **node}, f"llm.nodes.{i}.")
    check_run(spec)
    return spec


def run_graph(
    graph: dict[str, Any], run_seed: int, base_dir: str | Path | None = None
) -> RetrievalGraph:
    """Build a run's retrieval graph: the one rule for which seed builds it.

    The graph spec's own ``seed`` when it has one, else the run's seed. A run's
    ``config.json`` records the seed the graph was built with under
    ``graph.seed``, so the same rule rebuilds the run's own graph from its folder.

    Parameters
    ----------
    graph : dict
        The run spec's ``graph`` (a topology spec).
    run_seed : int
        The run's seed.
    base_dir : str or Path, optional
        Folder of the spec (relative graph files are read from it first).

    Returns
    -------
    RetrievalGraph

    Examples
    --------
    >>> g = run_graph({"family": "erdos_renyi", "n": 16, "p": 0.25, "seed": 7}, 100)
    >>> g.params["seed"], g.W.nnz == run_graph(g.params, 0).W.nnz
    (7, True)
    >>> run_graph({"family": "erdos_renyi", "n": 16, "p": 0.25}, 100).params["seed"]
    100
    """
    seed = parse_topology(graph, prefix="graph.").seed  # validated: "7" or 7.0 is 7
    return RetrievalGraph.from_spec(
        graph, seed=run_seed if seed is None else seed, base_dir=base_dir
    )
