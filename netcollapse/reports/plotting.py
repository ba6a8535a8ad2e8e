"""Figures: collapse curves, spectral predictors, perspective maps, predictor scatters.

Every function draws on a given :class:`matplotlib.axes.Axes` or, when ``ax`` is
omitted, on a new figure (made with :mod:`matplotlib.pyplot` inside a seaborn style
context), and returns the Axes. Nothing here chooses a matplotlib backend: import
time has no side effects, and a headless process should set ``MPLBACKEND=Agg``
(matplotlib already falls back to Agg when no display is available). Close
figures you no longer need with ``matplotlib.pyplot.close(ax.figure)``.

Input tables are tidy :class:`pandas.DataFrame` objects as produced by
:mod:`netcollapse.measures.disagreement`, the engines and the sweep. What these
figures draw the same way as ``netcollapse report`` (colours, mean curves with
bands, scatters with Spearman's rho, the stance study figure) comes from
:mod:`netcollapse.reports.figures`; :func:`save_figure` writes any of them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from netcollapse._io import atomic_write_bytes
from netcollapse.errors import bad
from netcollapse.reports.figures import (
    STEP_LABEL,
    hue_levels,
    mean_band,
    palette,
    png,
    rows_of,
    scatter_groups,
    spearman_title,
    study_figure,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_frobenius",
    "plot_perspective",
    "plot_predictor_scatter",
    "plot_spectral",
    "plot_study",
    "save_figure",
]

#: At most this many nodes get their own legend entry in :func:`plot_perspective`.
MAX_NODE_LEGEND = 12


def _require(frame: Any, name: str, columns: Sequence[str]) -> None:
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise bad(name, type(frame).__name__, "a pandas DataFrame")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise bad(f"{name}.columns", list(frame.columns), f"columns {missing} as well")
    if len(frame) == 0:
        raise bad(name, "an empty DataFrame", "at least one row")


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.2)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    import seaborn as sns

    with sns.axes_style("whitegrid"):
        _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def plot_frobenius(
    metrics: pd.DataFrame,
    hue: str | None = "topology",
    ax: Axes | None = None,
    log: bool = True,
) -> Axes:
    """Plot ``||D(t)||_F`` against step, one line per ``hue`` level.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Tidy per-step metrics with columns ``step`` and ``frobenius`` (and ``hue``;
        optionally ``seed``). Rows sharing a ``hue`` level and a step (several
        seeds or repeated runs) are averaged.
    hue : str or None
        Column that separates lines; ``None`` draws one line for the whole table.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    log : bool
        Log-scaled y axis (geometric decay is a straight line).

    Returns
    -------
    matplotlib.axes.Axes
        One line per level (``ax.get_lines()``); where a level has several values
        per step, a band of mean +/- 1 standard deviation
        (:func:`~netcollapse.reports.figures.mean_band`: on a log axis it stops at
        :data:`~netcollapse.reports.figures.BAND_FLOOR` times the mean). Legend titled
        ``hue`` with one entry per level.

    Examples
    --------
    >>> import pandas as pd
    >>> import matplotlib.pyplot as plt
    >>> df = pd.DataFrame({"topology": ["ring"] * 3 + ["star"] * 3,
    ...                    "step": [0, 1, 2] * 2, "frobenius": [4, 2, 1, 4, 1, 0.25]})
    >>> ax = plot_frobenius(df)
    >>> len(ax.get_lines()), [t.get_text() for t in ax.get_legend().get_texts()]
    (2, ['ring', 'star'])
    >>> plt.close(ax.figure)
    """
    columns = ["step", "frobenius"] + ([hue] if hue is not None else [])
    _require(metrics, "metrics", columns)
    ax = _new_axes(ax)
    n_rep = 1
    for level, color in palette(hue_levels(metrics, hue)).items():
        label = "all runs" if hue is None else str(level)
        count = mean_band(
            ax,
            rows_of(metrics, hue, level),
            "frobenius",
            color,
            log=log,
            lw=1.8,
            alpha=0.2,
            label=label,
        )
        n_rep = max(n_rep, count)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(STEP_LABEL)
    ax.set_ylabel(r"$\|D(t)\|_F$ (distance between node states)")
    title = "Disagreement between nodes over time"
    if n_rep > 1:
        title += f"\n(mean $\\pm$ 1 sd over up to {n_rep} runs per line)"
    ax.set_title(title)
    if hue is not None:
        ax.legend(title=hue, frameon=False)
    return ax


def plot_spectral(
    summary: pd.DataFrame,
    measures: Sequence[str] = ("spectral_gap", "lazy_rate", "fiedler_value"),
    ax: Axes | None = None,
    label: str = "topology",
) -> Axes:
    """Compare topologies' spectral predictors in a grouped bar chart.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per topology: a ``label`` column and one column per measure.
    measures : sequence of str
        Predictor columns to show, one group of bars each.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    label : str
        Column naming the topology.

    Returns
    -------
    matplotlib.axes.Axes
        ``len(measures) * len(summary)`` bars (``ax.patches``), grouped by measure
        on the x axis and coloured by topology; legend titled ``label``.

    Notes
    -----
    The measures are on their own scales (a spectral gap lies in ``[0, 1]``, the
    Fiedler value of a complete graph on ``n`` nodes is ``n``); pass the subset you
    want to compare side by side.

    Examples
    --------
    >>> import pandas as pd
    >>> import matplotlib.pyplot as plt
    >>> s = pd.DataFrame({"topology": ["ring", "complete"], "spectral_gap": [0.1, 1.0],
    ...                   "lazy_rate": [0.94, 0.37], "fiedler_value": [0.2, 1.0]})
    >>> ax = plot_spectral(s)
    >>> len(ax.patches)
    6
    >>> plt.close(ax.figure)
    """
    measures = [measures] if isinstance(measures, str) else list(measures)
    if not measures:
        raise bad("measures", measures, "at least one column name")
    _require(summary, "summary", [label, *measures])
    ax = _new_axes(ax)
    n = len(summary)
    width = 0.8 / n
    centres = np.arange(len(measures), dtype=float)
    colors = palette(range(n)).values()
    for i, (color, (_, row)) in enumerate(zip(colors, summary.iterrows())):
        values = row[measures].to_numpy(dtype=float)
        offsets = centres - 0.4 + (i + 0.5) * width
        ax.bar(offsets, values, width=width * 0.95, color=color, label=str(row[label]))
    ax.set_xticks(centres, measures)
    ax.set_xlabel("spectral predictor")
    ax.set_ylabel("value (dimensionless)")
    ax.set_title("Spectral predictors of collapse speed by topology")
    ax.legend(title=label, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_perspective(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Scatter a perspective-space map, coloured by node, first and last step emphasised.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`netcollapse.measures.disagreement.perspective_space`: columns ``node``,
        ``step``, ``dim1`` and ``dim2``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        One faint point cloud per node (``ax.collections[:n_nodes]``), then the
        first step's responses as large circles and the last step's as large
        crosses (two more collections; one when the map has a single step). The
        legend names up to :data:`MAX_NODE_LEGEND` nodes and the two steps.

    Notes
    -----
    Mirrors Fig. 3 of Wang et al. 2025 (arXiv 2506.15690): distinct clouds at the
    start and near point masses close together at the end signal collapse.

    Examples
    --------
    >>> import pandas as pd
    >>> import matplotlib.pyplot as plt
    >>> f = pd.DataFrame({"node": [0, 0, 1, 1], "step": [0, 1, 0, 1],
    ...                   "dim1": [0.0, 0.4, 1.0, 0.5], "dim2": [0.0, 0.1, 0.0, 0.1]})
    >>> ax = plot_perspective(f)
    >>> len(ax.collections)
    4
    >>> plt.close(ax.figure)
    """
    from matplotlib.collections import Collection
    from matplotlib.patches import Patch

    _require(frame, "frame", ["node", "step", "dim1", "dim2"])
    ax = _new_axes(ax, figsize=(6.0, 5.0))
    nodes = list(frame["node"].drop_duplicates())
    colors = palette(nodes)
    legend_nodes = len(nodes) <= MAX_NODE_LEGEND
    for node in nodes:
        part = frame[frame["node"] == node]
        ax.scatter(
            part["dim1"],
            part["dim2"],
            s=12,
            alpha=0.35,
            color=colors[node],
            lw=0,
            label=f"node {node}" if legend_nodes else None,
        )
    first, last = frame["step"].min(), frame["step"].max()
    marks = [(first, "o", 55, "first")] + ([(last, "X", 90, "last")] if last != first else [])
    for step, marker, size, word in marks:
        part = frame[frame["step"] == step]
        ax.scatter(
            part["dim1"],
            part["dim2"],
            s=size,
            marker=marker,
            c=[colors[v] for v in part["node"]],
            edgecolors="black",
            linewidths=0.8,
            zorder=3,
            label=f"{word} step (t = {step})",
        )
    ax.set_xlabel("CMDS dimension 1")
    ax.set_ylabel("CMDS dimension 2")
    ax.set_title("Perspective space: joint CMDS of all responses")
    legend = ax.legend(frameon=False, fontsize="small")
    for handle in legend.legend_handles[-len(marks) :]:
        if isinstance(handle, (Collection, Patch)):  # the step markers' scatter handles
            handle.set_facecolor("lightgray")  # they are not one node's colour
    return ax


