"""Spectral predictors of collapse speed: pure functions of the retrieval matrix.

The one-number predictors (SLEM, lazy rate, Fiedler value, mixing times,
Kemeny's constant, the Friedkin-Johnsen rate and floor) live in ``rates`` and
``predictors``; the whole predicted curve, all modes from the actual initial
state plus the sampling-noise floor, in ``dynamics``
(:func:`predict_curve`); the slowest eigenvector (an initial state that decays
slowest) in ``modes``.

Input
-----
``W`` and ``h`` follow the convention stated in :mod:`netcollapse.graphs`
(``W[i, j]``: share of node *i*'s retrieval drawn from node *j*'s store; rows
sum to 1; directed). Every public function takes a
:class:`~netcollapse.graphs.RetrievalGraph` (used as it is: it was validated
when built) or a raw matrix (a :class:`scipy.sparse.csr_array`, any scipy sparse
matrix or a dense array, ``n >= 2``), which is validated with
:func:`netcollapse._validation.check_W`. Read as a Markov chain, a step goes from
*i* to one of its sources *j*; a DeGroot step ``x <- W x`` replaces each node's
state by the average of its sources'. The anchoring shares ``h`` are the
Friedkin-Johnsen stubbornness ``Theta = diag(h)``.

Every function here is pure and takes
``method: str = "auto"``: ``"dense"`` uses numpy on the full matrix,
``"sparse"`` uses iterative solvers, ``"auto"`` picks dense for
``n <= DENSE_MAX`` (1500), and ``tol`` (accuracy of the sparse solvers).

Solvers on the sparse path
--------------------------
- Reversible ``W`` (every walk on an undirected graph): ``pi`` is read off a
  spanning tree; the symmetrised ``S = D^1/2 W D^-1/2`` goes to a plain Lanczos
  iteration that gets both ends of the spectrum (``lambda_2``, ``lambda_min``)
  from one Krylov space, the Perron eigenvalue moved inside the spectrum. It
  stops when the estimated remaining change of the wanted Ritz values is below
  ``tol`` (:data:`TOL`); accuracy is about ``tol``, or the width of an
  unresolved cluster at that end (long rings). On Barabasi-Albert walks, where
  ``|lambda_2| ~ |lambda_min|`` and both ends are clustered, this took 0.5 s at
  n = 100,000 where ARPACK ``eigsh`` took 1-40 s depending on the instance.
- Non-reversible ``W``: ARPACK ``eigs`` ("LM", "LR") at :data:`ARPACK_TOL`
  within :data:`ARPACK_MATVECS` matvecs, then a power-iteration estimate;
  ``lambda_min`` is not computed there (ARPACK "SR" on the edge of a bulk took
  30-60 s at n = 100,000) but read off the period when it is -1.
- Linear solves: block conjugate gradients (reversible) or GMRES.

The public functions run with one BLAS thread (via threadpoolctl when
installed): the sparse paths only need vector operations, dense problems are
small, and multi-threaded OpenBLAS on shared cores (a parallel sweep, a busy
laptop) was measured 5-20x slower on both. The start vectors are fixed, so every
function is deterministic; the two Monte-Carlo estimates (:func:`fj_floor`,
:func:`kemeny_constant` for large ``n``) take a ``seed``.
"""

from netcollapse.spectral._linalg import ARPACK_MATVECS, ARPACK_TOL, TOL
from netcollapse.spectral._markov import DENSE_MAX
from netcollapse.spectral.dynamics import (
    DENSE_COV_MAX,
    PROBES,
    LinearStep,
    linear_step,
    predict_curve,
)
from netcollapse.spectral.predictors import (
    FJ_PROBES,
    KEMENY_PROBES,
    degree_heterogeneity,
    fiedler_value,
    fj_floor,
    fj_rate,
    kemeny_constant,
    n_components,
)
from netcollapse.spectral.rates import (
    DEFAULT_G,
    MixingBounds,
    is_reversible,
    lazy_rate,
    mixing_time_bounds,
    relaxation_time,
    slem,
    spectral_gap,
    stationary_distribution,
    top_eigenvalues,
)
from netcollapse.spectral.summary import SUMMARY_KEYS, spectral_summary

__all__ = [
    "ARPACK_MATVECS",
    "ARPACK_TOL",
    "DEFAULT_G",
    "DENSE_COV_MAX",
    "DENSE_MAX",
    "FJ_PROBES",
    "KEMENY_PROBES",
    "PROBES",
    "SUMMARY_KEYS",
    "LinearStep",
    "MixingBounds",
    "TOL",
    "degree_heterogeneity",
    "fiedler_value",
    "fj_floor",
    "fj_rate",
    "is_reversible",
    "kemeny_constant",
    "lazy_rate",
    "linear_step",
    "mixing_time_bounds",
    "n_components",
    "predict_curve",
    "relaxation_time",
    "slem",
    "spectral_gap",
    "spectral_summary",
    "stationary_distribution",
    "top_eigenvalues",
]
