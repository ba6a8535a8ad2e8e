"""Seed handling: one conversion point for every random entry point.

All random paths in netcollapse take ``seed: int | numpy.random.Generator | None``.
They convert it once with :func:`as_generator` and spawn independent child streams
with :func:`spawn`; the global NumPy RNG is never touched. A run's streams are
named by :class:`Stream` and drawn with :func:`stream_rng`.
"""

from __future__ import annotations

import enum

import numpy as np

from netcollapse.errors import bad

SeedLike = int | np.random.Generator | np.random.SeedSequence | None
"""Anything netcollapse accepts as a seed."""


class Stream(enum.IntEnum):
    """The named keys of a run's random streams (spawn keys of its root seed).

    A run spawns every stream from its root seed (:func:`root_seed`) as
    ``SeedSequence(root, spawn_key=key)``, so a stream does not depend on how many
    numbers any other stream drew, and a run resumed at row ``t`` draws the same
    numbers. The values are part of every run's results: changing one changes
    every run that draws from it.

    **Whole-run streams** are the first spawn key, above any row index (rows
    count from 0; a run has fewer than ``2**32 - 4`` of them):

    - ``GMM_INIT`` (``2**32 - 1``): a GMM web's initial state, ``(GMM_INIT, sub)``
      with ``sub`` one of ``INIT_WEIGHTS``, ``INIT_SEED_SET``;
    - ``STANCE_POSTS`` (``2**32 - 2``): which corpus posts seed the nodes and
      which are held out (:func:`netcollapse.scenarios.stances.seed_stances`);
    - ``REWIRE`` (``2**32 - 3``): the rewiring of round ``t``, ``(REWIRE, t)``;
    - ``INJECT`` (``2**32 - 4``): the draws of the ``i``-th ``inject`` event,
      ``(INJECT, i)``;
    - ``CALIBRATION`` (``2**32 - 5``): a stance calibration's contexts and answer
      seeds of variant ``v``, ``(CALIBRATION, v)``
      (:mod:`netcollapse.studies.calibrate`).

    **Per-round streams** are the second key of ``(t, stream)`` for round ``t``
    (:meth:`netcollapse.engines.loop.Web.rng`): a GMM web samples its points
    (``GMM_SAMPLE``), allots quotas (``GMM_QUOTAS``), picks documents
    (``GMM_PICKS``) and orders each node's points (``GMM_ORDER``); an LLM web
    allots quotas (``LLM_QUOTAS``), picks documents (``LLM_PICKS``) and draws
    one generation seed per node (``LLM_GENERATION``).

    Members of equal value are aliases (``Stream.LLM_QUOTAS is
    Stream.GMM_SAMPLE``): they key streams of different engines, or under
    different first keys, which never meet.

    Examples
    --------
    >>> int(Stream.GMM_INIT) == 2**32 - 1, int(Stream.LLM_GENERATION)
    (True, 2)
    """

    GMM_SAMPLE = 0
    """Round ``t`` of a GMM web: the points each node samples and publishes."""
    GMM_QUOTAS = 1
    """Round ``t`` of a GMM web: the per-source quotas (multinomial allocation)."""
    GMM_PICKS = 2
    """Round ``t`` of a GMM web: which documents each node reads."""
    GMM_ORDER = 3
    """Round ``t`` of a GMM web: the order in which each node updates on its points."""
    LLM_QUOTAS = 0
    """Round ``t`` of an LLM web: the per-source quotas."""
    LLM_PICKS = 1
    """Round ``t`` of an LLM web: which documents each node reads."""
    LLM_GENERATION = 2
    """Round ``t`` of an LLM web: one generation seed per node."""
    INIT_WEIGHTS = 0
    """Under ``GMM_INIT``: the initial weights ``Pi(0)`` (Dirichlet draws)."""
    INIT_SEED_SET = 1
    """Under ``GMM_INIT``: the human seed set ``A(0)``."""
    GMM_INIT = 2**32 - 1
    """A GMM web's initial state (first key; second key ``INIT_WEIGHTS`` or ``INIT_SEED_SET``)."""
    STANCE_POSTS = 2**32 - 2
    """Seeded stances: the permutation that deals seed posts and held-out posts."""
    REWIRE = 2**32 - 3
    """Rewiring interventions: ``(REWIRE, t)`` draws the rewiring of round ``t``."""
    INJECT = 2**32 - 4
    """Inject interventions: ``(INJECT, i)`` draws the ``i``-th inject event's documents."""
    CALIBRATION = 2**32 - 5
    """Stance calibration: ``(CALIBRATION, v)`` draws variant ``v``'s contexts and seeds."""


def stream_rng(seed: int, *key: int) -> np.random.Generator:
    """Return the generator of the stream ``key`` of a root seed.

    Parameters
    ----------
    seed : int
        The run's root seed (:func:`root_seed`).
    *key : int
        The spawn key, e.g. ``(Stream.REWIRE, t)`` or ``(t, Stream.GMM_SAMPLE)``.

    Returns
    -------
    numpy.random.Generator
        ``default_rng(SeedSequence(seed, spawn_key=key))``: independent of every
        other key, and the same numbers each time.

    Examples
    --------
    >>> a = stream_rng(7, Stream.REWIRE, 3).random()
    >>> a == stream_rng(7, 2**32 - 3, 3).random() != stream_rng(7, Stream.REWIRE, 4).random()
    True
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=tuple(map(int, key))))


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
