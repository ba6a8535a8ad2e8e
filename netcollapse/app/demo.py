"""The default experiment behind ``make demo`` / ``netcollapse demo``.

1. Spectral predictors of every shipped topology family at n = 64, as a table
   (and the periodic cases that a zero self weight creates);
2. a topology comparison with the GMM surrogate (``experiments/compare_gmm.yaml``)
   and with the bundled LLM and embedder (``experiments/compare_llm.yaml``): both
   are sweep specs, run as ``netcollapse sweep`` runs them, into
   ``OUT/sweeps/compare_gmm`` and ``OUT/sweeps/compare_llm`` (finished tasks are
   reused when the demo runs again);
   The LLM comparison is a small version of the LLM rate study: nodes seeded with
   opposed stances that only start the run, complete graph vs ring, 3 seeds; it
   prints the rate at which the two stance groups converge per topology with its
   95% interval over seeds, the full embedding's corrected disagreement and the
   within-node diversity beside it, and the shipped study's result
   (:func:`stance_summary`);
3. figures of ``||D||_F`` (GMM) and of the corrected stance disagreement (LLM)
   against ``t`` per topology, ``spectral.csv`` and ``metrics.csv``, written to
   the report folder.

``netcollapse demo --quick`` stops after the spectral table.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcollapse._io import atomic_write_text
from netcollapse._spec import read_yaml
from netcollapse.app.shipped import shipped_dir
from netcollapse.backends.generation import token_totals
from netcollapse.backends.provenance import planned_path

__all__ = ["run_comparison", "run_demo", "spectral_table"]

SPECTRAL_COLUMNS = [
    "n",
    "n_components",
    "slem",
    "spectral_gap",
    "lazy_rate",
    "fiedler_value",
    "mixing_time_upper",
    "kemeny_constant",
    "degree_heterogeneity",
    "note",
]


def spectral_table(folder: Path, n: int = 64, self_weight: float | None = None) -> pd.DataFrame:
    """Spectral summary of every shipped topology spec of size ``n``, one row per spec.

    Parameters
    ----------
    folder : Path
        The ``topologies/`` folder.
    n : int
        Keep the specs with this many nodes.
    self_weight : float, optional
        Override the specs' self weight (``0.0`` shows the periodic cases).

    Returns
    -------
    pandas.DataFrame
        Indexed by spec name, sorted by spectral gap (largest first).
    """
    from netcollapse.graphs.retrieval_graph import RetrievalGraph
    from netcollapse.spectral import spectral_summary

    rows = {}
    for path in sorted(folder.glob("*.yaml")):
        data = read_yaml(path)
        if data.get("family") == "file" or data.get("n", n) != n:  # built only if it may fit
            continue
        if self_weight is not None:
            data["self_weight"] = self_weight
        graph = RetrievalGraph.from_spec(data, base_dir=folder)
        if graph.n != n:
            continue
        rows[path.stem] = spectral_summary(graph)
    table = pd.DataFrame(rows).T
    cols = [c for c in SPECTRAL_COLUMNS if c in table.columns]
    return table[cols].sort_values("spectral_gap", ascending=False)


def run_comparison(
    path: str | Path | dict[str, Any], out: str | Path, progress: bool = True
) -> pd.DataFrame:
    """Run a comparison sweep (named graphs x seeds); return the tidy metrics of all runs.

    The spec is an ordinary sweep spec (``experiments/compare_gmm.yaml``): a ``base``
    run, the topologies under ``graphs:`` and the run seeds under ``seeds:``. It runs
    exactly as ``netcollapse sweep PATH --out OUT`` does, into the same kind of
    folder, so tasks already finished in ``out`` are reused.

    Parameters
    ----------
    path : str, Path or dict
        The sweep spec (a YAML file or its mapping).
    out : str or Path
        The sweep folder.
    progress : bool
        Progress bar over tasks.

    Returns
    -------
    pandas.DataFrame
        Per-step metrics of every run, with ``topology`` (the graph's name) and
        ``seed`` columns, in the order of the spec's graphs, seeds inside.

    Raises
    ------
    TasksFailed
        If a task failed (the first error is in the message; the folder has the rest).

    Examples
    --------
    >>> import tempfile
    >>> spec = {"base": {"engine": "gmm", "T": 3, "gmm": {"L": 4}}, "seeds": [0, 1],
    ...         "graphs": {"ring": {"family": "ring", "n": 5}, "star": {"family": "star", "n": 5}}}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     metrics = run_comparison(spec, d, progress=False)
    >>> len(metrics), metrics["topology"].unique().tolist(), metrics["seed"].unique().tolist()
    (16, ['ring', 'star'], [0, 1])
    """
    from netcollapse.sweeps.run import run_sweep

    res = run_sweep(path, out, progress=progress).raise_for_errors()
    keys = res.results[["task_id", "graph", "seed"]].rename(columns={"graph": "topology"})
    metrics = res.steps.merge(keys, on="task_id", how="left", validate="many_to_one")
    return metrics.drop(columns="task_id")


def _figure(metrics: pd.DataFrame, path: Path, title: str, ylabel: str) -> None:
    from netcollapse.reports.plotting import plot_frobenius, save_figure

    ax = plot_frobenius(metrics, hue="topology")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    save_figure(ax, path)
    import matplotlib.pyplot as plt

    fig = ax.get_figure(root=True)
    if fig is not None:
        plt.close(fig)


def _summary_line(metrics: pd.DataFrame) -> pd.DataFrame:
    from netcollapse.measures.curves import collapse_measures

    rows = {}
    for name, group in metrics.groupby("topology", sort=False):
        curve = group.groupby("step")["frobenius"].mean().to_numpy()
        m = collapse_measures(curve)
        rows[name] = {
            "F(0)": m["initial_frobenius"],
            "F(T)": m["final_frobenius"],
            "F(T)/F(0)": float(m["final_frobenius"]) / float(m["initial_frobenius"]),
            "half_life": m["half_life"],
            "late_rate": m["late_rate"],
            "why NaN": m["notes"],
        }
    return pd.DataFrame(rows).T


STUDY_TABLE = "results/llm_rate_study.csv"
"""The pre-registered LLM rate study's per-graph table, shipped under ``netcollapse/data``."""


def stance_summary(metrics: pd.DataFrame, n_nodes: int | str = "n") -> tuple[pd.DataFrame, str]:
    """Per topology: the rate at which the two stance groups converge, with a 95% interval.

    Parameters
    ----------
    metrics : pandas.DataFrame
        :func:`run_comparison` output of LLM runs with seeded stances (two groups).
    n_nodes : int or str
        The graphs' size, for the sentence.

    Returns
    -------
    (pandas.DataFrame, str)
        The table (one row per topology) and what it can show, followed by the
        pre-registered study's result where the package ships it.

    Notes
    -----
    ``gap rate`` is :func:`~netcollapse.measures.rates.geometric_rate` of the gap
    between the two groups' mean stances, fitted from round 0 (seeds that only start
    the run: the step from round 0 to 1 is the first application of ``W``); the full
    embedding's noise-corrected disagreement is reported beside it as ``D(T)/D(0)``,
    with the within-node diversity at the first and last round.
    """
    from netcollapse.measures.rates import geometric_rate
    from netcollapse.measures.stats import mean_interval, paired_interval

    rows, per_seed = {}, []
    for name, group in metrics.groupby("topology", sort=False):
        rates, full = [], []
        for seed, run in group.groupby("seed"):
            run = run.sort_values("step")
            rates.append(geometric_rate(run["stance_gap"].to_numpy(float), 0)[0])
            per_seed.append({"topology": name, "seed": seed, "rate": rates[-1]})
            c = run["corrected"].to_numpy(float)
            full.append(c[-1] / c[0] if c[0] > 0 else np.nan)
        mean = group.groupby("step")[["stance_gap", "diversity"]].mean()
        m, lo, hi = mean_interval(rates)
        rows[name] = {
            "gap(0)": mean["stance_gap"].iloc[0],
            "gap(T)": mean["stance_gap"].iloc[-1],
            "gap rate": m,
            "95% lo": lo,
            "95% hi": hi,
            "embedding D(T)/D(0)": float(np.nanmean(full)),
            "diversity(0)": mean["diversity"].iloc[0],
            "diversity(T)": mean["diversity"].iloc[-1],
        }
    table = pd.DataFrame(rows).T
    names = [str(name) for name in rows]
    verdict = (
        "gap rate: per-round factor by which the gap between the bullish and bearish nodes' "
        "mean stances shrinks (least squares from round 0; 95% t-interval over seeds); "
        "embedding D: noise-corrected between-node disagreement of the whole answer "
        "embedding; diversity: mean within-node variance of a node's answers."
    )
    if len(names) == 2:
        # common random numbers: a seed starts both graphs from the same round 0
        d = paired_interval(pd.DataFrame(per_seed), "rate", names[1], names[0], "topology")
        m, lo, hi = d["mean"], d["lo"], d["hi"]
        if np.isfinite([lo, hi]).all():
            verdict += (
                f"\n{names[1]} minus {names[0]}, paired by seed: {m:+.3f} "
                f"[{lo:+.3f}, {hi:+.3f}] at this size (n = {n_nodes}, T = "
                f"{int(metrics['step'].max())}, {d['n']} seeds): "
                f"{'clear of 0' if lo > 0 or hi < 0 else 'not clear of 0'}."
            )
    return table, verdict + _study_lines()


def _study_lines() -> str:
    """Return the shipped pre-registered study's per-graph rates as lines to print."""
    from netcollapse.measures.stats import line_fit, spearman

    path = shipped_dir("experiments").parent / STUDY_TABLE
    if not path.is_file():
        return ""
    t = pd.read_csv(path)
    lines = [
        "\nThe pre-registered rate study (experiments/llm_rate_study.yaml: n = 16, 9 graphs, "
        "10 seeds, 90 runs; README, notebook 03), gap rate measured [95% interval] vs "
        "predicted from the graph and a calibration with no graph:"
    ]
    for r in t.itertuples():
        lines.append(
            f"  {r.graph:<15}{r.mean:6.2f} [{r.lo:5.2f}, {r.hi:5.2f}]"
            f"   predicted {r.calibrated:.2f}"
        )
    fit = line_fit(t["calibrated"], t["mean"])
    rho = spearman(t["mean"], t["calibrated"])
    lines.append(
        f"  the prediction ranks the graphs at Spearman {rho:.2f}; "
        f"measured on predicted has slope {fit['slope']:.2f} "
        f"[{fit['slope_lo']:.2f}, {fit['slope_hi']:.2f}] (1 would be the right size)."
    )
    return "\n".join(lines)


def run_demo(out: Path, quick: bool = False) -> int:
    """Run the demo into ``out`` and print what it found.

    Parameters
    ----------
    out : Path
        Report folder (created).
    quick : bool
        Spectral table only.

    Returns
    -------
    int
        Exit status.
    """
    import matplotlib

    matplotlib.use("Agg")

    out.mkdir(parents=True, exist_ok=True)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 20)
    start = time.perf_counter()
    table = spectral_table(shipped_dir("topologies"))
    print("Spectral predictors of the shipped topologies at n = 64 (largest gap first):")
    print(table.to_string(float_format=lambda x: f"{x:.4g}"))
    periodic = spectral_table(shipped_dir("topologies"), self_weight=0.0)
    periodic = periodic[periodic["note"].astype(str).str.startswith("periodic")]
    if len(periodic):
        print("\nWith self_weight = 0 these become periodic (bipartite: eigenvalue -1, SLEM 1):")
        print(periodic[["slem", "spectral_gap", "note"]].to_string())
    atomic_write_text(out / "spectral.csv", table.to_csv())
    if quick:
        print(f"\nreport: {out}")
        return 0
    experiments = shipped_dir("experiments")
    print("\nGMM surrogate on the same topologies (experiments/compare_gmm.yaml):")
    gmm = run_comparison(
        experiments / "compare_gmm.yaml", out / "sweeps" / "compare_gmm", progress=False
    )
    _figure(
        gmm,
        out / "frobenius_gmm.png",
        "GMM surrogate: ||D||_F by topology (n = 64)",
        r"$\|D(t)\|_F$ (distance between mixture weights)",
    )
    print(_summary_line(gmm).to_string(float_format=lambda x: f"{x:.4g}"))
    print(
        "\nBundled LLM (SmolLM2-135M) + MiniLM embedder, seeded opposed stances "
        "(experiments/compare_llm.yaml):"
    )
    spec = experiments / "compare_llm.yaml"
    llm_spec = read_yaml(spec)
    n_llm = next(iter(llm_spec["graphs"].values()))["n"]
    print(planned_path(llm_spec["base"]["llm"]), flush=True)
    llm_start = time.perf_counter()
    llm = run_comparison(spec, out / "sweeps" / "compare_llm")
    llm_seconds = time.perf_counter() - llm_start
    _figure(
        llm.assign(frobenius=llm["stance_corrected"]),
        out / "frobenius_llm.png",
        f"LLM web: corrected stance disagreement by topology (n = {n_llm})",
        "noise-corrected stance disagreement",
    )
    table, verdict = stance_summary(llm, n_llm)
    print(table.to_string(float_format=lambda x: f"{x:.3g}"))
    print(verdict)
    tokens = token_totals(llm) or {"prompt": float("nan"), "generated": float("nan")}
    print(
        f"LLM section: {llm_seconds:.0f} s, {tokens['prompt']:,} prompt + "
        f"{tokens['generated']:,} generated tokens "
        f"in {len(llm.groupby(['topology', 'seed']))} runs"
    )
    both = pd.concat([gmm.assign(engine="gmm"), llm.assign(engine="llm")])
    atomic_write_text(out / "metrics.csv", both.to_csv(index=False))
    print(
        f"\nreport: {out} (spectral.csv, metrics.csv, frobenius_gmm.png, frobenius_llm.png,"
        f" sweeps/) in {time.perf_counter() - start:.0f} s"
    )
    return 0
