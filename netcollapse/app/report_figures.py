"""The figures of ``netcollapse report``: one function per figure, each returning a Figure.

Figures are :class:`matplotlib.figure.Figure` objects made without
:mod:`matplotlib.pyplot` (no global backend, nothing to close; :func:`png` renders
them with Agg), :data:`WIDTH` inches at :data:`DPI` dots per inch (1200 px wide),
in seaborn's ``whitegrid`` style with larger fonts. Graph layouts have a fixed
seed, so the same input gives the same pixels.

Curve functions take a tidy step table with ``label`` (topology or sweep
condition), ``task`` (one curve per task), ``step`` and metric columns; several
tasks of one label are drawn as their mean with a band of +/- 1 standard deviation.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = [
    "DPI",
    "WIDTH",
    "composition",
    "curves",
    "distance_heatmaps",
    "graph_panels",
    "palette",
    "perspective_maps",
    "png",
    "prediction",
    "scatters",
    "study_figure",
]

WIDTH = 10.0  #: inches; at :data:`DPI` a figure is 1200 px wide
DPI = 120
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


def _styled(fn: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a figure function inside the report's style (fonts and seaborn whitegrid)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        import matplotlib
        import seaborn as sns

        with matplotlib.rc_context({**sns.axes_style("whitegrid"), **_RC}):
            return fn(*args, **kwargs)

    return wrapper


def _figure(nrows: int = 1, ncols: int = 1, height: float = 5.4) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def _grid(k: int, height_per_row: float, max_cols: int = 3) -> tuple[Figure, np.ndarray]:
    ncols = min(k, max_cols)
    fig, axes = _figure(math.ceil(k / ncols), ncols, height_per_row * math.ceil(k / ncols))
    for ax in axes.ravel()[k:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:k]


def png(fig: Figure) -> bytes:
    r"""Render a figure as PNG bytes (Agg, :data:`DPI`).

    Examples
    --------
    >>> png(Figure(figsize=(2, 1)))[:4]
    b'\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def palette(labels: Sequence[Any], fixed: dict[Any, Any] | None = None) -> dict[Any, Any]:
    """Return one colour per label (tab10 up to 10 labels, else husl); ``fixed`` ones win."""
    import seaborn as sns

    labels = list(dict.fromkeys(labels))
    colors = sns.color_palette("tab10" if len(labels) <= 10 else "husl", len(labels))
    return {k: (fixed or {}).get(k, c) for k, c in zip(labels, colors)}


def _events(ax: Any, events: Sequence[dict[str, Any]]) -> None:
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


