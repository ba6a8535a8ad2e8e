"""The default experiment behind ``make demo`` / ``netcollapse demo``.

1. Spectral predictors of every shipped topology family at n = 64, as a table
   (and the periodic cases that a zero self weight creates);
2. a topology comparison (ring / complete / scale-free) with the bundled LLM and
   embedder (``experiments/compare_llm.yaml``), and the same comparison with the
   GMM surrogate (``experiments/compare_gmm.yaml``);
3. figures of ``||D||_F`` against ``t`` per topology, written to the report folder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from netcollapse._spec import read_yaml
from netcollapse.app.shipped import shipped_dir
from netcollapse.errors import bad

__all__ = ["comparison_specs", "run_comparison", "run_demo", "spectral_table"]

SPECTRAL_COLUMNS = [
    "n", "n_components", "slem", "spectral_gap", "lazy_rate", "fiedler_value",
    "mixing_time_upper", "kemeny_constant", "degree_heterogeneity", "note",
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
        if data.get("family") == "file":
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


def comparison_specs(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a comparison spec: a ``base`` run spec and ``topologies`` by name.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    dict
        Run-spec mappings by topology name.
    """
    data = read_yaml(path)
    if not isinstance(data.get("base"), dict) or not isinstance(data.get("topologies"), dict):
        raise bad("comparison", str(path), "a mapping with 'base' and 'topologies'")
    return {
        name: {**data["base"], "name": f"{data['base'].get('name', 'compare')}-{name}",
               "graph": topo}
        for name, topo in data["topologies"].items()
    }


def run_comparison(
    path: str | Path, out: Path, progress: bool = True, seeds: tuple[int, ...] = (0,)
) -> pd.DataFrame:
    """Run every topology of a comparison spec; return the tidy metrics of all runs.

    Parameters
    ----------
    path : str or Path
        Comparison spec (see :func:`comparison_specs`).
    out : Path
        Parent folder of the run folders (one per topology and seed); finished
        runs are reused, interrupted ones resumed.
    progress : bool
    seeds : tuple of int

    Returns
    -------
    pandas.DataFrame
        Metrics with ``topology`` and ``seed`` columns.
    """
    from netcollapse.engines.runner import run_spec

    frames = []
    base_dir = Path(path).resolve().parent
    for name, spec in comparison_specs(path).items():
        if spec["graph"].get("family") == "file" and "path" in spec["graph"]:
            spec["graph"]["path"] = str(base_dir / spec["graph"]["path"])
        for seed in seeds:
            folder = out / f"{spec['name']}-seed{seed}"
            if (folder / "summary.json").is_file():
                from netcollapse.engines.loop import RunResult

                res = RunResult.load(folder)
            else:
                res = run_spec(spec, folder, seed=seed, resume=True, progress=progress)
            frame = res.metrics.copy()
            frame["topology"], frame["seed"] = name, seed
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _figure(metrics: pd.DataFrame, path: Path, title: str, ylabel: str) -> None:
    from netcollapse.app.plotting import plot_frobenius, save_figure

    ax = plot_frobenius(metrics, hue="topology")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    save_figure(ax.figure, path)
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def _summary_line(metrics: pd.DataFrame) -> pd.DataFrame:
    from netcollapse.measures.curves import collapse_measures

    rows = {}
    for name, group in metrics.groupby("topology", sort=False):
        curve = group.groupby("step")["frobenius"].mean().to_numpy()
        m = collapse_measures(curve)
        rows[name] = {"F(0)": m["initial_frobenius"], "F(T)": m["final_frobenius"],
                      "F(T)/F(0)": m["final_frobenius"] / m["initial_frobenius"],
                      "half_life": m["half_life"], "rate": m["rate"]}
    return pd.DataFrame(rows).T


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
    table.to_csv(out / "spectral.csv")
    if quick:
        print(f"\nreport: {out}")
        return 0
    experiments = shipped_dir("experiments")
    print("\nGMM surrogate on the same topologies (experiments/compare_gmm.yaml):")
    gmm = run_comparison(experiments / "compare_gmm.yaml", out / "runs", seeds=(0, 1, 2),
                         progress=False)
    _figure(gmm, out / "frobenius_gmm.png", "GMM surrogate: ||D||_F by topology (n = 64)",
            r"$\|D(t)\|_F$ (distance between mixture weights)")
    print(_summary_line(gmm).to_string(float_format=lambda x: f"{x:.4g}"))
    print("\nBundled LLM (SmolLM2-135M) + MiniLM embedder (experiments/compare_llm.yaml):")
    llm = run_comparison(experiments / "compare_llm.yaml", out / "runs")
    _figure(llm, out / "frobenius_llm.png", "LLM web: ||D||_F by topology (n = 8)",
            r"$\|D(t)\|_F$ (distance between mean answer embeddings)")
    print(_summary_line(llm).to_string(float_format=lambda x: f"{x:.4g}"))
    pd.concat([gmm.assign(engine="gmm"), llm.assign(engine="llm")]).to_csv(
        out / "metrics.csv", index=False)
    print(f"\nreport: {out} (spectral.csv, metrics.csv, frobenius_gmm.png, frobenius_llm.png)"
          f" in {time.perf_counter() - start:.0f} s")
    return 0
