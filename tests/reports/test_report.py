"""``netcollapse report``: real small results in, a self-contained HTML page and PNGs out.

The page is also rendered with headless chromium: every inline image must decode
(``data-images-ok`` equals ``data-images-total``) and a screenshot must not be
blank. Without ``/usr/bin/chromium`` that test is skipped, unless ``CI=true``
(``make test`` installs chromium), where it fails.
"""

from __future__ import annotations

import base64
import html
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import chromium

from netcollapse.app.cli import main
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.reports import report_figures as rf
from netcollapse.runs.folder import load_run
from netcollapse.runs.runner import run_spec
from netcollapse.spectral import spectral_summary
from netcollapse.sweeps.run import run_sweep

ROOT = Path(__file__).resolve().parents[2]
CALIBRATION = ROOT / "docs" / "results" / "llm_stance_calibration"
SHIPPED_SWEEP = ROOT / "docs" / "results" / "llm_topology_study"
GMM = {
    "engine": "gmm",
    "T": 8,
    "seed": 3,
    "retrieval": {"k": 4},
    "gmm": {"B": 2, "L": 3},
    "graph": {"family": "ring", "n": 6, "self_weight": 0.2},
}
SECTIONS = ("summary", "spectral", "measures", "figures", "notes", "config")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A real GMM run and a real GMM sweep (about a second)."""
    root = tmp_path_factory.mktemp("results")
    run_spec(GMM, root / "gmm_run", progress=False)
    run_sweep(
        {
            "base": {k: v for k, v in GMM.items() if k not in ("graph", "seed")},
            "graphs": {
                "complete": {"family": "complete", "n": 6},
                "ring": {"family": "ring", "n": 6, "self_weight": 0.2},
                "star": {"family": "star", "n": 6},
            },
            "seeds": 2,
        },
        root / "gmm_sweep",
        progress=False,
    )
    return root


@pytest.fixture(scope="module")
def llm_run(results):
    """A real LLM run with seeded stances on the bundled models, as small as the study tests'."""
    run_spec(
        {
            "engine": "llm",
            "T": 1,
            "seed": 9,
            "retrieval": {"k": 3, "quota": "multinomial"},
            "llm": {
                "L": 3,
                "backend": "hf",
                "defaults": {"max_new_tokens": 8},
                "stances": {"posts": 3},
            },
            "graph": {"family": "ring", "n": 4, "self_weight": 0.5},
        },
        results / "llm_run",
        progress=False,
    )
    return results / "llm_run"


def report(folder, capsys, *args):
    """Run ``netcollapse report`` through the CLI; return (report folder, page)."""
    status = main(["report", str(folder), *args])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    out = Path(args[args.index("--out") + 1]) if "--out" in args else Path(folder) / "report"
    assert f"report: {out / 'report.html'}" in captured.out
    return out, (out / "report.html").read_text()


def figure_names(out):
    pngs = sorted(p.name for p in out.glob("*.png"))
    for p in out.glob("*.png"):
        assert p.stat().st_size > 1000 and p.read_bytes()[:4] == b"\x89PNG"
    return [re.sub(r"^\d\d_|\.png$", "", n) for n in pngs]


def table(page, key):
    """The table of section ``key`` as rows of {header: cell text}."""
    section = page.split(f'<section id="{key}"')[1].split("</section>")[0]
    head = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", section, re.S)]
    rows = re.findall(r"<tr>(.*?)</tr>", section.split("</thead>")[1], re.S)
    cells = [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows]
    return [dict(zip(head, c, strict=True)) for c in cells]


# Ring n = 6, self weight 0.2: W = 0.2 I + 0.4 (shift + shift^-1), eigenvalues
# 0.2 + 0.8 cos(2 pi j / 6) = 1, 0.6, 0.6, -0.2, -0.2, -0.6; uniform stationary law;
# Kemeny's constant sum_j 1 / (1 - lambda_j) = 2 / 0.4 + 2 / 1.2 + 1 / 1.6 = 175 / 24; the lazy
# rate (g = 1 - 1/e) 1 - g (1 - 0.6) = 0.6 + 0.4 / e.
RING = {
    "n": 6,
    "n_edges": 12,
    "slem": 0.6,
    "spectral_gap": 0.4,
    "lambda_2": 0.6,
    "lambda_min": -0.6,
    "relaxation_time": 2.5,
    "kemeny_constant": 175 / 24,
    "lazy_rate": 0.6 + 0.4 / np.e,
    "pi_min": 1 / 6,
    "pi_max": 1 / 6,
}
# Complete n = 6 without self loops: 1 and -1/5 (five times); star n = 6: 1, -1 and 0 (bipartite).
SWEEP_GRAPHS = {
    "complete": {
        "n": 6,
        "n_edges": 30,
        "slem": 0.2,
        "spectral_gap": 0.8,
        "kemeny_constant": 25 / 6,
    },
    "ring": {k: RING[k] for k in ("n", "n_edges", "slem", "spectral_gap", "kemeny_constant")},
    "star": {"n": 6, "n_edges": 10, "slem": 1.0, "spectral_gap": 0.0, "kemeny_constant": 4.5},
}


