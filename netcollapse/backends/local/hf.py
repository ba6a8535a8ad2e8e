"""Local text generation with Hugging Face ``transformers``.

:class:`HFGenerator` answers all requests of a simulation step in one call:

1. every request's chat prompt is tokenised (system persona + numbered context +
   query, see :func:`~netcollapse.backends.generation.build_prompt_messages`);
2. prompts are sorted by length and grouped into chunks; each chunk is
   left-padded and run through the model ONCE (prefill);
3. the prompt's KV cache is copied once per sample (the L samples of a request
   share one retrieved context, paper Algorithm 1) and all continuations are
   decoded together with an own sampling loop: per-row temperature and top-p,
   greedy when the temperature is 0, a stop at EOS per row, rows that finished
   are dropped from the batch as decoding goes on.

Memory is bounded by ``batch_tokens`` (decoded rows x cached tokens per row, the
size of the KV cache) and ``max_batch`` (rows decoded together); when a chunk has
more samples than fit, they are decoded in successive waves from the one
prefilled cache, so no prompt is ever prefilled twice.

Randomness: sample ``j`` of a request draws its uniforms from its own
:class:`numpy.random.Generator`, spawned as child ``j`` of
``SeedSequence(request.seed)``. A request's samples therefore do not depend on
the other requests of the call nor on ``n_samples`` (up to the float noise that
padding and batch shape cause in the logits). The global torch and NumPy RNGs are
never used.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from netcollapse._random import spawn
from netcollapse._validation import check_int
from netcollapse.backends.devices import check_threads
from netcollapse.backends.generation import (
    GenerationRequest,
    TokenGenerator,
    build_plain_prompt,
    build_prompt_messages,
)
from netcollapse.backends.models import DTYPES, load_causal_lm, torch_threads
from netcollapse.errors import bad

__all__ = [
    "DEFAULT_BATCH_TOKENS",
    "DEFAULT_MAX_BATCH",
    "HFGenerator",
    "plan_chunks",
    "plan_waves",
    "sample_next",
]

#: Default KV-cache budget: decoded rows x (padded prompt + new tokens) per wave.
#: For SmolLM2-135M in float32 (46 KB per cached token) 32768 tokens is ~1.5 GB.
DEFAULT_BATCH_TOKENS = 32768
#: Default cap on the rows (prompts in prefill, samples in decoding) run together.
DEFAULT_MAX_BATCH = 64
#: Drop finished rows from the batch once at least this share of rows has finished.
_PRUNE_SHARE = 0.25
#: Tokens sorted per row in top-p sampling before falling back to the whole vocabulary.
_TOP_K = 256


def sample_next(logits: Any, temperature: Any, top_p: Any, uniforms: Any) -> Any:
    """Pick the next token of every row: greedy, or top-p sampling by inverse CDF.

    Parameters
    ----------
    logits : torch.Tensor, shape (rows, vocab)
    temperature : torch.Tensor, shape (rows,)
        A row with temperature ``<= 0`` takes the arg-max.
    top_p : torch.Tensor, shape (rows,)
        Keep the most likely tokens until their mass reaches ``top_p`` (the token
        that crosses it included; at least one token).
    uniforms : torch.Tensor, shape (rows,)
        One uniform in [0, 1) per row, from the row's own random stream.

    Returns
    -------
    torch.Tensor of int64, shape (rows,)

    Examples
    --------
    >>> import torch
    >>> lg = torch.log(torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]))
    >>> sample_next(lg, torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0]),
    ...             torch.tensor([0.99, 0.05])).tolist()
    [0, 2]
    >>> sample_next(lg[:1], torch.tensor([1.0]), torch.tensor([0.6]),
    ...             torch.tensor([0.99])).tolist()  # nucleus {0, 1}
    [1]
    """
    import torch

    chosen = logits.argmax(dim=-1)
    rows = (temperature > 0).nonzero().squeeze(1)
    if rows.numel() == 0:
        return chosen
    scaled = logits[rows].float() / temperature[rows, None].float()
    probs = scaled.softmax(dim=-1)
    p = top_p[rows, None].float()
    # the nucleus of most rows lies in their few most likely tokens: sort only those
    # (a partial sort of _TOP_K per row), and the whole vocabulary where it does not
    k = min(_TOP_K, probs.shape[-1])
    top, order = probs.topk(k, dim=-1)
    full = (top.sum(dim=-1, keepdim=True) < p).squeeze(1) & (k < probs.shape[-1])
    if bool(full.any()):
        sorted_all, order_all = probs.sort(dim=-1, descending=True)
        if bool(full.all()):
            top, order = sorted_all, order_all
        else:
            top = torch.cat([top, top.new_zeros(len(rows), probs.shape[-1] - k)], dim=-1)
            order = torch.cat([order, order.new_zeros(len(rows), probs.shape[-1] - k)], dim=-1)
            top[full], order[full] = sorted_all[full], order_all[full]
    before = top.cumsum(dim=-1) - top
    keep = before < p
    keep[:, 0] = True
    top = top * keep
    cdf = top.cumsum(dim=-1)
    target = uniforms[rows, None].float() * cdf[:, -1:]
    pos = torch.searchsorted(cdf, target, right=True).squeeze(1)
    pos = torch.minimum(pos, keep.sum(dim=-1) - 1)
    chosen[rows] = order.gather(1, pos[:, None]).squeeze(1)
    return chosen


@dataclass(frozen=True)
class _Row:
    request: int  # index into the call's requests
    sample: int  # sample index within the request
    prompt: int  # index of the prompt within its chunk


def plan_chunks(
    prompt_lengths: Sequence[int],
    max_new_tokens: Sequence[int],
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    max_batch: int = DEFAULT_MAX_BATCH,
) -> list[list[int]]:
    """Group prompts into prefill chunks under the token and row budgets.

    Prompts are taken in order of length (short first) so that padding is small;
    a chunk's prefill size (prompts x longest prompt) stays within
    ``batch_tokens`` and its prompt count within ``max_batch``. A prompt that
    alone exceeds the budget gets a chunk of its own.

    Parameters
    ----------
    prompt_lengths : sequence of int
        Prompt lengths in tokens.
    max_new_tokens : sequence of int
        Decoding length of each prompt (counts towards its budget).
    batch_tokens : int
    max_batch : int

    Returns
    -------
    list of list of int
        Prompt indices per chunk; every index appears exactly once.

    Examples
    --------
    >>> plan_chunks([10, 50, 12, 11], [6, 6, 6, 6], batch_tokens=60, max_batch=8)
    [[0, 3, 2], [1]]
    """
    order = sorted(range(len(prompt_lengths)), key=lambda i: (prompt_lengths[i], i))
    chunks: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        size = prompt_lengths[i] + max_new_tokens[i]
        new_longest = max(longest, size)
        if current and (
            len(current) + 1 > max_batch or (len(current) + 1) * new_longest > batch_tokens
        ):
            chunks.append(current)
            current, new_longest = [], size
        current.append(i)
        longest = new_longest
    if current:
        chunks.append(current)
    return chunks


def plan_waves(n_rows: int, tokens_per_row: int, batch_tokens: int, max_batch: int) -> list[range]:
    """Split ``n_rows`` decoded rows into consecutive waves within the budgets.

    Parameters
    ----------
    n_rows : int
    tokens_per_row : int
        Cached tokens per row at the end of decoding (padded prompt + new tokens).
    batch_tokens, max_batch : int

    Returns
    -------
    list of range

    Examples
    --------
    >>> plan_waves(10, 100, batch_tokens=400, max_batch=64)
    [range(0, 4), range(4, 8), range(8, 10)]
    """
    per_wave = max(1, min(max_batch, batch_tokens // max(1, tokens_per_row)))
    return [range(a, min(a + per_wave, n_rows)) for a in range(0, n_rows, per_wave)]


class HFGenerator(TokenGenerator):
    """Batched local generation with a ``transformers`` causal LM.

    Parameters
    ----------
    model : str or None, default "smollm2"
        ``"smollm2"``/``None`` for the bundled SmolLM2-135M-Instruct, else a Hugging
        Face model name or local folder (offline by default).
    dtype : {"float32", "bfloat16", "float16"}, default "float32"
    batch_tokens : int, default 32768
        KV-cache budget in tokens (rows x cached length) per decoding wave, and
        the prefill budget (prompts x padded length) per chunk.
    max_batch : int, default 64
        Most rows run together (prompts in prefill, samples in decoding).
    device : str, default "cpu"
    min_new_tokens : int, default 1
        End-of-sequence is forbidden for this many first tokens, so that every
        sample has text (an empty post cannot be published or embedded).
    threads : int or None, default None
        If set, torch's intra-op thread count during :meth:`generate` (restored
        afterwards). On an oversubscribed CPU (parallel workers, other jobs) one
        thread per process is often many times faster than the default.

    Notes
    -----
    The model is loaded on first use and shared with every other generator in
    the process that names the same model, dtype and device
    (:func:`netcollapse.backends.models.load_causal_lm`); the constructor only stores
    settings, so generators pickle cheaply.

    Examples
    --------
    >>> gen = HFGenerator("smollm2")
    >>> req = GenerationRequest("", ("Bitcoin hit a new high.",),
    ...                         "Say one sentence about Bitcoin.", n_samples=2, seed=0)
    >>> out = gen.generate([req])  # doctest: +SKIP
    >>> len(out), len(out[0])  # doctest: +SKIP
    (1, 2)
    """

    def __init__(
        self,
        model: str | None = "smollm2",
        dtype: str = "float32",
        batch_tokens: int = DEFAULT_BATCH_TOKENS,
        max_batch: int = DEFAULT_MAX_BATCH,
        device: str = "cpu",
        min_new_tokens: int = 1,
        threads: int | None = None,
    ) -> None:
        if dtype not in DTYPES:
            raise bad("dtype", dtype, "one of " + ", ".join(DTYPES))
        self.batch_tokens = check_int(batch_tokens, "batch_tokens", 1)
        self.max_batch = check_int(max_batch, "max_batch", 1)
        self.threads = check_threads(threads)
        self.min_new_tokens = check_int(min_new_tokens, "min_new_tokens", 0)
        self.model = model
        self.dtype = dtype
        self.device = device
        self.name = "smollm2" if model is None else str(model)

    def __repr__(self) -> str:
        return f"HFGenerator(model={self.name!r}, dtype={self.dtype!r}, device={self.device!r})"

    def load(self) -> tuple[Any, Any]:
        """Return the shared ``(model, tokenizer)``, loading them on first use."""
        return load_causal_lm(self.model, dtype=self.dtype, device=self.device)

    def provenance(self) -> dict[str, Any]:
        """Return how this generator makes text (see :mod:`netcollapse.backends.provenance`).

        The bundled model's file is its GGUF (converted to transformers once and
        cached); other models' are their weight files.
        """
        import torch

        from netcollapse.backends.models import BUNDLED_LLM_NAMES, bundled_llm_path
        from netcollapse.backends.provenance import model_digest

        if self.name.lower() in BUNDLED_LLM_NAMES:
            folder, name = bundled_llm_path()
            file, digest = model_digest(folder / name)
        else:
            file, digest = model_digest(self.name)
        return {
            "backend": "hf", "model": self.name, "model_file": file, "model_sha256": digest,
            "dtype": self.dtype, "device": self.device,
            "threads": self.threads or torch.get_num_threads(),
            "reason": self.reason,
        }  # fmt: skip

    def prompt_ids(self, request: GenerationRequest) -> list[int]:
        """Return the token ids of ``request``'s prompt.

        The tokenizer's chat template is used when it has one; otherwise (base
        models) :func:`~netcollapse.backends.generation.build_plain_prompt`.
        """
        _, tokenizer = self.load()
        if getattr(tokenizer, "chat_template", None):
            text = tokenizer.apply_chat_template(
                build_prompt_messages(request), add_generation_prompt=True, tokenize=False
            )
            return list(tokenizer(text, add_special_tokens=False)["input_ids"])
        return list(tokenizer(build_plain_prompt(request))["input_ids"])

    def detokenize(self, ids: list[int]) -> str:
        """Return the text of new token ids (special tokens skipped)."""
        _, tokenizer = self.load()
        return tokenizer.decode(ids, skip_special_tokens=True)

    def context_limit(self) -> int | None:
        """Return the model's ``max_position_embeddings`` (``None`` if it has none)."""
        model, _ = self.load()
        return getattr(model.config, "max_position_embeddings", None)

    def decode_prompts(
        self,
        requests: list[GenerationRequest],
        prompts: list[list[int]],
        results: list[list[list[int]]],
    ) -> None:
        """Decode every sample, chunk by chunk (:func:`plan_chunks`), into ``results``."""
        import torch

        model, tokenizer = self.load()
        chunks = plan_chunks(
            [len(p) for p in prompts],
            [r.max_new_tokens for r in requests],
            self.batch_tokens,
            self.max_batch,
        )
        with torch.inference_mode(), torch_threads(self.threads):
            for chunk in chunks:
                self._run_chunk(model, tokenizer, requests, prompts, chunk, results)

    # -- internals ---------------------------------------------------------------------------

    def _special_ids(self, model: Any, tokenizer: Any) -> tuple[set[int], int]:
        eos: set[int] = set()
        for value in (model.generation_config.eos_token_id, tokenizer.eos_token_id):
            if value is None:
                continue
            eos.update([value] if isinstance(value, int) else list(value))
        pad = tokenizer.pad_token_id
        if pad is None:
            pad = min(eos) if eos else 0
        return eos, int(pad)

    def _run_chunk(
        self,
        model: Any,
        tokenizer: Any,
        requests: list[GenerationRequest],
        prompts: list[list[int]],
        chunk: list[int],
        results: list[list[list[int]]],
    ) -> None:
        import torch

        eos, pad = self._special_ids(model, tokenizer)
        device = model.device
        width = max(len(prompts[i]) for i in chunk)
        ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, i in enumerate(chunk):
            n = len(prompts[i])
            ids[row, width - n :] = torch.tensor(prompts[i], dtype=torch.long)
            mask[row, width - n :] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        out = model(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            position_ids=positions.to(device),
            use_cache=True,
            logits_to_keep=1,
        )
        prefix = out["cache"] if "cache" in out else out.past_key_values  # transformers 5: cache
        first_logits = out.logits[:, -1, :]
        del out

        rows = [_Row(i, j, p) for p, i in enumerate(chunk) for j in range(requests[i].n_samples)]
        streams = {i: spawn(requests[i].seed, requests[i].n_samples) for i in chunk}
        longest_new = max(requests[i].max_new_tokens for i in chunk)
        waves = plan_waves(len(rows), width + longest_new, self.batch_tokens, self.max_batch)
        for w, wave in enumerate(waves):
            wave_rows = [rows[k] for k in wave]
            select = torch.tensor([r.prompt for r in wave_rows], device=device)
            # one KV row per sample; the last wave may consume the prefilled cache itself
            cache = prefix if w == len(waves) - 1 else copy.deepcopy(prefix)
            cache.batch_select_indices(select)
            self._decode_wave(
                model,
                cache,
                first_logits.index_select(0, select),
                mask.to(device).index_select(0, select),
                [len(prompts[r.request]) for r in wave_rows],
                [requests[r.request] for r in wave_rows],
                [streams[r.request][r.sample] for r in wave_rows],
                eos,
                pad,
                [results[r.request][r.sample] for r in wave_rows],
            )

    def _decode_wave(
        self,
        model: Any,
        cache: Any,
        logits: Any,
        mask: Any,
        lengths: list[int],
        reqs: list[GenerationRequest],
        rngs: list[np.random.Generator],
        eos: set[int],
        pad: int,
        sinks: list[list[int]],
    ) -> None:
        """Decode a wave of rows in place: appends new token ids to ``sinks``."""
        import torch

        device = logits.device
        temperature = torch.tensor([r.temperature for r in reqs], device=device)
        top_p = torch.tensor([r.top_p for r in reqs], device=device)
        max_new = [r.max_new_tokens for r in reqs]
        next_pos = torch.tensor(lengths, dtype=torch.long, device=device)
        alive = list(range(len(reqs)))  # original row index of each batch row
        done = [False] * len(reqs)
        eos_index = torch.tensor(sorted(eos), dtype=torch.long, device=device)
        step = 0
        while True:
            if step < self.min_new_tokens and eos_index.numel():
                logits = logits.index_fill(1, eos_index, float("-inf"))
            step += 1
            uniforms = torch.tensor(
                [rngs[k].random() for k in alive], dtype=torch.float64, device=device
            )
            tokens = sample_next(logits, temperature, top_p, uniforms)
            for b, (k, tok) in enumerate(zip(alive, tokens.tolist())):
                if done[k]:
                    tokens[b] = pad
                    continue
                if tok in eos:
                    done[k] = True
                    tokens[b] = pad
                    continue
                sinks[k].append(tok)
                if len(sinks[k]) >= max_new[k]:
                    done[k] = True
            n_done = sum(done[k] for k in alive)
            if n_done == len(alive):
                return
            if n_done >= max(1, _PRUNE_SHARE * len(alive)):
                keep = [b for b, k in enumerate(alive) if not done[k]]
                index = torch.tensor(keep, device=device)
                cache.batch_select_indices(index)
                alive = [alive[b] for b in keep]
                tokens, mask = tokens[index], mask[index]
                temperature, top_p, next_pos = temperature[index], top_p[index], next_pos[index]
            mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=1)
            out = model(
                input_ids=tokens[:, None],
                attention_mask=mask,
                position_ids=next_pos[:, None],
                use_cache=True,
                **{_cache_keyword(model): cache},
            )
            logits = out.logits[:, -1, :]
            next_pos = next_pos + 1


def _cache_keyword(model: Any) -> str:
    """Name of the forward argument that takes the KV cache (``cache`` from transformers 5)."""
    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"
