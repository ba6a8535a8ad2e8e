"""RunResult accessors: answers with the texts they read, stored embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from netcollapse.backends import FakeGenerator
from netcollapse.backends.embedding import HashEmbedder
from netcollapse.engines.gmm import GMMWeb
from netcollapse.engines.llm import LLMWeb
from netcollapse.engines.result import RunResult
from netcollapse.errors import SpecError
from netcollapse.graphs.retrieval_graph import build
from netcollapse.measures.perspective import perspective_space
from netcollapse.retrieval.corpus import default_corpus
from netcollapse.scenarios.stances import StanceSpec, seed_stances


@pytest.mark.parametrize("stances", [False, True])
def test_responses_resolve_every_context_to_its_text(tmp_path, stances):
    g = build("ring", n=4, self_weight=0.4, anchoring=0.0 if stances else 0.3)
    st = seed_stances(StanceSpec(posts=3), g, seed=0) if stances else None
    web = LLMWeb(
        g,
        default_corpus(),
        FakeGenerator(),
        HashEmbedder(8),
        L=3,
        publish=2,
        retrieval={"k": 4, "quota": "multinomial"},
        stances=st,
        seed=2,
    )
    web.run(3, tmp_path / "r", progress=False)
    res = RunResult.load(tmp_path / "r")
    r = res.responses()
    assert len(r) == 4 * 4 * 3 and (r.context.str.len() == r.context_texts.str.len()).all()
    corpus = set(default_corpus().texts)
    for row in r.itertuples():
        for (src, doc), text in zip(row.context, row.context_texts):
            if src < 0:
                assert text in corpus
            elif st is not None and doc < 3:
                assert text == st.node_posts[src][doc]
            else:  # a published answer of an earlier round
                m = 3 if st is not None else 0
                step, sample = divmod(doc - m, 2)
                assert step < row.step
                hit = r[(r["node"] == src) & (r["step"] == step) & (r["sample"] == sample)]
                assert hit.published.item() and hit.text.item() == text
    emb = res.embeddings()
    assert emb.shape == (4, 4, 3, 8)
    space = perspective_space(emb)
    assert len(space) == 48 and list(space.columns[:3]) == ["step", "node", "sample"]


def test_accessors_on_a_run_without_answers(tmp_path):
    GMMWeb(build("ring", n=4), L=2, retrieval={"k": 4}, seed=0).run(
        2, tmp_path / "g", progress=False
    )
    res = RunResult.load(tmp_path / "g")
    with pytest.raises(SpecError, match=r"^run: got .*expected a finished LLM run folder with"):
        res.embeddings()
    with pytest.raises(SpecError, match="responses.jsonl"):
        res.responses()
    assert np.isfinite(res.frobenius).all()
