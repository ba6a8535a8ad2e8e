"""Tests for netcollapse.reports.plotting: what is drawn, labels, and the PNG writer."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from netcollapse.errors import SpecError  # noqa: E402
from netcollapse.measures import perspective_space  # noqa: E402
from netcollapse.reports import plotting as P  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def _metrics(topologies=("ring", "complete", "star"), seeds=(0,), steps=8) -> pd.DataFrame:
    rows = []
    for k, topo in enumerate(topologies):
        for seed in seeds:
            for t in range(steps):
                value = 10 * (0.5 + 0.1 * k) ** t * (1 + 0.1 * seed)
                rows.append({"topology": topo, "seed": seed, "step": t, "frobenius": value})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- frobenius
def test_plot_frobenius_one_line_per_topology_single_seed():
    df = _metrics()
    ax = P.plot_frobenius(df)
    lines = ax.get_lines()
    assert len(lines) == 3
    assert _legend_texts(ax) == ["ring", "complete", "star"]
    assert ax.get_legend().get_title().get_text() == "topology"
    assert len(ax.collections) == 0  # no band with one seed
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel().startswith("step") and "D(t)" in ax.get_ylabel()
    assert "distance" in ax.get_ylabel() and ax.get_title()
    np.testing.assert_allclose(lines[0].get_xdata(), np.arange(8))
    np.testing.assert_allclose(lines[0].get_ydata(), 10 * 0.5 ** np.arange(8))


def test_plot_frobenius_mean_and_band_over_seeds():
    df = _metrics(topologies=("ring", "star"), seeds=(0, 1, 2))
    ax = P.plot_frobenius(df, log=False)
    assert len(ax.get_lines()) == 2
    assert len(ax.collections) == 2  # one band per line
    assert ax.get_yscale() == "linear"
    expected = (10 * 0.5 ** np.arange(8)) * np.mean([1.0, 1.1, 1.2])
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), expected, rtol=1e-12)
    assert "3 runs" in ax.get_title()


def test_plot_frobenius_no_hue_and_given_axes():
    fig, ax = plt.subplots()
    out = P.plot_frobenius(_metrics(topologies=("ring",)), hue=None, ax=ax)
    assert out is ax
    assert len(ax.get_lines()) == 1 and ax.get_legend() is None


def test_plot_frobenius_bad_input():
    pattern = r"metrics.columns: got \[.*\], expected columns \['family'\]"
    with pytest.raises(SpecError, match=pattern):
        P.plot_frobenius(_metrics(), hue="family")
    with pytest.raises(SpecError, match=r"metrics: got 'list', expected a pandas DataFrame"):
        P.plot_frobenius([1, 2, 3])  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- spectral
def test_plot_spectral_bars_and_legend():
    summary = pd.DataFrame(
        {
            "topology": ["ring", "complete", "star", "path"],
            "spectral_gap": [0.1, 1.0, 0.5, 0.05],
            "lazy_rate": [0.94, 0.37, 0.7, 0.97],
            "fiedler_value": [0.2, 4.0, 1.0, 0.1],
        }
    )
    ax = P.plot_spectral(summary)
    assert len(ax.patches) == 12
    heights = sorted(p.get_height() for p in ax.patches)
    expected = sorted(summary[["spectral_gap", "lazy_rate", "fiedler_value"]].to_numpy().ravel())
    np.testing.assert_allclose(heights, expected)
    assert _legend_texts(ax) == ["ring", "complete", "star", "path"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "spectral_gap",
        "lazy_rate",
        "fiedler_value",
    ]
    assert ax.get_ylabel() and ax.get_title()


def test_plot_spectral_subset_and_missing_measure():
    summary = pd.DataFrame({"topology": ["a", "b"], "slem": [0.5, 0.9]})
    ax = P.plot_spectral(summary, measures=("slem",))
    assert len(ax.patches) == 2
    with pytest.raises(SpecError, match=r"expected columns \['spectral_gap', 'lazy_rate'"):
        P.plot_spectral(summary)


# ----------------------------------------------------------------------------- perspective
def _perspective_frame(n=3, steps=4, samples=5) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    labels = pd.DataFrame(
        [(i, t, s) for i in range(n) for t in range(steps) for s in range(samples)],
        columns=["node", "step", "sample"],
    )
    centres = rng.normal(size=(n, 6)) * 5
    E = centres[labels["node"]] * (1 - labels["step"].to_numpy()[:, None] / steps)
    E = E + rng.normal(size=E.shape) * 0.3
    return perspective_space(E, labels)


def test_plot_perspective_layers_and_legend():
    frame = _perspective_frame()
    ax = P.plot_perspective(frame)
    assert len(ax.collections) == 3 + 2
    assert sum(len(c.get_offsets()) for c in ax.collections[:3]) == len(frame)
    assert len(ax.collections[3].get_offsets()) == 3 * 5  # first step, all nodes
    assert len(ax.collections[4].get_offsets()) == 3 * 5  # last step
    texts = _legend_texts(ax)
    assert texts == ["node 0", "node 1", "node 2", "first step (t = 0)", "last step (t = 3)"]
    assert ax.get_xlabel() == "CMDS dimension 1" and ax.get_ylabel() == "CMDS dimension 2"
    grey = matplotlib.colors.to_rgba("lightgray")
    for handle in ax.get_legend().legend_handles[-2:]:
        assert tuple(handle.get_facecolor()[0]) == pytest.approx(grey)
    # the step layers keep the nodes' colours on the map itself
    colours = ax.collections[3].get_facecolor()
    assert len({tuple(c) for c in colours}) == 3


def test_plot_perspective_many_nodes_single_step():
    frame = _perspective_frame(n=15, steps=1, samples=2)
    ax = P.plot_perspective(frame)
    assert len(ax.collections) == 15 + 1
    assert _legend_texts(ax) == ["first step (t = 0)"]


# ----------------------------------------------------------------------------- predictor scatter
def test_plot_predictor_scatter_points_and_rho():
    results = pd.DataFrame(
        {
            "family": ["ring"] * 3 + ["complete"] * 2 + ["star"] * 2,
            "lazy_rate": [0.9, 0.8, 0.85, 0.37, 0.4, 0.6, 0.65],
            "rate": [0.95, 0.82, 0.9, 0.4, np.nan, 0.62, 0.7],
        }
    )
    ax = P.plot_predictor_scatter(results, "lazy_rate", "rate")
    assert len(ax.collections) == 3
    assert [len(c.get_offsets()) for c in ax.collections] == [3, 1, 2]
    assert _legend_texts(ax) == ["ring", "complete", "star"]
    assert ax.get_xlabel() == "lazy_rate" and ax.get_ylabel() == "rate"
    assert "= +1.00" in ax.get_title() and "n = 6" in ax.get_title()


def test_plot_predictor_scatter_correlates_finite_pairs_only():
    results = pd.DataFrame(
        {"slem": [0.1, 0.2, 0.3, 0.4, 0.5], "half_life": [5.0, 4.0, np.inf, 2.0, 3.0]}
    )
    ax = P.plot_predictor_scatter(results, "slem", "half_life", hue=None)
    # the infinite half-life is dropped: ranks (1, 2, 3, 4) against (4, 3, 1, 2)
    assert "= -0.80, n = 4)" in ax.get_title()


def test_plot_predictor_scatter_without_hue():
    results = pd.DataFrame({"slem": [0.1, 0.2], "half_life": [3.0, 1.0]})
    ax = P.plot_predictor_scatter(results, "slem", "half_life", hue=None)
    assert len(ax.collections) == 1 and ax.get_legend() is None
    assert "n/a" in ax.get_title()


# ----------------------------------------------------------------------------- shared
def test_plot_and_report_draw_the_same_mean_band():
    from netcollapse.reports import report_figures as rf

    df = _metrics(topologies=("ring",), seeds=(0, 1, 2))
    ax = P.plot_frobenius(df, log=True)
    fig = rf.curves(
        df.rename(columns={"topology": "label", "seed": "task"}),
        [("frobenius", "-", "raw")],
        ylabel="F",
        title="t",
        log=True,
    )
    mean = 10 * 0.5 ** np.arange(8) * 1.1
    for axes in (ax, fig.axes[0]):
        np.testing.assert_allclose(axes.get_lines()[0].get_ydata(), mean, rtol=1e-12)
        band = axes.collections[0].get_paths()[0].vertices[:, 1]
        sd = 10 * 0.5 ** np.arange(8) * 0.1  # sd of (1.0, 1.1, 1.2) times the curve
        assert band.max() == pytest.approx((mean + sd).max())
        assert band.min() == pytest.approx((mean - sd).min())


def test_plot_study_writes_the_report_study_figure(tmp_path):
    graphs = pd.DataFrame(
        {
            "graph": ["complete", "ring"],
            "mean": [0.5, 0.8],
            "lo": [0.4, np.nan],
            "hi": [0.6, np.nan],
            "n_seeds": [3, 1],
            "calibrated": [0.45, 0.9],
            "slem": [0.0, 0.8],
        }
    )
    curves = pd.DataFrame(
        {
            "graph": ["complete"] * 3 + ["ring"] * 3,
            "step": [0, 1, 2] * 2,
            "measured": [1.0, 0.6, 0.5, 1.0, 0.9, 0.8],
            "predicted": [1.0, 0.5, 0.45, 1.0, 0.95, 0.9],
        }
    )
    targets = {"measure": "retained_share", "spearman_calibrated": 1.0, "spearman_slem": np.nan}

    class Study:
        pass

    study = Study()
    study.graphs, study.curves, study.targets = graphs, curves, targets
    out = P.plot_study(study, tmp_path / "study.png")
    data = out.read_bytes()
    assert data[:4] == b"\x89PNG"
    assert int.from_bytes(data[16:20], "big") == 1200  # the report's width (10 in x 120 dpi)
    from netcollapse.reports.figures import study_figure

    right = study_figure(study).axes[1]
    assert right.get_title() == "per graph: Spearman $\\rho$ = +1.00 (SLEM: n/a)"


# ----------------------------------------------------------------------------- save
def test_save_figure_writes_png_atomically(tmp_path):
    ax = P.plot_frobenius(_metrics())
    out = P.save_figure(ax.figure, tmp_path / "sub" / "frob.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    assert sorted(p.name for p in out.parent.iterdir()) == ["frob.png"]  # no temp left
    # width in the IHDR chunk: 6.4 in x 120 dpi
    assert int.from_bytes(data[16:20], "big") == 768
    again = P.save_figure(ax, out)  # an Axes stands for its figure; overwrite works
    assert again == out and out.read_bytes()[:4] == b"\x89PNG"


def test_save_figure_rejects_other_suffix(tmp_path):
    fig, _ = plt.subplots()
    pattern = r"path: got '.*f.pdf', expected a file name ending in .png"
    with pytest.raises(SpecError, match=pattern):
        P.save_figure(fig, tmp_path / "f.pdf")
    assert list(tmp_path.iterdir()) == []
