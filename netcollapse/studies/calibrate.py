"""Static dose-response calibration of a model's stance response, with no graph at all.

``netcollapse calibrate SPEC --out DIR`` shows the model contexts of ``k`` stance posts
of which ``j`` are positive (``j = 0 .. k``), drawn from the stance corpus's pool posts
(the held-out posts only check the readout axis), asks the run query ``L`` times per
context, and reads every answer on the stance axis (:mod:`netcollapse.measures.stance`).
Per variant (a persona and a temperature) it fits the linear response of
:mod:`netcollapse.theory.stance`::

    stance(context) = intercept + b * read(context) + e,

``read`` the mean stance of the context's posts, and tests linearity: the mean residual
per dose ``j`` (with its standard error) and the lack-of-fit F test of the line against
one mean per dose. Nothing here depends on a graph, so every graph of a study is held
out of the calibration.

The variant a study uses is chosen by a rule fixed before any study runs
(:data:`CHOICE_RULE`): among the variants whose response is linear (lack-of-fit
``p >= 0.05``), the one with the largest ``b``; if none is linear, the one with the
smallest lack-of-fit F.

The spec (YAML): ``llm`` as in a run spec (model, backend, decoding ``defaults``,
``embedder``, ``stances`` for the corpus, the two stance names and ``held_out``), and

============  =====================================================================
``k``         posts per context (default 4)
``contexts``  contexts per dose and variant (default 8)
``L``         answers per context (default 4)
``variants``  list of ``{name, persona, temperature}`` (default: three, below)
``source``    what the contexts hold: ``posts`` (default: the corpus's stance posts) or
              ``answers`` (the model's own answers of known stance, below)
``pool``      with ``source: answers``: contexts per stance that make the answer pool
              (default 8; each holds ``pool_posts`` posts of that stance, default 4)
``seed``      the draws of posts and answers
============  =====================================================================

With ``source: answers`` each variant first answers ``pool`` contexts of
``pool_posts`` posts of one stance, ``L`` times each, for each of the two stances;
those answers are the documents of known stance (their stance is read on the axis
like any answer), and the dose contexts hold ``j`` answers of the positive pool and
``k - j`` of the negative one. This is what a node reads in a web after round 0: other
models' answers, not human posts.

Output folder: ``contexts.parquet`` (one row per context: variant, dose, read stance,
mean and variance of the answers' stances, ``k``), ``calibration.json`` (per variant
the fitted :class:`~netcollapse.theory.stance.StanceResponse`, the lack-of-fit test,
the residual per dose; the chosen variant and the rule; the generator's provenance and
the axis AUC), both written atomically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from netcollapse._spec import Spec, read_yaml, validate
from netcollapse.engines.spec import LLMSpec
from netcollapse.errors import DataError, bad
from netcollapse.scenarios.stances import StanceSpec

__all__ = [
    "CHOICE_RULE",
    "DEFAULT_VARIANTS",
    "CalibrationSpec",
    "choose_variant",
    "dose_table",
    "format_calibration",
    "lack_of_fit",
    "load_calibration",
    "run_calibration",
]

CHOICE_RULE = (
    "among the variants with a linear response (lack-of-fit p >= 0.05) the largest b; "
    "if none is linear, the smallest lack-of-fit F"
)

DEFAULT_VARIANTS = (
    {"name": "plain", "persona": "", "temperature": 0.8},
    {"name": "hot", "persona": "", "temperature": 1.0},
    {
        "name": "reader",
        "persona": "You answer from the posts you are given.",
        "temperature": 0.8,
    },
)


class Variant(Spec):
    """One prompt / temperature variant."""

    name: str
    persona: str = ""
    temperature: float = Field(default=0.8, ge=0.0)


class CalibrationSpec(Spec):
    """A calibration spec (see the module docstring)."""

    name: str = "calibration"
    description: str = ""
    seed: int = Field(default=0, ge=0)
    k: int = Field(default=4, ge=1)
    contexts: int = Field(default=8, ge=2)
    L: int = Field(default=4, ge=2)
    variants: list[Variant] = Field(
        default_factory=lambda: [Variant.model_validate(v) for v in DEFAULT_VARIANTS], min_length=1
    )
    source: Literal["posts", "answers"] = "posts"
    pool: int = Field(default=8, ge=1)
    pool_posts: int = Field(default=4, ge=1)
    llm: LLMSpec = LLMSpec(stances=StanceSpec())


def lack_of_fit(doses: Any, x: Any, y: Any) -> dict[str, Any]:
    """Fit ``y = a + b x`` and test it against a free mean per dose (lack-of-fit F test).

    The line is nested in the model ``y = b x + c_dose`` (one intercept per dose, the
    same slope), which absorbs any departure of the dose means from the line; the F
    test compares their residual sums of squares. Where ``x`` is constant within each
    dose this is the classical pure-error test (the dose means against the line).

    Parameters
    ----------
    doses : array_like
        The group of each point (``j``, the positive posts of its context).
    x, y : array_like
        Read stance and answer stance per context.

    Returns
    -------
    dict
        ``slope``, ``intercept``, ``F``, ``p``, ``df`` (numerator, denominator) and
        ``residual_by_dose``: per dose its mean residual from the line, standard
        error and count.

    Examples
    --------
    >>> j = np.repeat(np.arange(5), 6)
    >>> x = j / 4 - 0.5
    >>> y = 0.1 + 0.4 * x + np.tile([-0.01, 0.01, 0.0, 0.02, -0.02, 0.0], 5)
    >>> out = lack_of_fit(j, x, y)
    >>> round(out["slope"], 6), round(out["F"], 6), out["df"]
    (0.4, 0.0, [3, 25])
    """
    from scipy import stats

    g, xx, yy = (np.asarray(v, dtype=float) for v in (doses, x, y))
    xc = xx - xx.mean()
    slope = float(xc @ (yy - yy.mean()) / (xc @ xc))
    intercept = float(yy.mean() - slope * xx.mean())
    resid = yy - intercept - slope * xx
    levels = np.unique(g)
    design = np.column_stack([xx, *(g == d for d in levels)]).astype(float)
    coef, *_ = np.linalg.lstsq(design, yy, rcond=None)
    full = yy - design @ coef
    rank = int(np.linalg.matrix_rank(design))
    sse, sse_full = float(resid @ resid), float(full @ full)
    df1, df2 = rank - 2, len(yy) - rank
    if df1 >= 1 and df2 >= 1 and sse_full > 0:
        F = max(sse - sse_full, 0.0) / df1 / (sse_full / df2)
        p = float(stats.f.sf(F, df1, df2))
    else:
        F, p = math.nan, math.nan
    by = []
    for d in levels:
        r = resid[g == d]
        se = float(r.std(ddof=1) / math.sqrt(r.size)) if r.size > 1 else math.nan
        by.append({"dose": int(d), "mean": float(r.mean()), "se": se, "n": int(r.size)})
    return {
        "slope": slope, "intercept": intercept, "F": float(F), "p": p, "df": [df1, df2],
        "residual_by_dose": by,
    }  # fmt: skip


def choose_variant(results: dict[str, dict[str, Any]]) -> str:
    """Apply :data:`CHOICE_RULE` to per-variant results (``slope``, ``p``, ``F``).

    Examples
    --------
    >>> choose_variant({"a": {"slope": 0.3, "p": 0.4, "F": 1.0},
    ...                 "b": {"slope": 0.5, "p": 0.01, "F": 5.0},
    ...                 "c": {"slope": 0.4, "p": 0.2, "F": 1.5}})
    'c'
    >>> choose_variant({"a": {"slope": 0.3, "p": 0.01, "F": 9.0},
    ...                 "b": {"slope": 0.5, "p": 0.02, "F": 5.0}})
    'b'
    """
    linear = {k: v for k, v in results.items() if v["p"] == v["p"] and v["p"] >= 0.05}
    if linear:
        return max(linear, key=lambda k: linear[k]["slope"])
    return min(results, key=lambda k: (results[k]["F"] != results[k]["F"], results[k]["F"]))


def _contexts(
    pos: list[int], neg: list[int], k: int, per_dose: int, rng: np.random.Generator
) -> list[tuple[int, list[int]]]:
    """``(j, post ids)`` for every dose ``j = 0..k`` and replicate, posts in random order."""
    out = []
    for j in range(k + 1):
        if j > len(pos) or k - j > len(neg):
            raise bad("k", k, f"at most {min(len(pos), len(neg))} (posts per stance in the pool)")
        for _ in range(per_dose):
            ids = list(rng.choice(pos, j, replace=False)) + list(
                rng.choice(neg, k - j, replace=False)
            )
            out.append((j, [int(i) for i in rng.permutation(ids)]))
    return out


@dataclass(frozen=True)
class _Pool:
    texts: list[str]
    labels: list[str]
    pool: list[int]
    held: list[int]


def _stances(spec: CalibrationSpec) -> StanceSpec:
    """Return the spec's stances section; a calibration cannot go without one."""
    if spec.llm.stances is None:
        raise bad("llm.stances", None, "a stances section (corpus and the two stance names)")
    return spec.llm.stances


