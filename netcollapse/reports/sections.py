"""The sections of a report that every folder has, and those of a run folder.

:func:`add_curves` draws the collapse curves (run or sweep), the raw vs
noise-corrected disagreement (LLM), the within-node diversity and, for a sweep,
the retrieval composition; :func:`add_run` adds a run folder's perspective maps,
D(t) heatmaps, retrieval composition, spectral summary, predicted vs measured
curve and measures, and its graph. The sweep's sections are in
:mod:`~netcollapse.reports.sweep_sections`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcollapse.errors import NetcollapseError
from netcollapse.reports.page import Report
from netcollapse.reports.sources import Source

__all__ = ["MEASURES", "add_curves", "add_run", "stance_colors"]

MEASURES = ("half_life", "time_to_twice_floor", "floor", "area_above_floor", "late_rate", "notes")


def add_curves(src: Source, rep: Report) -> None:
    """Add the curves over time: collapse, raw vs corrected (LLM), diversity, sweep composition."""
    from netcollapse.reports import report_figures as rf

    s, kw = src.steps, {"legend_title": src.legend, "events": src.events}
    rep.fig(
        "collapse_curves",
        "Collapse curve ||D(t)||_F"
        + (" by graph, mean +/- 1 sd over seeds" if src.kind == "sweep" else " of the run"),
        rf.curves(
            s,
            [("frobenius", "-", "raw")],
            log=True,
            **kw,
            ylabel="$\\|D(t)\\|_F$ (distance between node states)",
            title="Collapse: disagreement between nodes over time",
        ),
    )
    if "corrected" in s:
        rep.fig(
            "corrected_vs_raw",
            "Raw ||D||_F (solid) and the noise-corrected between-node "
            "disagreement (dashed); the gap is the sampling floor of L answers",
            rf.curves(
                s,
                [("frobenius", "-", "raw $\\|D\\|_F$"), ("corrected", "--", "noise-corrected")],
                **kw,
                ylabel="disagreement (embedding distance)",
                title="Raw vs noise-corrected disagreement",
            ),
        )
    else:
        rep.notes.append(
            "Raw vs noise-corrected disagreement: only LLM runs have the "
            "`corrected` column (the GMM engine has no sampling split)."
        )
    col = "diversity" if "diversity" in s else "weight_diversity"
    if col in s:
        rep.fig(
            "diversity",
            f"Within-node diversity (`{col}`)",
            rf.curves(
                s,
                [(col, "-", col)],
                **kw,
                title="Within-node diversity over time",
                ylabel="variance of a node's L answers\n(squared embedding units)"
                if col == "diversity"
                else "Gini-Simpson diversity of a node's weights\n"
                "$1 - \\sum_b \\pi_b^2$ (0 = one component)",
            ),
        )
    if src.kind == "sweep":
        rep.fig(
            "retrieval_composition",
            "Synthetic share of the retrieved documents (the "
            "rest is human-written: human corpus and seed posts)",
            rf.curves(
                s,
                [("synthetic_share", "-", "synthetic")],
                **kw,
                ylim=(-0.02, 1.02),
                ylabel="synthetic share of retrieved documents (0-1)",
                title="Retrieval composition: synthetic share",
            ),
        )


def stance_colors(stances: Any) -> dict[str, str]:
    """Red for the positive stance, blue for the negative one (as on the coolwarm scale)."""
    get = stances.get if isinstance(stances, dict) else lambda k, d: getattr(stances, k, d)
    return {get("positive", "bullish"): "#c0392b", get("negative", "bearish"): "#2c6fb5"}


def add_run(src: Source, rep: Report, steps: list[int], calibration: Path | None) -> None:
    """Add a run folder's sections: maps at ``steps``, composition, spectrum, prediction, graph."""
    from netcollapse.reports import report_figures as rf
    from netcollapse.spectral import spectral_summary

    run, cfg = src.run, src.config
    nodes = run.nodes if run.nodes is not None else pd.DataFrame()
    stances = cfg.get("stances") or {}
    if (src.path / "embeddings.npz").is_file():
        from netcollapse.measures.perspective import perspective_space

        emb = run.embeddings()
        rep.fig(
            "perspective",
            f"Perspective (joint CMDS) maps at steps {steps}",
            rf.perspective_maps(
                perspective_space(emb), steps, stances.get("node_stance"), stance_colors(stances)
            ),
        )
        rep.fig(
            "distance_heatmap",
            f"D(t): distances between node mean embeddings at steps {steps}",
            rf.distance_heatmaps(emb.mean(axis=2), steps),
        )
    else:
        rep.notes.append(
            "Perspective maps and D(t) heatmaps: "
            + (
                "this run folder has no embeddings.npz."
                if src.engine == "llm"
                else "a GMM run's "
                "nodes.parquet holds each node's distance to the centroid, not its weights, so "
                "pairwise distances cannot be drawn (see the graph figure)."
            )
        )
    t = run.metrics["step"].to_numpy()
    shares = {
        f"synthetic ({'LLM answers' if src.engine == 'llm' else 'model points'})": run.metrics[
            "synthetic_share"
        ].to_numpy(float)
    }
    if "read_seeds" in nodes:
        per = nodes.groupby("step")[["read_seeds", "k"]].sum().reindex(t)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares["seed posts (stances)"] = (per["read_seeds"] / per["k"]).to_numpy(float)
    shares["human corpus"] = np.clip(1 - sum(shares.values()), 0, 1)
    rep.fig(
        "retrieval_composition",
        "What the nodes retrieved, per step",
        rf.composition(
            t, shares, title="Retrieval composition: human vs synthetic", events=src.events
        ),
    )
    graph = src.folder.graph  # the run's own graph (load_run: the one rule)
    summary = spectral_summary(graph)
    rep.table(
        "spectral",
        "Spectral summary of the graph",
        pd.DataFrame(
            {
                "predictor": summary.index,
                "value": [v if isinstance(v, str) else f"{v:.5g}" for v in summary],
            }
        ),
    )
    _run_prediction(src, rep, calibration)
    if graph.n > 400 or nodes.empty:
        rep.notes.append(f"Graph figure: left out ({graph.n} nodes, or no nodes.parquet).")
        return
    last = nodes[nodes["step"] == nodes["step"].max()].sort_values("node")
    T = int(last["step"].iloc[0])
    if "stance" in last:
        pos, neg = stances.get("positive", "+"), stances.get("negative", "-")
        values, style = (
            last["stance"],
            {
                "cmap": "coolwarm",
                "vcenter": 0.0,
                "cbar": f"stance readout at t = {T} (+: {pos}, -: {neg})",
            },
        )
    else:
        values, style = last["dist_to_centroid"], {"cbar": f"distance to the centroid at t = {T}"}
    rep.fig(
        "graph",
        "The retrieval graph, spring layout (seed 0), edge width = weight"
        + (" (the run's own graph; interventions may change it)" if src.events else ""),
        rf.graph_panels(
            [
                {
                    "name": f"{graph.family}, n = {graph.n}",
                    "W": graph.W,
                    "values": values.to_numpy(float),
                }
            ],
            title=f"Retrieval graph coloured by node state at t = {T}",
            **style,
        ),
    )


