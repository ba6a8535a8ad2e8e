"""Text generation on any OpenAI-compatible chat-completions server.

:class:`OpenAIGenerator` sends every request of a simulation step to
``POST {base_url}/chat/completions`` (vLLM, SGLang, llama.cpp's server,
llama-cpp-python's server, hosted APIs), all of them in flight together up to
``concurrency`` at a time, and returns the :class:`~netcollapse.backends.Generator`
answer lists in request order. Only the standard library is used for HTTP.

Pointing a run at a server::

    vllm serve HuggingFaceTB/SmolLM2-135M-Instruct          # -> http://host:8000/v1
    python -m sglang.launch_server --model-path MODEL --port 30000
                                                            # -> http://host:30000/v1

then ``llm.backend: openai``, ``llm.base_url: http://host:8000/v1`` and the node
model set to the name the server serves (``vllm serve`` uses the model path).
For a key, set ``llm.api_key_env`` to the NAME of an environment variable that
holds it; the key itself is read when requests are sent and never stored,
printed or written to a run folder.

The L samples of a request go out as ONE request with ``n = L`` when the server
honours ``n`` (vLLM, SGLang), else as L requests with ``n = 1``. With
``n_mode="auto"`` this is found out once per generator: the first request with
``n > 1`` is sent as is; when fewer than ``n`` choices come back, the generator
switches to one sample per request and asks for the missing samples. Sample ``j``
sent alone uses seed :func:`sample_seed` ``(request.seed, j)``: the request seed
for ``j = 0``, a 32-bit word of ``SeedSequence(request.seed).spawn(j + 1)[j]``
otherwise, so it depends on the request only.

Failures: HTTP 408, 429 and 5xx, refused or reset connections, timeouts and
malformed replies (not JSON, no ``choices``, no text) are retried ``retries``
times with exponential backoff and jitter (``backoff * 2**k`` seconds, at most 60,
or the server's ``Retry-After``), then ONE one-line
:class:`~netcollapse.errors.ServerError` names the endpoint and the last cause
(exit status 75: resume the run once the server is back). Other HTTP 4xx (bad
request, bad key, unknown model) are not retried: a one-line
:class:`~netcollapse.errors.ModelError` names the status and the server's message.

Reproducibility: every request carries its ``seed``. Servers that honour it give
the same answers for the same requests and seeds, but server-side batching of
concurrent requests (vLLM, SGLang) changes the floating-point sums and so may
change sampled and even greedy answers from one run to the next; so may a prompt
cache, see below.

Measured with llama-cpp-python's server 0.3.36 (``python -m llama_cpp.server``,
bundled SmolLM2-135M Q4_1 GGUF, CPU): ``n`` is dropped (one choice per reply, so
``"auto"`` switches to one sample per request); ``seed`` is honoured and
``temperature: 0`` is greedy whatever the seed. But a prompt identical to the
previous request's (the L samples of a request, sent one by one) is served from
the prompt cache with only its last token evaluated again, alone, and llama.cpp's
CPU logits for a one-token batch differ from those of a longer batch (by up to
0.59 measured), so the same seed may give another text depending on what the
server ran just before. Started with ``--n_batch 1`` (prompt evaluation about 3x
slower) that server gives answers that depend on the request and seed only, and
passes the :class:`~netcollapse.backends.Generator` conformance checks.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Sequence

import numpy as np

from netcollapse.backends.generation import (
    GenerationRequest,
    Usage,
    build_prompt_messages,
    postprocess,
)
from netcollapse.backends.remote._http import (
    CAUSE_LIMIT,
    MAX_DELAY,
    Aborted,
    Failure,
    connection_cause,
    reply_texts,
    reply_usage,
    retry_after,
    server_message,
)
from netcollapse.errors import ModelError, ServerError, SpecError, bad, one_line

__all__ = ["N_MODES", "OpenAIGenerator", "sample_seed"]

#: Values of ``n_mode``: detect, always ``n = L``, always ``n = 1``.
N_MODES = ("auto", "n", "single")
_LOAD_TRIES = 2
_LOAD_TIMEOUT = 5.0


def sample_seed(seed: int, sample: int) -> int:
    """Return the seed of sample ``sample`` of a request sent one sample at a time.

    Parameters
    ----------
    seed : int
        The request's seed (>= 0).
    sample : int
        Sample index in ``[0, n_samples)``.

    Returns
    -------
    int
        ``seed`` for sample 0 (so a server that ignores ``n`` gives the same first
        sample either way); otherwise the first 32-bit word of
        ``numpy.random.SeedSequence(seed, spawn_key=(sample,))``, i.e. of child
        ``sample`` of ``SeedSequence(seed).spawn``.

    Examples
    --------
    >>> sample_seed(7, 0)
    7
    >>> sample_seed(7, 1) == sample_seed(7, 1) != sample_seed(7, 2)
    True
    >>> 0 <= sample_seed(7, 1) < 2**32
    True
    """
    if sample == 0:
        return int(seed)
    state = np.random.SeedSequence(int(seed), spawn_key=(int(sample),)).generate_state(1)
    return int(state[0])


class OpenAIGenerator:
    """Generate on an OpenAI-compatible chat-completions server.

    The constructor only stores and checks the settings; :meth:`load` checks that
    the server answers, :meth:`generate` sends the requests.

    Parameters
    ----------
    model : str
        Model name sent with every request (as the server serves it); also
        :attr:`name`.
    base_url : str
        Server address up to ``/v1``, e.g. ``"http://127.0.0.1:8000/v1"`` (a
        trailing slash is fine).
    api_key_env : str or None, default None
        NAME of the environment variable holding the API key, sent as
        ``Authorization: Bearer ...``; ``None`` sends no key.
    concurrency : int, default 8
        HTTP requests in flight at once.
    timeout : float, default 60.0
        Seconds to wait for a connection and for each read of one HTTP request.
    retries : int, default 4
        Retries of a failed HTTP request (so ``retries + 1`` tries).
    backoff : float, default 0.5
        Base delay in seconds; retry ``k`` waits about ``backoff * 2**k``.
    n_mode : {"auto", "n", "single"}, default "auto"
        How the L samples of a request are asked for: ``"n"`` one request with
        ``n = L``; ``"single"`` L requests with ``n = 1``; ``"auto"`` finds out
        which the server supports (see the module docstring).

    Examples
    --------
    >>> gen = OpenAIGenerator("smollm2", "http://127.0.0.1:8000/v1/", api_key_env="MY_KEY")
    >>> gen.name, gen.base_url
    ('smollm2', 'http://127.0.0.1:8000/v1')
    >>> gen
    OpenAIGenerator(model='smollm2', base_url='http://127.0.0.1:8000/v1', api_key_env='MY_KEY')
    >>> gen.load()  # doctest: +SKIP
    >>> req = GenerationRequest("", ("Bitcoin hit a new high.",),
    ...                         "Say one sentence about Bitcoin.", n_samples=2, seed=0)
    >>> [len(x) for x in gen.generate([req])]  # doctest: +SKIP
    [2]
    """

    def __init__(
        self,
        model: str,
        base_url: str,
        api_key_env: str | None = None,
        concurrency: int = 8,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 0.5,
        n_mode: str = "auto",
    ) -> None:
        if not isinstance(model, str) or not model.strip():
            raise bad("model", model, "a non-empty model name")
        if not isinstance(base_url, str) or not re.match(r"https?://[^/\s]+", base_url):
            raise bad(
                "llm.base_url",
                base_url,
                "an http:// or https:// address such as http://127.0.0.1:8000/v1",
            )
        if api_key_env is not None and not re.fullmatch(
            r"[A-Za-z_][A-Za-z0-9_]*", str(api_key_env)
        ):
            # maybe the key itself: show only its start
            raise SpecError(
                f"llm.api_key_env: got {str(api_key_env)[:4]!r}..., expected the "
                "NAME of an environment variable (such as OPENAI_API_KEY), not the "
                "key itself"
            )
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise bad("llm.concurrency", concurrency, "an integer >= 1")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise bad("llm.timeout", timeout, "a number of seconds > 0")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise bad("llm.retries", retries, "an integer >= 0")
        if isinstance(backoff, bool) or not isinstance(backoff, (int, float)) or not backoff >= 0:
            raise bad("llm.backoff", backoff, "a number of seconds >= 0")
        if n_mode not in N_MODES:
            raise bad("llm.n_mode", n_mode, "one of " + ", ".join(N_MODES))
        self.name = model
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        self.concurrency = concurrency
        self.timeout = float(timeout)
        self.retries = retries
        self.backoff = float(backoff)
        self.n_mode = n_mode
        # True: the server honours n; False: one sample per request; None: not known yet.
        self._n_ok: bool | None = {"n": True, "single": False}.get(n_mode)
        self._lock = threading.Lock()
        self._jitter = random.Random()

    def __repr__(self) -> str:
        return (
            f"OpenAIGenerator(model={self.model!r}, base_url={self.base_url!r}, "
            f"api_key_env={self.api_key_env!r})"
        )

    @property
    def honours_n(self) -> bool | None:
        """Whether samples go out as one request with ``n = L`` (None: not known yet)."""
        return self._n_ok

    def config(self) -> dict[str, Any]:
        """Return the settings (the key variable's name, never its value).

        Returns
        -------
        dict
            Keyword arguments that rebuild this generator, plus ``backend``.

        Examples
        --------
        >>> OpenAIGenerator("m", "http://h:1/v1", concurrency=2).config()["concurrency"]
        2
        """
        return {
            "backend": "openai", "model": self.model, "base_url": self.base_url,
            "api_key_env": self.api_key_env, "concurrency": self.concurrency,
            "timeout": self.timeout, "retries": self.retries, "backoff": self.backoff,
            "n_mode": self.n_mode,
        }  # fmt: skip

    def provenance(self) -> dict[str, Any]:
        """Return how this generator makes text: its settings (never the key)."""
        return {**self.config(), "honours_n": self.honours_n, "device": "",
                "reason": getattr(self, "reason", "as given")}  # fmt: skip

    # -- HTTP ----------------------------------------------------------------------------

    def _key(self) -> str | None:
        if self.api_key_env is None:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise bad("llm.api_key_env", self.api_key_env, "the name of a set environment variable")
        return key

    def _scrub(self, text: str) -> str:
        """Return ``text`` with the API key (should a server echo it) masked."""
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        return text.replace(key, "***") if key else text

    def _open(self, path: str, payload: dict[str, Any] | None, timeout: float) -> bytes:
        """Send one HTTP request, return the reply body; raise :class:`Failure`."""
        headers = {"Accept": "application/json"}
        key = self._key()
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        data = None
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                return reply.read()
        except urllib.error.HTTPError as exc:
            try:
                message = one_line(self._scrub(server_message(exc.read())), CAUSE_LIMIT)
            except (OSError, http.client.HTTPException):
                message = exc.reason or "no message"
            raise Failure(
                f"HTTP {exc.code}: {message}", exc.code, retry_after(exc.headers)
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise Failure(connection_cause(exc, timeout)) from None

    def _complete(
        self, request: GenerationRequest, n: int, seed: int, stop: threading.Event
    ) -> tuple[list[str], tuple[int | None, int | None]]:
        """Ask for ``n`` samples of ``request`` with retries; post-processed texts and usage."""
        payload = {
            "model": self.model, "messages": build_prompt_messages(request),
            "temperature": float(request.temperature), "top_p": float(request.top_p),
            "max_tokens": request.max_new_tokens, "seed": seed, "n": n,
        }  # fmt: skip
        tries = self.retries + 1
        for attempt in range(tries):
            if stop.is_set():
                raise Aborted
            try:
                raw = self._open("/chat/completions", payload, self.timeout)
                return [postprocess(t) for t in reply_texts(raw)], reply_usage(raw)
            except Failure as exc:
                if not exc.retry:
                    raise ModelError(
                        f"llm.base_url: {self.base_url} refused the request for model "
                        f"{self.model!r} with {self._scrub(exc.cause)}"
                    ) from None
                if attempt + 1 == tries:
                    raise ServerError(
                        f"llm.base_url: {self.base_url} failed after {tries} "
                        f"{'try' if tries == 1 else 'tries'} ({self._scrub(exc.cause)}); the run "
                        "stopped at its last finished step, resume it once the server is back"
                    ) from None
                delay = min(self.backoff * 2**attempt, MAX_DELAY)
                delay *= 1 + 0.25 * self._jitter.random()
                if exc.delay is not None:
                    delay = max(delay, exc.delay)
                if stop.wait(delay):
                    raise Aborted from None
        raise AssertionError("unreachable")  # pragma: no cover

    # -- public --------------------------------------------------------------------------

    def load(self) -> list[str]:
        """Check the key variable and that the server answers ``GET {base_url}/models``.

        Returns
        -------
        list of str
            Model ids the server lists (empty if its reply has none).

        Raises
        ------
        SpecError
            ``llm.api_key_env`` names an unset variable, the server refuses the key
            (HTTP 401/403), or ``llm.base_url`` cannot be reached after two tries.
        """
        self._key()
        cause = ""
        timeout = min(self.timeout, _LOAD_TIMEOUT)
        for attempt in range(_LOAD_TRIES):
            try:
                raw = self._open("/models", None, timeout)
            except Failure as exc:
                cause = self._scrub(exc.cause)
                if exc.status in (401, 403):
                    raise bad(
                        "llm.api_key_env",
                        self.api_key_env,
                        f"a variable holding a key the server accepts ({cause})",
                    ) from None
                if not exc.retry:
                    return []  # the server answered; /models may just not exist
                if attempt + 1 < _LOAD_TRIES:
                    time.sleep(min(self.backoff, 1.0))
                continue
            try:
                data = json.loads(raw.decode("utf-8")).get("data", [])
                return [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]
            except (ValueError, AttributeError, TypeError):
                return []
        raise bad("llm.base_url", self.base_url, f"a reachable OpenAI-compatible server ({cause})")

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[str]]:
        """Answer every request; one list of ``n_samples`` sentences each, in order.

        :meth:`generate_counted` without the token counts.
        """
        return self.generate_counted(requests)[0]

    def generate_counted(
        self, requests: Sequence[GenerationRequest]
    ) -> tuple[list[list[str]], list[Usage]]:
        """Answer every request; one list of ``n_samples`` sentences each, in order.

        Parameters
        ----------
        requests : sequence of GenerationRequest

        Returns
        -------
        texts : list of list of str
            Completions passed through
            :func:`~netcollapse.backends.generation.postprocess`.
        usage : list of Usage
            Per request, the server's reported ``prompt_tokens`` and
            ``completion_tokens`` summed over its replies (``None`` where a
            reply reported none).

        Raises
        ------
        ServerError
            An HTTP request still failed after ``retries`` retries.
        ModelError
            The server refused a request for good (HTTP 4xx other than 408/429).
        """
        requests = list(requests)
        out: list[list[str]] = [[""] * r.n_samples for r in requests]
        counts: list[list[int | None]] = [[0, 0] for _ in requests]
        if not requests:
            return out, []
        stop = threading.Event()
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="openai")
        pending: dict[Future, tuple[int, int, int]] = {}

        def submit(i: int, first: int, n: int) -> None:
            seed = sample_seed(requests[i].seed, first)
            pending[pool.submit(self._complete, requests[i], n, seed, stop)] = (i, first, n)

        def schedule(i: int) -> None:
            if self._n_ok:
                submit(i, 0, requests[i].n_samples)
            else:
                for j in range(requests[i].n_samples):
                    submit(i, j, 1)

        with self._lock:
            known = self._n_ok is not None
        probe, deferred = -1, []
        for i, r in enumerate(requests):
            if r.n_samples == 1 or known:
                schedule(i)
            elif probe < 0:
                probe = i  # the first n > 1 request tells whether n is honoured
                submit(i, 0, r.n_samples)
            else:
                deferred.append(i)
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    i, first, n = pending.pop(future)
                    texts, used = future.result()
                    texts = texts[:n]
                    for k in (0, 1):
                        c = counts[i][k]
                        counts[i][k] = None if c is None or used[k] is None else c + used[k]
                    out[i][first : first + len(texts)] = texts
                    if i == probe:
                        with self._lock:
                            if self._n_ok is None:
                                self._n_ok = len(texts) >= n
                        for d in deferred:
                            schedule(d)
                        probe, deferred = -1, []
                    for j in range(first + len(texts), first + n):
                        submit(i, j, 1)  # fewer choices than asked for
        except BaseException:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        return out, [Usage(p, g) for p, g in counts]
