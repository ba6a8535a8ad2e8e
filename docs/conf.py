"""Sphinx configuration of the netcollapse documentation site.

Build it with ``make docs`` (offline, warnings are errors) or
``python -m sphinx -W --keep-going -b html docs docs/_build/html``.

Why Sphinx: numpydoc docstrings (the package's convention, shared with scipy and
networkx) are rendered as written, autosummary documents every name in each
subpackage's ``__all__`` from the code itself, and myst-nb renders the notebooks
from their stored outputs without pandoc or a kernel.

At the start of every build (:mod:`sitegen`) the notebooks are copied into
``docs/notebooks/`` and the CLI reference is generated into ``docs/_generated/``
from the ``netcollapse`` argument parser; both places are git-ignored.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))

import sitegen  # noqa: E402

import netcollapse  # noqa: E402
from netcollapse.app.cli import build_parser  # noqa: E402

# ------------------------------------------------------------ generated sources
sitegen.copy_notebooks()
sitegen.write_if_changed(DOCS / "_generated" / "cli.md", sitegen.cli_markdown(build_parser()))
API_MODULES, FACADE = sitegen.api_tables()
sitegen.write_if_changed(DOCS / "_generated" / "facade.rst", FACADE)

# ------------------------------------------------------------ project
project = "netcollapse"
author = "The netcollapse developers"
copyright = "The netcollapse developers, MIT license"
release = version = netcollapse.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "_generated",  # included by the pages that show them, not pages of their own
    "**/.ipynb_checkpoints",
    "results/*/**",
]
templates_path = ["_templates"]

# ------------------------------------------------------------ API reference
autosummary_generate = True
autosummary_ignore_module_all = False
autosummary_context = {"api": API_MODULES}
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# ------------------------------------------------------------ notebooks and Markdown
nb_execution_mode = "off"  # render the stored outputs; never run a kernel at build time
nb_output_stderr = "show"
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
smartquotes = False  # keep "--help" and 'quotes' in prose as typed (options, code-like text)

# ------------------------------------------------------------ HTML
html_theme = "pydata_sphinx_theme"
html_title = f"netcollapse {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_show_sourcelink = False
html_copy_source = False

# ------------------------------------------------------------ hooks
DATA_DOCS = sitegen.data_docstrings(API_MODULES)


def _data_docstring(app, what, name, obj, options, lines):  # noqa: ARG001 (Sphinx's signature)
    """Give a re-exported constant its defining module's docstring, never its type's."""
    if what != "data":
        return
    if name in DATA_DOCS:
        lines[:] = DATA_DOCS[name]
    elif lines and lines[0].strip() in (type(obj).__doc__ or "").strip().splitlines()[:1]:
        lines.clear()  # a constant without a docstring of its own shows its type's


def setup(app):
    """Connect the hooks of this site."""
    app.connect("autodoc-process-docstring", _data_docstring)