def _split(spec: CalibrationSpec, base_dir: Path | None) -> _Pool:
    from netcollapse._random import Stream, stream_rng
    from netcollapse.scenarios.stances import stance_corpus

    st = _stances(spec)
    corpus = stance_corpus(st.corpus, st.column, base_dir)
    labels = [str(m[st.column]) for m in corpus.metadata]
    rng = stream_rng(spec.seed, Stream.STANCE_POSTS)
    pool, held = [], []
    for name in (st.positive, st.negative):
        idx = rng.permutation([i for i, lab in enumerate(labels) if lab == name]).tolist()
        if len(idx) <= st.held_out:
            raise bad(
                "llm.stances.held_out", st.held_out, f"fewer than the {len(idx)} {name!r} posts"
            )
        held += idx[: st.held_out]
        pool += idx[st.held_out :]
    return _Pool(list(corpus.texts), labels, pool, held)


def _answer_pool(
    spec: CalibrationSpec,
    variant: Variant,
    v_index: int,
    pos: list[int],
    neg: list[int],
    split: _Pool,
    answer: Any,
) -> tuple[list[str], np.ndarray, list[int], list[int]]:
    """Answer ``pool`` one-stance contexts per stance with the variant (``source: answers``).

    Returns the answers' texts and stances and the ids of the positive and negative ones.
    """
    from netcollapse._random import Stream, stream_rng

    if spec.pool_posts > min(len(pos), len(neg)):
        raise bad("pool_posts", spec.pool_posts, f"at most {min(len(pos), len(neg))}")
    rng = stream_rng(spec.seed, Stream.CALIBRATION, v_index, 1)
    texts: list[tuple[str, ...]] = []
    for ids in (pos, neg):
        for _ in range(spec.pool):
            pick = rng.choice(ids, spec.pool_posts, replace=False)
            texts.append(tuple(split.texts[int(i)] for i in pick))
    flat, read = answer(variant, texts, rng)
    half = spec.pool * spec.L
    return flat, read.ravel(), list(range(half)), list(range(half, 2 * half))


