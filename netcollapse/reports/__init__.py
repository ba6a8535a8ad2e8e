"""Figures and HTML reports of runs, sweeps and studies.

- :mod:`~netcollapse.reports.plotting`: figures of collapse curves, spectral
  predictors, perspective maps, predictor scatters and the stance study
  (``plot_*``), and :func:`save_figure`;
- :mod:`~netcollapse.reports.figures`: what plots and reports draw alike (colours,
  mean curves with bands, scatters with Spearman's rho, predicted vs measured,
  the study figure);
- :mod:`~netcollapse.reports.report`: ``netcollapse report FOLDER``, one
  self-contained HTML page of a run or sweep folder (:func:`build_report`);
- :mod:`~netcollapse.reports.sources`: reading the run or sweep folder a report shows;
- :mod:`~netcollapse.reports.sections`, :mod:`~netcollapse.reports.sweep_sections`:
  the report's sections (every folder and a run's; a sweep's);
- :mod:`~netcollapse.reports.report_figures`: the report's figures, 1200 px wide;
- :mod:`~netcollapse.reports.page`: what goes on the page and its HTML.

Only :mod:`netcollapse.app` (the command line and the demo) sits above this layer.
"""

from __future__ import annotations

from netcollapse.reports.plotting import (
    plot_frobenius,
    plot_perspective,
    plot_predictor_scatter,
    plot_spectral,
    plot_study,
    save_figure,
)
from netcollapse.reports.report import (
    Report,
    build_report,
)

__all__ = [
    "Report",
    "build_report",
    "plot_frobenius",
    "plot_perspective",
    "plot_predictor_scatter",
    "plot_spectral",
    "plot_study",
    "save_figure",
]
