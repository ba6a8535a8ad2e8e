"""Reading one OpenAI-compatible HTTP exchange: failures, their causes, reply texts.

Used by :class:`~netcollapse.backends.remote.openai_api.OpenAIGenerator`. A :class:`Failure`
says whether a request may be retried (connection errors, timeouts, 408, 429,
5xx and malformed replies) and carries a one-line cause for the final error. The
names here are public to the backends, not to users (none is in
``netcollapse.backends.__all__``).
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
from typing import Any

from netcollapse.errors import exception_line, one_line

_RETRY_STATUS = frozenset({408, 429})
MAX_DELAY = 60.0
"""Longest wait between two tries of a request, in seconds (also caps ``Retry-After``)."""
CAUSE_LIMIT = 160
"""Longest one-line cause of a failure, in characters."""


class Failure(Exception):
    """A failed HTTP request: ``cause`` a one-line reason, ``status`` the HTTP status."""

    def __init__(self, cause: str, status: int = 0, delay: float | None = None) -> None:
        super().__init__(cause)
        self.cause, self.status, self.delay = cause, status, delay
        self.retry = status == 0 or status in _RETRY_STATUS or status >= 500


class Aborted(Exception):
    """Another request of the call failed for good; this one stops retrying."""


def server_message(raw: bytes) -> str:
    """Return the ``message`` of an error body (OpenAI, vLLM, FastAPI styles) or its text."""
    text = raw.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except ValueError:
        return text or "no message"
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            value = body.get(key)
            if isinstance(value, dict) and "message" in value:
                value = value["message"]
            if value:
                return value if isinstance(value, str) else json.dumps(value)
    return text


def connection_cause(exc: BaseException, timeout: float) -> str:
    """Return a short reason for a connection-level failure."""
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else OSError(str(exc.reason))
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "connection closed without a reply"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror or exc})"
    return exception_line(exc, CAUSE_LIMIT)


def retry_after(headers: Any) -> float | None:
    """Return a reply's ``Retry-After`` delay in seconds, within ``[0, MAX_DELAY]``; else None."""
    try:
        return min(max(float(headers.get("Retry-After")), 0.0), MAX_DELAY)
    except (TypeError, ValueError):
        return None


def reply_texts(raw: bytes) -> list[str]:
    """Return the choices' texts of a chat-completion reply, in ``index`` order."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError:
        raise Failure("malformed reply: not JSON") from None
    if not isinstance(body, dict):
        raise Failure("malformed reply: not a JSON object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        if body.get("error"):
            raise Failure(one_line("error in reply: " + server_message(raw), CAUSE_LIMIT))
        raise Failure("malformed reply: no choices")
    if all(isinstance(c, dict) and isinstance(c.get("index"), int) for c in choices):
        choices = sorted(choices, key=lambda c: c["index"])
    texts = []
    for choice in choices:
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise Failure("malformed reply: a choice without message content")
        texts.append(content)
    return texts


def reply_usage(raw: bytes) -> tuple[int | None, int | None]:
    """Return a chat-completion reply's ``(prompt_tokens, completion_tokens)``.

    ``None`` for a count the server does not report (no ``usage`` object, or not
    a non-negative integer there).

    Examples
    --------
    >>> reply_usage(b'{"usage": {"prompt_tokens": 12, "completion_tokens": 30}}')
    (12, 30)
    >>> reply_usage(b'{"choices": []}')
    (None, None)
    """
    try:
        usage = json.loads(raw.decode("utf-8")).get("usage")
    except (ValueError, AttributeError):
        return None, None
    if not isinstance(usage, dict):
        return None, None

    def count(key: str) -> int | None:
        value = usage.get(key)
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return value if ok else None

    return count("prompt_tokens"), count("completion_tokens")
