"""The notebooks run from top to bottom at their small size, on copies.

Every notebook reads ``NETCOLLAPSE_NOTEBOOK_SIZE`` in its first code cell; ``ci`` selects
settings that run in well under 3 minutes on a 2-core CPU. The committed outputs come
from the full size (``python notebooks/execute.py``); these tests never write to the
committed files.
"""

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path, tmp_path, monkeypatch):
    monkeypatch.setenv("NETCOLLAPSE_NOTEBOOK_SIZE", "ci")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own inline backend
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    nb = nbformat.read(copy, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [
        f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("output_type") == "error"
    ]
    assert not errors, errors
    images = [
        o
        for o in outputs
        if o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
    ]
    assert images, f"{path.name}: no figure (image/png display_data) in any output"
