"""What the figures of :mod:`~netcollapse.reports.plotting` and of ``netcollapse report`` share.

One function per thing both draw, so a plot and a report page show it the same way:

- colours: :func:`palette` (one colour per label, tab10 up to 10 labels, else husl);
- curves: :func:`mean_band` (the mean of a column per step, with a band of +/- 1
  standard deviation where a step has several values);
- points: :func:`scatter_groups` (one point cloud per label) and
  :func:`spearman_title` (Spearman's rho and the number of points, by the one rule
  of :func:`netcollapse.measures.stats.spearman`);
- predicted vs measured: :func:`prediction_lines` (predicted curve, its mean path
  and noise floor, the measured curve) and :func:`identity_line` (``y = x``);
- the stance study figure, :func:`study_figure` (``netcollapse study --out`` and
  the report);
- the report's style: :func:`styled`, :func:`new_figure`, :func:`grid` (figures
  :data:`WIDTH` inches wide, made without :mod:`matplotlib.pyplot`), :func:`png`,
  :func:`mark_events`, :func:`log_y` and :func:`outside_legend`.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from netcollapse.measures.stats import spearman

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "BAND_FLOOR",
    "DPI",
    "STEP_LABEL",
    "WIDTH",
    "grid",
    "hue_levels",
    "identity_line",
    "log_y",
    "mark_events",
    "mean_band",
    "new_figure",
    "outside_legend",
    "palette",
    "png",
    "prediction_lines",
    "rho_text",
    "rows_of",
    "scatter_groups",
    "spearman_title",
    "study_figure",
    "styled",
]

WIDTH = 10.0  #: inches; at :data:`DPI` a report figure is 1200 px wide
DPI = 120  #: dots per inch of every PNG the package writes
#: On a log axis a band stops at this share of the mean (mean - sd may be <= 0).
BAND_FLOOR = 0.05
STEP_LABEL = "step $t$ (rounds of retrieve, generate, publish)"
_RC = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "legend.fontsize": 10,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5,
    "figure.dpi": DPI,
}


# --------------------------------------------------------------------------- style
def styled(fn: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a figure function inside the report's style (fonts and seaborn whitegrid)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        import matplotlib
        import seaborn as sns

        # keys: any rcParams name (matplotlib types them as one Literal of known names)
        style: dict[Any, Any] = {**sns.axes_style("whitegrid"), **_RC}
        with matplotlib.rc_context(style):
            return fn(*args, **kwargs)

    return wrapper


def new_figure(nrows: int = 1, ncols: int = 1, height: float = 5.4) -> tuple[Figure, np.ndarray]:
    """Return a :data:`WIDTH`-inch Figure (no pyplot) and its 2-D array of Axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def grid(k: int, height_per_row: float, max_cols: int = 3) -> tuple[Figure, np.ndarray]:
    """Return a Figure with ``k`` panels, at most ``max_cols`` per row (spare ones hidden)."""
    ncols = min(k, max_cols)
    fig, axes = new_figure(math.ceil(k / ncols), ncols, height_per_row * math.ceil(k / ncols))
    for ax in axes.ravel()[k:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:k]


def png(fig: Any) -> bytes:
    r"""Render a figure as PNG bytes at :data:`DPI`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> png(Figure(figsize=(2, 1)))[:4]
    b'\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def palette(labels: Iterable[Any], fixed: dict[Any, Any] | None = None) -> dict[Any, Any]:
    """Return one colour per distinct label (tab10 up to 10 labels, else husl); ``fixed`` wins.

    Examples
    --------
    >>> colours = palette(["ring", "star", "ring"], fixed={"star": "red"})
    >>> list(colours), colours["star"]
    (['ring', 'star'], 'red')
    """
    import seaborn as sns

    labels = list(dict.fromkeys(labels))
    colors = sns.color_palette("tab10" if len(labels) <= 10 else "husl", len(labels))
    return {k: (fixed or {}).get(k, c) for k, c in zip(labels, colors)}


def mark_events(ax: Any, events: Sequence[dict[str, Any]]) -> None:
    """Integer steps on the x axis; a dashed vertical line at every intervention's ``at``."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for i, at in enumerate(sorted({int(e["at"]) for e in events})):
        ax.axvline(
            at,
            color="0.35",
            ls="--",
            lw=1.1,
            zorder=1,
            label="intervention (at)" if i == 0 else None,
        )


