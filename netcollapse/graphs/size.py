"""Sizes nobody means: what a graph costs, what this machine holds, and the one-line refusal.

:func:`graph_size` gives a topology spec's node count and a lower bound of the
entries its retrieval matrix stores, from the spec alone (nothing is built);
:func:`check_graph_size` refuses, before anything is built, a graph whose lower
bound of memory exceeds :func:`machine_memory`. The run and sweep checks
(:mod:`netcollapse.runs.budget`) use the same machine limit and
:func:`too_big` for their message.

Every estimate here is a *lower* bound of the real cost (the real peak is
higher: building a graph holds the edge list, the matrix and its transpose), so
a refusal is never a guess: even the lower bound does not fit.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

from netcollapse.errors import SpecError, bad

__all__ = [
    "BYTES_PER_ENTRY",
    "check_graph_size",
    "graph_size",
    "human_bytes",
    "human_seconds",
    "machine_memory",
    "too_big",
]

BYTES_PER_ENTRY = 32
"""Lower bound of the bytes one stored entry of ``W`` costs while a graph is built
(8 for the share, 4 for its column, 16 for the edge it came from, 4 of slack for
the row sums); the measured peak is about 150 (ring, n = 10^6: 0.44 GiB)."""

_NAMED_SIZES = {
    "karate_club": (34, 78),
    "les_miserables": (77, 254),
    "florentine_families": (15, 20),
    "davis_southern_women": (32, 89),
}


def machine_memory() -> int:
    """Bytes of memory this machine (or its cgroup, if smaller) gives a process.

    Returns
    -------
    int
        The physical memory (:func:`psutil.virtual_memory` where installed, else
        ``os.sysconf``), capped by a cgroup v2 or v1 limit when one is set.

    Examples
    --------
    >>> machine_memory() > 2**20
    True
    """
    total = 0
    try:
        import psutil

        total = int(psutil.virtual_memory().total)
    except (ImportError, OSError):  # pragma: no cover - psutil is a dependency of ray
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (OSError, ValueError, AttributeError):
            total = 2**34  # 16 GiB when nothing says
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def human_bytes(n: float) -> str:
    """``n`` bytes with a binary unit: ``'1.5 GiB'``.

    Examples
    --------
    >>> human_bytes(3 * 2**40), human_bytes(512)
    ('3 TiB', '512 B')
    """
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")
    n = float(min(n, 10**300))  # a bigger count would not fit a float
    i = 0
    while n >= 1024 and i < len(units) - 1:
        n /= 1024
        i += 1
    return f"{n:.3g} {units[i]}" if n < 1e15 else f"{n:.2e} {units[i]}"


def human_seconds(s: float) -> str:
    """``s`` seconds in the largest fitting unit: ``'2.5 hours'``, ``'3.1e+12 years'``.

    Examples
    --------
    >>> human_seconds(90), human_seconds(3 * 365.25 * 86400)
    ('1.5 minutes', '3 years')
    """
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600)):
        if s >= size:
            v = s / size
            return f"{v:.3g} {unit}" if v < 1e6 else f"{v:.2g} {unit}"
    return f"{s / 60:.3g} minutes" if s >= 60 else f"{s:.3g} seconds"


def too_big(field: str, value: Any, most: Any, memory: float, seconds: float | None) -> SpecError:
    """Build the one refusal line: ``field: got V, expected at most M on this machine (...)``.

    Parameters
    ----------
    field : str
        The field to make smaller.
    value : object
        Its value.
    most : int or str
        Its largest value that fits (``"a smaller value"`` when no one number says it).
    memory : float
        Estimated bytes of memory (a lower bound).
    seconds : float, optional
        Estimated seconds at the measured rate (a lower bound); ``None``: not estimated.

    Returns
    -------
    SpecError

    Examples
    --------
    >>> str(too_big("T", 2**70, 10, 2.0**80, 1e20))  # doctest: +ELLIPSIS
    'T: got 1180591620717411303424, expected at most 10 on this machine (... of memory; \
estimate: 1 YiB of memory / 3.2e+12 years at the measured rate)'
    """
    cost = human_bytes(memory) + " of memory"
    if seconds is not None:
        cost += f" / {human_seconds(seconds)} at the measured rate"
    limit = human_bytes(machine_memory())
    most_text = f"at most {most:,}" if isinstance(most, int) else str(most)
    expected = f"{most_text} on this machine ({limit} of memory; estimate: {cost})"
    return bad(field, value, expected)


def _n(s: Any) -> int:
    return int(s.n)


def _pairs(n: int) -> int:
    return n * (n - 1)


def _share(p: float, count: int) -> int:
    """``floor(p * count)`` exactly, for any size of ``count`` (a float would overflow)."""
    return math.floor(Fraction(p) * count)


def _tree_nodes(s: Any) -> int:
    return int(s.n) if s.random else (s.r ** (s.height + 1) - 1) // (s.r - 1)


# Each family: (nodes, lower bound of directed entries (edges both ways), the field that sets n).
_SIZES: dict[str, Any] = {
    "complete": lambda s: (_n(s), _pairs(_n(s)), "n"),
    "isolated": lambda s: (_n(s), 0, "n"),
    "ring": lambda s: (_n(s), _n(s) * s.k, "n"),
    "star": lambda s: (_n(s), 2 * (_n(s) - 1), "n"),
    "path": lambda s: (_n(s), 2 * (_n(s) - 1), "n"),
    "grid": lambda s: (s.rows * s.cols, 2 * (s.rows * s.cols - 1), "rows"),
    "erdos_renyi": lambda s: (_n(s), _share(s.p / 2, _pairs(_n(s))), "n"),
    "watts_strogatz": lambda s: (_n(s), _n(s) * s.k, "n"),
    "barabasi_albert": lambda s: (_n(s), 2 * s.m * (_n(s) - s.m), "n"),
    "sbm": lambda s: (
        sum(s.sizes),
        _share(s.p_in / 2, sum(_pairs(b) for b in s.sizes)),
        "sizes",
    ),
    "random_regular": lambda s: (_n(s), _n(s) * s.d, "n"),
    "tree": lambda s: (_tree_nodes(s), 2 * (_tree_nodes(s) - 1), "n" if s.random else "height"),
    "bipartite": lambda s: (sum(s.sizes), _share(s.p, s.sizes[0] * s.sizes[1]), "sizes"),
    "barbell": lambda s: (
        s.cliques * s.clique_size + (s.cliques - 1) * s.path_length,
        s.cliques * _pairs(s.clique_size),
        "clique_size",
    ),
    "caveman": lambda s: (s.caves * s.cave_size, s.caves * _pairs(s.cave_size), "cave_size"),
    "hypercube": lambda s: (1 << s.dim, (1 << s.dim) * s.dim, "dim"),
    "core_periphery": lambda s: (
        s.core + s.periphery,
        _share(s.p_core / 2, _pairs(s.core)) + 2 * s.periphery,
        "core",
    ),
    "directed_random": lambda s: (_n(s), _n(s) * s.reads, "n"),
    "named": lambda s: (_NAMED_SIZES[s.network][0], 2 * _NAMED_SIZES[s.network][1], "network"),
    "file": lambda s: (1, 0, "path"),  # unknown until read: the smallest graph
}


def graph_size(spec: Any) -> tuple[int, int, str]:
    """Return a topology spec's node count, entry lower bound, and the field that sets n.

    Parameters
    ----------
    spec : topology spec model
        As returned by :func:`netcollapse.graphs.spec.parse_topology`.

    Returns
    -------
    (int, int, str)
        Nodes, a lower bound of the entries of ``W`` (every edge in both directions,
        random families at half their expected count), and the field that sets the
        size. A ``file`` graph counts as 1 node (its size is known only once read).

    Examples
    --------
    >>> from netcollapse.graphs.spec import parse_topology
    >>> graph_size(parse_topology({"family": "ring", "n": 10, "k": 4}))
    (10, 50, 'n')
    """
    nodes, entries, field = _SIZES[spec.family](spec)
    return int(nodes), int(entries) + int(nodes), field


def check_graph_size(spec: Any, prefix: str = "") -> None:
    """Refuse a graph whose matrix alone cannot fit in this machine's memory.

    Parameters
    ----------
    spec : topology spec model
    prefix : str
        Dotted prefix of the field in the message (``"graph."``).

    Raises
    ------
    SpecError
        ``graph.n: got N, expected at most M on this machine (...)``.

    Examples
    --------
    >>> from netcollapse.graphs.spec import Complete
    >>> check_graph_size(Complete(n=10**7), "graph.")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: graph.n: got 10000000, expected at most ... on this machine ...
    """
    nodes, entries, field = graph_size(spec)
    memory = BYTES_PER_ENTRY * entries
    limit = machine_memory()
    if memory <= limit:
        return
    # the largest size that fits, by bisection on the field that sets n (n-like fields only)
    most: Any = "a smaller graph"
    if field == "n" and spec.family != "tree":
        lo, hi = 1, int(spec.n)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if BYTES_PER_ENTRY * graph_size(spec.model_copy(update={"n": mid}))[1] <= limit:
                lo = mid
            else:
                hi = mid - 1
        most = lo
    raise too_big(f"{prefix}{field}", getattr(spec, field), most, memory, None)
