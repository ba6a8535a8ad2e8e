"""In-process text generation with llama.cpp (``llama-cpp-python``), batched.

:class:`LlamaCppGenerator` loads a GGUF file as it is (the bundled 4-bit
SmolLM2-135M-Instruct by default; no de-quantisation) and answers all requests
of a simulation step with llama.cpp's own batched decoding:

1. every request's chat prompt is rendered with the chat template stored in the
   GGUF file (the same Jinja rendering ``transformers`` uses) and tokenised;
2. requests are grouped so that a group's samples fit the context's
   ``max_seqs`` sequences; each sequence has its own KV stream of
   ``seq_tokens`` cells (sized from the longest prompt + ``max_new_tokens`` of
   the call when ``None``), so attention never spans other sequences;
3. a group's prompts are prefilled together (several prompts per
   ``llama_decode``, one sequence each); each prompt's cache is then copied to
   its other ``n_samples - 1`` sequences (``llama_memory_seq_cp``: the prompt is
   never prefilled twice);
4. all sequences of the group decode together, one token each per
   ``llama_decode``; finished sequences leave the batch.

``quantize`` optionally converts the model once (kept in the user cache, keyed
by the file's sha256) to a type llama.cpp multiplies faster on CPUs: ``q8_0``
is close to lossless from the bundled Q4_1 and about 1.6x faster here; ``q4_0``
re-quantises (lossy) and is about 2x faster (``benchmarks/bench_backends.py``).

Sampling is netcollapse's own, shared with :class:`~netcollapse.backends.HFGenerator`
(:func:`~netcollapse.backends.local.hf.sample_next`: temperature, top-p, greedy at
temperature 0, end-of-generation forbidden for ``min_new_tokens``): sample ``j``
of a request draws its uniforms from child ``j`` of ``SeedSequence(request.seed)``,
so a request's samples do not depend on the other requests of the call (up to
the float noise of batch shape in the logits, as in any batched engine).

Threads: ``threads=None`` uses the cores free when the model loads
(:func:`~netcollapse.backends.devices.free_cores`: ``OMP_NUM_THREADS`` where set,
as in sweep workers, else the usable cores minus the threads of other running
processes); on a busy CPU llama.cpp slows down many times when it has more
threads than free cores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from netcollapse._random import spawn
from netcollapse._validation import check_int
from netcollapse.backends.devices import check_threads, free_cores
from netcollapse.backends.generation import (
    GenerationRequest,
    TokenGenerator,
    build_plain_prompt,
    build_prompt_messages,
)
from netcollapse.backends.local.gguf import (
    QUANTIZE,
    llama_cpp_available,
    load_model,
    quantized_gguf,
    render_chat,
    resolve_gguf,
)
from netcollapse.errors import ModelError, bad

__all__ = ["LlamaCppGenerator", "plan_groups"]
#: Cells per sequence are rounded up to a multiple of this.
_SEQ_ROUND = 256
#: Default cap on the sequences decoded together.
DEFAULT_MAX_SEQS = 64
#: Default tokens per ``llama_decode`` call during prefill.
DEFAULT_N_BATCH = 2048


def plan_groups(samples: Sequence[int], max_seqs: int) -> list[list[int]]:
    """Group requests, in order, so that each group's samples fit ``max_seqs`` sequences.

    A request with more samples than ``max_seqs`` gets a group of its own (its
    samples are then decoded in several waves).

    Parameters
    ----------
    samples : sequence of int
        ``n_samples`` of each request.
    max_seqs : int

    Returns
    -------
    list of list of int
        Request indices per group, covering every request once.

    Examples
    --------
    >>> plan_groups([2, 2, 2], max_seqs=4)
    [[0, 1], [2]]
    >>> plan_groups([5, 1, 1], max_seqs=4)
    [[0], [1, 2]]
    """
    groups: list[list[int]] = []
    seqs = 0
    for i, s in enumerate(samples):
        if groups and seqs + s <= max_seqs:
            groups[-1].append(i)
            seqs += s
        else:
            groups.append([i])
            seqs = s
    return groups


@dataclass
class _Seq:
    """One sample being decoded: which request, which llama.cpp sequence, its tokens."""

    request: int
    sample: int
    seq_id: int
    pos: int
    rng: np.random.Generator
    tokens: list[int] = field(default_factory=list)


class LlamaCppGenerator(TokenGenerator):
    """Batched generation with llama.cpp from a GGUF file.

    Parameters
    ----------
    model : str or None, default "smollm2"
        The bundled SmolLM2-135M-Instruct (``"smollm2"``/``None``) or a path to a
        GGUF file.
    threads : int or None, default None
        llama.cpp threads; ``None``: the cores free when the model loads.
    max_seqs : int, default 64
        Most sequences (samples) decoded together.
    seq_tokens : int or None, default None
        KV cells per sequence; ``None``: the call's longest prompt +
        ``max_new_tokens``, rounded up to 256 (the context grows when a later
        call needs more).
    quantize : {None, "q8_0", "q4_0"}, default None
        Run a converted copy of the model (see the module docstring).
    n_batch : int, default 2048
        Most tokens per ``llama_decode`` call (prefill).
    min_new_tokens : int, default 1
        End of generation is forbidden for this many first tokens (every sample
        has text).

    Notes
    -----
    The constructor only stores settings (generators pickle cheaply); the model
    and the context are created on first use. One context per generator: do not
    call :meth:`generate` from two threads at once.

    Examples
    --------
    >>> gen = LlamaCppGenerator("smollm2", threads=1)
    >>> req = GenerationRequest("", ("Bitcoin hit a new high.",),
    ...                         "Say one sentence about Bitcoin.", n_samples=2, seed=0,
    ...                         max_new_tokens=8)
    >>> out = gen.generate([req])
    >>> len(out), len(out[0]), all(out[0])
    (1, 2, True)
    """

    def __init__(
        self,
        model: str | None = "smollm2",
        threads: int | None = None,
        max_seqs: int = DEFAULT_MAX_SEQS,
        seq_tokens: int | None = None,
        quantize: str | None = None,
        n_batch: int = DEFAULT_N_BATCH,
        min_new_tokens: int = 1,
    ) -> None:
        self.max_seqs = check_int(max_seqs, "max_seqs", 1)
        self.n_batch = check_int(n_batch, "n_batch", 16)
        self.min_new_tokens = check_int(min_new_tokens, "min_new_tokens", 0)
        self.threads = check_threads(threads)
        self.seq_tokens = None if seq_tokens is None else check_int(seq_tokens, "seq_tokens", 1)
        if quantize not in QUANTIZE:
            raise bad("quantize", quantize, "None, " + " or ".join(QUANTIZE[1:]))
        self.model = model
        self.quantize = quantize
        self.name = "smollm2" if model is None else str(model)
        self._state: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return (
            f"LlamaCppGenerator(model={self.name!r}, threads={self.threads!r}, "
            f"quantize={self.quantize!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_state": None}

    # ------------------------------------------------------------------ loading
    def load(self) -> dict[str, Any]:
        """Load the model (once per process) and its tokenizer data; return the state."""
        if self._state is not None:
            return self._state
        if not llama_cpp_available():
            raise ModelError(
                "llm.backend: got 'llamacpp', expected llama-cpp-python to be "
                "installed (pip install llama-cpp-python)"
            )
        from llama_cpp import llama_cpp as C

        path = resolve_gguf(self.model)
        if self.quantize:
            path = quantized_gguf(path, self.quantize)
        lm = load_model(path)
        vocab = lm.vocab
        n_vocab = lm.n_vocab()
        eog = np.array(
            [t for t in range(n_vocab) if C.llama_vocab_is_eog(vocab, t)], dtype=np.int64
        )

        def piece(token: int) -> str:
            return (
                lm.token_to_piece(token, special=True)
                .rstrip(b"\0")
                .decode("utf-8", errors="replace")
                if token >= 0
                else ""
            )

        self._state = {
            "C": C,
            "lm": lm,
            "ctx": None,
            "seq_tokens": 0,
            "n_vocab": n_vocab,
            "eog": eog,
            "eog_set": set(eog.tolist()),
            "threads": self.threads or free_cores(),
            "template": lm.metadata().get("tokenizer.chat_template"),
            "bos": piece(lm.token_bos()),
            "eos": piece(lm.token_eos()),
            "add_bos": bool(lm.add_bos_token()),
            "n_ctx_train": lm.n_ctx_train(),
            "batch": C.llama_batch_init(self._batch_size(), 0, 1),
        }
        return self._state

    def provenance(self) -> dict[str, Any]:
        """Return how this generator makes text (see :mod:`netcollapse.backends.provenance`).

        ``model_file`` is the file llama.cpp runs (the converted copy where
        ``quantize`` is set; ``source_sha256`` is then the original's).
        """
        from netcollapse.backends.provenance import model_digest

        st = self.load()
        source = resolve_gguf(self.model)
        path = quantized_gguf(source, self.quantize) if self.quantize else source
        file, digest = model_digest(path)
        out = {
            "backend": "llamacpp", "model": self.name, "model_file": file, "model_sha256": digest,
            "quantize": self.quantize, "device": "cpu", "threads": st["threads"],
            "reason": self.reason,
        }  # fmt: skip
        if self.quantize:
            out["source_sha256"] = model_digest(source)[1]
        return out

    def _context(self, st: dict[str, Any], need: int) -> None:
        """Make sure the context has ``need`` cells per sequence (create or grow it)."""
        need = self.seq_tokens or -(-need // _SEQ_ROUND) * _SEQ_ROUND
        if st["ctx"] is not None and st["seq_tokens"] >= need:
            return
        C = st["C"]
        if st["ctx"] is not None:
            C.llama_free(st["ctx"])
            st["ctx"] = None
        params = C.llama_context_default_params()
        params.n_seq_max = self.max_seqs
        params.n_ctx = need * self.max_seqs
        params.kv_unified = False  # one KV stream per sequence: no attention across them
        params.n_batch = params.n_ubatch = self._batch_size()
        params.n_threads = params.n_threads_batch = st["threads"]
        params.no_perf = True
        ctx = C.llama_init_from_model(st["lm"].model, params)
        if ctx is None:
            raise ModelError(
                f"llm.model: could not create a llama.cpp context for {self.name!r} "
                f"({self.max_seqs} sequences x {need} cells)"
            )
        st.update(ctx=ctx, memory=C.llama_get_memory(ctx), seq_tokens=need)

    def close(self) -> None:
        """Free the context and its batch (the shared model stays loaded)."""
        if self._state is not None:
            C = self._state["C"]
            C.llama_batch_free(self._state["batch"])
            if self._state["ctx"] is not None:
                C.llama_free(self._state["ctx"])
            self._state = None

    def __del__(self) -> None:  # pragma: no cover - interpreter shutdown order varies
        try:
            self.close()
        except Exception:
            pass

    def prompt_ids(self, request: GenerationRequest) -> list[int]:
        """Return the token ids of ``request``'s prompt (chat template from the GGUF file).

        Without a template (base models):
        :func:`~netcollapse.backends.generation.build_plain_prompt`.
        """
        st = self.load()
        if st["template"]:
            text = render_chat(st["template"], build_prompt_messages(request), st["bos"], st["eos"])
            return st["lm"].tokenize(text.encode("utf-8"), add_bos=False, special=True)
        return st["lm"].tokenize(
            build_plain_prompt(request).encode("utf-8"), add_bos=st["add_bos"], special=False
        )

    def next_token_logits(self, request: GenerationRequest) -> np.ndarray:
        """Return the model's logits for the first new token of ``request``.

        Parameters
        ----------
        request : GenerationRequest

        Returns
        -------
        numpy.ndarray, shape (n_vocab,)
        """
        st = self.load()
        prompt = self.prompt_ids(request)
        self._context(st, len(prompt) + 1)
        st["C"].llama_memory_clear(st["memory"], True)
        self._decode(st, [(tok, pos, 0, pos == len(prompt) - 1) for pos, tok in enumerate(prompt)])
        return self._logits(st, 1)[0]

    # ------------------------------------------------------------------ generation
    def detokenize(self, ids: list[int]) -> str:
        """Return the text of new token ids."""
        return self.load()["lm"].detokenize(ids).decode("utf-8", errors="replace")

    def context_limit(self) -> int:
        """Return ``seq_tokens`` when set, else the model's training context."""
        return self.seq_tokens or self.load()["n_ctx_train"]

    def decode_prompts(
        self,
        requests: list[GenerationRequest],
        prompts: list[list[int]],
        results: list[list[list[int]]],
    ) -> None:
        """Decode every sample, group by group (:func:`plan_groups`), into ``results``."""
        st = self.load()
        self._context(st, max(len(p) + r.max_new_tokens for r, p in zip(requests, prompts)))
        streams = [spawn(r.seed, r.n_samples) for r in requests]
        for group in plan_groups([r.n_samples for r in requests], self.max_seqs):
            todo = [(i, j) for i in group for j in range(requests[i].n_samples)]
            for start in range(0, len(todo), self.max_seqs):  # waves: > max_seqs samples
                wave = todo[start : start + self.max_seqs]
                self._run_wave(st, requests, prompts, wave, streams, results)

    # ------------------------------------------------------------------ internals
    def _batch_size(self) -> int:
        return max(self.n_batch, self.max_seqs)

    def _decode(self, st: dict[str, Any], items: list[tuple[int, int, int, bool]]) -> None:
        """``llama_decode`` ``(token, pos, seq_id, wants_logits)`` items, in batches."""
        C, batch = st["C"], st["batch"]
        size = self._batch_size()
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            batch.n_tokens = len(chunk)
            for k, (tok, pos, seq, logits) in enumerate(chunk):
                batch.token[k] = tok
                batch.pos[k] = pos
                batch.n_seq_id[k] = 1
                batch.seq_id[k][0] = seq
                batch.logits[k] = logits
            code = C.llama_decode(st["ctx"], batch)
            if code != 0:
                raise ModelError(f"llama.cpp: llama_decode returned {code} for model {self.name!r}")

    def _logits(self, st: dict[str, Any], n_out: int) -> np.ndarray:
        ptr = st["C"].llama_get_logits(st["ctx"])
        return np.ctypeslib.as_array(ptr, shape=(n_out, st["n_vocab"])).copy()

    def _run_wave(
        self,
        st: dict[str, Any],
        requests: list[GenerationRequest],
        prompts: list[list[int]],
        wave: list[tuple[int, int]],
        streams: list[list[np.random.Generator]],
        results: list[list[list[int]]],
    ) -> None:
        import torch

        from netcollapse.backends.local.hf import sample_next

        C, mem = st["C"], st["memory"]
        C.llama_memory_clear(mem, True)
        firsts: dict[int, int] = {}  # request -> seq id that holds its prompt
        seqs: list[_Seq] = []
        for seq_id, (i, j) in enumerate(wave):
            firsts.setdefault(i, seq_id)
            seqs.append(_Seq(i, j, seq_id, len(prompts[i]), streams[i][j]))
        # prefill each prompt once, in its own llama_decode calls: a prompt split across
        # micro-batches with other prompts gets slightly different logits (measured up to
        # 0.6), enough to flip a greedy token; alone, it is independent of the batch and
        # no slower here (prefill runs at the same tokens/s for 1 or 16 prompts)
        outputs: dict[int, np.ndarray] = {}
        for i, seq in firsts.items():
            self._decode(
                st,
                [(tok, pos, seq, pos == len(prompts[i]) - 1) for pos, tok in enumerate(prompts[i])],
            )
            outputs[i] = self._logits(st, 1)[0]
        for s in seqs:  # share the prompt's cells with the request's other samples
            if s.seq_id != firsts[s.request]:
                C.llama_memory_seq_cp(mem, firsts[s.request], s.seq_id, -1, -1)
        logits = np.stack([outputs[s.request] for s in seqs])
        eog = torch.from_numpy(st["eog"])
        alive = seqs
        step = 0
        while alive:
            lt = torch.from_numpy(logits)
            if step < self.min_new_tokens and eog.numel():
                lt = lt.index_fill(1, eog, float("-inf"))
            step += 1
            reqs = [requests[s.request] for s in alive]
            tokens = sample_next(
                lt,
                torch.tensor([r.temperature for r in reqs]),
                torch.tensor([r.top_p for r in reqs]),
                torch.tensor([s.rng.random() for s in alive], dtype=torch.float64),
            ).tolist()
            still: list[_Seq] = []
            items = []
            for s, tok in zip(alive, tokens):
                if tok in st["eog_set"]:
                    C.llama_memory_seq_rm(mem, s.seq_id, -1, -1)
                    continue
                s.tokens.append(tok)
                if len(s.tokens) >= requests[s.request].max_new_tokens:
                    C.llama_memory_seq_rm(mem, s.seq_id, -1, -1)
                    continue
                items.append((tok, s.pos, s.seq_id, True))
                s.pos += 1
                still.append(s)
            alive = still
            if alive:
                self._decode(st, items)
                logits = self._logits(st, len(items))
        for s in seqs:
            results[s.request][s.sample] = s.tokens