def dose_table(spec: CalibrationSpec, base_dir: Path | None = None) -> tuple[pd.DataFrame, dict]:
    """Generate and read every context of every variant: the tidy table and the run facts.

    Returns
    -------
    (pandas.DataFrame, dict)
        One row per context (``variant``, ``dose``, ``context``, ``read_stance``,
        ``read_stance_var``, ``stance``, ``stance_var``, ``k``); and ``auc`` of the
        axis on the held-out posts and the generator's ``provenance``.
    """
    from netcollapse._random import Stream, stream_rng
    from netcollapse.backends.embedding import SentenceTransformerEmbedder
    from netcollapse.backends.generation import GenerationRequest
    from netcollapse.backends.provenance import generation_provenance
    from netcollapse.measures.stance import auc, project, stance_axis
    from netcollapse.retrieval.corpus import DEFAULT_QUERY

    llm, st = spec.llm, _stances(spec)
    split = _split(spec, base_dir)
    gen = llm.generator(llm.defaults.model)
    embedder = SentenceTransformerEmbedder(llm.embedder)
    emb = np.asarray(embedder.encode(split.texts), dtype=float)
    pool_labels = [split.labels[i] for i in split.pool]
    axis = stance_axis(emb[split.pool], pool_labels, st.positive, st.negative)
    stance = project(emb, axis)
    held = np.array(split.held)
    held_lab = np.array([split.labels[i] for i in split.held])
    score = auc(stance[held[held_lab == st.positive]], stance[held[held_lab == st.negative]])
    pos = [i for i in split.pool if split.labels[i] == st.positive]
    neg = [i for i in split.pool if split.labels[i] == st.negative]

    def answer(
        variant: Variant, texts: list[tuple[str, ...]], rng: np.random.Generator
    ) -> tuple[list[str], np.ndarray]:
        """``L`` answers per context: their texts and stances, shape (contexts, L)."""
        seeds = rng.integers(0, 2**31 - 1, size=len(texts))
        d = llm.defaults
        requests = [
            GenerationRequest(
                variant.persona,
                ctx,
                llm.query or DEFAULT_QUERY,
                spec.L,
                int(s),
                temperature=variant.temperature,
                top_p=d.top_p,
                max_new_tokens=d.max_new_tokens,
            )  # fmt: skip
            for ctx, s in zip(texts, seeds)
        ]
        flat = [a for per in gen.generate(requests) for a in per]
        read = project(np.asarray(embedder.encode(flat), dtype=float), axis)
        return flat, read.reshape(len(texts), spec.L)

    rows = []
    for v_index, variant in enumerate(spec.variants):
        docs, doc_stance, dpos, dneg = split.texts, stance, pos, neg
        if spec.source == "answers":  # the variant's own answers of known stance
            docs, doc_stance, dpos, dneg = _answer_pool(spec, variant, v_index, pos, neg, split,
                                                        answer)  # fmt: skip
        rng = stream_rng(spec.seed, Stream.CALIBRATION, v_index)
        contexts = _contexts(dpos, dneg, spec.k, spec.contexts, rng)
        _, read = answer(variant, [tuple(docs[i] for i in ids) for _, ids in contexts], rng)
        for c, ((j, ids), a) in enumerate(zip(contexts, read)):
            ctx = doc_stance[ids]
            rows.append({
                "variant": variant.name, "dose": j, "context": c,
                "read_stance": float(ctx.mean()),
                "read_stance_var": float(ctx.var(ddof=1)) if len(ids) > 1 else 0.0,
                "stance": float(a.mean()), "stance_var": float(a.var(ddof=1)), "k": spec.k,
                "source": spec.source,
            })  # fmt: skip
    facts = {"auc": float(score), "provenance": generation_provenance([gen])}
    return pd.DataFrame(rows), facts


