"""OpenAIGenerator against llama-cpp-python's real server and a scripted stdlib fake."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from generator_conformance import check_generator, req
from servers import FakeServer, fake_text, free_port, llama_server, silent_port

from netcollapse.backends.generation import build_prompt_messages
from netcollapse.backends.models import bundled_llm_path
from netcollapse.backends.remote.openai_api import OpenAIGenerator, sample_seed
from netcollapse.errors import ModelError, ServerError, SpecError

KEY_VAR = "NETCOLLAPSE_TEST_OPENAI_KEY"
KEY = "sk-test-5ecret-v4lue"


def quick(url: str, **kwargs) -> OpenAIGenerator:
    """A generator with fast retries for the fault tests."""
    settings = {"timeout": 5.0, "retries": 2, "backoff": 0.01, **kwargs}
    return OpenAIGenerator("fake-model", url, **settings)


# -- against the real llama-cpp-python server ------------------------------------------------


@pytest.fixture(scope="module")
def llama_url():
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] not installed")
    folder, name = bundled_llm_path()
    # n_batch 1: with the default 512, a prompt identical to the previous request's is
    # served from the KV cache with only its last token re-evaluated, alone, and
    # llama.cpp's CPU logits of a 1-token batch differ from those of a longer batch
    # (max |diff| 0.59 measured): the same seed then gives another text (module docstring).
    with llama_server(folder / name, n_batch=1) as url:
        yield url


def test_conformance_llama_server(llama_url):
    check_generator(OpenAIGenerator("smollm2", llama_url, timeout=60, retries=1))


def test_llama_server_ignores_n_and_honours_seed(llama_url):
    # measured: llama_cpp.server drops `n` (one choice per reply) and honours `seed`
    def raw(seed: int, n: int) -> list[str]:
        body = {
            "model": "smollm2",
            "messages": build_prompt_messages(req()),
            "n": n,
            "seed": seed,
            "temperature": 1.0,
            "top_p": 0.95,
            "max_tokens": 10,
        }
        post = urllib.request.Request(
            llama_url + "/chat/completions",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(post, timeout=60) as reply:
            return [c["message"]["content"] for c in json.load(reply)["choices"]]

    first = raw(11, 3)
    assert len(first) == 1
    assert raw(11, 1) == first  # same seed, same text (and n changes nothing)
    assert {raw(s, 1)[0] for s in (12, 13, 14)} != set(first)  # the seed is used


def test_n_modes_on_llama_server(llama_url):
    r = req(seed=21, n=3, temperature=1.0, max_new=10)
    auto = OpenAIGenerator("smollm2", llama_url)
    assert auto.honours_n is None
    out = auto.generate([r])
    assert auto.honours_n is False  # detected: the reply had 1 choice for n = 3
    assert [len(x) for x in out] == [3]
    assert len(set(out[0])) > 1  # samples j > 0 got their own seeds
    # the same samples whatever the mode: sample 0 uses the request seed, j > 0 sample_seed
    assert auto.generate([r]) == out
    assert OpenAIGenerator("smollm2", llama_url, n_mode="single").generate([r]) == out
    forced_n = OpenAIGenerator("smollm2", llama_url, n_mode="n")
    assert forced_n.generate([r]) == out  # short replies are completed one sample at a time
    assert forced_n.honours_n is True


def test_sampled_answers_do_not_depend_on_the_batch(llama_url):
    gen = OpenAIGenerator("smollm2", llama_url, n_mode="single")
    a = req(seed=31, n=2, temperature=1.0, max_new=8)
    b = req(seed=32, n=1, temperature=1.0, max_new=8, context=())
    both = gen.generate([b, a])
    assert gen.generate([a]) == [both[1]]


def test_load_llama_server(llama_url):
    ids = OpenAIGenerator("smollm2", llama_url).load()
    assert len(ids) == 1 and ids[0].endswith(".gguf")


# -- n handling and payload, on the fake -----------------------------------------------------


def test_payload_and_trailing_slash():
    with FakeServer() as fake:
        r = req(seed=5, n=2, temperature=0.3, top_p=0.8, max_new=9, system="You are terse.")
        out = quick(fake.url + "/").generate([r])
    assert out == [[fake_text(5, 0), fake_text(5, 1)]]
    ((method, path, headers, body),) = fake.requests
    assert (method, path) == ("POST", "/v1/chat/completions")
    assert "Authorization" not in headers
    assert body == {
        "model": "fake-model",
        "messages": build_prompt_messages(r),
        "temperature": 0.3,
        "top_p": 0.8,
        "max_tokens": 9,
        "seed": 5,
        "n": 2,
    }


def test_auto_detects_a_server_that_honours_n():
    with FakeServer(honour_n=True) as fake:
        gen = quick(fake.url)
        out = gen.generate([req(seed=1, n=3), req(seed=2, n=1), req(seed=3, n=2)])
    assert out == [
        [fake_text(1, k) for k in range(3)],
        [fake_text(2, 0)],
        [fake_text(3, k) for k in range(2)],
    ]
    assert gen.honours_n is True
    assert sorted((b["seed"], b["n"]) for b in fake.chat_requests) == [(1, 3), (2, 1), (3, 2)]


def test_auto_detects_a_server_that_ignores_n():
    with FakeServer(honour_n=False) as fake:
        gen = quick(fake.url)
        requests = [req(seed=1, n=3), req(seed=2, n=1), req(seed=3, n=2)]
        out = gen.generate(requests)
        sent = [(b["seed"], b["n"]) for b in fake.chat_requests]
        again = gen.generate(requests)
        sent_again = [(b["seed"], b["n"]) for b in fake.chat_requests[len(sent) :]]
    s = sample_seed
    assert out == [
        [fake_text(1, 0), fake_text(s(1, 1), 0), fake_text(s(1, 2), 0)],
        [fake_text(2, 0)],
        [fake_text(3, 0), fake_text(s(3, 1), 0)],
    ]
    assert again == out
    assert gen.honours_n is False
    # one probe with n = 3; the other n > 1 request waited for the answer, then went singly
    assert [x for x in sent if x[1] > 1] == [(1, 3)]
    expected = {(1, 1), (2, 1), (s(1, 1), 1), (s(1, 2), 1), (3, 1), (s(3, 1), 1)}
    assert set(sent) - {(1, 3)} == expected - {(1, 1)} and len(sent) == 6
    assert sorted(sent_again) == sorted(expected)


@pytest.mark.parametrize("honour_n", [True, False])
def test_usage_is_the_servers_summed_over_its_replies(honour_n):
    from netcollapse.backends.generation import Usage

    requests = [req(seed=1, n=3), req(seed=2, n=1)]
    with FakeServer(honour_n=honour_n) as fake:
        gen = quick(fake.url)
        gen.generate(requests)  # learn whether n is honoured
        _, usage = gen.generate_counted(requests)
    if honour_n:  # one reply per request: prompt 100 + seed % 7, 5 tokens per choice
        expected = [Usage(101, 15), Usage(102, 5)]
    else:  # one reply per sample, seeded sample_seed(seed, j): each prompt counted again
        seeds = [sample_seed(1, j) for j in range(3)]
        expected = [Usage(sum(100 + s % 7 for s in seeds), 15), Usage(102, 5)]
    assert usage == expected


def test_usage_unknown_when_a_reply_reports_none():
    with FakeServer(script=["nousage"], default="ok") as fake:
        _, usage = quick(fake.url).generate_counted([req(seed=4, n=1), req(seed=5, n=1)])
    assert sorted(u.prompt is None for u in usage) == [False, True]
    assert all((u.prompt is None) == (u.generated is None) for u in usage)


@pytest.mark.parametrize("honour_n", [True, False])
def test_forced_n_modes(honour_n):
    with FakeServer(honour_n=honour_n) as fake:
        quick(fake.url, n_mode="single").generate([req(seed=4, n=3)])
        single = [b["n"] for b in fake.chat_requests]
        out = quick(fake.url, n_mode="n").generate([req(seed=4, n=3)])
        forced = [b["n"] for b in fake.chat_requests[len(single) :]]
    assert single == [1, 1, 1]
    assert forced == ([3] if honour_n else [3, 1, 1])
    assert len(out[0]) == 3


def test_sample_seed_is_per_request():
    seeds = [sample_seed(9, j) for j in range(5)]
    assert seeds[0] == 9 and len(set(seeds)) == 5
    assert sample_seed(9, 1) != sample_seed(10, 1)


# -- faults ------------------------------------------------------------------------------------


def test_unreachable_server_is_one_server_error():
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ServerError) as info:
        quick(url).generate([req(n=2)])
    msg = str(info.value)
    assert info.value.exit_status == 75
    assert "\n" not in msg
    assert msg.startswith(f"llm.base_url: {url} failed after 3 tries (connection refused);")
    assert msg.endswith("resume it once the server is back")


def test_server_stopped_mid_generation():
    with FakeServer(script=["ok", "die"]) as fake:
        gen = quick(fake.url, concurrency=1, n_mode="single")
        with pytest.raises(ServerError, match=r"failed after 3 tries \(connection refused\)"):
            gen.generate([req(seed=s) for s in range(5)])
    assert len(fake.chat_requests) == 2


@pytest.mark.parametrize("garbage", ["notjson", "nochoices", "nocontent", 500, 503, 429, "close"])
def test_transient_failures_recover(garbage):
    with FakeServer(script=[garbage, garbage]) as fake:
        out = quick(fake.url).generate([req(seed=7)])
    assert out == [[fake_text(7, 0)]]
    assert len(fake.chat_requests) == 3


def test_mixed_failures_then_ok():
    with FakeServer(script=["notjson", "nochoices", 500, 500, "ok"]) as fake:
        out = quick(fake.url, retries=4).generate([req(seed=8)])
    assert out == [[fake_text(8, 0)]]
    assert len(fake.chat_requests) == 5


@pytest.mark.parametrize(
    ("garbage", "cause"),
    [
        ("notjson", "malformed reply: not JSON"),
        ("nochoices", "malformed reply: no choices"),
        (502, "HTTP 502: bad things happened"),
        ("close", "connection closed without a reply"),
    ],
)
def test_permanent_garbage_is_one_server_error(garbage, cause):
    with FakeServer(default=garbage) as fake:
        with pytest.raises(ServerError) as info:
            quick(fake.url, retries=3).generate([req(seed=1), req(seed=2)])
    assert str(info.value).startswith(f"llm.base_url: {fake.url} failed after 4 tries ({cause});")
    assert len(fake.chat_requests) <= 8


@pytest.mark.parametrize("status", [400, 401, 404])
def test_client_errors_fail_at_once(status):
    message = "The model `fake-model` does not exist.\n  (see the docs)" + " x" * 200
    with FakeServer(default=status, message=message) as fake:
        with pytest.raises(ModelError) as info:
            quick(fake.url, retries=4, backoff=1.0).generate([req()])
    msg = str(info.value)
    assert len(fake.chat_requests) == 1
    assert not isinstance(info.value, ServerError)
    assert "\n" not in msg and len(msg) < 300
    assert f"HTTP {status}: The model `fake-model` does not exist. (see the docs)" in msg
    assert msg.startswith(f"llm.base_url: {fake.url} refused")


def test_silent_server_times_out():
    with silent_port() as port:
        gen = OpenAIGenerator(
            "m", f"http://127.0.0.1:{port}/v1", timeout=0.4, retries=1, backoff=0.01
        )
        start = time.monotonic()
        with pytest.raises(ServerError, match=r"failed after 2 tries \(no answer within 0.4 s\)"):
            gen.generate([req()])
        elapsed = time.monotonic() - start
    assert 0.7 < elapsed < 3.0


def test_load_errors(monkeypatch):
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(
        SpecError,
        match=rf"^llm.base_url: got '{url}', expected a reachable "
        r"OpenAI-compatible server \(connection refused\)$",
    ):
        OpenAIGenerator("m", url, backoff=0.01).load()
    monkeypatch.delenv(KEY_VAR, raising=False)
    with FakeServer() as fake:
        gen = OpenAIGenerator("m", fake.url, api_key_env=KEY_VAR)
        with pytest.raises(
            SpecError,
            match=rf"^llm.api_key_env: got '{KEY_VAR}', expected the "
            "name of a set environment variable$",
        ):
            gen.load()
        with pytest.raises(SpecError, match="llm.api_key_env"):
            gen.generate([req()])
        assert fake.requests == []
        monkeypatch.setenv(KEY_VAR, KEY)
        assert gen.load() == ["fake"]


def test_api_key_is_sent_and_never_shown(monkeypatch):
    monkeypatch.setenv(KEY_VAR, KEY)
    gen = quick("http://127.0.0.1:9/v1", api_key_env=KEY_VAR)
    assert KEY not in repr(gen) and KEY not in gen.name and KEY not in json.dumps(gen.config())
    assert gen.config()["api_key_env"] == KEY_VAR
    with FakeServer() as fake:
        assert quick(fake.url, api_key_env=KEY_VAR).generate([req(seed=3)]) == [[fake_text(3, 0)]]
    assert fake.requests[0][2]["Authorization"] == f"Bearer {KEY}"
    echo = f"Incorrect API key provided: {KEY}."
    for status, error in ((401, ModelError), (500, ServerError)):
        with FakeServer(default=status, message=echo) as fake:
            with pytest.raises(error) as info:
                quick(fake.url, api_key_env=KEY_VAR).generate([req()])
        assert KEY not in str(info.value) and "Incorrect API key provided: ***." in str(info.value)
    with FakeServer(models_status=401, message=echo) as fake:
        with pytest.raises(SpecError, match="llm.api_key_env: got .*HTTP 401") as info:
            quick(fake.url, api_key_env=KEY_VAR).load()
    assert KEY not in str(info.value)


# -- concurrency -------------------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [1, 3])
def test_concurrency_bound_and_order(concurrency):
    # later requests answer faster, so replies arrive out of order
    with FakeServer(delay=lambda body: 0.15 - 0.01 * body["seed"]) as fake:
        gen = quick(fake.url, concurrency=concurrency)
        out = gen.generate([req(seed=s) for s in range(9)])
    assert out == [[fake_text(s, 0)] for s in range(9)]
    assert fake.max_in_flight == concurrency


def test_first_failure_stops_the_others():
    # one request is refused for good: the others stop retrying and the call returns
    with FakeServer(script=[400], default=503, delay=0.05) as fake:
        gen = quick(fake.url, concurrency=4, retries=30, backoff=0.02)
        start = time.monotonic()
        with pytest.raises(ModelError):
            gen.generate([req(seed=s) for s in range(4)])
        assert time.monotonic() - start < 1.0
        sent = len(fake.chat_requests)
        time.sleep(0.5)  # without the stop, 3 threads would retry ~5 more times each
        assert len(fake.chat_requests) <= sent + 3


# -- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": ""}, "model: got '', expected a non-empty model name"),
        ({"base_url": "127.0.0.1:8000"}, "llm.base_url: got '127.0.0.1:8000', expected an http"),
        (
            {"api_key_env": "sk-abcdef"},
            r"^llm.api_key_env: got 'sk-a'..., expected the NAME of an "
            r"environment variable \(such as OPENAI_API_KEY\), not the "
            "key itself$",
        ),
        ({"concurrency": 0}, "llm.concurrency: got 0, expected an integer >= 1"),
        ({"timeout": 0}, "llm.timeout: got 0, expected a number of seconds > 0"),
        ({"retries": -1}, "llm.retries: got -1, expected an integer >= 0"),
        ({"backoff": -1.0}, "llm.backoff: got -1.0, expected a number of seconds >= 0"),
        ({"n_mode": "many"}, "llm.n_mode: got 'many', expected one of auto, n, single"),
    ],
)
def test_settings_validation(kwargs, match):
    base = {"model": "m", "base_url": "http://127.0.0.1:8000/v1"}
    with pytest.raises(SpecError, match=match):
        OpenAIGenerator(**{**base, **kwargs})


def test_empty_call_sends_nothing():
    with FakeServer() as fake:
        assert quick(fake.url).generate([]) == []
    assert fake.requests == []
