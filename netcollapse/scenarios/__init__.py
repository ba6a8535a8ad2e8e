"""Scenarios: what a run adds to a plain web.

- :mod:`~netcollapse.scenarios.interventions`: events that change the graph, the
  anchoring, who reads, or the human corpus from a given row on, and the
  effective graph of every row (:class:`Schedule`);
- :mod:`~netcollapse.scenarios.stances`: seeded stances (``llm.stances``): who holds
  which stance, the seed posts, and the readout of a run's answers as stances.
"""

from __future__ import annotations

from netcollapse.scenarios.interventions import Intervention, Schedule
from netcollapse.scenarios.stances import StanceSpec

__all__ = ["Intervention", "Schedule", "StanceSpec"]
