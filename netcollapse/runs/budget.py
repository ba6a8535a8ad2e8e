"""What a run costs, estimated from its spec before anything is built; the absurd is refused.

:func:`estimate_run` gives lower bounds of a run's memory (bytes) and time (seconds
at the rate measured in ``benchmarks/README.md``) from ``T``, the graph's size
``n`` (and its matrix entries), and the engine's ``L``, ``B``, ``publish``,
``max_new_tokens`` and ``retrieval.memory``; :func:`check_run` (called by
:func:`netcollapse.runs.spec.parse_run`, so every run, prediction and sweep task
is checked) refuses a run whose lower bound exceeds this machine's memory
(:func:`netcollapse.graphs.size.machine_memory`) or :data:`MAX_SECONDS` of work,
in one line that gives the estimate and the largest ``T`` that fits::

    T: got 1180591620717411303424, expected at most 58,754,094 on this machine
    (23.5 GiB of memory; estimate: 4.3e+05 EiB of memory / 1.2e+10 years at the measured rate)

The memory model (every term a lower bound of what the engine holds):

* rows: ``(T + 1) * (ROW_BYTES + NODE_ROW_BYTES * n)`` (the metrics and the node
  table of every row stay in memory until the run ends);
* GMM store: ``8 * n * L * B * (w + 1)`` (each published point's ``B`` component
  likelihoods, float64) with ``w = min(memory, T)``, or ``T`` without a memory window;
* LLM store: ``POST_BYTES * n * publish * (w + 1)`` (each post's embedding);
* the graph: :data:`netcollapse.graphs.size.BYTES_PER_ENTRY` per entry of ``W``.

The time model: ``n * T`` node-rounds at :data:`GMM_RATE`, or
``n * T * L * max_new_tokens`` generated tokens at :data:`LLM_RATE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netcollapse.graphs.size import BYTES_PER_ENTRY, graph_size, machine_memory, too_big
from netcollapse.graphs.spec import parse_topology

__all__ = [
    "GMM_RATE",
    "LLM_RATE",
    "MAX_SECONDS",
    "Estimate",
    "check_run",
    "check_total",
    "estimate_run",
    "largest_fitting",
    "spec_graph_size",
    "token_limits",
]

GMM_RATE = 3.0e5
"""GMM node-rounds per second: 3.3 us per node-step, the fastest engine case measured
(``benchmarks/README.md``, BA n = 100,000, 2 cores)."""

LLM_RATE = 400.0
"""Generated tokens per second: the fastest local path measured (390 tok/s, AMX bf16)."""

MAX_SECONDS = 10 * 365.25 * 86400
"""Longest run accepted: 10 years at the measured rate (a lower bound of the real time)."""

ROW_BYTES = 400
"""Lower bound of one row's metrics in memory (measured: about 450 bytes, n = 3)."""

NODE_ROW_BYTES = 40
"""Lower bound of one node's row in the node table (measured: about 56 bytes, n = 1000)."""

POST_BYTES = 384 * 4
"""Lower bound of one stored LLM post: its float32 embedding (MiniLM: 384 dimensions)."""

_CAP = 10**300  # beyond this, a count is only shown, never turned into a float


@dataclass(frozen=True)
class Estimate:
    """Lower bounds of a run's cost.

    Attributes
    ----------
    nodes : int
        The graph's node count (1 for a file graph: known only once read).
    memory : int
        Bytes.
    seconds : float
        At the measured rate.
    terms : dict of str to int
        The memory by the field that drives each term.
    """

    nodes: int
    memory: int
    seconds: float
    terms: dict[str, int]


def _seconds(work: int, rate: float) -> float:
    return min(work, _CAP) / rate


def estimate_run(spec: Any, T: int | None = None) -> Estimate:
    """Estimate a validated run spec's memory and time (lower bounds).

    Parameters
    ----------
    spec : RunSpec
    T : int, optional
        Rounds to estimate instead of ``spec.T``.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> from netcollapse.runs.spec import RunSpec
    >>> spec = RunSpec(engine="gmm", T=100, graph={"family": "ring", "n": 10})
    >>> e = estimate_run(spec)
    >>> e.nodes, e.memory < 2**20, e.seconds < 1
    (10, True, True)
    """
    T = int(spec.T if T is None else T)
    n, entries, n_field = spec_graph_size(spec)
    window = T if spec.retrieval.memory is None else min(int(spec.retrieval.memory), T)
    terms = {
        "T": (T + 1) * (ROW_BYTES + NODE_ROW_BYTES * n),
        f"graph.{n_field}": BYTES_PER_ENTRY * entries,
    }
    if spec.engine == "gmm":
        g = spec.gmm
        terms["gmm.L"] = 8 * n * g.L * g.B * (window + 1)
        seconds = _seconds(n * T, GMM_RATE)
    else:
        llm = spec.llm
        terms["llm.publish"] = POST_BYTES * n * llm.publish * (window + 1)
        tokens = max([llm.defaults.max_new_tokens, *token_limits(llm, len(llm.nodes or []))])
        seconds = _seconds(n * T * llm.L * tokens, LLM_RATE)
    return Estimate(nodes=n, memory=sum(terms.values()), seconds=seconds, terms=terms)