def plot_predictor_scatter(
    results: pd.DataFrame,
    predictor: str,
    measure: str,
    hue: str | None = "family",
    ax: Axes | None = None,
) -> Axes:
    """Scatter an observed collapse measure against a spectral predictor.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per run (the sweep's results table).
    predictor : str
        Column on the x axis (e.g. ``"lazy_rate"``).
    measure : str
        Column on the y axis (e.g. ``"rate"`` or ``"half_life"``).
    hue : str or None
        Column that colours the points (one legend entry per level); ``None``
        for a single colour.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        One collection per ``hue`` level; rows where the predictor or the measure
        is missing (for instance a half-life that never happened) are left out.
        The title gives Spearman's rank correlation and the number of points
        (:func:`~netcollapse.reports.figures.spearman_title`).

    Examples
    --------
    >>> import pandas as pd
    >>> import matplotlib.pyplot as plt
    >>> r = pd.DataFrame({"family": ["ring", "ring", "er", "er"],
    ...                   "lazy_rate": [0.9, 0.8, 0.5, 0.4], "rate": [0.95, 0.85, 0.6, 0.5]})
    >>> ax = plot_predictor_scatter(r, "lazy_rate", "rate")
    >>> sum(len(c.get_offsets()) for c in ax.collections)
    4
    >>> plt.close(ax.figure)
    """
    columns = [predictor, measure] + ([hue] if hue is not None else [])
    _require(results, "results", columns)
    data = results.dropna(subset=[predictor, measure])
    ax = _new_axes(ax)
    scatter_groups(ax, data, predictor, measure, hue, palette(hue_levels(data, hue)))
    ax.set_xlabel(predictor)
    ax.set_ylabel(measure)
    ax.set_title(f"{measure} vs {predictor} ({spearman_title(data[predictor], data[measure])})")
    if hue is not None and len(data):
        ax.legend(title=hue, frameon=False)
    return ax