def log_y(ax: Any) -> None:
    """Log y axis labelled with plain numbers (0.5, 1, 2) instead of powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    lo, hi = ax.dataLim.intervaly
    wide = lo > 0 and hi / lo > 10  # within a decade, label 1, 2, 3, ..., 9
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if wide else tuple(range(1, 10))))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def outside_legend(ax: Any, title: str | None = None, outside: bool = True, **kw: Any) -> None:
    """Draw a framed legend right of the axes (when anything is labelled)."""
    if ax.get_legend_handles_labels()[0]:
        where = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)} if outside else {}
        ax.legend(title=title, frameon=True, framealpha=0.9, **{**where, **kw})


# --------------------------------------------------------------------------- groups
def hue_levels(frame: pd.DataFrame, hue: str | None) -> list[Any]:
    """Return the levels of column ``hue`` in order of appearance (``[None]`` without one)."""
    return [None] if hue is None else list(frame[hue].drop_duplicates())


def rows_of(frame: pd.DataFrame, hue: str | None, level: Any) -> pd.DataFrame:
    """Return the rows of one level of ``hue`` (a NaN level selects the missing values)."""
    if hue is None:
        return frame
    if isinstance(level, float) and math.isnan(level):
        return frame[frame[hue].isna()]
    return frame[frame[hue] == level]


# --------------------------------------------------------------------------- curves
def mean_band(
    ax: Any,
    frame: pd.DataFrame,
    column: str,
    color: Any,
    *,
    log: bool = False,
    ls: str = "-",
    lw: float = 2.0,
    alpha: float = 0.18,
    label: str | None = None,
) -> int:
    """Plot the mean of ``column`` per ``step``, with a +/- 1 sd band where a step repeats.

    On a log axis (``log``) the band stops at :data:`BAND_FLOOR` times the mean.

    Returns
    -------
    int
        The most values any step had (1: a single curve, no band).

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> f = pd.DataFrame({"step": [0, 0, 1, 1], "F": [4.0, 2.0, 2.0, 1.0]})
    >>> mean_band(ax, f, "F", "C0"), ax.get_lines()[0].get_ydata().tolist()
    (2, [3.0, 1.5])
    """
    stats = frame.groupby("step")[column].agg(["mean", "std", "count"]).sort_index()
    t, mean = stats.index.to_numpy(float), stats["mean"].to_numpy(float)
    ax.plot(t, mean, color=color, ls=ls, lw=lw, label=label)
    count = int(stats["count"].max())
    if count > 1:
        sd = stats["std"].fillna(0.0).to_numpy(float)
        lower = np.maximum(mean - sd, BAND_FLOOR * mean) if log else mean - sd
        ax.fill_between(t, lower, mean + sd, color=color, lw=0, alpha=alpha)
    return count


def prediction_lines(ax: Any, pred: pd.DataFrame, measured: Any = None, t: Any = None) -> None:
    """Plot a predicted curve, its mean path and noise floor, and a measured curve.

    ``pred`` has ``step``, ``frobenius`` and optionally ``signal`` (the mean path,
    dashed) and ``noise`` (the floor, dotted), as
    :func:`~netcollapse.runs.runner.predict_spec` gives; values that are not
    positive are left out of those two (a log axis has no room for them). The
    measured curve is drawn last, in red, at steps ``t`` (default ``0, 1, ...``).

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> pred = pd.DataFrame({"step": [0, 1], "frobenius": [4.0, 2.1], "signal": [4.0, 2.0],
    ...                      "noise": [0.0, 0.5]})
    >>> prediction_lines(ax, pred, measured=[4.0, 2.2])
    >>> [line.get_label() for line in ax.get_lines()]
    ['predicted', 'predicted mean path (no noise)', 'predicted noise floor', 'measured']
    """
    ax.plot(pred["step"], pred["frobenius"], color="C0", lw=2.2, label="predicted")
    for col, color, ls, name in (
        ("signal", "C0", "--", "predicted mean path (no noise)"),
        ("noise", "0.45", ":", "predicted noise floor"),
    ):
        if col in pred:
            v = pred[col].to_numpy(float)
            ax.plot(
                pred["step"], np.where(v > 0, v, np.nan), color=color, ls=ls, lw=1.3, label=name
            )
    if measured is not None:
        F = np.asarray(measured, dtype=float)
        steps = np.arange(F.size) if t is None else np.asarray(t)
        ax.plot(steps, F, color="C3", lw=1.8, marker="o", ms=3, label="measured")


def identity_line(ax: Any, *values: Any) -> None:
    """Draw ``y = x`` (measured = predicted) over the range of the finite ``values``."""
    v = np.concatenate([np.asarray(x, float).ravel() for x in values])
    v = v[np.isfinite(v)]
    if v.size:
        lo, hi = v.min(), v.max()
        ax.plot([lo, hi], [lo, hi], color="0.55", lw=1, ls=":", label="measured = predicted")


# --------------------------------------------------------------------------- points
def rho_text(r: float) -> str:
    """Format a correlation with its sign, or ``n/a`` for NaN.

    Examples
    --------
    >>> rho_text(0.5), rho_text(float("nan"))
    ('+0.50', 'n/a')
    """
    return "n/a" if math.isnan(r) else f"{r:+.2f}"


def spearman_title(x: Any, y: Any, unit: str = "") -> str:
    r"""Say Spearman's rho of ``x`` and ``y`` and over how many finite pairs.

    The correlation is :func:`netcollapse.measures.stats.spearman` (NaN below 3
    finite pairs or with a constant side, shown as ``n/a``).

    Examples
    --------
    >>> print(spearman_title([1, 2, 3, float("nan")], [2, 4, 8, 1], " tasks"))
    Spearman $\rho$ = +1.00, n = 3 tasks
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = int((np.isfinite(x) & np.isfinite(y)).sum())
    return f"Spearman $\\rho$ = {rho_text(spearman(x, y))}, n = {n}{unit}"