def spec_graph_size(spec: Any) -> tuple[int, int, str]:
    """Return a run spec's node count, entry lower bound and size field, without building it.

    :func:`netcollapse.graphs.size.graph_size` of the spec's ``graph`` (a ``file``
    graph counts as 1 node: its size is known only once read).

    Parameters
    ----------
    spec : RunSpec

    Returns
    -------
    (int, int, str)

    Examples
    --------
    >>> from netcollapse.runs.spec import RunSpec
    >>> spec_graph_size(RunSpec(engine="gmm", T=3, graph={"family": "ring", "n": 10}))
    (10, 30, 'n')
    """
    return graph_size(parse_topology(spec.graph, prefix="graph."))


def token_limits(llm: Any, n: int) -> list[int]:
    """Return each node's ``max_new_tokens`` (its ``llm.nodes`` entry, else the default).

    Parameters
    ----------
    llm : LLMSpec
        A validated ``llm`` section.
    n : int
        Nodes.

    Returns
    -------
    list of int
        One limit per node.

    Examples
    --------
    >>> from netcollapse.engines.spec import LLMSpec
    >>> llm = LLMSpec(defaults={"max_new_tokens": 8}, nodes=[{}, {"max_new_tokens": 3}])
    >>> token_limits(llm, 2)
    [8, 3]
    """
    default = int(llm.defaults.max_new_tokens)
    nodes = list(llm.nodes or [])
    return [
        int((nodes[i] if i < len(nodes) else {}).get("max_new_tokens") or default) for i in range(n)
    ]


def largest_fitting(fits: Any, high: int) -> int:
    """Return the largest ``x`` in ``[0, high]`` with ``fits(x)`` (monotone, true at 0).

    Examples
    --------
    >>> largest_fitting(lambda x: x * x <= 50, 10**100)
    7
    """
    lo, hi = 0, int(high)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def check_run(spec: Any) -> Estimate:
    """Refuse a run that cannot fit this machine's memory or :data:`MAX_SECONDS`.

    Parameters
    ----------
    spec : RunSpec

    Returns
    -------
    Estimate
        The estimate, when the run fits.

    Raises
    ------
    SpecError
        ``T: got ..., expected at most N on this machine (... of memory; estimate: ...)``,
        or, when even one round does not fit, the field of the largest term.

    Examples
    --------
    >>> from netcollapse.runs.spec import RunSpec
    >>> spec = RunSpec(engine="gmm", T=2**70, graph={"family": "ring", "n": 10})
    >>> check_run(spec)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: T: got 1180591620717411303424, expected at most ... on this \
machine (...; estimate: ... of memory / ... years at the measured rate)
    """
    limit = machine_memory()
    est = estimate_run(spec)
    if est.memory <= limit and est.seconds <= MAX_SECONDS:
        return est

    def fits(T: int) -> bool:
        e = estimate_run(spec, T=T)
        return e.memory <= limit and e.seconds <= MAX_SECONDS

    if fits(1):
        most = largest_fitting(fits, min(spec.T, limit // ROW_BYTES))  # a row holds >= 400 B
        raise too_big("T", spec.T, most, est.memory, est.seconds)
    one = estimate_run(spec, T=1)  # even one round does not fit: name its largest term
    terms = {k: v for k, v in one.terms.items() if k != "T"}
    if one.memory <= limit:  # one round takes too long: the graph's size sets it
        terms = {k: v for k, v in terms.items() if k.startswith("graph.")}
    field = max(terms, key=lambda k: terms[k])
    raise too_big(field, _value(spec, field), "a smaller value", est.memory, est.seconds)


def _value(spec: Any, field: str) -> Any:
    """Return the value of a dotted field of a run spec (``graph.n``, ``gmm.L``)."""
    head, _, name = field.partition(".")
    part = getattr(spec, head)
    return part.get(name) if isinstance(part, dict) else getattr(part, name)


def check_total(seconds: float, memory: int, field: str, value: Any) -> None:
    """Refuse a sweep whose tasks together exceed 100 x :data:`MAX_SECONDS`.

    A sweep may spread over many workers, so its total may be 100 runs' worth.

    Raises
    ------
    SpecError
    """
    if seconds > 100 * MAX_SECONDS:
        raise too_big(field, value, "a smaller sweep", memory, seconds)
