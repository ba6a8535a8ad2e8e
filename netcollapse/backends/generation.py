"""The generation contract shared by every text-generation backend.

A simulation step asks each LLM node to answer one query L times with ONE
retrieved context (paper Algorithm 1, step 2: Wang, Horiguchi, Pang, Priebe,
"LLM Web Dynamics", arXiv 2506.15690). The engine collects the requests of all
nodes of a step and hands them to a :class:`Generator` in one call, so backends
can batch them.

Prompt layout (defined once here, used by every backend):

* system message: the node's persona (left out when empty);
* user message: the retrieved documents as a numbered list under
  :data:`CONTEXT_HEADER`, a blank line, then the query.

:func:`postprocess` turns a raw completion into the one sentence that is
published and embedded. :class:`TokenGenerator` is what the in-process
backends (transformers, llama.cpp) share: the prompt-length check, decoding
ids to text and post-processing.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import Any, Protocol, Sequence, runtime_checkable

from netcollapse.errors import DataError, bad, one_line

__all__ = [
    "CONTEXT_HEADER",
    "DECODING_DEFAULTS",
    "GenerationRequest",
    "Generator",
    "TOKEN_COLUMNS",
    "TokenGenerator",
    "Usage",
    "build_plain_prompt",
    "build_prompt_messages",
    "build_user_message",
    "generate_counted",
    "postprocess",
    "token_columns",
    "token_totals",
]

#: First line of the user message when there is retrieved context.
CONTEXT_HEADER = "Context:"

#: Default decoding settings of every node and request (the one home of these numbers).
DECODING_DEFAULTS = {"temperature": 0.7, "top_p": 0.95, "max_new_tokens": 48}

_LIST_MARKER = re.compile(r"^\s*(?:[-*\u2022>]+|\(?\d{1,3}[.)]|#+)\s+")
_LABEL = re.compile(r"^\s*(?:answer|response|sentence)\s*:\s*", re.IGNORECASE)
_SENTENCE = re.compile(r"^(.+?[.!?\u3002][\"'\u201d\u2019)\]*]*)(?=\s|$)", re.DOTALL)
_STRIP = " \t\r\n\"'`*_\u201c\u201d\u2018\u2019\u00ab\u00bb"


@dataclass(frozen=True)
class GenerationRequest:
    """One query to answer ``n_samples`` times with one retrieved context.

    Parameters
    ----------
    system : str
        Persona / system prompt; ``""`` for none.
    context : tuple of str
        Retrieved documents, in order.
    query : str
        The question (paper: one concise sentence about Bitcoin's prospects).
    n_samples : int
        L, the number of independent answers; all share the one context.
    seed : int
        Per-request seed: the same request gives the same samples, whatever else
        is in the batch.
    temperature : float, default 0.7
        0 means greedy decoding.
    top_p : float, default 0.95
        Nucleus-sampling mass in (0, 1].
    max_new_tokens : int, default 48

    Examples
    --------
    >>> r = GenerationRequest("", ("doc a",), "Say hi.", n_samples=2, seed=0)
    >>> r.n_samples, r.temperature
    (2, 0.7)
    """

    system: str
    context: tuple[str, ...]
    query: str
    n_samples: int
    seed: int
    temperature: float = DECODING_DEFAULTS["temperature"]
    top_p: float = DECODING_DEFAULTS["top_p"]
    max_new_tokens: int = int(DECODING_DEFAULTS["max_new_tokens"])

    def __post_init__(self) -> None:
        if not isinstance(self.context, tuple):
            object.__setattr__(self, "context", tuple(self.context))
        for field, low in (("n_samples", 1), ("seed", 0), ("max_new_tokens", 1)):
            value = getattr(self, field)
            try:
                number = operator.index(value)
            except TypeError:
                number = None
            if number is None or isinstance(value, bool) or number < low:
                raise bad(field, value, f"an integer >= {low}")
            object.__setattr__(self, field, int(number))
        if not self.temperature >= 0:
            raise bad("temperature", self.temperature, "a number >= 0")
        if not 0 < self.top_p <= 1:
            raise bad("top_p", self.top_p, "a number in (0, 1]")


@dataclass(frozen=True)
class Usage:
    """Tokens one request cost: its prompt and all its samples' new tokens.

    ``prompt`` counts the prompt once where the backend prefills it once for all
    ``n_samples`` answers (transformers, llama.cpp), and once per reply where a
    server answers samples separately (what the server reports, summed).
    ``None``: not known (a server that reports no usage).

    Examples
    --------
    >>> Usage(120, 64).total
    184
    >>> Usage(None, 64).total is None
    True
    """

    prompt: int | None
    generated: int | None

    @property
    def total(self) -> int | None:
        """Prompt + generated tokens (``None`` if either is unknown)."""
        if self.prompt is None or self.generated is None:
            return None
        return self.prompt + self.generated


TOKEN_COLUMNS = ("prompt_tokens", "generated_tokens")
"""The token columns of an LLM run's tables (per node and round, and per round)."""


def token_columns(usage: Sequence[Usage]) -> dict[str, Any]:
    """Return :data:`TOKEN_COLUMNS` as arrays, one entry per request.

    Integers where every count is known, else floats with NaN for the unknown ones.

    Examples
    --------
    >>> token_columns([Usage(10, 4), Usage(12, 5)])["generated_tokens"].tolist()
    [4, 5]
    >>> token_columns([Usage(10, None)])["generated_tokens"].tolist()
    [nan]
    """
    import numpy as np

    out = {}
    for key, attr in zip(TOKEN_COLUMNS, ("prompt", "generated")):
        values = [getattr(u, attr) for u in usage]
        if any(v is None for v in values):
            out[key] = np.array([np.nan if v is None else v for v in values], dtype=float)
        else:
            out[key] = np.array(values, dtype=np.int64)
    return out


def token_totals(frame: Any) -> dict[str, int | float] | None:
    """Sum the :data:`TOKEN_COLUMNS` of a table: ``{"prompt", "generated"}``, ``None`` without them.

    A total is NaN where any count is unknown (a server that reported no usage).

    Examples
    --------
    >>> import pandas as pd
    >>> token_totals(pd.DataFrame({"prompt_tokens": [10, 12], "generated_tokens": [4, 5]}))
    {'prompt': 22, 'generated': 9}
    >>> token_totals(pd.DataFrame({"frobenius": [1.0]})) is None
    True
    """
    if not all(c in frame for c in TOKEN_COLUMNS):
        return None
    out: dict[str, int | float] = {}
    for key, col in zip(("prompt", "generated"), TOKEN_COLUMNS):
        values = frame[col]
        out[key] = float("nan") if values.isna().any() else int(values.sum())
    return out


def generate_counted(
    generator: Any, requests: Sequence[GenerationRequest]
) -> tuple[list[list[str]], list[Usage]]:
    """Answer ``requests`` and say what each cost in tokens.

    Uses the generator's own ``generate_counted`` where it has one (the bundled
    backends and servers), else ``generate`` with unknown usage.

    Parameters
    ----------
    generator : Generator
    requests : sequence of GenerationRequest

    Returns
    -------
    (list of list of str, list of Usage)

    Examples
    --------
    >>> from netcollapse.backends.fake import FakeGenerator
    >>> texts, usage = generate_counted(FakeGenerator(), [GenerationRequest("", (), "Hi.", 2, 0)])
    >>> len(texts[0]), usage
    (2, [Usage(prompt=None, generated=None)])
    """
    counted = getattr(generator, "generate_counted", None)
    if counted is not None:
        return counted(requests)
    return generator.generate(requests), [Usage(None, None)] * len(requests)


@runtime_checkable
class Generator(Protocol):
    """A text-generation backend.

    ``generate`` returns one list of ``n_samples`` post-processed strings per
    request, in request order. Samples of a request depend only on the request
    (its seed included), not on the other requests in the call.
    """

    name: str

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[str]]:
        """Answer every request; see the class docstring."""
        ...


