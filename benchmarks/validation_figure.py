"""Figure: predicted vs measured ||D(t)||_F for four held-out graphs of different kinds.

    netcollapse sweep experiments/validate_curves.yaml --out sweeps/validate_curves \\
        --executor process --workers 2
    python benchmarks/validation_figure.py sweeps/validate_curves \\
        docs/figures/predicted_vs_measured.png

Reads the sweep's ``results.parquet`` and ``steps.parquet`` (the ``predicted_frobenius``
column) and draws, per graph, the three seeds' measured curves (thin) and their
predictions (dashed), for memory 1 and 4.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from netcollapse.reports.plotting import save_figure  # noqa: E402

GRAPHS = {
    "ring_k2": "ring, k = 2 (slow lattice)",
    "barbell_2x12_p4": "barbell, 2 x K12 + path (bottleneck)",
    "tree_r3_h3": "ternary tree, height 3",
    "karate": "karate club (real network)",
}


def main(folder: str, out: str) -> None:
    r = pd.read_parquet(Path(folder) / "results.parquet")
    s = pd.read_parquet(Path(folder) / "steps.parquet").merge(
        r[["task_id", "graph", "retrieval.memory", "replicate"]], on="task_id"
    )
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.8), sharey=True)
    colors = {1: "C0", 4: "C3"}
    for ax, (graph, title) in zip(axes, GRAPHS.items()):
        for (mem, _rep), run in s[s["graph"] == graph].groupby(["retrieval.memory", "replicate"]):
            if mem not in colors:
                continue
            ax.plot(run["step"], run["frobenius"], color=colors[mem], lw=0.8, alpha=0.6)
            ax.plot(run["step"], run["predicted_frobenius"], color=colors[mem], lw=1.4, ls="--")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("step t")
    axes[0].set_ylabel("||D(t)||_F")
    handles = [
        plt.Line2D([], [], color="C0", lw=0.8, label="measured, memory 1"),
        plt.Line2D([], [], color="C0", ls="--", lw=1.4, label="predicted, memory 1"),
        plt.Line2D([], [], color="C3", lw=0.8, label="measured, memory 4"),
        plt.Line2D([], [], color="C3", ls="--", lw=1.4, label="predicted, memory 4"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False)
    fig.suptitle("GMM surrogate: predicted (before simulating) vs measured collapse, 3 seeds each")
    fig.tight_layout(rect=(0, 0.08, 1, 0.95))
    save_figure(fig, out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
