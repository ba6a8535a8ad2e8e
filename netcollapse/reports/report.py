"""One self-contained HTML page of a run or sweep folder (``netcollapse report FOLDER``).

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
    The figures (:mod:`netcollapse.reports.report_figures`), 1200 px wide:
    ``collapse_curves``, ``corrected_vs_raw`` (LLM), ``diversity``,
    ``perspective`` and ``distance_heatmap`` (LLM runs with ``embeddings.npz``),
    ``predictor_scatter`` (sweeps), ``predicted_vs_measured``,
    ``retrieval_composition`` and ``graph``.

Predictions: a GMM run from its own ``config.json`` with
:func:`netcollapse.runs.runner.predict_spec` (as ``netcollapse predict``); an
LLM stance run or sweep with ``--calibration RUN`` through the calibrated stance
model (:func:`netcollapse.studies.stance.stance_study`, as ``netcollapse study``).

The folder is read by :mod:`~netcollapse.reports.sources`; the sections are drawn by
:mod:`~netcollapse.reports.sections` (every folder, a run) and
:mod:`~netcollapse.reports.sweep_sections` (a sweep); the page is laid out by
:mod:`~netcollapse.reports.page`.
"""

from __future__ import annotations

import time
from pathlib import Path

from netcollapse._io import atomic_write_bytes, atomic_write_dir, atomic_write_text
from netcollapse.errors import bad
from netcollapse.reports.page import Report, render_html
from netcollapse.reports.sections import add_curves, add_run
from netcollapse.reports.sources import load_source, parse_steps
from netcollapse.reports.sweep_sections import add_sweep

__all__ = ["Report", "build_report", "load_source", "parse_steps"]


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
    add_curves(src, rep)
    add_run(src, rep, chosen, cal) if src.kind == "run" else add_sweep(src, rep, cal, measure)
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