def build_user_message(request: GenerationRequest) -> str:
    r"""Return the user message: numbered context documents, then the query.

    Parameters
    ----------
    request : GenerationRequest

    Returns
    -------
    str

    Examples
    --------
    >>> r = GenerationRequest("", ("Up.", "Down\nhard."), "Where next?", 1, 0)
    >>> print(build_user_message(r))
    Context:
    1. Up.
    2. Down hard.
    <BLANKLINE>
    Where next?
    """
    query = request.query.strip()
    if not request.context:
        return query
    lines = [CONTEXT_HEADER]
    lines += [f"{i}. {one_line(doc)}" for i, doc in enumerate(request.context, start=1)]
    return "\n".join(lines) + "\n\n" + query


def build_prompt_messages(request: GenerationRequest) -> list[dict[str, str]]:
    """Return the chat messages for ``request`` (system persona, then user).

    Parameters
    ----------
    request : GenerationRequest

    Returns
    -------
    list of dict
        ``{"role": ..., "content": ...}`` items; no system item when the persona
        is empty (the chat template's default applies).

    Examples
    --------
    >>> r = GenerationRequest("You are a trader.", (), "Bitcoin?", 1, 0)
    >>> [m["role"] for m in build_prompt_messages(r)]
    ['system', 'user']
    >>> build_prompt_messages(GenerationRequest("", (), "Bitcoin?", 1, 0))
    [{'role': 'user', 'content': 'Bitcoin?'}]
    """
    messages = []
    if request.system.strip():
        messages.append({"role": "system", "content": request.system.strip()})
    messages.append({"role": "user", "content": build_user_message(request)})
    return messages


def build_plain_prompt(request: GenerationRequest) -> str:
    """Return a plain-text prompt for models without a chat template.

    Parameters
    ----------
    request : GenerationRequest

    Returns
    -------
    str
        Persona, user message (:func:`build_user_message`), then ``"Answer:"``.

    Examples
    --------
    >>> print(build_plain_prompt(GenerationRequest("Be brief.", (), "Bitcoin?", 1, 0)))
    Be brief.
    <BLANKLINE>
    Bitcoin?
    Answer:
    """
    parts = [request.system.strip()] if request.system.strip() else []
    parts.append(build_user_message(request))
    return "\n\n".join(parts) + "\nAnswer:"


