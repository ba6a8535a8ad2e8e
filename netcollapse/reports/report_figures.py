"""The figures of ``netcollapse report``: one function per figure, each returning a Figure.

Figures are :class:`matplotlib.figure.Figure` objects made without
:mod:`matplotlib.pyplot` (no global backend, nothing to close; :func:`png` renders
them with Agg), :data:`WIDTH` inches at :data:`DPI` dots per inch (1200 px wide),
in seaborn's ``whitegrid`` style with larger fonts. Graph layouts have a fixed
seed, so the same input gives the same pixels.

Curve functions take a tidy step table with ``label`` (topology or sweep
condition), ``task`` (one curve per task), ``step`` and metric columns; several
tasks of one label are drawn as their mean with a band of +/- 1 standard deviation.
The style, colours, bands, scatters, predicted-vs-measured lines and the study
figure come from :mod:`netcollapse.reports.figures`, which ``netcollapse study`` and
:mod:`~netcollapse.reports.plotting` draw with too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from netcollapse.reports.figures import (
    DPI,
    STEP_LABEL,
    WIDTH,
    grid,
    identity_line,
    log_y,
    mark_events,
    mean_band,
    new_figure,
    outside_legend,
    palette,
    png,
    prediction_lines,
    rows_of,
    scatter_groups,
    spearman_title,
    study_figure,
    styled,
)

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


@styled
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
    fig, axes = new_figure()
    ax = axes[0, 0]
    values = steps[[c for c, _, _ in columns]].to_numpy(float)
    log = log and bool(np.all(values[np.isfinite(values)] > 0))
    for label, color in palette(steps["label"]).items():
        part = rows_of(steps, "label", label)
        for i, (col, ls, _) in enumerate(columns):
            mean_band(
                ax,
                part,
                col,
                color,
                log=log,
                ls=ls,
                alpha=0.18 if len(columns) == 1 else 0.1,
                label=str(label) if i == 0 else None,
            )
    mark_events(ax, events)
    if log:
        log_y(ax)
    n = int(steps.groupby("label")["task"].nunique().max())
    ax.set(
        xlabel=STEP_LABEL,
        ylabel=ylabel,
        ylim=ylim,
        title=title + (f"\nmean $\\pm$ 1 sd over {n} seeds per line" if n > 1 else ""),
    )
    outside_legend(ax, legend_title)
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


@styled
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
    fig, axes = new_figure()
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
    mark_events(ax, events)
    skipped = ", ".join(str(s) for s in t[~read])
    ax.set(
        xlabel=STEP_LABEL + (f"; no reads at t = {skipped}" if skipped else ""),
        ylabel="share of retrieved documents (0-1)",
        ylim=(0, 1.0),
        title=title,
    )
    outside_legend(ax, "source")
    return fig


@styled
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
    fig, axes = grid(len(steps), 4.6)
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


@styled
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
    fig, axes = grid(len(steps), 4.4)
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


@styled
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
    fig, axes = grid(len(panels), 5.0 if len(panels) == 1 else 3.8)
    for ax, p in zip(axes, panels):
        W = p["W"].tocoo()
        G: nx.Graph[int] = nx.Graph()
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


@styled
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
    fig, axes = new_figure(1, len(panels), height=5.2)
    colors = palette(results["label"])
    for ax, (x, y, xlabel, ylabel) in zip(axes[0], panels):
        data = results.dropna(subset=[x, y])
        scatter_groups(ax, data, x, y, "label", colors, size=60, alpha=0.85)
        if identity:
            identity_line(ax, data[x], data[y])
        ax.set(xlabel=xlabel, ylabel=ylabel, title=spearman_title(data[x], data[y], " tasks"))
    outside_legend(axes[0, -1], legend_title)
    fig.suptitle(title)
    return fig


@styled
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
    fig, axes = new_figure(1, 2, height=5.0)
    left, right = axes[0]
    prediction_lines(left, pred, measured, t=t)
    mark_events(left, events)
    values = np.concatenate([measured, pred["frobenius"].to_numpy(float)])
    if np.all(values[np.isfinite(values)] > 0):
        log_y(left)
    left.set(xlabel="step $t$", ylabel=ylabel, title="curves")
    left.legend(frameon=True, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    p = pred.set_index("step")["frobenius"].reindex(t).to_numpy(float)
    points = right.scatter(p, measured, c=t, cmap="viridis", s=40, edgecolors="black", lw=0.4)
    identity_line(right, p, measured)
    fig.colorbar(points, ax=right, label="step $t$")
    right.set(
        xlabel=f"predicted {ylabel}",
        ylabel=f"measured {ylabel}",
        title=f"per step: {spearman_title(p, measured)}",
    )
    right.legend(frameon=True, fontsize=9, loc="best")
    fig.suptitle(title)
    return fig