def shown(cell, value):
    """A table cell (4-5 significant digits) shows ``value``."""
    return float(cell) == pytest.approx(float(value), rel=6e-4, abs=1e-12)


def check_page(out, page, want):
    """Sections, figures inline (the same bytes as the PNG files), the image counter."""
    for key in SECTIONS:
        assert f'<section id="{key}"' in page
    names = figure_names(out)
    assert set(want) <= set(names), names
    inline = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(s) for s in inline] == [
        p.read_bytes() for p in sorted(out.glob("*.png"))
    ]
    assert f'data-images-total="{len(names)}"' in page and "naturalWidth > 0" in page
    assert not list(out.parent.glob(f".{out.name}-tmp-*"))  # no temporary folder left
    return names


def test_gmm_run_report(results, capsys):
    out, page = report(results / "gmm_run", capsys)
    names = check_page(
        out,
        page,
        ["collapse_curves", "diversity", "retrieval_composition", "graph", "predicted_vs_measured"],
    )
    assert "corrected_vs_raw" not in names and "perspective" not in names
    assert "D(t) heatmap" in page or "D(t) heatmaps" in page  # the note for GMM runs
    assert "half_life" in page
    assert '<section id="interventions"' not in page
    spectral = {r["predictor"]: r["value"] for r in table(page, "spectral")}
    summary = spectral_summary(load_run(results / "gmm_run").graph)
    assert list(spectral) == list(summary.index)
    for key, value in summary.items():
        assert spectral[key] == value if isinstance(value, str) else shown(spectral[key], value)
    for key, value in RING.items():
        assert shown(spectral[key], value), key
    assert spectral["reversible"] in ("1", "True")
    assert summary.equals(spectral_summary(RetrievalGraph.from_spec(GMM["graph"])))


def test_interventions_are_listed_and_marked(capsys, tmp_path):
    events = [{"at": 3, "freeze": [0]}, {"at": 6, "h": 0.2}]
    run_spec({**GMM, "interventions": events}, tmp_path / "run", progress=False)
    out, page = report(tmp_path / "run", capsys, "--out", str(tmp_path / "rep"))
    section = page.split('<section id="interventions"')[1].split("</section>")[0]
    assert "freeze" in section and "<td>6</td>" in section
    assert "predicted_vs_measured" in figure_names(out)  # the prediction follows the schedule
    steps = pd.DataFrame(
        {"label": "ring", "task": 0, "step": [0, 1, 2, 3], "frobenius": [4.0, 2.0, 1.0, 0.5]}
    )
    fig = rf.curves(steps, [("frobenius", "-", "raw")], ylabel="y", title="t", events=events)
    dashed = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"]
    assert sorted(ln.get_xdata()[0] for ln in dashed) == [3, 6]
    assert "intervention (at)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_gmm_sweep_report(results, capsys, tmp_path):
    out, page = report(results / "gmm_sweep", capsys, "--out", str(tmp_path / "sweep_report"))
    check_page(
        out,
        page,
        [
            "collapse_curves",
            "diversity",
            "retrieval_composition",
            "predictor_scatter",
            "predicted_vs_measured",
            "graph",
        ],
    )
    assert '<section id="predictors"' in page and "Spearman" in page
    rows = {r["graph"]: r for r in table(page, "spectral")}
    assert sorted(rows) == sorted(SWEEP_GRAPHS)
    for graph, want in SWEEP_GRAPHS.items():
        for key, value in want.items():
            assert shown(rows[graph][key], value), (graph, key)


@pytest.mark.slow
def test_llm_stance_run_report(llm_run, capsys):
    out, page = report(llm_run, capsys, "--calibration", str(CALIBRATION), "--steps", "T,0")
    check_page(
        out,
        page,
        [
            "collapse_curves",
            "corrected_vs_raw",
            "diversity",
            "perspective",
            "distance_heatmap",
            "retrieval_composition",
            "graph",
            "predicted_vs_measured",
        ],
    )
    assert "Collapse measures of stance_corrected" in page and "<td>0, 1</td>" in page


