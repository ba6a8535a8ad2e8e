"""Every engine passes the conformance suite: GMM, LLM with fakes, LLM with the bundled models."""

import pytest
from conformance import (
    FACTORIES,
    check_global_rng_untouched,
    check_interventions_leave_the_past,
    check_resume_after_sigkill,
    check_row0_is_before_reading,
    check_rows,
    check_run_folder,
    check_same_seed_same_numbers,
    check_seed_types,
)

ENGINES = [
    pytest.param("gmm", id="gmm"),
    pytest.param("llm_fake", id="llm-fakes"),
    pytest.param("llm_real", id="llm-bundled-models", marks=pytest.mark.slow),
]
CHECKS = [
    check_rows,
    check_row0_is_before_reading,
    check_same_seed_same_numbers,
    check_seed_types,
    check_global_rng_untouched,
    check_interventions_leave_the_past,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("engine", ENGINES)
def test_engine_conformance(engine, check):
    check(FACTORIES[engine])


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_run_folder(engine, tmp_path):
    check_run_folder(FACTORIES[engine], tmp_path / "run")


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_resume_after_sigkill(engine, tmp_path):
    check_resume_after_sigkill(engine, tmp_path / "killed", tmp_path / "whole")


def test_the_suite_covers_every_engine():
    from netcollapse.engines import Web

    cheap = {type(FACTORIES[name]()) for name in ("gmm", "llm_fake")}
    assert cheap == set(Web.__subclasses__())
