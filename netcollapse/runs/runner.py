"""From a run spec (YAML or dict) to a finished run: graph, engine, run folder.

``netcollapse run SPEC`` and the sweeps go through :func:`run_spec`; the engine
(``gmm`` or ``llm``) is chosen by the spec's ``engine`` field. :func:`predict_web`
and :func:`predict_spec` give an engine's predicted ``||D(t)||_F`` curve where it
has one (the GMM engine, :mod:`~netcollapse.theory.gmm`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from netcollapse._io import resolve_path
from netcollapse._spec import read_yaml
from netcollapse.engines.loop import Web
from netcollapse.engines.result import RunResult
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.runs.budget import check_run
from netcollapse.runs.spec import RunSpec, parse_run, run_graph
from netcollapse.scenarios.interventions import Intervention

__all__ = ["build_graph", "build_web", "load_run_spec", "predict_spec", "predict_web", "run_spec"]


def load_run_spec(spec: str | Path | dict[str, Any] | RunSpec) -> tuple[RunSpec, Path | None]:
    """Read and validate a run spec.

    Parameters
    ----------
    spec : str, Path, dict or RunSpec
        A YAML file, a mapping, or an already validated spec.

    Returns
    -------
    (RunSpec, Path or None)
        The spec and the folder relative paths in it are read from.
    """
    if isinstance(spec, RunSpec):
        return spec, None
    if isinstance(spec, dict):
        return parse_run(spec), None
    return parse_run(read_yaml(spec)), Path(spec).resolve().parent


def build_graph(spec: RunSpec, base_dir: Path | None = None) -> RetrievalGraph:
    """Build the run's retrieval graph (its seed: ``graph.seed``, else the run seed).

    Parameters
    ----------
    spec : RunSpec
    base_dir : Path, optional

    Returns
    -------
    RetrievalGraph
    """
    return run_graph(spec.graph, spec.seed, base_dir)


def build_web(
    spec: RunSpec, base_dir: Path | None = None, graph: RetrievalGraph | None = None
) -> Web:
    """Build the engine a spec asks for, without running it.

    Parameters
    ----------
    spec : RunSpec
    base_dir : Path, optional
        Folder for relative paths (graph files, corpora).
    graph : RetrievalGraph, optional
        Use this graph instead of building the spec's.

    Returns
    -------
    Web
        A :class:`~netcollapse.engines.gmm.GMMWeb` or :class:`~netcollapse.engines.llm.LLMWeb`.

    Examples
    --------
    >>> spec, _ = load_run_spec({"engine": "gmm", "T": 3, "graph": {"family": "ring", "n": 5}})
    >>> type(build_web(spec)).__name__
    'GMMWeb'
    """
    graph = graph if graph is not None else build_graph(spec, base_dir)
    events = [_resolve_paths(e, base_dir) for e in spec.interventions]
    if spec.engine == "gmm":
        from netcollapse.engines.gmm import GMMWeb

        return GMMWeb(
            graph,
            **spec.gmm.model_dump(),
            retrieval=spec.retrieval,
            seed=spec.seed,
            interventions=events,
        )
    from netcollapse.engines.llm import LLMWeb

    return LLMWeb.from_spec(
        graph,
        spec.llm,
        retrieval=spec.retrieval,
        seed=spec.seed,
        base_dir=base_dir,
        interventions=events,
    )


def _resolve_paths(event: Intervention, base_dir: Path | None) -> Intervention:
    """Make an event's relative file paths (graph file, injected corpus) relative to the spec."""
    if base_dir is None:
        return event

    def local(p: str) -> str:
        return str(resolve_path(base_dir, p))

    g, inj = event.graph, event.inject
    if g is not None and g.get("family") == "file" and "path" in g:
        return event.model_copy(update={"graph": {**g, "path": local(g["path"])}})
    if inj is not None and inj.corpus not in (None, "default", "stances"):
        return event.model_copy(
            update={"inject": inj.model_copy(update={"corpus": local(inj.corpus)})}
        )
    return event


def run_spec(
    spec: str | Path | dict[str, Any] | RunSpec,
    out: str | Path | None = None,
    *,
    seed: int | None = None,
    resume: bool = False,
    progress: bool = True,
    on_built: Callable[[Web], None] | None = None,
) -> RunResult:
    """Run a spec from start to finish (or resume it).

    Parameters
    ----------
    spec : str, Path, dict or RunSpec
    out : str or Path, optional
        Run folder; nothing is written without it.
    seed : int, optional
        Overrides the spec's seed.
    resume : bool
        Continue the run in ``out`` from its last checkpoint.
    progress : bool
        Show a progress bar.
    on_built : callable, optional
        Called with the engine once it is built (models loaded), before it runs;
        ``netcollapse run`` prints the generation path from it.

    Returns
    -------
    RunResult

    Examples
    --------
    >>> res = run_spec({"engine": "gmm", "T": 4, "graph": {"family": "complete", "n": 3}},
    ...                progress=False)
    >>> len(res.metrics)
    5
    """
    parsed, base_dir = load_run_spec(spec)
    if seed is not None:
        parsed = parsed.model_copy(update={"seed": int(seed)})
        parse_run(parsed.model_dump())  # re-validate the override
    web = build_web(parsed, base_dir)
    if on_built is not None:
        on_built(web)
    return web.run(parsed.T, out, resume=resume, progress=progress)


def predict_web(web: Web, T: int, **kwargs: Any) -> Any:
    """Return the engine's predicted ``||D(t)||_F`` curve for ``T`` steps (``None``: no model).

    Parameters
    ----------
    web : Web
        A configured engine (its seed fixes the initial state the prediction starts from).
    T : int
    **kwargs
        Passed to :func:`netcollapse.theory.gmm.predict_gmm`.

    Returns
    -------
    pandas.DataFrame or None
        ``step``, ``frobenius``, ``signal``, ``noise``, ``noise_se``; ``None`` for
        engines without a linear model (the LLM engine).
    """
    predict = _predictor(web.kind)
    return None if predict is None else predict(web, T, **kwargs)


def _predictor(engine: str) -> Any:
    """Return the prediction function of an engine kind, or ``None`` (registered here only)."""
    if engine == "gmm":
        from netcollapse.theory.gmm import predict_gmm

        return predict_gmm
    return None


def predict_spec(
    spec: str | Path | dict[str, Any] | RunSpec, *, seed: int | None = None, T: int | None = None
) -> tuple[RunSpec, Any]:
    """Predict a run spec's curve before simulating it.

    Parameters
    ----------
    spec : str, Path, dict or RunSpec
    seed : int, optional
        Overrides the spec's seed (the initial state depends on it).
    T : int, optional
        Overrides the spec's ``T``.

    Returns
    -------
    (RunSpec, pandas.DataFrame or None)

    Examples
    --------
    >>> spec, pred = predict_spec({"engine": "gmm", "T": 5,
    ...                            "graph": {"family": "complete", "n": 4}})
    >>> len(pred), list(pred.columns)[:3]
    (6, ['step', 'frobenius', 'signal'])
    """
    parsed, base_dir = load_run_spec(spec)
    if seed is not None:
        parsed = parsed.model_copy(update={"seed": int(seed)})
    if T is not None:  # an override is sized like the spec's own T (runs.budget)
        parsed = parsed.model_copy(update={"T": int(T)})
        check_run(parsed)
    if _predictor(parsed.engine) is None:  # no model: do not build (or load) the engine
        return parsed, None
    web = build_web(parsed, base_dir)
    return parsed, predict_web(web, parsed.T)