def _run_prediction(src: Source, rep: Report, calibration: Path | None) -> None:
    from netcollapse.measures.curves import curve_measures
    from netcollapse.reports import report_figures as rf

    m = src.run.metrics
    columns = {"measured": src.folder.summary.get("measures", {})}
    pred, column, what = None, "frobenius", "$\\|D(t)\\|_F$"
    if src.engine == "gmm":
        from netcollapse.runs.runner import predict_spec

        _, pred = predict_spec(src.folder.gmm_spec())
    elif calibration is not None:
        from netcollapse.studies.stance import predict_stance_run  # follows the run's schedule

        try:
            pred = predict_stance_run(src.path, calibration).rename(
                columns={"predicted": "frobenius"}
            )
        except NetcollapseError as exc:
            rep.notes.append(f"Calibrated prediction skipped: {exc}")
        column, what = "stance_corrected", "corrected stance disagreement"
        columns = {"measured": curve_measures(m[column].to_numpy(float)).to_dict()}
    if pred is None:
        rep.notes.append(
            "Predicted vs measured: the LLM engine has a (calibrated) model only "
            "for seeded stances, with --calibration RUN."
        )
    else:
        rep.fig(
            "predicted_vs_measured",
            f"Predicted (before simulating) vs measured {column}",
            rf.prediction(
                m["step"].to_numpy(),
                m[column].to_numpy(float),
                pred,
                ylabel=what,
                title=f"Predicted vs measured {column}",
                events=src.events,
            ),
        )
        columns["predicted"] = curve_measures(pred["frobenius"].to_numpy(float)).to_dict()
    rep.table(
        "measures",
        f"Collapse measures of {column}",
        pd.DataFrame(
            {"measure": MEASURES, **{k: [c.get(x) for x in MEASURES] for k, c in columns.items()}}
        ).fillna("-"),
    )
    rep.notes.append("Predictor scatter: a single run is one point; it needs a sweep.")
