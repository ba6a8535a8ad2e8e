"""The report's page: what goes on it (:class:`Report`) and the HTML (:func:`render_html`).

The sections (:mod:`~netcollapse.reports.sections`,
:mod:`~netcollapse.reports.sweep_sections`) fill a :class:`Report` with figures,
tables and notes; :func:`render_html` lays them out as one self-contained page,
every figure inline as a base64 PNG, with a small script that counts on ``load``
the images that decoded: ``<body data-images-ok="N" data-images-total="M">``.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from netcollapse._json import dumps
from netcollapse.reports.sources import Source

__all__ = ["Report", "render_html"]


@dataclass
class Report:
    """What goes on the page: figures (file name, caption, PNG), tables, notes."""

    figures: list[tuple[str, str, bytes]] = field(default_factory=list)
    tables: list[tuple[str, str, str]] = field(default_factory=list)  # id, title, html
    notes: list[str] = field(default_factory=list)

    def fig(self, name: str, caption: str, figure: Any) -> None:
        """Add a figure (rendered to PNG now)."""
        from netcollapse.reports.report_figures import png

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
