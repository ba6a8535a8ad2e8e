"""Studies: questions asked of finished runs and sweeps.

- :mod:`~netcollapse.studies.stance`: the LLM topology study: measured stance
  collapse per graph against the calibrated model and the spectrum
  (``netcollapse study``), and a finished run's calibrated prediction.
"""

from __future__ import annotations

from netcollapse.studies.stance import StanceStudy, predict_stance_run, stance_study

__all__ = ["StanceStudy", "predict_stance_run", "stance_study"]
