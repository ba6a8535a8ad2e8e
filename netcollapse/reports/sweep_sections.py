"""The sections of a sweep folder's report.

:func:`add_sweep` adds the spectral summary and collapse measures per graph, the
predictor table and scatter, predicted vs measured per task (or, for an LLM sweep
with ``--calibration``, the stance study of :mod:`netcollapse.studies.stance`),
and the graphs of the sweep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcollapse.reports.page import Report
from netcollapse.reports.sections import stance_colors
from netcollapse.reports.sources import Source

__all__ = ["LABELS", "SPECTRAL", "add_sweep"]

#: Axis descriptions (meaning and unit) of the columns a scatter may show.
LABELS = {
    "slem": "SLEM of W (second largest eigenvalue modulus; near 1 = slow mixing)",
    "half_life": "half-life of $\\|D(t)\\|_F$ (steps)",
    "time_to_twice_floor": "time to twice the floor (steps)",
    "area_above_floor": "area of $\\|D(t)\\|_F$ above its floor (distance x steps)",
    "stance_retained_share": "retained share of stance disagreement (mean D(t)/D(0))",
}
SPECTRAL = (
    "n",
    "n_edges",
    "slem",
    "spectral_gap",
    "lazy_rate",
    "fiedler_value",
    "mixing_time_upper",
    "kemeny_constant",
    "degree_heterogeneity",
    "note",
)


def add_sweep(src: Source, rep: Report, calibration: Path | None, measure: str) -> None:
    """Add a sweep folder's sections: per-graph tables, predictors, prediction or study, graphs."""
    from netcollapse.reports import report_figures as rf
    from netcollapse.sweeps.analysis import predictor_table

    res = src.results
    assert res is not None  # a sweep's Source has its results table
    if "stance_corrected" in src.steps and "stance_retained_share" not in res:
        from netcollapse.measures.levels import retained_share

        share = (
            src.steps.sort_values("step")
            .groupby("task")["stance_corrected"]
            .apply(lambda F: retained_share(F.to_numpy(float)))
        )
        res = res.assign(stance_retained_share=res["task_id"].map(share))
    ok, failed = res[res["status"] == "ok"], res[res["status"] != "ok"]
    if len(failed):
        rep.notes.append(
            f"{len(failed)} of {len(res)} tasks failed; first error: {failed['error'].iloc[0]}"
        )
    by = ok.groupby("label", sort=False)
    rep.table(
        "spectral",
        "Spectral summary per graph (first task of each)",
        by[[c for c in SPECTRAL if c in ok]].first().rename_axis(src.legend).reset_index(),
    )
    cols = [
        c
        for c in (
            "half_life",
            "time_to_twice_floor",
            "floor",
            "final_frobenius",
            "pred_half_life",
            "curve_error",
            "stance_retained_share",
        )
        if c in ok
    ]
    rep.table(
        "measures",
        "Collapse measures per graph (mean over seeds)",
        by[cols].mean().assign(tasks=by.size()).rename_axis(src.legend).reset_index(),
    )
    y = next(
        (
            c
            for c in (
                "stance_retained_share",
                "half_life",
                "time_to_twice_floor",
                "area_above_floor",
            )
            if c in ok and ok[c].notna().sum() >= 3
        ),
        None,
    )
    table = predictor_table(ok, n_boot=200, seed=0) if y is not None else pd.DataFrame()
    sp = (
        table[(table["method"] == "spearman") & np.isfinite(table["r"].to_numpy(float))]
        if len(table)
        else table
    )
    if y is not None and len(sp):  # (no y: an empty table)
        rows = sp[["r", "lo", "hi", "n"]].itertuples(index=False, name=None)
        cells = sp.assign(
            cell=[f"{r:+.2f} [{lo:+.2f}, {hi:+.2f}], n {n:.0f}" for r, lo, hi, n in rows]
        )
        rep.table(
            "predictors",
            "Predictor table (Spearman r [95% bootstrap interval], tasks)",
            cells.pivot(index="predictor", columns="measure", values="cell")
            .rename_axis(columns=None)
            .reset_index()
            .fillna("-"),
        )
        x = "slem" if "slem" in set(sp["predictor"]) else sp["predictor"].iloc[0]
        rep.fig(
            "predictor_scatter",
            f"{y} against {x}, one point per task",
            rf.scatters(
                ok,
                [(x, y, LABELS.get(x, x), LABELS.get(y, y))],
                legend_title=src.legend,
                title=f"Spectral predictor vs measured collapse: {y} against {x}",
            ),
        )
    else:
        rep.notes.append(
            "Predictor scatter: fewer than 3 finished tasks with a finite measure "
            "and a varying predictor."
        )
    pairs = [
        (
            f"pred_{c}",
            c,
            f"predicted {c.replace('_', ' ')} (steps)",
            f"measured {c.replace('_', ' ')} (steps)",
        )
        for c in ("half_life", "time_to_twice_floor")
        if f"pred_{c}" in ok
    ]
    if pairs:
        rep.fig(
            "predicted_vs_measured",
            "Measures of the predicted curve against the measured ones, per task",
            rf.scatters(
                ok,
                pairs,
                legend_title=src.legend,
                identity=True,
                title="Predicted (linear model, before simulating) vs measured, per task",
            ),
        )
    elif calibration is not None:
        _study(src, rep, calibration, measure)
    else:
        rep.notes.append(
            "Predicted vs measured: an LLM sweep with seeded stances needs "
            "--calibration RUN (as netcollapse study does)."
        )
    rep.notes.append(
        "D(t) heatmaps and perspective maps: a sweep folder keeps per-step "
        "metrics, not node states; report one run folder for them."
    )
    _sweep_graphs(src, rep, ok)


