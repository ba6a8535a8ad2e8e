"""Theory: linear models that predict an engine's ``||D(t)||_F`` curve from the graph.

- :mod:`~netcollapse.theory.degroot`: the lazy-DeGroot rate of one LWD step and
  the rate measured from a run, side by side;
- :mod:`~netcollapse.theory.gmm`: the GMM engine's linear model and its noise,
  the whole predicted curve (:func:`predict_gmm`);
- :mod:`~netcollapse.theory.stance`: the stance web's calibrated linear model
  (response fit on one run, predicted curve on any graph).
"""

from __future__ import annotations

from netcollapse.theory.degroot import g_from_alpha, measured_rate, predicted_rate, theory_check
from netcollapse.theory.gmm import GMMLinearModel, predict_gmm

__all__ = [
    "GMMLinearModel",
    "g_from_alpha",
    "measured_rate",
    "predict_gmm",
    "predicted_rate",
    "theory_check",
]
