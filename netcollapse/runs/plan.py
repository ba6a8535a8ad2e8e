"""Plans before launching: what a run is expected to cost on this machine, nothing run.

:mod:`netcollapse.runs.budget` gives *lower bounds* to refuse absurd runs;
:func:`plan_run` gives *expected* values to decide whether to launch one:

* **counts** (exact): rows ``T + 1``, node-rounds ``n (T + 1)`` (every node works in
  every row; row 0 is the LLM's first answers from the human corpus, the GMM's
  initial draws), for the LLM engine answers ``L`` per node-round and the generated
  tokens' upper bound, ``L (T + 1)`` times the sum of the nodes' ``max_new_tokens``;
* **expected tokens**: the upper bound times :data:`TOKEN_SHARE`, the bundled model's
  measured mean answer length (or the share a probe measured);
* **expected seconds**: engine start-up (imports, models loaded) plus the rows'
  work, from the measured throughput of the path the run takes here.

Where the time comes from (``source`` says which):

``benchmarks`` (the default: nothing is loaded)
    The LLM engine: the path :func:`netcollapse.backends.factory.choose_path` picks on
    this CPU, its generation rate in the ``bench_paths.py`` table of
    ``benchmarks/README.md`` (:data:`PATH_RATES`, by CPU kind: AMX, bf16 units, none;
    2 threads) for the expected generated tokens, plus :data:`NODE_ROUND_SECONDS` per
    node-round (its prompt, retrieval and embeddings: what ``make demo``'s measured LLM
    section took beyond its tokens) and :data:`LLM_TASK_SECONDS` per run, all scaled
    by the threads the run gets (linearly: optimistic beyond 2 cores). The GMM engine:
    :data:`GMM_ROW_SECONDS` per row plus :data:`GMM_UNIT_SECONDS` per node, component
    and sample or read (fitted to ``run_task`` times of GMM tasks on an AMD EPYC).
    Every process pays :data:`PROCESS_SECONDS`, and LLM ones :data:`LLM_LOAD_SECONDS`.
``probe`` (opt-in, :func:`probe_run`)
    Build the first run's engine here (its models loaded: the start-up, measured) and
    time its row 0 (LLM) or a few rows (GMM): the model above is rescaled by the
    measured / modelled ratio. Costs one start-up and one row.

A server (``backend: openai``) or a GPU has no stored rate: its time is NaN
without a probe. Both sources assume the machine stays as loaded as it is now.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netcollapse.backends.models import BUNDLED_LLM_NAMES
from netcollapse.runs.budget import spec_graph_size, token_limits

__all__ = [
    "GMM_ROW_SECONDS",
    "GMM_UNIT_SECONDS",
    "LLM_LOAD_SECONDS",
    "LLM_TASK_SECONDS",
    "NODE_ROUND_SECONDS",
    "PROCESS_SECONDS",
    "PATH_RATES",
    "TOKEN_SHARE",
    "Probe",
    "RunPlan",
    "path_rate",
    "plan_run",
    "probe_run",
]

TOKEN_SHARE = 0.89
"""Expected generated tokens per answer / ``max_new_tokens``: the bundled model's mean in
the LLM rate study (90 runs, ``max_new_tokens`` 40: 9,105 of 10,240 tokens per run;
``make demo``, 28: 0.96). Answers rarely stop before the limit."""

PATH_RATES: dict[str, dict[str, float]] = {
    "bf16": {"hf float32": 188.7, "hf bfloat16": 210.3, "llamacpp": 140.8,
             "llamacpp q8_0": 178.5, "llamacpp q4_0": 213.7},
    "no_bf16": {"hf float32": 120.6, "hf bfloat16": 70.5, "llamacpp": 63.3,
                "llamacpp q4_0": 137.7},
    "amx": {"hf bfloat16": 390.0, "llamacpp": 111.0, "llamacpp q4_0": 186.0},
}  # fmt: skip
"""Generated tok/s of each path on 2 threads by CPU kind (``benchmarks/README.md``,
"Every path on each CPU kind", SmolLM2-135M, 16 requests x 4 answers x 32 tokens)."""

CPU_KINDS = {
    "bf16": "AMD EPYC with AVX512-BF16, 2026-12-07",
    "no_bf16": "Intel Xeon, AVX-512, no bf16 units, issue 20",
    "amx": "Intel Xeon with AMX, 2026-11-24",
}
"""Where each column of :data:`PATH_RATES` was measured."""

NODE_ROUND_SECONDS = {"llamacpp": 0.07, "hf bfloat16": 0.21, "hf float32": 0.40}
"""Seconds per node-round beside its generated tokens (prompt, retrieval, embeddings), 2
threads, AMD EPYC column: ``make demo``'s LLM section (6 runs, 144 node-rounds, k = 3)
took 60 s for 7,789 tokens on llama.cpp q4_0, 79 s for 7,369 on hf bf16 and 113 s for
7,482 on hf float32 with bf16 units hidden; less the tokens at the table's rate, the
start-up and :data:`LLM_TASK_SECONDS` per run. Other columns scale it by the rate."""

LLM_TASK_SECONDS = 1.0
"""Seconds per LLM run beside its rows: stores built, the human corpus embedded
(1.3 s measured for a second run in one process, under load)."""

LLM_LOAD_SECONDS = 7.5
"""Seconds to import torch and load the bundled model and embedder, once per process
(measured 7.1 s, AMD EPYC, llama.cpp q4_0 copy from the cache, shared machine)."""

PROCESS_SECONDS = 2.5
"""Seconds of a ``netcollapse`` process beside its runs: Python and the package's
imports, the tables written (a 4-task GMM sweep took 2.8 s of CPU in all)."""

GMM_ROW_SECONDS = 5e-3
"""Fixed cost of one GMM row, the prediction's included (n = 8, T = 20: 4 ms per row;
``sweep_topologies_gmm``, 90 tasks at n = 16-64: 0.9-1.0 s per task, ``benchmarks/README.md``)."""

GMM_UNIT_SECONDS = 7e-8
"""Cost per node, component and sample-or-read of one GMM row: ``run_task`` at n = 64,
L = k = 128, B = 4 took 9 ms per row; Barabasi-Albert n = 2,000, L = 3, B = 8,
k_max = 32 took 32 ms (graph build included)."""


@dataclass(frozen=True)
class Probe:
    """What a probe measured on this machine (:func:`probe_run`).

    Attributes
    ----------
    startup_seconds : float
        Building the engine (models loaded).
    row_seconds : float
        One row of the probed spec (LLM: row 0; GMM: median of a few rows).
    modelled_row_seconds : float
        The benchmark model's time for the same row and threads.
    token_share : float or None
        Generated tokens in the probed row / their upper bound (LLM).
    threads : int or None
        Threads the generator used.
    seconds : float
        The probe's own wall time.
    row_tokens : int
        The probed row's generated tokens' upper bound (0 for the GMM): where no rate
        is stored (a server, a GPU), other runs' rows are scaled by their bound.
    """

    startup_seconds: float
    row_seconds: float
    modelled_row_seconds: float
    token_share: float | None
    threads: int | None
    seconds: float
    row_tokens: int = 0

    @property
    def scale(self) -> float:
        """Measured / modelled row time (NaN where the model has no rate)."""
        m = self.modelled_row_seconds
        return self.row_seconds / m if m > 0 and math.isfinite(m) else math.nan


@dataclass(frozen=True)
class RunPlan:
    """A run's expected cost (:func:`plan_run`).

    Attributes
    ----------
    engine : str
    nodes, rows, node_rounds, answers : int
        Exact counts (``answers``: LLM answers, 0 for the GMM).
    tokens_max : int
        Generated tokens' upper bound (``max_new_tokens`` every answer; 0 for the GMM).
    tokens_expected : float
    token_source : str
    path : str
        How the rows run (the generation path and its threads, or ``gmm``).
    threads : int or None
    startup_seconds : float
        Imports and model loading, once per process that runs it.
    run_seconds : float
        Expected seconds of its rows and per-run set-up (NaN where no rate is known).
    source : str
        ``benchmarks`` or ``probe``, with where the rate comes from.
    notes : list of str
    """

    engine: str
    nodes: int
    rows: int
    node_rounds: int
    answers: int
    tokens_max: int
    tokens_expected: float
    token_source: str
    path: str
    threads: int | None
    startup_seconds: float
    run_seconds: float
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Expected wall time of the run alone: start-up plus rows."""
        return self.startup_seconds + self.run_seconds