def _log_y(ax: Any) -> None:
    """Log y axis labelled with plain numbers (0.5, 1, 2) instead of powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    lo, hi = ax.dataLim.intervaly
    wide = lo > 0 and hi / lo > 10  # within a decade, label 1, 2, 3, ..., 9
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if wide else np.arange(1, 10)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _legend(ax: Any, title: str | None = None, outside: bool = True, **kw: Any) -> None:
    if ax.get_legend_handles_labels()[0]:
        where = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)} if outside else {}
        ax.legend(title=title, frameon=True, framealpha=0.9, **{**where, **kw})


def _spearman(x: Any, y: Any) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return math.nan
    from scipy.stats import spearmanr

    return float(spearmanr(x[ok], y[ok]).statistic)


def _rho(r: float) -> str:
    return "n/a (< 3 points)" if math.isnan(r) else f"{r:+.2f}"


def _identity(ax: Any, *values: Any) -> None:
    v = np.concatenate([np.asarray(x, float) for x in values])
    if np.isfinite(v).any():
        lo, hi = np.nanmin(v), np.nanmax(v)
        ax.plot([lo, hi], [lo, hi], color="0.55", lw=1, ls=":", label="measured = predicted")


@_styled
def curves(
    steps: pd.DataFrame,
    columns: Sequence[tuple[str, str, str]],
    *,
    ylabel: str,
    title: str,
    legend_title: str = "topology",
    events: Sequence[dict] = (),
    log: bool = False,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """Draw metric curves per label (mean +/- 1 sd over tasks), a line style per column.

    Parameters
    ----------
    steps : pandas.DataFrame
        ``label``, ``task``, ``step`` and the columns.
    columns : sequence of (column, line style, description)
        With several columns a second legend names the line styles.
    ylabel, title, legend_title : str
    events : sequence of dict
        Interventions (each with an integer ``at``): dashed vertical lines.
    log : bool
        Log y axis (used only when every value is positive).
    ylim : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> s = pd.DataFrame({"label": "ring", "task": 0, "step": [0, 1, 2],
    ...                   "frobenius": [4.0, 2.0, 1.0]})
    >>> fig = curves(s, [("frobenius", "-", "raw")], ylabel="F", title="t", log=True,
    ...              events=[{"at": 1}])
    >>> fig.axes[0].get_yscale(), len(fig.axes[0].get_lines())  # the curve, the event
    ('log', 2)
    """
    fig, axes = _figure()
    ax = axes[0, 0]
    values = steps[[c for c, _, _ in columns]].to_numpy(float)
    log = log and bool(np.all(values[np.isfinite(values)] > 0))
    for label, color in palette(steps["label"]).items():
        part = steps[steps["label"] == label]
        for i, (col, ls, _) in enumerate(columns):
            stats = part.groupby("step")[col].agg(["mean", "std", "count"]).sort_index()
            t, mean = stats.index.to_numpy(float), stats["mean"].to_numpy(float)
            ax.plot(t, mean, color=color, ls=ls, lw=2.0, label=str(label) if i == 0 else None)
            if stats["count"].max() > 1:
                sd = stats["std"].fillna(0.0).to_numpy(float)
                lo = np.maximum(mean - sd, 0.05 * mean) if log else mean - sd
                ax.fill_between(
                    t, lo, mean + sd, color=color, lw=0, alpha=0.18 if len(columns) == 1 else 0.1
                )
    _events(ax, events)
    if log:
        _log_y(ax)
    n = int(steps.groupby("label")["task"].nunique().max())
    ax.set(
        xlabel=STEP_LABEL,
        ylabel=ylabel,
        ylim=ylim,
        title=title + (f"\nmean $\\pm$ 1 sd over {n} seeds per line" if n > 1 else ""),
    )
    _legend(ax, legend_title)
    if len(columns) > 1:
        from matplotlib.lines import Line2D

        first = ax.get_legend()
        ax.legend(
            [Line2D([], [], color="0.2", ls=ls, lw=2) for _, ls, _ in columns],
            [d for _, _, d in columns],
            title="line",
            loc="lower left",
            bbox_to_anchor=(1.01, 0.0),
            frameon=True,
        )
        ax.add_artist(first)
    return fig


@_styled
def composition(
    t: np.ndarray, shares: dict[str, np.ndarray], *, title: str, events: Sequence[dict] = ()
) -> Figure:
    """Draw stacked bars: the shares of what the nodes retrieved, per step that read.

    ``shares`` maps a source (``synthetic ...``, ``seed ...``, ``human ...``) to its
    share per step in ``t``; steps where it is NaN (nothing read) are left out.

    Examples
    --------
    >>> fig = composition(np.arange(3), {"human corpus": np.array([np.nan, 0.4, 0.2])},
    ...                   title="x")
    >>> len(fig.axes[0].patches)
    2
    """
    fig, axes = _figure()
    ax = axes[0, 0]
    colours = {"synthetic": "#d95f02", "seed": "#7570b3", "human": "#1b9e77"}
    read = np.all([np.isfinite(v) for v in shares.values()], axis=0)
    bottom = np.zeros(int(read.sum()))
    for name, v in shares.items():
        ax.bar(
            t[read],
            v[read],
            bottom=bottom,
            width=0.85,
            label=name,
            color=colours.get(name.split()[0], "0.6"),
        )
        bottom += v[read]
    _events(ax, events)
    skipped = ", ".join(str(s) for s in t[~read])
    ax.set(
        xlabel=STEP_LABEL + (f"; no reads at t = {skipped}" if skipped else ""),
        ylabel="share of retrieved documents (0-1)",
        ylim=(0, 1.0),
        title=title,
    )
    _legend(ax, "source")
    return fig


@_styled
def perspective_maps(
    frame: pd.DataFrame,
    steps: Sequence[int],
    groups: Sequence[str] | None = None,
    colors: dict[str, Any] | None = None,
) -> Figure:
    """Draw perspective (joint CMDS) maps of every answer, one panel per chosen step.

    ``frame`` is :func:`~netcollapse.measures.perspective.perspective_space` of a
    run's embeddings; points are coloured by the node's seeded stance (``groups``,
    ``colors`` fixing some colours), else by node.
    """
    fig, axes = _grid(len(steps), 4.6)
    key = (lambda v: groups[v]) if groups is not None else (lambda v: v)
    colors = palette([key(v) for v in sorted(frame["node"].unique())], colors)
    pad = 0.05 * max(np.ptp(frame["dim1"]), np.ptp(frame["dim2"]), 1e-9)
    lim = [(frame[d].min() - pad, frame[d].max() + pad) for d in ("dim1", "dim2")]
    for ax, s in zip(axes, steps):
        part = frame[frame["step"] == s]
        for value, color in colors.items():
            sel = part[[key(v) == value for v in part["node"]]]
            ax.scatter(
                sel["dim1"],
                sel["dim2"],
                s=28,
                alpha=0.7,
                color=color,
                lw=0,
                label=f"{value}" if groups is not None else f"node {value}",
            )
            means = sel.groupby("node")[["dim1", "dim2"]].mean()
            ax.scatter(
                means["dim1"],
                means["dim2"],
                s=90,
                marker="X",
                color=color,
                edgecolors="black",
                linewidths=0.8,
                zorder=3,
            )
        ax.set(
            xlim=lim[0],
            ylim=lim[1],
            xlabel="CMDS dimension 1",
            title=f"t = {s}",
            ylabel="CMDS dimension 2" if ax is axes[0] else None,
        )
    handles, labels = axes[0].get_legend_handles_labels()
    if len(labels) <= 16:
        fig.legend(
            handles,
            labels,
            title="seeded stance" if groups is not None else "node",
            loc="outside lower center",
            ncol=min(len(labels), 8),
            frameon=True,
        )
    fig.suptitle(
        "Perspective space: joint CMDS of all answers (embedding units)\n"
        "dots: answers, X: node means"
    )
    return fig


@_styled
def distance_heatmaps(X: np.ndarray, steps: Sequence[int]) -> Figure:
    r"""Draw ``D(t)``, distances between node states, at chosen steps on one colour scale.

    ``X`` has shape ``(T + 1, n, d)`` (LLM: each node's mean answer embedding);
    each panel's title gives ``||D(t)||_F``.

    Examples
    --------
    >>> X = np.zeros((2, 3, 2)); X[0, 1, 0] = 1.0
    >>> distance_heatmaps(X, [0, 1]).axes[0].get_title()
    't = 0: $\\|D\\|_F$ = 2'
    """
    from matplotlib.ticker import MaxNLocator

    D = [np.linalg.norm(X[s][:, None, :] - X[s][None, :, :], axis=-1) for s in steps]
    vmax = max(float(d.max()) for d in D) or 1.0
    fig, axes = _grid(len(steps), 4.4)
    for ax, s, d in zip(axes, steps, D):
        image = ax.imshow(d, cmap="viridis", vmin=0.0, vmax=vmax, interpolation="nearest")
        ax.set(
            xlabel="node j",
            ylabel="node i",
            title=f"t = {s}: $\\|D\\|_F$ = {np.sqrt((d**2).sum()):.3g}",
        )
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(False)
    fig.colorbar(image, ax=list(axes), label="distance between node means $D_{ij}(t)$")
    fig.suptitle("D(t): pairwise distances between node states")
    return fig


@_styled
def graph_panels(
    panels: Sequence[dict[str, Any]],
    title: str,
    *,
    cbar: str = "",
    cmap: str = "viridis",
    vcenter: float | None = None,
    colors: dict[str, Any] | None = None,
    legend: str = "",
) -> Figure:
    """Draw retrieval graphs (spring layout, seed 0), nodes coloured by a value per node.

    Each panel has ``name``, ``W`` (sparse ``n x n``; edge width = weight) and either
    ``values`` (a float per node; one colour scale, colorbar ``cbar``, diverging
    around ``vcenter`` if given) or ``categories`` (a string per node; one legend
    titled ``legend``, ``colors`` fixing some colours).

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> fig = graph_panels([{"name": "ring", "W": build("ring", n=5).W, "values": [1.0] * 5}],
    ...                    "x", cbar="value")
    >>> len(fig.axes)  # the graph and its colorbar
    2
    """
    import matplotlib
    import networkx as nx
    from matplotlib.colors import Normalize
    from matplotlib.patheffects import withStroke

    values = [np.asarray(p["values"], float) for p in panels if "values" in p]
    lo, hi = (
        (min(np.nanmin(v) for v in values), max(np.nanmax(v) for v in values))
        if values
        else (0.0, 1.0)
    )
    if vcenter is not None:
        r = max(abs(lo - vcenter), abs(hi - vcenter), 1e-9)
        lo, hi = vcenter - r, vcenter + r
    elif hi - lo < 1e-9 * max(1.0, abs(hi)):  # one value everywhere
        lo, hi = lo - 0.5 * abs(lo) - 1e-9, hi + 0.5 * abs(hi) + 1e-9
    norm, cm = Normalize(lo, hi), matplotlib.colormaps[cmap]
    fig, axes = _grid(len(panels), 5.0 if len(panels) == 1 else 3.8)
    for ax, p in zip(axes, panels):
        W = p["W"].tocoo()
        G = nx.Graph()
        G.add_nodes_from(range(W.shape[0]))
        G.add_weighted_edges_from(
            (int(i), int(j), float(w)) for i, j, w in zip(W.row, W.col, W.data) if i != j and w > 0
        )
        pos = nx.spring_layout(G, seed=0)
        weights = np.array([d["weight"] for _, _, d in G.edges(data=True)])
        widths = 0.6 + 2.4 * weights / weights.max() if weights.size else 1.0
        nx.draw_networkx_edges(G, pos, ax=ax, width=widths, edge_color="0.6", alpha=0.7)
        size = 260 if G.number_of_nodes() <= 40 else 60
        if "categories" in p:
            for value, color in palette(p["categories"], colors).items():
                nodes = [v for v, c in enumerate(p["categories"]) if c == value]
                nx.draw_networkx_nodes(
                    G,
                    pos,
                    nodelist=nodes,
                    ax=ax,
                    node_color=[color],
                    node_size=size,
                    edgecolors="black",
                    label=str(value),
                )
        else:
            nx.draw_networkx_nodes(
                G,
                pos,
                ax=ax,
                node_color=cm(norm(np.asarray(p["values"]))),
                node_size=size,
                edgecolors="black",
            )
        if G.number_of_nodes() <= 40:
            for text in nx.draw_networkx_labels(G, pos, ax=ax, font_size=9).values():
                text.set_path_effects([withStroke(linewidth=2.5, foreground="white")])
        ax.set_title(p["name"])
        ax.set_axis_off()
    if values:
        fig.colorbar(matplotlib.cm.ScalarMappable(norm, cm), ax=list(axes), label=cbar, shrink=0.85)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, title=legend, loc="outside lower center", ncol=len(labels))
    fig.suptitle(title)
    return fig


@_styled
def scatters(
    results: pd.DataFrame,
    panels: Sequence[tuple[str, str, str, str]],
    *,
    title: str,
    legend_title: str = "topology",
    identity: bool = False,
) -> Figure:
    """Draw one point per task (``results`` row) in each panel, Spearman's rho in its title.

    ``panels`` holds ``(x column, y column, x label, y label)``; ``identity`` draws
    ``y = x`` (predicted against measured).
    """
    fig, axes = _figure(1, len(panels), height=5.2)
    colors = palette(results["label"])
    for ax, (x, y, xlabel, ylabel) in zip(axes[0], panels):
        data = results.dropna(subset=[x, y])
        for label, color in colors.items():
            part = data[data["label"] == label]
            ax.scatter(
                part[x],
                part[y],
                s=60,
                color=color,
                alpha=0.85,
                edgecolors="white",
                label=str(label),
            )
        if identity:
            _identity(ax, data[x], data[y])
        ax.set(
            xlabel=xlabel,
            ylabel=ylabel,
            title=f"Spearman $\\rho$ = {_rho(_spearman(data[x], data[y]))} over {len(data)} tasks",
        )
    _legend(axes[0, -1], legend_title)
    fig.suptitle(title)
    return fig


@_styled
def prediction(
    t: np.ndarray,
    measured: np.ndarray,
    pred: pd.DataFrame,
    *,
    ylabel: str,
    title: str,
    events: Sequence[dict] = (),
) -> Figure:
    """Draw the predicted beside the measured curve, and their per-step scatter.

    ``pred`` has ``step``, ``frobenius`` and optionally ``signal`` (the mean path)
    and ``noise`` (the floor), as :func:`~netcollapse.runs.runner.predict_spec` gives.
    """
    fig, axes = _figure(1, 2, height=5.0)
    left, right = axes[0]
    left.plot(pred["step"], pred["frobenius"], color="C0", lw=2.2, label="predicted")
    for col, color, ls, name in (
        ("signal", "C0", "--", "predicted mean path (no noise)"),
        ("noise", "0.45", ":", "predicted noise floor"),
    ):
        if col in pred:
            v = pred[col].to_numpy(float)
            left.plot(
                pred["step"], np.where(v > 0, v, np.nan), color=color, ls=ls, lw=1.3, label=name
            )
    left.plot(t, measured, color="C3", lw=1.8, marker="o", ms=3, label="measured")
    _events(left, events)
    values = np.concatenate([measured, pred["frobenius"].to_numpy(float)])
    if np.all(values[np.isfinite(values)] > 0):
        _log_y(left)
    left.set(xlabel="step $t$", ylabel=ylabel, title="curves")
    left.legend(frameon=True, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    p = pred.set_index("step")["frobenius"].reindex(t).to_numpy(float)
    points = right.scatter(p, measured, c=t, cmap="viridis", s=40, edgecolors="black", lw=0.4)
    _identity(right, p, measured)
    fig.colorbar(points, ax=right, label="step $t$")
    right.set(
        xlabel=f"predicted {ylabel}",
        ylabel=f"measured {ylabel}",
        title=f"per step: Spearman $\\rho$ = {_rho(_spearman(p, measured))}",
    )
    right.legend(frameon=True, fontsize=9, loc="best")
    fig.suptitle(title)
    return fig


@_styled
def study_figure(study: Any, events: Sequence[dict] = ()) -> Figure:
    """Draw a :class:`~netcollapse.studies.stance.StanceStudy`: curves, measure vs calibrated."""
    fig, axes = _figure(1, 2, height=5.2)
    left, right = axes[0]
    g = study.graphs
    colors = palette(g["graph"])
    mean = study.curves.groupby(["graph", "step"])[["measured", "predicted"]].mean()
    for name, color in colors.items():
        left.plot(mean.loc[name].index, mean.loc[name]["measured"], color=color, lw=2)
        left.plot(mean.loc[name].index, mean.loc[name]["predicted"], color=color, lw=1.3, ls="--")
    _events(left, events)
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
    _identity(right, g["calibrated"], g["lo"], g["hi"], g["mean"])
    m = study.targets["measure"].replace("_", " ")
    right.set(
        xlabel=f"calibrated prediction: {m}",
        ylabel=f"measured {m}\n(mean, 95% interval over seeds)",
        title=f"per graph: Spearman $\\rho$ = {_rho(study.targets['spearman_calibrated'])}"
        f" (SLEM: {_rho(study.targets['spearman_slem'])})",
    )
    _legend(right, "graph")
    fig.suptitle("Stance collapse per graph: measured vs calibrated on the calibration run")
    return fig