def postprocess(text: str) -> str:
    r"""Reduce a completion to its first sentence.

    The paper's query asks for "EXACTLY one concise sentence"; small models often
    add more. Keeps the first non-empty line, drops list markers, an
    ``Answer:`` label, quotes and markdown emphasis, and cuts after the first
    sentence end (``.``, ``!`` or ``?`` followed by a space or the end). Never
    returns ``""`` when ``text`` has any non-space character: it then falls back
    to the whitespace-normalised text.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> postprocess('  "Bitcoin may rise to 3.5x its value. It is volatile."')
    'Bitcoin may rise to 3.5x its value.'
    >>> postprocess("1. **Bitcoin will grow**\n2. Another")
    'Bitcoin will grow'
    >>> postprocess("'' **")
    "'' **"
    >>> postprocess("   ")
    ''
    """
    flat = one_line(text)
    if not flat:
        return ""
    line = next(part for part in text.splitlines() if part.strip())
    line = one_line(line)
    line = _LIST_MARKER.sub("", line)
    line = _LABEL.sub("", line).strip(_STRIP)
    match = _SENTENCE.match(line)
    if match:
        line = match.group(1)
    line = line.strip(_STRIP).replace("**", "")
    return line if line else flat


class TokenGenerator:
    """Base of the generators that decode token ids in process (transformers, llama.cpp).

    A subclass gives :meth:`prompt_ids`, :meth:`detokenize`, :meth:`context_limit`
    and :meth:`decode_prompts`, and sets ``name``; this class holds what they
    share: every prompt plus its ``max_new_tokens`` must fit the model's context
    (else one-line :class:`~netcollapse.errors.DataError`), ids become texts,
    texts become sentences (:func:`postprocess`).
    """

    name: str
    reason: str = "as given"
    """Why ``auto`` chose this generator (set by ``backends.factory.make_generator``)."""

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[str]]:
        """Answer every request (see :class:`Generator`): :meth:`generate_raw`, post-processed."""
        return [[postprocess(t) for t in texts] for texts in self.generate_raw(requests)]

    def generate_counted(
        self, requests: Sequence[GenerationRequest]
    ) -> tuple[list[list[str]], list[Usage]]:
        """Like :meth:`generate`, with each request's :class:`Usage` (prompt prefilled once)."""
        ids, prompts = self._decode_all(requests)
        texts = [[postprocess(self.detokenize(s)) for s in per] for per in ids]
        usage = [Usage(len(p), sum(len(s) for s in per)) for p, per in zip(prompts, ids)]
        return texts, usage

    def generate_raw(self, requests: Sequence[GenerationRequest]) -> list[list[str]]:
        """Like :meth:`generate` but return the decoded completions unprocessed."""
        return [
            [self.detokenize(ids) for ids in per_request]
            for per_request in self.generate_ids(requests)
        ]

    def generate_ids(self, requests: Sequence[GenerationRequest]) -> list[list[list[int]]]:
        """Return the new token ids of every sample (end of generation excluded), per request.

        Parameters
        ----------
        requests : sequence of GenerationRequest

        Returns
        -------
        list of list of list of int

        Raises
        ------
        DataError
            A prompt plus its ``max_new_tokens`` exceeds :meth:`context_limit`.
        """
        return self._decode_all(requests)[0]

    def _decode_all(
        self, requests: Sequence[GenerationRequest]
    ) -> tuple[list[list[list[int]]], list[list[int]]]:
        """Return the new ids of every sample, and every request's prompt ids."""
        requests = list(requests)
        if not requests:
            return [], []
        prompts = [self.prompt_ids(r) for r in requests]
        limit = self.context_limit()
        for i, (r, p) in enumerate(zip(requests, prompts)):
            if limit and len(p) + r.max_new_tokens > limit:
                raise DataError(
                    f"requests[{i}]: got a prompt of {len(p)} tokens + {r.max_new_tokens} new, "
                    f"expected at most {limit} in total for model {self.name!r}"
                )
        results: list[list[list[int]]] = [[[] for _ in range(r.n_samples)] for r in requests]
        self.decode_prompts(requests, prompts, results)
        return results, prompts

    def prompt_ids(self, request: GenerationRequest) -> list[int]:
        """Return the token ids of ``request``'s prompt (chat template, else plain prompt)."""
        raise NotImplementedError

    def detokenize(self, ids: list[int]) -> str:
        """Return the text of the new token ids ``ids``."""
        raise NotImplementedError

    def context_limit(self) -> int | None:
        """Return the most tokens (prompt + new) a request may take; ``None``: no limit."""
        raise NotImplementedError

    def decode_prompts(
        self,
        requests: list[GenerationRequest],
        prompts: list[list[int]],
        results: list[list[list[int]]],
    ) -> None:
        """Decode every sample of every request; fill ``results[i][j]`` with its new ids."""
        raise NotImplementedError