def _cpu_kind() -> str:
    from netcollapse.backends.devices import cpu_has_amx, cpu_has_bf16

    return "amx" if cpu_has_amx() else "bf16" if cpu_has_bf16() else "no_bf16"


def path_rate(backend: str, dtype: str | None, quantize: str | None, device: str) -> tuple:
    """Return a path's generation rate and node-round cost on this CPU (2 threads).

    Parameters
    ----------
    backend, dtype, quantize, device : str
        As in :class:`netcollapse.backends.factory.GenerationPath`.

    Returns
    -------
    (float, float, str)
        Generated tok/s (:data:`PATH_RATES`), seconds per node-round beside the tokens
        (:data:`NODE_ROUND_SECONDS`, scaled by the rate), and the source; NaN with the
        reason where no rate is stored (a server, a GPU, an unmeasured path).

    Examples
    --------
    >>> rate, per_round, source = path_rate("llamacpp", None, "q4_0", "cpu")
    >>> rate in (213.7, 137.7, 186.0), per_round > 0, source.startswith("benchmarks/README.md")
    (True, True, True)
    >>> path_rate("openai", None, None, "")[2]
    'no stored rate for a server: use --probe'
    """
    if backend == "openai":
        return math.nan, math.nan, "no stored rate for a server: use --probe"
    if device.startswith("cuda"):
        return math.nan, math.nan, "no stored rate for a GPU: use --probe"
    key = (
        f"hf {dtype}"
        if backend == "hf"
        else " ".join(["llamacpp", *([quantize] if quantize else [])])
    )
    kind = _cpu_kind()
    for column in (kind, "bf16", "no_bf16"):
        if key in PATH_RATES[column]:
            base = "llamacpp" if backend == "llamacpp" else key
            rate = PATH_RATES[column][key]
            per_round = NODE_ROUND_SECONDS[base] * PATH_RATES["bf16"][_measured_on(base)] / rate
            cpu = CPU_KINDS[column] + ("" if column == kind else f"; this CPU: {kind}")
            return (
                rate,
                per_round,
                (
                    f"benchmarks/README.md: {key} {rate} tok/s on 2 threads ({cpu}), "
                    f"{per_round:.2f} s per node-round beside the tokens"
                ),
            )
    return math.nan, math.nan, f"no stored rate for {key}: use --probe"


