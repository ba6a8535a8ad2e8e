"""Seed handling: one conversion point for every random entry point.

All random paths in netcollapse take ``seed: int | numpy.random.Generator | None``.
They convert it once with :func:`as_generator` and spawn independent child streams
with :func:`spawn`; the global NumPy RNG is never touched.
"""

from __future__ import annotations

import numpy as np

from netcollapse.errors import bad

SeedLike = int | np.random.Generator | np.random.SeedSequence | None
"""Anything netcollapse accepts as a seed."""


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``seed``.

    Parameters
    ----------
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        An existing generator is returned unchanged; anything else seeds a new
        PCG64 generator (``None`` draws fresh OS entropy).

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> bool(as_generator(3).integers(10**6) == as_generator(3).integers(10**6))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def spawn(seed: SeedLike, n: int) -> list[np.random.Generator]:
    """Spawn ``n`` independent generators from one seed.

    Parameters
    ----------
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Parent seed.
    n : int
        Number of child streams.

    Returns
    -------
    list of numpy.random.Generator

    Examples
    --------
    >>> a, b = spawn(0, 2)
    >>> bool(a.random() != b.random())
    True
    """
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(n))
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in ss.spawn(n)]


def int_seed(rng: np.random.Generator) -> int:
    """Draw a 31-bit integer seed for libraries that take an ``int`` (igraph, hnswlib, torch).

    Parameters
    ----------
    rng : numpy.random.Generator

    Returns
    -------
    int
        In ``[0, 2**31 - 1)``.
    """
    return int(rng.integers(0, 2**31 - 1))


def root_seed(seed: SeedLike) -> int:
    """Turn any accepted seed into one non-negative integer (63 bits at most).

    Engines keep this integer (it goes into ``config.json``) and spawn every
    stream from it, so a run seeded with a generator or with ``None`` can be
    repeated from its config.

    Parameters
    ----------
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        A non-negative int is kept; a generator is drawn from once; a seed
        sequence gives its first state word; ``None`` takes fresh OS entropy.

    Returns
    -------
    int

    Examples
    --------
    >>> root_seed(7)
    7
    >>> root_seed(np.random.default_rng(1)) == root_seed(np.random.default_rng(1))
    True
    >>> root_seed(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: seed: got -1, expected a non-negative integer, ...
    """
    expected = "a non-negative integer, a numpy Generator or None"
    if isinstance(seed, bool):
        raise bad("seed", seed, expected)
    if isinstance(seed, int | np.integer):
        if seed < 0:
            raise bad("seed", int(seed), expected)
        return int(seed)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if seed is None or isinstance(seed, np.random.SeedSequence):
        ss = np.random.SeedSequence() if seed is None else seed
        return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    raise bad("seed", seed, expected)
