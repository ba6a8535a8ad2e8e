"""Shared check for bad run specs on the command line: one line, exit 2, nothing written."""

from __future__ import annotations

import yaml

from netcollapse.app.cli import main


def run_bad(tmp_path, capsys, spec: dict) -> str:
    """Run ``netcollapse run SPEC`` and return its one-line error (asserting the contract)."""
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    status = main(["run", str(path), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()
    return err
