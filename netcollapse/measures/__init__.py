"""Measures of collapse: pure functions of node states and of ``||D(t)||_F`` curves.

- :mod:`~netcollapse.measures.disagreement`: ``D(t)``, ``||D(t)||_F`` in O(n d),
  spreads, drift, tidy per-step rows;
- :mod:`~netcollapse.measures.corrected`: the raw ``||D||_F^2`` split exactly into
  between-node disagreement (unbiased, without the sampling floor) and within-node
  noise, with jackknife SEs; group (polarization) split;
- :mod:`~netcollapse.measures.stance`: the scalar stance readout (projection on
  the axis between two stance centroids) and its AUC check;
- :mod:`~netcollapse.measures.curves`: half-life, time to twice the floor, floor,
  area above the floor, late-window rate (one definition each, for measured and
  predicted curves);
- :mod:`~netcollapse.measures.levels`: excess half-life and retained share, for
  curves that drop to a level the graph sets, and the one dict of a
  curve's measures that sweeps and studies record;
- :mod:`~netcollapse.measures.rates`: the least-squares geometric rate of a curve
  from its first round of dynamics (``stance_rate``, ``stance_gap_rate`` with SEs);
- :mod:`~netcollapse.measures.stats`: Spearman's rank correlation (one NaN rule)
  and the mean with its 95% t-interval;
- :mod:`~netcollapse.measures.perspective`: classical MDS and perspective space.

The engines call these each step; they depend on nothing above the spectral layer.
"""

from __future__ import annotations

from netcollapse.measures.corrected import (
    CorrectedDisagreement,
    GroupDisagreement,
    clipped_root,
    corrected_disagreement,
    corrected_row,
    decline_split,
    group_disagreement,
    group_row,
    jackknife_se,
)
from netcollapse.measures.curves import (
    CurveMeasures,
    RateFit,
    collapse_measures,
    curve_measures,
    epsilon_time,
    fit_rate,
    half_life,
    plateau,
)
from netcollapse.measures.disagreement import (
    distance_matrix,
    drift,
    frobenius_distance,
    frobenius_trajectory,
    node_means,
    node_rows,
    spread,
    step_metrics,
    synthetic_share,
    within_spread,
)
from netcollapse.measures.levels import (
    LEVEL_MEASURES,
    excess_half_life,
    level_measures,
    retained_share,
)
from netcollapse.measures.perspective import (
    cmds,
    perspective_space,
)
from netcollapse.measures.rates import RATE_MEASURES, first_round, geometric_rate, stance_rates
from netcollapse.measures.stance import StanceAxis, auc, project, stance_axis
from netcollapse.measures.stats import mean_interval, pearson_rows, spearman, spearman_rows

__all__ = [
    "CorrectedDisagreement",
    "CurveMeasures",
    "GroupDisagreement",
    "LEVEL_MEASURES",
    "RATE_MEASURES",
    "RateFit",
    "StanceAxis",
    "auc",
    "clipped_root",
    "cmds",
    "corrected_disagreement",
    "corrected_row",
    "decline_split",
    "group_disagreement",
    "group_row",
    "jackknife_se",
    "level_measures",
    "mean_interval",
    "pearson_rows",
    "project",
    "retained_share",
    "stance_axis",
    "collapse_measures",
    "curve_measures",
    "distance_matrix",
    "drift",
    "epsilon_time",
    "excess_half_life",
    "first_round",
    "fit_rate",
    "geometric_rate",
    "frobenius_distance",
    "frobenius_trajectory",
    "half_life",
    "node_means",
    "node_rows",
    "perspective_space",
    "plateau",
    "spearman",
    "spearman_rows",
    "spread",
    "stance_rates",
    "step_metrics",
    "synthetic_share",
    "within_spread",
]
