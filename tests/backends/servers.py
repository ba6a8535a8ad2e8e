"""Servers for the HTTP backend tests: llama-cpp-python's OpenAI server and a scripted fake.

- :func:`llama_server` runs ``python -m llama_cpp.server`` on the bundled GGUF model
  (one thread) in a subprocess and yields its ``/v1`` address;
- :class:`FakeServer` is a stdlib ``http.server`` in a thread that answers
  chat-completion requests from a script (valid replies, garbage, HTTP errors,
  dropped connections) and records what it received;
- :func:`silent_port` is a port that accepts connections and never answers.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def llama_server(gguf: Path, n_batch: int = 512, startup: float = 60.0) -> Iterator[str]:
    """Run llama-cpp-python's OpenAI server on ``gguf``; yield ``http://127.0.0.1:PORT/v1``.

    ``n_batch=1`` evaluates prompts one token at a time: slower, but the logits no
    longer depend on how much of the prompt the server had cached (see
    ``test_openai_api.py``).
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    args = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
        "--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--n_threads_batch", "1",
        "--n_batch", str(n_batch), "--verbose", "False",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + startup
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    tail = log.read().decode("utf-8", "replace")[-3000:]
                    raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}:\n{tail}")
                try:
                    with urllib.request.urlopen(base + "/models", timeout=2) as reply:
                        if reply.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server did not answer within {startup} s")
                time.sleep(0.25)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """Yield a port whose socket listens (the kernel accepts) but never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield s.getsockname()[1]


def completion(texts: list[str]) -> dict[str, Any]:
    """Return a chat-completion reply body with one choice per text."""
    return {
        "id": "fake", "object": "chat.completion", "model": "fake",
        "choices": [
            {"index": k, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
            for k, t in enumerate(texts)
        ],
    }  # fmt: skip


def fake_usage(seed: int, n: int) -> dict[str, int]:
    """The fake server's reported usage of a reply with ``n`` choices."""
    return {"prompt_tokens": 100 + seed % 7, "completion_tokens": 5 * n}


def fake_text(seed: int, choice: int) -> str:
    """The fake server's answer: names the seed and the choice index."""
    return f"Answer to seed {seed} choice {choice}."


class FakeServer:
    """A scripted OpenAI-compatible server on 127.0.0.1, run in a daemon thread.

    Each ``POST .../chat/completions`` takes the next action of ``script`` (then
    ``default``): ``"ok"`` a valid reply (``n`` choices, or one when
    ``honour_n`` is false) with :func:`fake_text` answers; ``"notjson"``;
    ``"nochoices"``; ``"nocontent"``; ``"close"`` drop the connection; ``"die"``
    stop listening and drop the connection; an int, an HTTP status with an
    OpenAI-style error body (``message`` below); ``"nousage"`` a valid reply
    without the ``usage`` object (else every valid reply reports
    ``prompt_tokens = 100 + seed % 7`` and ``completion_tokens = 5`` per choice).
    ``GET .../models`` answers
    ``models_status`` (200: one model ``"fake"``). Received requests are kept in
    :attr:`requests` as ``(method, path, headers, json body)``.
    """

    def __init__(
        self,
        script: list[Any] | None = None,
        default: Any = "ok",
        honour_n: bool = True,
        delay: float = 0.0,
        message: str = "bad things happened",
        models_status: int = 200,
    ) -> None:
        self.script = list(script or [])
        self.default = default
        self.honour_n = honour_n
        self.delay = delay
        self.message = message
        self.models_status = models_status
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._closed = False

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop listening (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def chat_requests(self) -> list[Any]:
        """JSON bodies of the chat-completion requests received, in arrival order."""
        return [body for method, path, _, body in self.requests if method == "POST"]

    def _next(self) -> Any:
        with self._lock:
            return self.script.pop(0) if self.script else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes | dict) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path, dict(self.headers), None))
                if fake.models_status != 200:
                    self._send(fake.models_status, {"error": {"message": fake.message}})
                else:
                    self._send(200, {"object": "list", "data": [{"id": "fake"}]})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw)
                with fake._lock:
                    fake.requests.append(("POST", self.path, dict(self.headers), body))
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    self._answer(body)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _answer(self, body: dict) -> None:
                action = fake._next()
                delay = fake.delay(body) if callable(fake.delay) else fake.delay
                time.sleep(delay)
                if action in ("ok", "nousage"):
                    n = int(body.get("n", 1)) if fake.honour_n else 1
                    reply = completion([fake_text(body["seed"], k) for k in range(n)])
                    if action == "ok":
                        reply["usage"] = fake_usage(body["seed"], n)
                    self._send(200, reply)
                elif action == "notjson":
                    self._send(200, b"<html>502 Bad Gateway</html>")
                elif action == "nochoices":
                    self._send(200, {"id": "x", "object": "chat.completion"})
                elif action == "nocontent":
                    self._send(200, {"choices": [{"index": 0, "text": "no message here"}]})
                elif action == "close":
                    self.close_connection = True
                elif action == "die":
                    fake.close()
                    self.close_connection = True
                else:
                    self._send(int(action), {"error": {"message": fake.message}})

        return Handler
