"""Apportionment: rounding each row's target counts to whole documents (vectorised).

These are the rounding rules behind :func:`netcollapse.retrieval.quotas.allocate_quotas`.
Every function works on the *active entries* of one allocation pass, laid out as a
long table: entry ``e`` belongs to row ``ra[e]`` (sorted, so a row's entries are
contiguous), ``a[e]`` is its position in the full table (the source order: ``H``
first, then the stores in column order) and ``rem_rows[r]`` is the number of
documents row ``r`` still has to place.

- :func:`hamilton`: largest remainders (Hamilton's method). Ties between equal
  remainders at the cut are broken by a seeded random order when a random source is
  given, else by source order;
- :func:`hamilton_expected`: the expectation of :func:`hamilton` over its random
  tie orders (the units left at the cut are spread evenly over the tied entries);
- :func:`multinomial_rows`: one multinomial draw per row.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FLOOR_EPS", "REM_DECIMALS", "hamilton", "hamilton_expected", "multinomial_rows"]

FLOOR_EPS = 1e-9
"""``floor(x + eps)``: ``2.9999999999999996`` counts as 3."""
REM_DECIMALS = 9
"""Remainders equal to this many decimals are ties."""


def _split(
    target: np.ndarray, rem_rows: np.ndarray, ra: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the floors, the rounded remainders and the units left per row."""
    base = np.floor(target + FLOOR_EPS).astype(np.int64)
    r = np.round(target - base, REM_DECIMALS)
    left = rem_rows - np.bincount(ra, weights=base, minlength=n).astype(np.int64)
    return base, r, left


def _ranks(ra: np.ndarray, keys: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Rank of every entry within its row under ``keys`` (last key is the primary)."""
    order = np.lexsort((*keys, ra))
    sorted_rows = ra[order]
    first = np.searchsorted(sorted_rows, sorted_rows, side="left")
    rank = np.empty(ra.size, dtype=np.int64)
    rank[order] = np.arange(ra.size) - first
    return rank, order


def _tied_at_cut(r: np.ndarray, ra: np.ndarray, rank: np.ndarray, left: np.ndarray) -> np.ndarray:
    """Entries whose remainder equals the remainder at their row's cut, in rows with a tie.

    The cut of a row lies between rank ``left - 1`` (the last entry given a unit)
    and rank ``left`` (the first not given one). The row has a tie at the cut when
    those two remainders are equal; then every entry with that remainder is tied.
    """
    n = left.size
    size = np.bincount(ra, minlength=n)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    at_lo = rank == left[ra] - 1
    at_hi = rank == left[ra]
    lo[ra[at_lo]] = r[at_lo]
    hi[ra[at_hi]] = r[at_hi]
    tie_row = (left > 0) & (left < size) & (lo == hi)
    return tie_row[ra] & (r == lo[ra])


def hamilton(
    rem_rows: np.ndarray,
    ra: np.ndarray,
    a: np.ndarray,
    target: np.ndarray,
    n: int,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, bool]:
    """Round ``target`` within each row by largest remainders.

    Parameters
    ----------
    rem_rows : ndarray of int, shape (n,)
        Units each row places (``target`` sums to it within each row).
    ra, a : ndarray of int, shape (m,)
        Row of each entry (sorted) and its source order.
    target : ndarray of float, shape (m,)
        Target counts.
    n : int
        Number of rows.
    rng : numpy.random.Generator, optional
        Breaks ties between equal remainders at the cut by a random order, so that
        tied sources get the unit equally often. Drawn from only when a tie exists.
        ``None``: ties go to the earlier source.

    Returns
    -------
    give : ndarray of int, shape (m,)
        ``floor(target)`` plus one unit for the entries with the largest remainders.
    drew : bool
        Whether ``rng`` was drawn from (a tie was broken at random).

    Examples
    --------
    >>> give, drew = hamilton(np.array([3]), np.zeros(4, int), np.arange(4), np.full(4, 0.75), 1)
    >>> give.tolist(), drew
    ([1, 1, 1, 0], False)
    >>> give, drew = hamilton(np.array([3]), np.zeros(4, int), np.arange(4), np.full(4, 0.75), 1,
    ...                       rng=np.random.default_rng(0))
    >>> int(give.sum()), drew
    (3, True)
    """
    base, r, left = _split(target, rem_rows, ra, n)
    rank, _ = _ranks(ra, (a, -r))
    if rng is not None and _tied_at_cut(r, ra, rank, left).any():
        rank, _ = _ranks(ra, (rng.random(ra.size), -r))
        return base + (rank < left[ra]), True
    return base + (rank < left[ra]), False


def hamilton_expected(
    rem_rows: np.ndarray, ra: np.ndarray, a: np.ndarray, target: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the expectation of :func:`hamilton` over its random tie orders.

    Parameters
    ----------
    rem_rows, ra, a, target, n
        As in :func:`hamilton`.

    Returns
    -------
    give : ndarray of float, shape (m,)
        ``floor(target)``, plus one for remainders above the cut, plus
        ``u / g`` for the ``g`` entries tied at the cut that share ``u`` units.
    tied : ndarray of bool, shape (m,)
        The entries tied at the cut (their count is ``floor`` or ``floor + 1``).

    Examples
    --------
    >>> give, tied = hamilton_expected(np.array([3]), np.zeros(4, int), np.arange(4),
    ...                                np.full(4, 0.75), 1)
    >>> give.tolist(), bool(tied.all())
    ([0.75, 0.75, 0.75, 0.75], True)
    """
    base, r, left = _split(target, rem_rows, ra, n)
    rank, _ = _ranks(ra, (a, -r))
    tied = _tied_at_cut(r, ra, rank, left)
    give = (base + (rank < left[ra])).astype(float)
    if tied.any():
        units = np.bincount(ra[tied], weights=(rank < left[ra])[tied], minlength=n)
        count = np.bincount(ra[tied], minlength=n)
        give[tied] = base[tied] + units[ra[tied]] / count[ra[tied]]
    return give, tied


def multinomial_rows(
    rem_rows: np.ndarray, ra: np.ndarray, p: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One multinomial draw per row (``rem_rows[r]`` trials, probabilities ``p``).

    Parameters
    ----------
    rem_rows : ndarray of int, shape (n,)
    ra : ndarray of int, shape (m,)
        Row of each entry (sorted: a row's entries are contiguous).
    p : ndarray of float, shape (m,)
        Probabilities, summing to 1 within each row.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of int, shape (m,)

    Examples
    --------
    >>> x = multinomial_rows(np.array([5, 2]), np.array([0, 0, 1]), np.array([0.5, 0.5, 1.0]),
    ...                      np.random.default_rng(0))
    >>> [int(x[:2].sum()), int(x[2])]
    [5, 2]
    """
    # ``ra`` is sorted; rows with active entries are contiguous groups.
    starts = np.flatnonzero(np.r_[True, ra[1:] != ra[:-1]])
    ends = np.r_[starts[1:], ra.size] - 1
    rows = ra[starts]
    csum = np.cumsum(p)
    before = np.r_[0.0, csum][starts]
    within = csum - np.repeat(before, ends - starts + 1)
    within[ends] = 1.0
    key = ra + within
    trials = rem_rows[rows]
    draw_row = np.repeat(rows, trials)
    lo = np.repeat(starts, trials)
    hi = np.repeat(ends, trials)
    u = rng.random(draw_row.size)
    idx = np.clip(np.searchsorted(key, draw_row + u, side="right"), lo, hi)
    return np.bincount(idx, minlength=ra.size).astype(np.int64)