def test_shipped_sweep_without_calibration(capsys, tmp_path):
    out, page = report(SHIPPED_SWEEP, capsys, "--out", str(tmp_path / "shipped"))
    names = check_page(
        out, page, ["collapse_curves", "corrected_vs_raw", "predictor_scatter", "graph"]
    )
    assert "predicted_vs_measured" not in names and "--calibration RUN" in page


def test_figures_have_labels_titles_and_legends():
    frame = pd.DataFrame(
        {
            "label": ["a"] * 3 + ["b"] * 3,
            "task": [0] * 3 + [1] * 3,
            "step": [0, 1, 2] * 2,
            "frobenius": [3.0, 2.0, 1.0, 3.0, 2.5, 2.0],
            "corrected": [2.0, 1.0, 0.5] * 2,
        }
    )
    fig = rf.curves(
        frame,
        [("frobenius", "-", "raw"), ("corrected", "--", "corrected")],
        ylabel="disagreement",
        title="T",
    )
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("step") and ax.get_ylabel() == "disagreement"
    assert ax.get_title() == "T" and len(ax.get_legend().get_texts()) == 2  # line styles
    assert rf.png(fig)[:4] == b"\x89PNG"
    assert fig.get_size_inches()[0] * rf.DPI == 1200


# ----------------------------------------------------------------- chromium
@pytest.mark.parametrize("kind", ["gmm_run", "gmm_sweep", "llm_run"])
def test_chromium_renders_every_image(request, results, capsys, tmp_path, kind):
    folder = request.getfixturevalue("llm_run") if kind == "llm_run" else results / kind
    args = ["--calibration", str(CALIBRATION)] if kind == "llm_run" else []
    out, page = report(folder, capsys, "--out", str(tmp_path / "rep"), *args)
    url = (out / "report.html").as_uri()
    dom = chromium(tmp_path, "--dump-dom", url)
    body = re.search(r"<body[^>]*>", dom).group(0)
    ok = re.search(r'data-images-ok="(\d+)"', body)
    total = re.search(r'data-images-total="(\d+)"', body)
    assert ok and total, body
    assert ok.group(1) == total.group(1) == str(len(list(out.glob("*.png"))))
    shot = tmp_path / "shot.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,4000", url)
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"))
    assert pixels.shape == (4000, 1280)
    assert pixels.std() > 10 and len(np.unique(pixels)) > 50  # text and figures, not blank


# ----------------------------------------------------------------- bad input
def bad(capsys, *args):
    status = main(["report", *map(str, args)])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_bad_input_is_one_line_and_writes_nothing(results, capsys, tmp_path):
    err = bad(capsys, tmp_path / "missing")
    assert "RUN_OR_SWEEP_DIR: got" in err and "expected a finished run folder" in err
    (tmp_path / "empty").mkdir()
    assert "RUN_OR_SWEEP_DIR: got" in bad(capsys, tmp_path / "empty")
    unfinished = tmp_path / "unfinished"
    shutil.copytree(results / "gmm_run", unfinished, ignore=shutil.ignore_patterns("report"))
    (unfinished / "summary.json").unlink()
    err = bad(capsys, unfinished)
    assert err.startswith("netcollapse: error: summary.json: got") and "has not finished" in err
    run = results / "gmm_run"
    for steps in ("0,99", "x", "1,,2", "-1"):
        err = bad(capsys, run, "--steps", steps, "--out", tmp_path / "never")
        assert err.startswith("netcollapse: error: --steps: got") and "0..8" in err
    assert "--measure: got 'speed', expected one of half_life" in bad(
        capsys, run, "--measure", "speed", "--out", tmp_path / "never"
    )
    err = bad(capsys, run, "--calibration", CALIBRATION, "--out", tmp_path / "never")
    assert "--calibration: got" in err and "llm.stances" in err
    files = sorted(p.name for p in run.iterdir())
    for out in (run, run / "config.json"):  # never replace a folder that is not a report
        assert bad(capsys, run, "--out", out).startswith("netcollapse: error: --out: got")
    assert sorted(p.name for p in run.iterdir()) == files
    assert not (tmp_path / "never").exists() and not (unfinished / "report").exists()
    assert not list(tmp_path.glob(".never-*"))


def test_a_failed_report_keeps_the_previous_one(results, capsys, tmp_path):
    out, _ = report(results / "gmm_run", capsys, "--out", str(tmp_path / "rep"))
    before = (out / "report.html").read_bytes()
    bad(capsys, results / "gmm_run", "--out", tmp_path / "rep", "--steps", "9")
    assert (out / "report.html").read_bytes() == before