def _measured_on(base: str) -> str:
    """Return the :data:`PATH_RATES` key that :data:`NODE_ROUND_SECONDS` was measured on."""
    return "llamacpp q4_0" if base == "llamacpp" else base


def _reads(spec: Any, n: int, entries: int) -> float:
    """Return a GMM node's expected reads per row (``k``, else ``beta`` of what it sees)."""
    r, L, T = spec.retrieval, spec.gmm.L, int(spec.T)
    if r.k is not None:
        return float(r.k)
    window = T / 2 if r.memory is None else min(r.memory, T)  # the store's mean depth
    seen = (r.beta or 0.5) * L * max(window, 1) * entries / max(n, 1)
    return min(seen, float(r.k_max)) if r.k_max is not None else seen


def _threads(spec: Any, threads: int | None) -> int:
    from netcollapse.backends.devices import free_cores

    given = spec.llm.threads if spec.engine == "llm" else None
    return int(given or threads or free_cores())


def _counts(spec: Any, base_dir: Path | None) -> tuple[int, int, int]:
    """Return nodes, entries of ``W`` and rows; a ``file`` graph is read for its size."""
    nodes, entries, _ = spec_graph_size(spec)
    graph = spec.graph
    if isinstance(graph, dict) and graph.get("family") == "file":
        from netcollapse.runs.runner import build_graph

        W = build_graph(spec, base_dir).W
        nodes, entries = int(W.shape[0]), int(W.nnz)
    return nodes, entries, int(spec.T) + 1


