"""Predicted and measured collapse curves side by side: the tables and the figure.

Used by ``netcollapse predict SPEC`` (the predicted curve before anything is
simulated) and ``netcollapse run SPEC`` (measured beside predicted when the
engine has a prediction). The measures are those of
:func:`netcollapse.measures.curves.curve_measures`, computed the same way on both
curves.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcollapse.measures.curves import CurveMeasures

__all__ = [
    "MEASURE_LABELS",
    "format_measures",
    "plot_prediction",
    "prediction_record",
    "write_prediction",
]

#: The measures a table shows, with their labels.
MEASURE_LABELS = {
    "half_life": "half-life (steps)",
    "time_to_twice_floor": "time to 2x floor (steps)",
    "floor": "floor ||D||_F",
    "area_above_floor": "area above floor",
    "late_rate": "late rate (per step)",
}


def _cell(m: CurveMeasures, key: str) -> str:
    value = getattr(m, key)
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    text = f"{value:.4g}"
    if key == "late_rate":
        text += f" (t {m.late_start}-{m.late_stop - 1})"
    return text


def format_measures(columns: dict[str, CurveMeasures]) -> list[str]:
    """Return the lines of an aligned table: a row per measure, a column per curve, NaN reasons.

    Parameters
    ----------
    columns : dict of str to CurveMeasures
        Column title to measures (for example ``{"measured": ..., "predicted": ...}``).

    Returns
    -------
    list of str

    Examples
    --------
    >>> from netcollapse.measures.curves import curve_measures
    >>> m = curve_measures(8 * 0.5 ** np.arange(20) + 0.01)
    >>> for line in format_measures({"predicted": m})[:2]:
    ...     print(line)
    measure                   predicted
    half-life (steps)         1.002
    """
    header = ["measure", *columns]
    rows = [
        [label, *(_cell(m, key) for m in columns.values())] for key, label in MEASURE_LABELS.items()
    ]
    width = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(f"{c:<{w}}" for c, w in zip(r, width)).rstrip() for r in [header, *rows]]
    for title, m in columns.items():
        if m.notes:
            lines.append(f"{title}: {m.notes}")
    return lines


def prediction_record(pred: pd.DataFrame, measures: CurveMeasures) -> dict[str, Any]:
    """Return a JSON-able record of a predicted curve and its measures (``predict --json``).

    Parameters
    ----------
    pred : pandas.DataFrame
        From :func:`netcollapse.runs.runner.predict_web`.
    measures : CurveMeasures

    Returns
    -------
    dict
        ``measures`` and ``curve`` (lists ``step``, ``frobenius``, ``signal``, ``noise``),
        plus the covariance method.
    """
    return {
        "measures": measures.to_dict(),
        "method": pred.attrs.get("method"),
        "probes": pred.attrs.get("probes"),
        "curve": {c: pred[c].tolist() for c in ("step", "frobenius", "signal", "noise")},
    }


def plot_prediction(
    pred: pd.DataFrame, measured: np.ndarray | None = None, title: str = "", ax: Any = None
) -> Any:
    """Predicted ``||D(t)||_F`` (with its mean-path and noise parts), and a measured curve.

    Parameters
    ----------
    pred : pandas.DataFrame
        Columns ``step``, ``frobenius``, ``signal``, ``noise``.
    measured : array_like, optional
        A measured ``||D(t)||_F`` on the same steps.
    title : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> pred = pd.DataFrame({"step": [0, 1, 2], "frobenius": [4.0, 2.0, 1.1],
    ...                      "signal": [4.0, 2.0, 1.0], "noise": [0.0, 0.3, 0.4]})
    >>> ax = plot_prediction(pred, measured=[4.0, 2.2, 1.0])
    >>> [line.get_label() for line in ax.get_lines()]
    ['predicted', 'predicted mean path (no noise)', 'predicted noise floor', 'measured']
    """
    import matplotlib.pyplot as plt

    from netcollapse.reports.figures import prediction_lines

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2))
    prediction_lines(ax, pred, measured)  # the lines the report draws
    positive = pred["frobenius"].to_numpy() > 0
    if positive.any():
        ax.set_yscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel("||D(t)||_F (distance between node states)")
    ax.set_title(title or "Predicted collapse curve")
    ax.legend(frameon=False)
    ax.figure.tight_layout()
    return ax


def write_prediction(folder: Path, pred: pd.DataFrame) -> Path:
    """Write ``prediction.csv`` into a run folder atomically.

    Parameters
    ----------
    folder : Path
    pred : pandas.DataFrame

    Returns
    -------
    Path
    """
    from netcollapse._io import atomic_write_text

    path = Path(folder) / "prediction.csv"
    atomic_write_text(path, pred.to_csv(index=False))
    return path