def scatter_groups(
    ax: Any,
    data: pd.DataFrame,
    x: str,
    y: str,
    hue: str | None,
    colors: dict[Any, Any],
    *,
    size: float = 30.0,
    alpha: float = 0.8,
) -> None:
    """Scatter ``y`` against ``x``, one collection per level of ``hue`` (``colors``' keys).

    Every key of ``colors`` gets a collection (an empty one where it has no rows), so
    panels that share ``colors`` share their legend; without ``hue`` there is one
    collection and no label.
    """
    for level, color in colors.items():
        part = rows_of(data, hue, level)
        ax.scatter(
            part[x],
            part[y],
            s=size,
            alpha=alpha,
            color=color,
            edgecolors="white",
            linewidths=0.5,
            label=None if hue is None else str(level),
        )


# --------------------------------------------------------------------------- the study
@styled
def study_figure(study: Any, events: Sequence[dict] = ()) -> Figure:
    """Draw a :class:`~netcollapse.studies.stance.StanceStudy`: curves, measure vs calibrated.

    Left: the corrected stance disagreement per graph, mean over seeds (solid),
    beside the calibrated prediction (dashed). Right: the per-graph measure with
    its 95% interval over seeds against the calibrated prediction, Spearman's rho
    over graph means in the title.
    """
    fig, axes = new_figure(1, 2, height=5.2)
    left, right = axes[0]
    g = study.graphs
    colors = palette(g["graph"])
    mean = study.curves.groupby(["graph", "step"])[["measured", "predicted"]].mean()
    for name, color in colors.items():
        left.plot(mean.loc[name].index, mean.loc[name]["measured"], color=color, lw=2)
        left.plot(mean.loc[name].index, mean.loc[name]["predicted"], color=color, lw=1.3, ls="--")
    mark_events(left, events)
    left.set(
        xlabel="step $t$ (round)",
        ylabel="corrected stance disagreement\n"
        "(stance-axis units, sqrt of between-node sum of squares)",
        title="measured (solid, mean over seeds)\nvs calibrated prediction (dashed)",
    )
    for (_, row), color in zip(g.iterrows(), colors.values()):
        yerr = (
            [[row["mean"] - row["lo"]], [row["hi"] - row["mean"]]]
            if np.isfinite(row["lo"])
            else None
        )
        right.errorbar(
            row["calibrated"],
            row["mean"],
            yerr=yerr,
            fmt="o",
            ms=8,
            capsize=4,
            color=color,
            label=str(row["graph"]),
        )
    identity_line(right, g["calibrated"], g["lo"], g["hi"], g["mean"])
    m = study.targets["measure"].replace("_", " ")
    right.set(
        xlabel=f"calibrated prediction: {m}",
        ylabel=f"measured {m}\n(mean, 95% interval over seeds)",
        title=f"per graph: Spearman $\\rho$ = {rho_text(study.targets['spearman_calibrated'])}"
        f" (SLEM: {rho_text(study.targets['spearman_slem'])})",
    )
    outside_legend(right, "graph")
    fig.suptitle("Stance collapse per graph: measured vs predicted from the calibration")
    return fig