def _llm_path(spec: Any) -> Any:
    from netcollapse.backends.factory import choose_path

    llm = spec.llm
    return choose_path(
        llm.backend, llm.defaults.model, llm.device, llm.dtype, llm.base_url, llm.quantize
    )


def _model(spec: Any, n: int, entries: int, threads: int, share: float) -> tuple:
    """Modelled seconds of one row and of a run beside its rows, the source and the path."""
    if spec.engine == "gmm":
        g = spec.gmm
        unit = n * g.B * (g.L + _reads(spec, n, entries))
        per_row = GMM_ROW_SECONDS + GMM_UNIT_SECONDS * unit
        return per_row, 0.0, "benchmarks: GMM rows fitted on an AMD EPYC", "gmm"
    p = _llm_path(spec)
    rate, per_round, source = path_rate(p.backend, p.dtype, p.quantize, p.device)
    tokens = spec.llm.L * sum(token_limits(spec.llm, n)) * share
    per_row = (tokens / rate + n * per_round) * 2 / threads
    how = p.dtype or p.quantize or ""
    path = f"{p.backend} {spec.llm.defaults.model} {how}".rstrip() + f" on {p.device or 'server'}"
    return per_row, LLM_TASK_SECONDS * 2 / threads, source, f"{path}, {threads} thread(s)"


def plan_run(
    spec: Any,
    base_dir: Path | None = None,
    *,
    threads: int | None = None,
    probe: Probe | None = None,
) -> RunPlan:
    """Plan a validated run spec: exact counts, expected tokens and seconds, nothing run.

    Parameters
    ----------
    spec : RunSpec
    base_dir : Path, optional
        Folder for relative paths: a ``file`` graph is read for its node count.
    threads : int, optional
        Threads the generator will get (default: ``llm.threads``, else the free cores
        now, as a run started now would take).
    probe : Probe, optional
        Rescale the model by a probe's measurement (:func:`probe_run`).

    Returns
    -------
    RunPlan

    Examples
    --------
    >>> from netcollapse.runs.spec import RunSpec
    >>> p = plan_run(RunSpec(engine="gmm", T=9, graph={"family": "ring", "n": 5}))
    >>> p.rows, p.node_rounds, p.tokens_max, 0 < p.run_seconds < 1
    (10, 50, 0, True)
    >>> spec = RunSpec(engine="llm", T=2, graph={"family": "ring", "n": 4},
    ...                llm={"L": 2, "defaults": {"max_new_tokens": 10}})
    >>> p = plan_run(spec, threads=1)
    >>> p.node_rounds, p.answers, p.tokens_max, round(p.tokens_expected, 1)
    (12, 24, 240, 213.6)
    """
    nodes, entries, rows = _counts(spec, base_dir)
    t = _threads(spec, threads) if spec.engine == "llm" else None
    share, token_source = TOKEN_SHARE, "the bundled model's measured mean answer length"
    if probe is not None and probe.token_share is not None:
        share, token_source = probe.token_share, "the probe's answers"
    per_row, per_run, source, path = _model(spec, nodes, entries, t or 1, share)
    seconds = rows * per_row + per_run
    notes = []
    if probe is not None and math.isfinite(probe.scale):
        seconds *= probe.scale
        source = f"probe: measured / modelled row time {probe.scale:.3g} on this machine"
    elif probe is not None and probe.row_tokens:  # no stored rate: scale the measured row
        bound = spec.llm.L * sum(token_limits(spec.llm, nodes))
        seconds = rows * probe.row_seconds * bound / probe.row_tokens
        source = f"probe: {probe.row_seconds:.3g} s for a row of at most {probe.row_tokens} tokens"
    if not math.isfinite(seconds):
        notes.append("no expected time: " + source)
    answers = nodes * rows * spec.llm.L if spec.engine == "llm" else 0
    tokens_max = rows * spec.llm.L * sum(token_limits(spec.llm, nodes)) if answers else 0
    model = str(spec.llm.defaults.model).lower() if spec.engine == "llm" else None
    if model is not None and model not in BUNDLED_LLM_NAMES:
        notes.append("expected tokens use the bundled model's answer length (not measured)")
    startup = PROCESS_SECONDS + (LLM_LOAD_SECONDS if spec.engine == "llm" else 0.0)
    if probe is not None:
        startup = PROCESS_SECONDS + probe.startup_seconds
    return RunPlan(
        engine=spec.engine,
        nodes=nodes,
        rows=rows,
        node_rounds=nodes * rows,
        answers=answers,
        tokens_max=tokens_max,
        tokens_expected=tokens_max * share,
        token_source=token_source if answers else "",
        path=path,
        threads=t,
        startup_seconds=startup,
        run_seconds=seconds,
        source=source,
        notes=notes,
    )


