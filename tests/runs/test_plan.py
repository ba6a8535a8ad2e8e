"""Run plans (netcollapse.runs.plan): exact counts, token bounds, rates and the probe."""

import math

import pytest

from netcollapse.app.shipped import shipped_dir
from netcollapse.runs.budget import estimate_run, token_limits
from netcollapse.runs.plan import (
    LLM_LOAD_SECONDS,
    PATH_RATES,
    PROCESS_SECONDS,
    TOKEN_SHARE,
    path_rate,
    plan_run,
    probe_run,
)
from netcollapse.runs.spec import parse_run


def llm_spec(**llm):
    return parse_run(
        {
            "engine": "llm",
            "T": 3,
            "graph": {"family": "ring", "n": 5},
            "llm": {"L": 2, "defaults": {"max_new_tokens": 10}, **llm},
        }
    )


@pytest.mark.parametrize("n, T", [(2, 1), (5, 9), (40, 3)])
def test_gmm_counts_are_closed_form(n, T):
    p = plan_run(parse_run({"engine": "gmm", "T": T, "graph": {"family": "complete", "n": n}}))
    assert (p.nodes, p.rows, p.node_rounds) == (n, T + 1, n * (T + 1))
    assert p.answers == p.tokens_max == 0 and p.tokens_expected == 0
    assert p.path == "gmm" and p.threads is None
    assert p.startup_seconds == PROCESS_SECONDS and 0 < p.run_seconds < 10


def test_llm_counts_and_token_bound_are_closed_form():
    p = plan_run(llm_spec(), threads=2)
    # 5 nodes x 4 rows, 2 answers each, at most 10 tokens an answer
    assert (p.node_rounds, p.answers, p.tokens_max) == (20, 40, 400)
    assert p.tokens_expected == pytest.approx(400 * TOKEN_SHARE)
    assert p.startup_seconds == PROCESS_SECONDS + LLM_LOAD_SECONDS
    assert p.threads == 2 and "2 thread(s)" in p.path


def test_per_node_token_limits_are_summed_not_maxed():
    nodes = [{"max_new_tokens": 4}, {}, {"max_new_tokens": 20}, {}, {}]
    p = plan_run(llm_spec(nodes=nodes), threads=1)
    per_row = 2 * (4 + 10 + 20 + 10 + 10)
    assert p.tokens_max == 4 * per_row
    assert token_limits(llm_spec(nodes=nodes).llm, 5) == [4, 10, 20, 10, 10]
    # the refusal's lower bound keeps the largest limit, as before
    assert estimate_run(llm_spec(nodes=nodes)).seconds == pytest.approx(5 * 3 * 2 * 20 / 400.0)


def test_more_threads_are_expected_faster_and_more_rows_slower():
    one, two = plan_run(llm_spec(), threads=1), plan_run(llm_spec(), threads=2)
    assert one.run_seconds == pytest.approx(2 * two.run_seconds)
    longer = parse_run({**llm_spec().model_dump(), "T": 30})
    assert plan_run(longer, threads=1).run_seconds > one.run_seconds


def test_every_stored_path_has_a_rate_and_a_source():
    for column in PATH_RATES.values():
        for key in column:
            backend, _, rest = key.partition(" ")
            dtype = rest if backend == "hf" else None
            quantize = rest or None if backend == "llamacpp" else None
            rate, per_round, source = path_rate(backend, dtype, quantize, "cpu")
            assert rate > 0 and per_round > 0 and "benchmarks/README.md" in source


def test_a_server_has_no_stored_rate_and_says_so():
    p = plan_run(llm_spec(backend="openai", base_url="http://127.0.0.1:9/v1"))
    assert math.isnan(p.run_seconds) and math.isnan(p.seconds)
    assert p.tokens_max == 400  # the counts stay exact
    assert any("use --probe" in note for note in p.notes)


def test_a_file_graph_is_read_for_its_size():
    folder = shipped_dir("topologies")
    spec = parse_run({"engine": "gmm", "T": 2, "graph": {"family": "file",
                      "path": "karate_edgelist.txt"}})  # fmt: skip
    p = plan_run(spec, folder)
    assert (p.nodes, p.node_rounds) == (34, 34 * 3)


def test_a_gmm_probe_measures_rows_and_rescales_the_plan():
    spec = parse_run({"engine": "gmm", "T": 50, "graph": {"family": "ring", "n": 30}})
    probe = probe_run(spec, rows=3)
    assert probe.row_seconds > 0 and probe.modelled_row_seconds > 0
    assert probe.token_share is None and math.isfinite(probe.scale)
    base, probed = plan_run(spec), plan_run(spec, probe=probe)
    assert probed.run_seconds == pytest.approx(base.run_seconds * probe.scale)
    assert probed.source.startswith("probe:")
    assert probed.node_rounds == base.node_rounds == 30 * 51


@pytest.mark.slow
def test_an_llm_probe_measures_the_answers_it_generated():
    spec = parse_run(
        {
            "engine": "llm",
            "T": 2,
            "graph": {"family": "ring", "n": 3},
            "llm": {"L": 1, "threads": 1, "defaults": {"max_new_tokens": 5}},
        }
    )
    probe = probe_run(spec)
    assert probe.threads == 1 and probe.startup_seconds > 0 and probe.row_seconds > 0
    assert 0 < probe.token_share <= 1  # 3 answers of at most 5 tokens
    p = plan_run(spec, probe=probe)
    assert p.tokens_expected == pytest.approx(45 * probe.token_share)
    assert p.token_source == "the probe's answers"


def test_a_probe_of_a_path_without_a_stored_rate_scales_its_measured_row():
    from netcollapse.runs.plan import Probe

    spec = llm_spec(backend="openai", base_url="http://127.0.0.1:9/v1")
    probe = Probe(
        startup_seconds=0.5,
        row_seconds=2.0,
        modelled_row_seconds=math.nan,  # a server: no stored rate
        token_share=0.5,
        threads=None,
        seconds=2.5,
        row_tokens=50,
    )
    p = plan_run(spec, probe=probe)
    # 4 rows, each of at most 5 nodes x 2 answers x 10 tokens = 100 tokens
    assert p.run_seconds == pytest.approx(4 * 2.0 * 100 / 50)
    assert p.tokens_expected == pytest.approx(200) and p.startup_seconds == PROCESS_SECONDS + 0.5
    assert p.source.startswith("probe:") and not p.notes