def fit_variants(table: pd.DataFrame, L: int) -> dict[str, dict[str, Any]]:
    """Per variant: the fitted response (:func:`fit_stance_response`) and its linearity test."""
    from netcollapse.theory.stance import fit_stance_response

    out = {}
    for name, part in table.groupby("variant", sort=False):
        response = fit_stance_response(part, L)
        test = lack_of_fit(part["dose"], part["read_stance"], part["stance"])
        out[str(name)] = {**response.to_dict(), **{k: test[k] for k in ("F", "p", "df")},
                          "residual_by_dose": test["residual_by_dose"]}  # fmt: skip
    return out


def run_calibration(
    spec: str | Path | dict[str, Any] | CalibrationSpec, out: str | Path
) -> dict[str, Any]:
    """Run a calibration spec into ``out`` (see the module docstring); return calibration.json.

    Raises
    ------
    SpecError
        One line for a bad spec, before anything is generated or written.
    """
    from netcollapse._io import atomic_write_text, write_parquet
    from netcollapse._json import dumps

    base_dir = None
    if isinstance(spec, (str, Path)):
        base_dir = Path(spec).resolve().parent
        spec = read_yaml(spec)
    parsed = spec if isinstance(spec, CalibrationSpec) else validate(CalibrationSpec, spec)
    _stances(parsed)
    if parsed.source == "answers" and parsed.k > parsed.pool * parsed.L:
        raise bad(
            "k", parsed.k, f"at most pool x L = {parsed.pool * parsed.L} (answers per stance)"
        )
    names = [v.name for v in parsed.variants]
    if len(set(names)) != len(names):
        raise bad("variants", names, "distinct variant names")
    folder = Path(out)
    if (folder / "calibration.json").exists():
        raise bad("out", str(folder), "a folder without a calibration (calibration.json)")
    table, facts = dose_table(parsed, base_dir)
    variants = fit_variants(table, parsed.L)
    result = {
        "model": parsed.llm.defaults.model, "spec": parsed.model_dump(mode="json"),
        "variants": variants, "chosen": choose_variant(variants), "rule": CHOICE_RULE,
        **facts,
    }  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    write_parquet(folder / "contexts.parquet", table)
    atomic_write_text(folder / "calibration.json", dumps(result, indent=2))
    return result


