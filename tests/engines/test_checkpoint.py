"""The resume check compares a run's configuration, not the machine it ran on."""

from __future__ import annotations

import pytest

from netcollapse._io import atomic_write_text
from netcollapse._json import dumps
from netcollapse.engines.checkpoint import check_config
from netcollapse.errors import DataError, SpecError

CONFIG = {"engine": "llm", "seed": 3, "graph": {"family": "ring", "n": 4}, "L": 2}


def write(folder, config):
    atomic_write_text(folder / "config.json", dumps(config, indent=2, sort_keys=True))


def test_provenance_is_not_compared(tmp_path):
    write(tmp_path, {**CONFIG, "provenance": {"machine": {"cpu": "A", "cores": 2}}})
    check_config(tmp_path, {**CONFIG, "provenance": {"machine": {"cpu": "B", "cores": 16}}})
    check_config(tmp_path, CONFIG)  # nor its absence


def test_any_other_difference_is_refused(tmp_path):
    write(tmp_path, {**CONFIG, "provenance": {"machine": {"cpu": "A"}}})
    with pytest.raises(SpecError, match="^resume: got a different configuration"):
        check_config(tmp_path, {**CONFIG, "seed": 4, "provenance": {"machine": {"cpu": "A"}}})


def test_a_garbled_config_is_one_line(tmp_path):
    (tmp_path / "config.json").write_text('{"engine": "llm", ')
    with pytest.raises(DataError, match="config.json"):
        check_config(tmp_path, CONFIG)
