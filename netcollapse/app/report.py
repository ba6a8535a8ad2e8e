"""``netcollapse report FOLDER``: one self-contained HTML page of a run or sweep folder.

Written all at once (into a temporary folder, then renamed: a failed report leaves
nothing, a finished one replaces the old one) to ``FOLDER/report/`` or ``--out DIR``:

``report.html``
    The resolved configuration (``config.json`` or the sweep spec), the spectral
    summary of the graph(s), the collapse measures (beside the predicted ones
    where there is a prediction), the interventions (when the configuration
    lists some), the predictor table (sweeps), the stance study (LLM sweeps with
    ``--calibration``), every figure inline as a base64 PNG, and notes on the
    figures that do not apply. On ``load`` a small script counts the images that
    decoded: ``<body data-images-ok="N" data-images-total="M">``.
``NN_name.png``
    The figures (:mod:`netcollapse.app.report_figures`), 1200 px wide:
    ``collapse_curves``, ``corrected_vs_raw`` (LLM), ``diversity``,
    ``perspective`` and ``distance_heatmap`` (LLM runs with ``embeddings.npz``),
    ``predictor_scatter`` (sweeps), ``predicted_vs_measured``,
    ``retrieval_composition`` and ``graph``.

Predictions: a GMM run from its own ``config.json`` with
:func:`netcollapse.runs.runner.predict_spec` (as ``netcollapse predict``); an
LLM stance run or sweep with ``--calibration RUN`` through the calibrated stance
model (:func:`netcollapse.studies.stance.stance_study`, as ``netcollapse study``).

The folder is read by :mod:`netcollapse.app.report_sources`.
"""

from __future__ import annotations

import argparse
import base64
import html
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcollapse._io import atomic_write_bytes, atomic_write_dir, atomic_write_text, dumps
from netcollapse.app.report_sources import Source, load_source, parse_steps
from netcollapse.errors import NetcollapseError, bad

__all__ = [
    "Report",
    "add_report_parser",
    "build_report",
    "load_source",
    "parse_steps",
    "report_command",
]

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
MEASURES = ("half_life", "time_to_twice_floor", "floor", "area_above_floor", "late_rate", "notes")


# ----------------------------------------------------------------------------- content
@dataclass
class Report:
    """What goes on the page: figures (file name, caption, PNG), tables, notes."""

    figures: list[tuple[str, str, bytes]] = field(default_factory=list)
    tables: list[tuple[str, str, str]] = field(default_factory=list)  # id, title, html
    notes: list[str] = field(default_factory=list)

    def fig(self, name: str, caption: str, figure: Any) -> None:
        """Add a figure (rendered to PNG now)."""
        from netcollapse.app.report_figures import png

        self.figures.append((f"{len(self.figures) + 1:02d}_{name}.png", caption, png(figure)))

    def table(self, key: str, title: str, frame: pd.DataFrame) -> None:
        """Add a table."""
        self.tables.append(
            (
                key,
                title,
                frame.to_html(
                    index=False,
                    border=0,
                    na_rep="-",
                    classes="tbl",
                    float_format=lambda v: f"{v:.4g}",
                ),
            )
        )


def _curves(src: Source, rep: Report) -> None:
    from netcollapse.app import report_figures as rf

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


def _stance_colors(stances: Any) -> dict[str, str]:
    """Red for the positive stance, blue for the negative one (as on the coolwarm scale)."""
    get = stances.get if isinstance(stances, dict) else lambda k, d: getattr(stances, k, d)
    return {get("positive", "bullish"): "#c0392b", get("negative", "bearish"): "#2c6fb5"}


def _run(src: Source, rep: Report, steps: list[int], calibration: Path | None) -> None:
    from netcollapse.app import report_figures as rf
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
                perspective_space(emb), steps, stances.get("node_stance"), _stance_colors(stances)
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
    from netcollapse.app import report_figures as rf
    from netcollapse.measures.curves import curve_measures

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


