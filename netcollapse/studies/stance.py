"""The LLM topology study: measured stance collapse per graph beside its predictions.

:func:`stance_study` reads a finished sweep of LLM runs with seeded stances (such
as ``experiments/llm_topology_study.yaml``) and one calibration run, and builds:

- per task: the measured curve of the corrected stance disagreement
  (``stance_corrected``), its half-life and time to twice its floor, and the same
  measures of the curve predicted from the calibration run's response
  (:mod:`netcollapse.theory.stance`) on the task's graph and seeds;
- per graph: the mean measure with a 95% t-interval over replicate seeds, the
  calibrated prediction, and the graph's SLEM (the one-number spectral
  predictor);
- the targets: Spearman rank correlation of measured vs calibrated over graph
  means (and vs SLEM), whether the complete graph's and the ring's intervals are
  separated, and for a two-group graph the gap between group-mean stances over
  time (polarization).

The calibration run must not be one of the sweep's tasks (the study's graphs are
then held out of the fit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from netcollapse.errors import DataError, bad
from netcollapse.measures.levels import level_measures
from netcollapse.measures.rates import first_round, geometric_rate
from netcollapse.measures.stats import (
    blocked_anova,
    line_fit,
    mean_interval,
    paired_interval,
    spearman,
)

__all__ = [
    "STUDY_MEASURES",
    "StanceStudy",
    "format_study",
    "predict_stance_run",
    "stance_study",
]

STUDY_MEASURES = (
    "half_life",
    "excess_half_life",
    "time_to_twice_floor",
    "retained_share",
    "stance_rate",
    "stance_gap_rate",
)


@dataclass(frozen=True)
class StanceStudy:
    """Result of :func:`stance_study`.

    Attributes
    ----------
    tasks : pandas.DataFrame
        One row per task: ``task_id``, ``graph``, ``seed``, measured and ``pred_``
        measures.
    graphs : pandas.DataFrame
        One row per graph: ``mean``, ``lo``, ``hi`` (95% t-interval over seeds) of
        the measure, ``n_seeds``, ``calibrated``, ``slem``.
    curves : pandas.DataFrame
        Per task and step: ``measured`` and ``predicted`` corrected stance
        disagreement, ``gap`` (group-mean stance difference).
    targets : dict
        ``spearman_calibrated``, ``spearman_slem``, ``complete_ring_separated``,
        the response and the measure used.
    """

    tasks: pd.DataFrame
    graphs: pd.DataFrame
    curves: pd.DataFrame
    targets: dict[str, Any]


def _calibration(folder: Path) -> Any:
    """Return the stance response of a calibration folder or of a run folder.

    A calibration folder (``netcollapse calibrate``) has no graph and nothing fitted to
    a curve; a run folder's response is fitted on its node rows, then its per-round
    variance on the run's own curve.
    """
    from netcollapse.runs.folder import load_run
    from netcollapse.studies.calibrate import load_calibration
    from netcollapse.theory.stance import fit_read_var, fit_stance_response

    if (Path(folder) / "calibration.json").is_file():
        return load_calibration(folder)
    if not (Path(folder) / "config.json").is_file():
        raise DataError(
            f"calibration: got {str(folder)!r}, expected a calibration folder (calibration.json) "
            "or a finished run folder (config.json, metrics.parquet, nodes.parquet) of an LLM "
            "run with llm.stances"
        )
    run = load_run(folder)
    assert run.nodes is not None  # load_run: a finished run has its node rows
    seed_stance = run.seed_stance()
    response = fit_stance_response(run.nodes, int(run.config["L"]))
    return fit_read_var(
        run.graph,
        seed_stance,
        response,
        run.column("stance_corrected"),
        seeds=int(run.stances["posts"]),
        memory=run.config["retrieval"]["memory"],
        publish=int(run.config["publish"]),
    )


def _calibration_model(folder: Path) -> str | None:
    """Return the model a calibration folder measured (``None`` for a run folder)."""
    from netcollapse._io import read_json

    path = Path(folder) / "calibration.json"
    if not path.is_file():
        return None
    return str(read_json(path, "a calibration (netcollapse calibrate)").get("model"))


def predict_stance_run(run: str | Path, calibration: str | Path) -> pd.DataFrame:
    """Predicted corrected stance disagreement of a finished LLM run with seeded stances.

    The response is fitted on ``calibration`` (another run); the run's own graph,
    seed stances (``config.json``'s ``stances.seed_stance``) and interventions
    give the schedule, so a graph that changes during the run is predicted as it
    changed (interventions that add a human corpus, ``h`` or ``inject``, are
    outside the model: :func:`~netcollapse.theory.stance.predict_stance_curve`
    raises).

    Parameters
    ----------
    run, calibration : str or Path
        Finished run folders (read by :func:`netcollapse.runs.folder.load_run`).

    Returns
    -------
    pandas.DataFrame
        ``step``, ``predicted``, ``measured`` (the run's ``stance_corrected``) and
        :func:`~netcollapse.spectral.predict_curve`'s ``signal`` and ``noise``.
    """
    from netcollapse.runs.folder import load_run
    from netcollapse.theory.stance import predict_stance_curve

    folder = load_run(run)
    seed_stance = folder.seed_stance()
    if any("inject" in e or "h" in e for e in folder.events):
        raise DataError(
            f"run: got {str(folder.path)!r} with an h or inject intervention, expected "
            "graph, rewire or freeze only (the stance model reads no human corpus)"
        )
    measured = folder.column("stance_corrected")
    response = _calibration(Path(calibration))
    pred = predict_stance_curve(
        folder.schedule.graph_at,
        seed_stance,
        response,
        len(measured) - 1,
        seeds=int(folder.stances["posts"]),
        memory=folder.config["retrieval"]["memory"],
        publish=int(folder.config["publish"]),
        persist=bool(folder.stances.get("persist", True)),
    )
    return pd.DataFrame(
        {
            "step": pred["step"],
            "predicted": pred["frobenius"],
            "measured": measured,
            "signal": pred["signal"],
            "noise": pred["noise"],
        }
    )


def stance_study(
    sweep: str | Path,
    calibration: str | Path,
    measure: str = "half_life",
    pairs: Sequence[tuple[str, str]] = (),
    reference: str | None = None,
) -> StanceStudy:
    """Measured vs predicted stance collapse per graph of a finished sweep.

    Parameters
    ----------
    sweep : str or Path
        A sweep folder whose tasks are LLM runs with ``llm.stances``.
    calibration : str or Path
        A calibration folder (``netcollapse calibrate``: no graph), or a finished run
        folder (not one of the sweep's tasks) to fit the response on.
    measure : {"half_life", "excess_half_life", "time_to_twice_floor", "retained_share", \
"stance_rate"}
        The curve measure compared across graphs
        (:func:`~netcollapse.measures.levels.excess_half_life`: the excess of
        ``F^2`` over its floor halves, defined when the floor is above ``F(0) / 2``;
        :func:`~netcollapse.measures.levels.retained_share`: mean of ``F(t) / F(0)``
        over ``t >= 1``, for curves that drop to a graph-dependent level;
        ``stance_rate``: :func:`~netcollapse.measures.rates.geometric_rate` of it from
        the run's first round of dynamics; ``stance_gap_rate``: the same of the gap
        between the two groups' mean stances, predicted by
        :func:`~netcollapse.theory.stance.predict_stance_gap` where the seeds only
        start the run and stores keep one round (NaN otherwise)).
    pairs : sequence of (str, str)
        Graph pairs ``(a, b)`` whose paired difference ``a - b`` over the shared
        seeds is reported with its 95% t-interval (seeds are blocks: with common
        random numbers every graph of one seed starts from the same round 0).
    reference : str, optional
        A graph every other graph is compared with, paired by seed (columns
        ``vs_ref``, ``vs_ref_lo``, ``vs_ref_hi`` of ``graphs``).

    Returns
    -------
    StanceStudy
    """
    from netcollapse.backends.embedding import MemoEmbedder, SentenceTransformerEmbedder
    from netcollapse.runs.runner import build_graph
    from netcollapse.runs.spec import parse_run
    from netcollapse.scenarios.interventions import Schedule
    from netcollapse.scenarios.stances import readout, seed_stances
    from netcollapse.sweeps.expand import expand
    from netcollapse.sweeps.folder import read_sweep
    from netcollapse.sweeps.spec import load_sweep
    from netcollapse.theory.stance import predict_stance_curve, predict_stance_gap

    if measure not in STUDY_MEASURES:
        raise bad("measure", measure, f"one of {', '.join(STUDY_MEASURES)}")
    folder = Path(sweep)
    if not folder.is_dir():
        raise DataError(f"sweep: got {str(folder)!r}, expected a sweep folder with results")
    found = read_sweep(folder)  # a damaged file: one DataError line naming it
    response = _calibration(Path(calibration))
    spec, base = load_sweep(found.spec)
    tasks = {t.task_id: t for t in expand(spec, base or found.base_dir)}
    results, steps = found.results, found.steps
    ok = results[results["status"] == "ok"]
    if "stance_corrected" not in steps.columns or ok.empty:
        raise DataError(
            f"sweep: got {str(folder)!r}, expected finished LLM tasks with "
            "llm.stances (a stance_corrected column)"
        )
    names = sorted(set(ok["graph"].astype(str))) if "graph" in ok.columns else []
    for field, value in [("pair", x) for pair in pairs for x in pair] + [("reference", reference)]:
        if value is not None and value not in names:
            raise bad(field, value, f"a graph of the sweep: one of {', '.join(names)}")
    embedders: dict[str, Any] = {}
    rows, curves = [], []
    cal_model = _calibration_model(Path(calibration))
    for _, res in ok.iterrows():
        task = tasks[res["task_id"]]
        run = parse_run(task.spec)
        named = [run.llm.defaults.model, *(n.get("model") for n in run.llm.nodes or [])]
        models = {m for m in named if m is not None}
        if cal_model is not None and models != {cal_model}:
            raise bad(
                "calibration",
                f"model {cal_model!r}",
                f"a calibration of the sweep's model {sorted(models)} (task {task.task_id})",
            )
        graph = build_graph(run, Path(task.base_dir) if task.base_dir else None)
        if run.llm.embedder not in embedders:
            # every task's readout embeds the same stance posts: each distinct one once
            embed = SentenceTransformerEmbedder(run.llm.embedder)
            embedders[run.llm.embedder] = MemoEmbedder(embed)
        stances = run.llm.stances
        if stances is None:  # a grid that varies llm.stances
            raise DataError(
                f"sweep: got task {task.task_id} without llm.stances, expected LLM tasks "
                "with llm.stances"
            )
        st = seed_stances(stances, graph, run.seed)
        z = readout(st, embedders[run.llm.embedder]).z
        schedule = Schedule(graph, run.interventions, seed=run.seed)
        pred = predict_stance_curve(
            schedule.graph_at,
            z,
            response,
            run.T,
            seeds=stances.posts,
            memory=run.retrieval.memory,
            publish=run.llm.publish,
            persist=stances.persist,
        )["frobenius"].to_numpy()
        s = steps[steps["task_id"] == res["task_id"]].sort_values("step")
        F = s["stance_corrected"].to_numpy(float)
        mm, pm = level_measures(F), level_measures(pred)
        first = first_round({"stances": {"persist": stances.persist}})
        mm["stance_rate"] = geometric_rate(F, first)[0]
        pm["stance_rate"] = geometric_rate(pred, first)[0]
        gap = s["stance_gap"].to_numpy(float)
        mm["stance_gap_rate"] = geometric_rate(gap, first)[0]
        pm["stance_gap_rate"] = math.nan  # the expected gap: seeds that only start, memory 1
        if not stances.persist and run.retrieval.memory == 1 and not run.interventions:
            expected = predict_stance_gap(graph, z, response, run.T)
            pm["stance_gap_rate"] = geometric_rate(expected, 0)[0]
        full = s["corrected"].to_numpy(float)
        mm["corrected_rate"] = geometric_rate(full, first)[0]
        mm["corrected_ratio"] = float(full[-1] / full[first]) if full[first] > 0 else math.nan
        mm["diversity_first"] = float(s["diversity"].iloc[0])
        mm["diversity_last"] = float(s["diversity"].iloc[-1])
        name = str(res.get("graph", graph.family))
        rows.append(
            {
                "task_id": res["task_id"],
                "graph": name,
                "seed": int(res["seed"]),
                "slem": float(res.get("slem", math.nan)),
                **mm,
                **{f"pred_{k}": v for k, v in pm.items() if k != "notes"},
            }
        )
        curves.append(
            pd.DataFrame(
                {
                    "task_id": res["task_id"],
                    "graph": name,
                    "step": s["step"].to_numpy(),
                    "measured": F,
                    "predicted": pred,
                    "gap": s["stance_gap"].to_numpy(float),
                }
            )
        )
    table = pd.DataFrame(rows)
    graphs = []
    for graph_name, g in table.groupby("graph", sort=False):
        m, lo, hi = mean_interval(g[measure].to_numpy(float))
        graphs.append(
            {
                "graph": graph_name,
                "mean": m,
                "lo": lo,
                "hi": hi,
                "n_seeds": int(np.isfinite(g[measure].to_numpy(float)).sum()),
                "calibrated": float(g[f"pred_{measure}"].mean()),
                "slem": float(g["slem"].mean()),
            }
        )
    per = pd.DataFrame(graphs)
    for col in ("corrected_rate", "corrected_ratio", "diversity_first", "diversity_last"):
        per[col] = per["graph"].map(table.groupby("graph")[col].mean())
    if reference is not None:
        diffs = [paired_interval(table, measure, g, reference) for g in per["graph"]]
        per["vs_ref"] = [d["mean"] for d in diffs]
        per["vs_ref_lo"] = [d["lo"] for d in diffs]
        per["vs_ref_hi"] = [d["hi"] for d in diffs]
    sep = math.nan
    if {"complete", "ring"} <= set(per["graph"]):
        by_graph = per.set_index("graph")
        (c_lo, c_hi), (r_lo, r_hi) = (
            (float(by_graph["lo"][k]), float(by_graph["hi"][k])) for k in ("complete", "ring")
        )
        if all(math.isfinite(v) for v in (c_lo, c_hi, r_lo, r_hi)):
            sep = bool(c_hi < r_lo or r_hi < c_lo)
    targets = {
        "measure": measure,
        "spearman_calibrated": spearman(per["mean"], per["calibrated"]),
        "spearman_slem": spearman(per["mean"], per["slem"]),
        "complete_ring_separated": sep,
        "line_calibrated": line_fit(per["calibrated"], per["mean"]),
        "anova": blocked_anova(table, measure),
        "pairs": [paired_interval(table, measure, a, b) for a, b in pairs],
        "reference": reference,
        "response": response.to_dict(),
    }
    return StanceStudy(table, per, pd.concat(curves, ignore_index=True), targets)


def format_study(study: StanceStudy) -> str:
    """Plain-text report of a :class:`StanceStudy` (the table and the targets)."""
    t = study.targets
    r = t["response"]
    lines = [
        f"calibrated response: slope {r['slope']:.3f} (se {r['slope_se']:.3f}), prior "
        f"{r['prior']:+.3f}, answer var {r['answer_var']:.4f}, context var "
        f"{r['context_var']:.4f}, pick var {r['pick_var']:.4f}, per-round var "
        f"{r['round_var']:.4f} ("
        + ("moment estimate" if r.get("read_var") is None else "fitted to the calibration curve")
        + f"), R^2 {r['r2']:.2f}, {r['rows']} rows",
        f"measure: {t['measure']} of the corrected stance disagreement (95% t-interval over seeds)",
        f"{'graph':<14}{'measured':>10}{'95% interval':>20}{'seeds':>7}{'calibrated':>12}"
        f"{'slem':>8}",
    ]
    ref = t.get("reference")
    for _, g in study.graphs.iterrows():
        ival = f"[{g['lo']:.2f}, {g['hi']:.2f}]"
        line = (
            f"{g['graph']:<14}{g['mean']:>10.2f}{ival:>20}{g['n_seeds']:>7d}"
            f"{g['calibrated']:>12.2f}{g['slem']:>8.3f}"
        )
        if ref is not None:
            line += f"   - {ref}: {g['vs_ref']:+.3f} [{g['vs_ref_lo']:+.3f}, {g['vs_ref_hi']:+.3f}]"
        lines.append(line)
    fit, aov = t["line_calibrated"], t["anova"]
    lines += [
        f"Spearman measured vs calibrated (graph means): {t['spearman_calibrated']:+.3f}",
        f"Spearman measured vs SLEM: {t['spearman_slem']:+.3f}",
        f"least-squares line, measured on calibrated (graph means): slope {fit['slope']:.3f} "
        f"[{fit['slope_lo']:.3f}, {fit['slope_hi']:.3f}], intercept {fit['intercept']:+.3f}, "
        f"R^2 {fit['r2']:.2f}",
        f"two-way ANOVA, graph x seed ({aov['conditions']} graphs, {aov['blocks']} complete "
        f"seeds): graph F {aov['F_condition']:.2f} (p {aov['p_condition']:.2g}), seed F "
        f"{aov['F_block']:.2f} (p {aov['p_block']:.2g}), residual SD {aov['residual_sd']:.3f}",
        f"complete and ring intervals separated: {t['complete_ring_separated']}",
    ]
    for d in t["pairs"]:
        lines.append(
            f"paired {d['a']} - {d['b']}: {d['mean']:+.3f} [{d['lo']:+.3f}, {d['hi']:+.3f}] "
            f"over {d['n']} seeds, positive in {d['positive']}"
        )
    lines.append(
        f"{'graph':<16}{'full-embedding rate':>20}{'F(T)/F(0)':>11}{'diversity 0 -> T':>19}"
    )
    for _, g in study.graphs.iterrows():
        div = f"{g['diversity_first']:.3f} -> {g['diversity_last']:.3f}"
        lines.append(
            f"{g['graph']:<16}{g['corrected_rate']:>20.3f}{g['corrected_ratio']:>11.2f}{div:>19}"
        )
    gaps = study.curves.groupby(["graph", "step"])["gap"].mean().unstack("step")
    if "sbm" in gaps.index:
        lines.append(
            "sbm gap between group-mean stances, by step: "
            + " ".join(f"{v:+.2f}" for v in gaps.loc["sbm"].to_numpy())
        )
    return "\n".join(lines)