def _study(src: Source, rep: Report, calibration: Path, measure: str) -> None:
    from netcollapse.reports import report_figures as rf
    from netcollapse.studies.stance import stance_study

    try:
        study = stance_study(src.path, calibration, measure=measure)
    except KeyError as exc:  # a task id the spec no longer expands to
        rep.notes.append(
            f"Stance study: task {exc} of results.parquet is not among the tasks "
            "its sweep.json spec expands to now (the resolved run spec, which task "
            "ids hash, changed since the sweep ran); netcollapse study fails too."
        )
        return
    rep.fig(
        "predicted_vs_measured",
        "Stance study (netcollapse study): measured vs calibrated",
        rf.study_figure(study, src.events),
    )
    rep.table(
        "study", f"Stance study: {measure} per graph (95% t-interval over seeds)", study.graphs
    )
    items = {
        **{k: v for k, v in study.targets.items() if k != "response"},
        **{f"response.{k}": v for k, v in study.targets["response"].items()},
    }
    rep.table(
        "study_targets",
        "Study targets and calibrated response",
        pd.DataFrame(
            {
                "key": list(items),
                "value": [f"{v:.4g}" if isinstance(v, float) else str(v) for v in items.values()],
            }
        ),
    )


def _sweep_graphs(src: Source, rep: Report, ok: pd.DataFrame) -> None:
    from netcollapse.reports import report_figures as rf
    from netcollapse.runs.runner import build_graph
    from netcollapse.runs.spec import parse_run
    from netcollapse.scenarios.stances import assign_stances
    from netcollapse.spectral.rates import stationary_distribution

    panels, stance = [], {}
    for label, rows in list(ok.groupby("label", sort=False))[:12]:
        task = src.tasks.get(rows["task_id"].iloc[0])
        if task is None:
            continue
        run = parse_run(task.spec)
        graph = build_graph(run, Path(task.base_dir) if task.base_dir else None)
        if graph.n > 400:
            continue
        panel: dict[str, Any] = {"name": str(label), "W": graph.W}
        if run.engine == "llm" and run.llm.stances is not None:
            panel["categories"] = assign_stances(run.llm.stances, graph)
            stance = stance_colors(run.llm.stances)
        else:
            panel["values"] = stationary_distribution(graph.W)
        panels.append(panel)
    if panels:
        what = "seeded stance" if stance else "stationary weight (long-run influence)"
        rep.fig(
            "graph",
            f"The graphs (spring layout, seed 0; first task of each), nodes "
            f"coloured by {what}: a sweep keeps no final node states",
            rf.graph_panels(
                panels,
                title=f"Retrieval graphs, nodes coloured by {what}",
                cbar="stationary weight $\\pi_i$",
                colors=stance,
                legend="seeded stance",
            ),
        )
