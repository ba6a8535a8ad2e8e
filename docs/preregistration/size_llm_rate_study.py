"""Size the LLM rate study from the shipped calibration, before it runs.

    python docs/preregistration/size_llm_rate_study.py [--studies 200]

Plays the calibrated linear response (docs/results/llm_calibration, the chosen
variant) on the study's graphs with netcollapse.studies.design.design_power and
prints, per design, the power of each pre-registered target under that model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.studies.calibrate import load_calibration
from netcollapse.studies.design import design_power

ROOT = Path(__file__).resolve().parents[2]
N = 16
GRAPHS = {
    "isolated": {"family": "isolated", "n": N},
    "complete": {"family": "complete", "n": N, "self_weight": 0.5},
    "star": {"family": "star", "n": N, "self_weight": 0.5},
    "scale_free": {"family": "barabasi_albert", "n": N, "m": 2, "self_weight": 0.5, "seed": 1},
    "small_world": {"family": "watts_strogatz", "n": N, "k": 4, "p": 0.2, "self_weight": 0.5,
                    "seed": 1},
    "sbm_mixed": {"family": "sbm", "sizes": [8, 8], "p_in": 0.6, "p_out": 0.3,
                  "self_weight": 0.5, "seed": 1},
    "sbm_split": {"family": "sbm", "sizes": [8, 8], "p_in": 0.6, "p_out": 0.02,
                  "self_weight": 0.5, "seed": 1},
    "ring": {"family": "ring", "n": N, "k": 2, "self_weight": 0.5},
}  # fmt: skip
PAIRS = {
    "ring > complete": ("ring", "complete"),
    "isolated > complete": ("isolated", "complete"),
    "ring halves > ring alternate": ("ring", "ring_alternate"),
}


def conditions() -> dict:
    """Each condition's W and seed stances (the calibration's all-one-stance read stance)."""
    doses = pd.read_parquet(ROOT / "docs/results/llm_calibration/contexts.parquet")
    doses = doses.groupby("dose")["read_stance"].mean()
    hi, lo = float(doses.iloc[-1]), float(doses.iloc[0])  # seed stance of k same-stance posts
    halves = np.r_[np.full(N // 2, hi), np.full(N - N // 2, lo)]
    alternate = np.where(np.arange(N) % 2 == 0, hi, lo)
    out = {}
    for name, spec in GRAPHS.items():
        out[name] = (RetrievalGraph.from_spec(spec).W, halves)
    out["ring_alternate"] = (out["ring"][0], alternate)
    return out


def main() -> None:
    """Print the per-condition rates and the powers of each sized design."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--studies", type=int, default=200)
    args = parser.parse_args()
    response = load_calibration(ROOT / "docs/results/llm_calibration")
    cond = conditions()
    print(f"response: b {response.slope:.3f}, answer var {response.answer_var:.4f}")
    for L, k, T, seeds in [(4, 8, 3, 8), (4, 8, 3, 10), (4, 8, 3, 12), (8, 8, 3, 8), (4, 4, 3, 10)]:
        table, power = design_power(cond, response, T=T, L=L, k=k, seeds=seeds, pairs=PAIRS,
                                    studies=args.studies, seed=0)  # fmt: skip
        print(f"\nL = {L}, k = {k}, T = {T}, seeds = {seeds}: runs {len(cond) * seeds}")
        print(table.round(3).to_string(index=False))
        print("power: " + ", ".join(f"{t} {p:.2f}" for t, p in power.items()))


if __name__ == "__main__":
    main()
