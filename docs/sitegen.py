"""Generators of the documentation site's build-time sources (not part of the package).

``docs/conf.py`` calls these at the start of every build; what they write lies in
git-ignored places inside ``docs/`` and is rewritten only when its text changed,
so that Sphinx's incremental rebuild sees real changes only:

- :func:`copy_notebooks`: ``notebooks/*.ipynb`` -> ``docs/notebooks/`` (rendered
  from their stored outputs; nothing is executed);
- :func:`cli_markdown`: the command-line reference, from the ``netcollapse``
  argument parser itself;
- :func:`api_tables`: which public name of each subpackage is a class, a function
  or data, for the autosummary templates, and the top-level facade's table.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import shutil
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

# The modules whose public names the API reference documents: each subpackage (its
# ``__all__``) and the core errors module (its public classes and functions).
CORE_MODULES = ("netcollapse.errors",)


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically unless the file already holds it.

    Parameters
    ----------
    path : Path
        The file to write; its folder is created.
    text : str
        The whole new content.

    Returns
    -------
    bool
        True when the file was (re)written.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a" / "b.md"
    >>> write_if_changed(p, "x"), write_if_changed(p, "x")
    (True, False)
    """
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True


def copy_notebooks(src: Path = ROOT / "notebooks", dst: Path = DOCS / "notebooks") -> list[str]:
    """Copy the executed notebooks into the docs source, keeping their stored outputs.

    A copy is replaced only when its bytes differ; copies of notebooks that no
    longer exist are removed.

    Parameters
    ----------
    src, dst : Path
        The notebooks' folder and the (git-ignored) folder inside ``docs/``.

    Returns
    -------
    list of str
        The notebooks' stems, sorted.

    Examples
    --------
    >>> import tempfile
    >>> a, b = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> _ = (a / "01_x.ipynb").write_text("{}")
    >>> copy_notebooks(a, b), (b / "01_x.ipynb").read_text()
    (['01_x'], '{}')
    """
    dst.mkdir(parents=True, exist_ok=True)
    stems = []
    for nb in sorted(src.glob("*.ipynb")):
        stems.append(nb.stem)
        out = dst / nb.name
        if not out.exists() or out.read_bytes() != nb.read_bytes():
            tmp = dst / f".{nb.name}.{os.getpid()}.tmp"
            shutil.copyfile(nb, tmp)
            os.replace(tmp, out)
    for old in dst.glob("*.ipynb"):
        if old.stem not in stems:
            old.unlink()
    return stems


def _options(action: argparse.Action) -> str:
    """Return how an argument is written on the command line, e.g. ``--seed SEED``."""
    if not action.option_strings:
        return action.metavar or action.dest
    if action.nargs == 0:
        return ", ".join(action.option_strings)
    metavar = action.metavar or action.dest.upper()
    return ", ".join(f"{opt} {metavar}" for opt in action.option_strings)


def _cell(text: str) -> str:
    """Escape text for one cell of a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")


def _arguments(parser: argparse.ArgumentParser) -> list[str]:
    """Return a Markdown table of a parser's arguments (its help text, choices, default)."""
    rows = ["| argument | meaning |", "|---|---|"]
    for action in parser._actions:  # argparse has no public list of a parser's arguments
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        meaning = action.help or ""
        if action.choices and not isinstance(action.choices, dict):
            meaning += f" (one of: {', '.join(map(str, action.choices))})"
        if action.required and action.option_strings:
            meaning += " (required)"
        rows.append(f"| `{_cell(_options(action))}` | {_cell(meaning)} |")
    return rows


def cli_markdown(parser: argparse.ArgumentParser) -> str:
    """Render an argument parser and its subcommands as MyST Markdown.

    Each command gets a section with its one-line help, its usage line as
    ``--help`` prints it, and a table of its arguments.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The top-level parser (``netcollapse.app.cli.build_parser()``).

    Returns
    -------
    str
        Markdown whose top heading level is ``##``.

    Examples
    --------
    >>> p = argparse.ArgumentParser(prog="tool", description="A tool.")
    >>> sub = p.add_subparsers(dest="command")
    >>> s = sub.add_parser("go", help="go somewhere")
    >>> _ = s.add_argument("--far", action="store_true", help="go far")
    >>> text = cli_markdown(p)
    >>> "## `tool go`" in text and "| `--far` | go far |" in text
    True
    """
    lines = [parser.description or "", "", "```text", parser.format_usage().strip(), "```", ""]
    lines += _arguments(parser)
    if parser.epilog:
        lines += ["", parser.epilog]
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, sub in action.choices.items():
            lines += ["", f"## `{parser.prog} {name}`", "", (helps.get(name) or "").strip()]
            lines += ["", "```text", sub.format_usage().strip(), "```", ""]
            lines += _arguments(sub)
    return "\n".join(lines) + "\n"