def probe_run(
    spec: Any, base_dir: Path | None = None, *, threads: int | None = None, rows: int = 3
) -> Probe:
    """Measure a run's start-up and one row here, in this process (nothing written).

    Builds the engine (models loaded: the start-up), then times row 0 (LLM: ``n L``
    answers) or ``rows`` rows after row 0 (GMM, median). A second probe in the same
    process finds the models loaded and measures a shorter start-up.

    Parameters
    ----------
    spec : RunSpec
    base_dir : Path, optional
        Folder for relative paths in the spec.
    threads : int, optional
        Threads the generator gets where it does not say (for the modelled row).
    rows : int
        GMM rows to time.

    Returns
    -------
    Probe

    Examples
    --------
    >>> from netcollapse.runs.spec import RunSpec
    >>> spec = RunSpec(engine="gmm", T=9, graph={"family": "ring", "n": 5})
    >>> probe = probe_run(spec)
    >>> probe.row_seconds > 0, probe.token_share is None
    (True, True)
    """
    from netcollapse.engines.llm import LLMWeb
    from netcollapse.runs.runner import build_graph, build_web

    start = time.perf_counter()
    graph = build_graph(spec, base_dir)
    web = build_web(spec, base_dir, graph=graph)
    built = time.perf_counter()
    web.reset()
    share, used, limit = None, None, 0
    if isinstance(web, LLMWeb):
        seconds = float(web.timings[0]["seconds"])
        limit = spec.llm.L * sum(token_limits(spec.llm, graph.n))
        generated = float(web.rows[0].get("generated_tokens", math.nan))
        share = generated / limit if math.isfinite(generated) and limit else None
        used = web.provenance()["generators"][0].get("threads")
    else:
        for _ in range(max(1, min(rows, int(spec.T)))):
            web.step()
        times = sorted(float(x["seconds"]) for x in web.timings[1:])
        seconds = times[len(times) // 2]
    _, entries, _ = spec_graph_size(spec)
    modelled = _model(spec, graph.n, entries, int(used or threads or 1), share or 1.0)[0]
    return Probe(
        startup_seconds=built - start,
        row_seconds=seconds,
        modelled_row_seconds=modelled,
        token_share=share,
        threads=used,
        seconds=time.perf_counter() - start,
        row_tokens=limit,
    )