def _sweep(src: Source, rep: Report, calibration: Path | None, measure: str) -> None:
    from netcollapse.app import report_figures as rf
    from netcollapse.sweeps.analysis import predictor_table

    res = src.results
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
    if len(sp):
        cells = sp.assign(
            cell=[f"{r.r:+.2f} [{r.lo:+.2f}, {r.hi:+.2f}], n {r.n:.0f}" for r in sp.itertuples()]
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
    from netcollapse.app import report_figures as rf
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
    from netcollapse.app import report_figures as rf
    from netcollapse.runs.runner import build_graph
    from netcollapse.runs.spec import parse_run
    from netcollapse.scenarios.stances import assign_stances
    from netcollapse.spectral.rates import stationary_distribution

    panels, stance = [], {}
    for label, rows in list(ok.groupby("label", sort=False))[:12]:
        task = src.tasks.get(rows["task_id"].iloc[0])
        run = parse_run(task.spec) if task is not None else None
        graph = build_graph(run, Path(task.base_dir) if task.base_dir else None) if run else None
        if graph is None or graph.n > 400:
            continue
        panel: dict[str, Any] = {"name": str(label), "W": graph.W}
        if run.engine == "llm" and run.llm.stances is not None:
            panel["categories"] = assign_stances(run.llm.stances, graph)
            stance = _stance_colors(run.llm.stances)
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


# ----------------------------------------------------------------------------- page
_SCRIPT = (
    "<script>window.addEventListener('load', function () { var ok = 0, im = "
    "document.images; for (var i = 0; i < im.length; i++) { if (im[i].complete && "
    "im[i].naturalWidth > 0) { ok++; } } document.body.setAttribute('data-images-ok', "
    "String(ok)); document.body.setAttribute('data-images-total', String(im.length)); });"
    "</script>"
)
_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;"
    "color:#222}img{max-width:100%;border:1px solid #ddd}.tbl{border-collapse:collapse;"
    "font-size:13px;margin:.5em 0}.tbl td,.tbl th{padding:3px 8px;border-bottom:1px solid "
    "#ddd;text-align:right}.tbl td:first-child,.tbl th:first-child{text-align:left}"
    "pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}figure{margin:1.5em 0}"
    "figcaption{color:#444;margin-top:.3em}nav a{margin-right:1em}"
    ".side{display:inline-block;vertical-align:top;margin-right:3em}"
)
_SIDE = ("summary", "spectral", "measures", "interventions", "study", "study_targets")


def render_html(src: Source, rep: Report, meta: dict[str, Any]) -> str:
    """Return the page, with every figure inline as a base64 PNG."""
    e = html.escape
    rows = "".join(f"<tr><th>{e(str(k))}</th><td>{e(str(v))}</td></tr>" for k, v in meta.items())
    sections = [("summary", "Summary", f'<table class="tbl">{rows}</table>')]
    sections += [(key, title, table) for key, title, table in rep.tables]
    if src.events:
        sections.append(
            (
                "interventions",
                "Interventions",
                pd.DataFrame(
                    {
                        "at": [x["at"] for x in src.events],
                        "action": [", ".join(k for k in x if k != "at") for x in src.events],
                        "settings": [
                            dumps({k: v for k, v in x.items() if k != "at"}) for x in src.events
                        ],
                    }
                ).to_html(index=False, border=0, classes="tbl"),
            )
        )
    sections.append(
        (
            "figures",
            "Figures",
            "".join(
                f'<figure id="fig-{e(name[:-4])}"><img alt="{e(caption)}" '
                f'src="data:image/png;base64,{base64.b64encode(data).decode()}">'
                f"<figcaption>{e(name)}: {e(caption)}</figcaption>"
                "</figure>"
                for name, caption, data in rep.figures
            ),
        )
    )
    sections.append(
        (
            "notes",
            "Notes: figures left out",
            "<ul>" + "".join(f"<li>{e(n)}</li>" for n in rep.notes) + "</ul>",
        )
    )
    sections.append(
        (
            "config",
            "Resolved configuration",
            f"<pre>{e(dumps(src.config, indent=2, sort_keys=True))}</pre>",
        )
    )
    nav = "".join(f'<a href="#{k}">{e(t.split(" (")[0].split(":")[0])}</a>' for k, t, _ in sections)
    body = "".join(
        f'<section id="{k}"{" class=side" if k in _SIDE else ""}><h2>{e(t)}</h2>{c}</section>'
        for k, t, c in sections
    )
    title = e(f"netcollapse report: {src.kind} {src.path.name}")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<style>{_CSS}</style>{_SCRIPT}</head><body data-images-ok="pending" '
        f'data-images-total="{len(rep.figures)}"><h1>{title}</h1><nav>{nav}</nav>{body}'
        "</body></html>\n"
    )