def _kind(value: object) -> str:
    """Return the autosummary section a public object goes to."""
    if inspect.isclass(value):
        return "classes"
    if callable(value):
        return "functions"
    return "data"


def api_tables(package: str = "netcollapse") -> tuple[dict[str, dict[str, list[str]]], str]:
    """Sort every public name of the package's modules into classes, functions and data.

    Parameters
    ----------
    package : str
        The top-level package; its ``SUBPACKAGES`` and :data:`CORE_MODULES` are read.

    Returns
    -------
    modules : dict
        ``{module: {"classes": [...], "functions": [...], "data": [...]}}`` of each
        subpackage's ``__all__`` (for the errors module: its public classes and
        functions), for the ``subpackage.rst`` autosummary template.
    facade : str
        reStructuredText: an autosummary table of the names the top-level package
        re-exports, each pointing at the subpackage page that documents it.

    Examples
    --------
    >>> modules, facade = api_tables()
    >>> "spectral_summary" in modules["netcollapse.spectral"]["functions"]
    True
    >>> "netcollapse.spectral.spectral_summary" in facade
    True
    """
    top = importlib.import_module(package)
    names = [f"{package}.{sub}" for sub in top.SUBPACKAGES] + list(CORE_MODULES)
    modules: dict[str, dict[str, list[str]]] = {}
    home: dict[str, str] = {}
    for name in names:
        mod = importlib.import_module(name)
        public = getattr(mod, "__all__", None)
        if public is None:
            public = [
                n
                for n, v in vars(mod).items()
                if not n.startswith("_") and getattr(v, "__module__", None) == name
            ]
        groups: dict[str, list[str]] = {"classes": [], "functions": [], "data": []}
        for attr in sorted(public):
            groups[_kind(getattr(mod, attr))].append(attr)
            home.setdefault(attr, name)
        modules[name] = groups
    facade = [".. autosummary::", ""]
    for attr in top.__all__:
        if attr in top.SUBPACKAGES:
            facade.append(f"   {package}.{attr}")
        elif attr in home:
            facade.append(f"   {home[attr]}.{attr}")
    return modules, "\n".join(facade) + "\n"


def data_docstrings(modules: dict[str, dict[str, list[str]]]) -> dict[str, list[str]]:
    """Find the docstring of each public data name in the module that defines it.

    A subpackage re-exports constants from its modules; Sphinx reads an attribute's
    docstring (the string literal after the assignment) only in the module it
    documents, so the subpackage pages would show these constants bare.

    Parameters
    ----------
    modules : dict
        What :func:`api_tables` returns first.

    Returns
    -------
    dict
        ``{"netcollapse.graphs.FAMILIES": [lines], ...}`` for every data name whose
        defining module has a docstring for it.

    Examples
    --------
    >>> docs = data_docstrings(api_tables()[0])
    >>> docs["netcollapse.graphs.FAMILIES"][0].startswith("Topology families")
    True
    """
    from sphinx.errors import PycodeError
    from sphinx.pycode import ModuleAnalyzer

    found: dict[str, list[str]] = {}
    for name, groups in modules.items():
        package = importlib.import_module(name)
        places = [name] + [
            f"{name}.{info.name}" for info in pkgutil.iter_modules(getattr(package, "__path__", []))
        ]
        for attr in groups["data"]:
            for place in places:
                try:
                    docs = ModuleAnalyzer.for_module(place).find_attr_docs()
                except PycodeError:
                    continue
                if ("", attr) in docs:
                    found[f"{name}.{attr}"] = list(docs[("", attr)])
                    break
    return found