def load_calibration(folder: str | Path, variant: str | None = None) -> Any:
    """Return the :class:`~netcollapse.theory.stance.StanceResponse` of a calibration folder.

    Parameters
    ----------
    folder : str or Path
        Written by :func:`run_calibration`.
    variant : str, optional
        Default: the chosen one.

    Returns
    -------
    StanceResponse
        Its per-round variance is the moment estimate (no curve was fitted).
    """
    from netcollapse._io import read_json
    from netcollapse.theory.stance import StanceResponse

    data = read_json(Path(folder) / "calibration.json", "a calibration (netcollapse calibrate)")
    name = variant or data.get("chosen")
    if name not in data.get("variants", {}):
        raise DataError(
            f"calibration: got variant {name!r}, expected one of {sorted(data.get('variants', {}))}"
        )
    v = data["variants"][name]
    fields = (
        "slope",
        "slope_se",
        "intercept",
        "answer_var",
        "context_var",
        "pick_var",
        "rows",
        "r2",
    )
    return StanceResponse(**{f: v[f] for f in fields})


def format_calibration(result: dict[str, Any]) -> str:
    """Plain-text table of a calibration: per variant b, prior, noise and linearity.

    Examples
    --------
    >>> v = {"slope": 0.4, "slope_se": 0.05, "prior": 0.1, "answer_var": 0.04,
    ...      "context_var": 0.01, "F": 1.2, "p": 0.3, "rows": 40,
    ...      "residual_by_dose": [{"dose": 0, "mean": 0.01, "se": 0.02, "n": 8}]}
    >>> print(format_calibration({"variants": {"plain": v}, "chosen": "plain", "rule": "r",
    ...                           "auc": 0.98}))  # doctest: +NORMALIZE_WHITESPACE
    variant   b (se)          prior   answer var  context var  lack-of-fit F  p     contexts
    plain *   0.400 (0.050)  +0.100   0.0400      0.0100       1.20           0.30  40
    residual by dose j (mean, se): plain: 0:+0.010(0.020)
    * chosen: r; axis AUC on held-out posts 0.980
    """
    head = (
        f"{'variant':<10}{'b (se)':<16}{'prior':<8}{'answer var':<12}{'context var':<13}"
        f"{'lack-of-fit F':<15}{'p':<6}contexts"
    )
    lines = [head]
    for name, v in result["variants"].items():
        mark = " *" if name == result["chosen"] else ""
        lines.append(
            f"{name + mark:<10}{v['slope']:.3f} ({v['slope_se']:.3f})  {v['prior']:+.3f}   "
            f"{v['answer_var']:<12.4f}{v['context_var']:<13.4f}{v['F']:<15.2f}{v['p']:<6.2f}"
            f"{v['rows']}"
        )
    for name, v in result["variants"].items():
        cells = " ".join(
            f"{r['dose']}:{r['mean']:+.3f}({r['se']:.3f})" for r in v["residual_by_dose"]
        )
        lines.append(f"residual by dose j (mean, se): {name}: {cells}")
    lines.append(f"* chosen: {result['rule']}; axis AUC on held-out posts {result['auc']:.3f}")
    return "\n".join(lines)
