"""The Generator conformance suite: what every text-generation backend promises.

Used by the tests of every backend (fake, transformers, llama.cpp, OpenAI-compatible
servers) on tiny settings with the real bundled model.
"""

from __future__ import annotations

from netcollapse.backends import GenerationRequest, Generator

QUERY = "Please provide EXACTLY one concise sentence about the future prospects of Bitcoin."
CONTEXT = (
    "Bitcoin reached a new all-time high this week.",
    "Regulators are worried about crypto volatility.",
)
NEW = 12  # tiny decoding length for the real-model tests


def req(seed=0, n=1, temperature=0.0, context=CONTEXT, system="", max_new=NEW, top_p=0.95):
    """A request on the shipped query with tiny settings."""
    return GenerationRequest(system, context, QUERY, n, seed, temperature, top_p, max_new)


def check_generator(gen: Generator) -> None:
    """Conformance suite every Generator backend must pass (tiny settings)."""
    assert isinstance(gen, Generator)
    assert isinstance(gen.name, str) and gen.name
    assert gen.generate([]) == []
    requests = [
        req(seed=1, n=3, temperature=1.0),
        req(seed=2, n=1, temperature=0.0, context=CONTEXT[:1], system="You are cautious."),
        req(seed=3, n=2, temperature=0.7, context=()),
    ]
    out = gen.generate(requests)
    assert [len(x) for x in out] == [3, 1, 2]
    assert all(isinstance(s, str) and s for x in out for s in x)
    # same requests -> same samples
    assert gen.generate(requests) == out
    # a greedy request does not depend on what else is in the batch
    assert gen.generate([requests[1]]) == [out[1]]
    # greedy: all samples equal
    g = gen.generate([req(seed=5, n=2, temperature=0.0)])[0]
    assert g[0] == g[1]
    check_counts(gen, requests, out)


def check_counts(gen: Generator, requests, out) -> None:
    """Token usage: same texts as ``generate``, counts within what was asked for."""
    from netcollapse.backends.generation import Usage, generate_counted

    texts, usage = generate_counted(gen, requests)
    assert texts == out
    assert len(usage) == len(requests) and all(isinstance(u, Usage) for u in usage)
    if not hasattr(gen, "generate_counted"):
        assert all(u.prompt is None and u.generated is None for u in usage)
        return
    for r, u in zip(requests, usage):
        # every sample has at least one new token (min_new_tokens = 1), at most max_new_tokens
        assert r.n_samples <= u.generated <= r.n_samples * r.max_new_tokens
        assert u.prompt > len(r.query.split())  # the prompt holds at least the query
    # more context, more prompt tokens (same request otherwise)
    short, long = generate_counted(gen, [req(seed=9, context=()), req(seed=9)])[1]
    assert long.prompt > short.prompt
    prov = gen.provenance()
    assert prov["backend"] in ("hf", "llamacpp", "openai")
    assert {"model", "device", "reason"} <= set(prov)