def plot_study(study: Any, path: str | os.PathLike[str]) -> Path:
    """Write the stance topology study's figure as PNG (``netcollapse study --out``).

    The figure the report shows: :func:`~netcollapse.reports.figures.study_figure`
    (curves per graph beside the calibrated prediction, and the per-graph measure
    with its 95% interval against the calibrated prediction).

    Parameters
    ----------
    study : netcollapse.studies.stance.StanceStudy
    path : str or os.PathLike
        PNG file.

    Returns
    -------
    pathlib.Path
    """
    return save_figure(study_figure(study), path)


def save_figure(fig: Figure | Axes, path: str | os.PathLike[str]) -> Path:
    r"""Write a figure as PNG (dpi 120) atomically: temporary file, then rename.

    The file gets the permissions the umask allows (``0o666 & ~umask``), like
    every file the package writes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
        The figure (an Axes stands for its figure).
    path : str or os.PathLike
        Target file; must end in ``.png``. Missing parent folders are created.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import matplotlib.pyplot as plt
    >>> fig, _ = plt.subplots()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = save_figure(fig, pathlib.Path(tmp) / "f.png")
    ...     out.read_bytes()[:4] == b"\x89PNG"
    True
    >>> plt.close(fig)
    """
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise bad("path", str(path), "a file name ending in .png")
    figure = getattr(fig, "figure", None) if not hasattr(fig, "savefig") else fig
    if figure is None or not hasattr(figure, "savefig"):
        raise bad("fig", type(fig).__name__, "a matplotlib Figure or Axes")
    atomic_write_bytes(target, png(figure))
    return target