def build_report(
    path: str | Path,
    out: str | Path | None = None,
    *,
    calibration: str | Path | None = None,
    steps: str | None = None,
    measure: str = "half_life",
) -> tuple[Path, Report]:
    """Write the report of a run or sweep folder ``path`` into ``out`` (``path/report``).

    ``calibration`` is a run folder for the stance prediction (LLM with
    ``llm.stances``), ``steps`` the steps of the maps (``"0,T"``), ``measure`` the
    stance study's measure. Returns the report folder and what is on the page.
    """
    from netcollapse import __version__
    from netcollapse.studies.stance import STUDY_MEASURES

    if measure not in STUDY_MEASURES:
        raise bad("--measure", measure, f"one of {', '.join(STUDY_MEASURES)}")
    start = time.perf_counter()
    src = load_source(path)
    chosen = parse_steps(steps, src.T)
    target = Path(out) if out is not None else src.path / "report"
    if (
        target.exists()
        and not (target / "report.html").is_file()
        and (not target.is_dir() or any(target.iterdir()))
    ):
        raise bad(
            "--out",
            str(target),
            "a new or empty folder, or a report folder to replace (this one holds other files)",
        )
    cal = Path(calibration) if calibration is not None else None
    if cal is not None and not (src.engine == "llm" and "stance_corrected" in src.steps):
        raise bad(
            "--calibration",
            str(calibration),
            "only with an LLM run or sweep with "
            f"llm.stances (this is a {src.engine} {src.kind} without stances)",
        )
    rep = Report()
    _curves(src, rep)
    _run(src, rep, chosen, cal) if src.kind == "run" else _sweep(src, rep, cal, measure)
    meta = {
        "folder": src.path.resolve(),
        "kind": src.kind,
        "engine": src.engine,
        "steps": f"0..{src.T}",
        "tasks": src.steps["task"].nunique(),
        "chosen steps": ", ".join(map(str, chosen)),
        "calibration": cal or "-",
        "netcollapse": __version__,
        "built in": f"{time.perf_counter() - start:.1f} s",
    }
    page = render_html(src, rep, meta)

    def write(folder: Path) -> None:
        for name, _, data in rep.figures:
            atomic_write_bytes(folder / name, data)
        atomic_write_text(folder / "report.html", page)

    return atomic_write_dir(target, write, replace=True), rep


def add_report_parser(sub: Any) -> None:
    """Register ``netcollapse report`` on the command's subparsers (imports nothing heavy)."""
    s = sub.add_parser(
        "report",
        help="write a self-contained HTML report of a run or sweep",
        description="Write report.html (figures inline) and the figure PNGs of "
        "a finished run folder or a sweep folder.",
    )
    s.add_argument("folder", metavar="RUN_OR_SWEEP_DIR", help="run folder or sweep folder")
    s.add_argument("--out", default=None, help="report folder (default FOLDER/report)")
    s.add_argument(
        "--calibration",
        default=None,
        help="calibration run folder: calibrated prediction (LLM with llm.stances)",
    )
    s.add_argument(
        "--steps",
        default=None,
        help="steps of the perspective maps and D(t) heatmaps (default 0,T)",
    )
    s.add_argument(
        "--measure",
        default="half_life",
        help="stance study measure with --calibration: half_life (default), "
        "excess_half_life, time_to_twice_floor or retained_share",
    )
    s.set_defaults(func=report_command)


def report_command(args: argparse.Namespace) -> int:
    """Run ``netcollapse report``: build the report, print where it is."""
    folder, rep = build_report(
        args.folder, args.out, calibration=args.calibration, steps=args.steps, measure=args.measure
    )
    print(f"report: {folder / 'report.html'} ({len(rep.figures)} figures, {len(rep.notes)} notes)")
    return 0
