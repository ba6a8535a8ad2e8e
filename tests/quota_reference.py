"""Plain-loop reference of :func:`netcollapse.retrieval.quotas.allocate_quotas`, one row at a time.

Slow and obvious on purpose: the tests compare the vectorised allocator with it
row by row (largest remainder) and in distribution (multinomial), and the GMM
reference implementation in the tests uses it for its Hamilton quotas. Nothing
in the package calls it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from netcollapse.retrieval.apportion import FLOOR_EPS as _FLOOR_EPS
from netcollapse.retrieval.apportion import REM_DECIMALS as _REM_DECIMALS

__all__: list[str] = []


def allocate_row_reference(
    shares: Sequence[float],
    caps: Sequence[int],
    k: int,
    quota: str = "largest_remainder",
    rng: np.random.Generator | None = None,
) -> list[int]:
    """Allocate one row with plain loops, as ``allocate_quotas`` does for every row.

    ``shares`` and ``caps`` list the row's sources in order (``H`` first).
    """
    m = len(shares)
    q = [0] * m
    rem = int(k)
    while rem > 0:
        active = [j for j in range(m) if shares[j] > 0 and q[j] < caps[j]]
        if not active:
            break
        S = 0.0
        for j in active:
            S += shares[j]
        give = {}
        if quota == "largest_remainder":
            base, rema = {}, {}
            for j in active:
                target = rem * shares[j] / S
                base[j] = int(np.floor(target + _FLOOR_EPS))
                rema[j] = float(np.round(target - base[j], _REM_DECIMALS))
            left = rem - sum(base.values())
            ranked = sorted(active, key=lambda j: (-rema[j], j))
            for pos, j in enumerate(ranked):
                give[j] = base[j] + (1 if pos < left else 0)
        else:
            draws = rng.multinomial(rem, [shares[j] / S for j in active])
            give = {j: int(d) for j, d in zip(active, draws)}
        for j in active:
            take = min(give[j], caps[j] - q[j])
            q[j] += take
            rem -= take
    return q
