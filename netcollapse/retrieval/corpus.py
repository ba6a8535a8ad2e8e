"""Seed corpora: the human-written documents ``H`` every run starts from.

The built-in default reproduces the setting of the paper's LLM experiment (Wang et
al., "LLM Web Dynamics", arXiv 2506.15690): 20 short human-written posts about the
future of Bitcoin (7 positive, 7 neutral, 6 negative), read by every model before
answering :data:`DEFAULT_QUERY`. The posts shipped here were written for
netcollapse (the paper's own posts are not published); each carries a ``stance``.

Users bring their own corpus as JSON lines (one object per line with a text
field), plain text (one document per line) or CSV (a text column), see
:func:`load_corpus`.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from netcollapse.errors import DataError, bad

__all__ = ["DEFAULT_QUERY", "FORMATS", "Corpus", "default_corpus", "load_corpus"]

DEFAULT_QUERY = "Please provide EXACTLY one concise sentence about the future prospects of Bitcoin."
"""The paper's fixed query q."""

FORMATS = ("jsonl", "txt", "csv")
_SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".txt": "txt", ".csv": "csv"}
_DEFAULT_FILE = "bitcoin_seed.jsonl"


def _err(field_name: str, value: Any, expected: str) -> DataError:
    # Like errors.bad, but never shortens the value: a path must stay whole.
    return DataError(f"{field_name}: got {value!r}, expected {expected}")


@dataclass(frozen=True)
class Corpus:
    """An immutable list of documents with per-document metadata.

    Parameters
    ----------
    texts : tuple of str
        The documents.
    metadata : tuple of dict
        One dict per document (other fields of the source file; may be empty).
    name : str
        Label, e.g. the file's stem.

    Examples
    --------
    >>> c = Corpus.from_texts(["a post", "another post"], name="tiny")
    >>> len(c), c.texts[1]
    (2, 'another post')
    """

    texts: tuple[str, ...]
    metadata: tuple[dict[str, Any], ...] = field(default=())
    name: str = ""

    def __post_init__(self) -> None:
        texts = tuple(self.texts)
        if not all(isinstance(t, str) for t in texts):
            raise bad("corpus.texts", [t for t in texts if not isinstance(t, str)][0], "strings")
        meta = tuple(dict(m) for m in self.metadata) if self.metadata else ({},) * len(texts)
        if len(meta) != len(texts):
            raise bad("corpus.metadata", f"{len(meta)} entries", f"{len(texts)} (one per text)")
        object.__setattr__(self, "texts", texts)
        object.__setattr__(self, "metadata", meta)

    @classmethod
    def from_texts(cls, texts: Iterable[str], name: str = "") -> Corpus:
        """Build a corpus from texts alone (empty metadata).

        Parameters
        ----------
        texts : iterable of str
        name : str

        Returns
        -------
        Corpus
        """
        texts = tuple(texts)
        return cls(texts=texts, metadata=({},) * len(texts), name=name)

    def __len__(self) -> int:
        return len(self.texts)

    def to_frame(self) -> pd.DataFrame:
        """Return the documents as a DataFrame: a ``text`` column plus metadata columns.

        Returns
        -------
        pandas.DataFrame
        """
        meta = pd.DataFrame(list(self.metadata), index=range(len(self.texts)))
        meta = meta.drop(columns=[c for c in meta.columns if c == "text"])
        return pd.concat([pd.DataFrame({"text": list(self.texts)}), meta], axis=1)


# ------------------------------------------------------------------ parsers
def _clean(text: str) -> str | None:
    text = text.strip()
    return text or None


def _parse_jsonl(content: str, label: str, text_column: str) -> Corpus:
    stripped = content.lstrip()
    if stripped.startswith("["):  # a JSON array of objects is accepted too
        try:
            items = json.loads(content)
        except json.JSONDecodeError as exc:
            raise _err(
                "corpus.path", label, f"valid JSON ({exc.msg} at line {exc.lineno})"
            ) from None
        lines = [(i + 1, item) for i, item in enumerate(items)]
        where = "item"
    else:
        lines = []
        for lineno, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                lines.append((lineno, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise _err(
                    "corpus.path",
                    label,
                    f"one JSON object per line (line {lineno}: {exc.msg})",
                ) from None
        where = "line"
    texts, meta = [], []
    for lineno, obj in lines:
        if not isinstance(obj, dict):
            raise _err(
                "corpus.path",
                label,
                f"one JSON object per {where} ({where} {lineno} is a {type(obj).__name__})",
            )
        if text_column not in obj:
            have = ", ".join(repr(k) for k in obj) or "none"
            raise _err(
                "corpus.text_column",
                text_column,
                f"a field of every object ({where} {lineno} of {label!r} has fields: {have})",
            )
        value = obj[text_column]
        if not isinstance(value, str):
            raise _err(f"corpus.text_column ({where} {lineno} of {label!r})", value, "a string")
        text = _clean(value)
        if text is None:
            continue
        texts.append(text)
        meta.append({k: v for k, v in obj.items() if k != text_column})
    return Corpus(texts=tuple(texts), metadata=tuple(meta))


def _parse_txt(content: str) -> Corpus:
    texts, meta = [], []
    for lineno, line in enumerate(content.splitlines(), start=1):
        text = _clean(line)
        if text is not None:
            texts.append(text)
            meta.append({"line": lineno})
    return Corpus(texts=tuple(texts), metadata=tuple(meta))


def _parse_csv(content: str, label: str, text_column: str) -> Corpus:
    if not content.strip():
        return Corpus(texts=())
    try:
        df = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _err("corpus.path", label, f"a parsable CSV file ({first})") from None
    if text_column not in df.columns:
        have = ", ".join(repr(c) for c in df.columns)
        raise _err("corpus.text_column", text_column, f"one of the CSV columns {have}")
    texts, meta = [], []
    others = [c for c in df.columns if c != text_column]
    for rec in df.to_dict("records"):
        text = _clean(rec[text_column])
        if text is None:
            continue
        texts.append(text)
        meta.append({c: rec[c] for c in others})
    return Corpus(texts=tuple(texts), metadata=tuple(meta))


def _parse(content: str, fmt: str, label: str, text_column: str, name: str) -> Corpus:
    if fmt == "jsonl":
        c = _parse_jsonl(content, label, text_column)
    elif fmt == "txt":
        c = _parse_txt(content)
    else:
        c = _parse_csv(content, label, text_column)
    if len(c) == 0:
        raise _err("corpus.path", label, "at least 1 non-empty document (found 0)")
    return Corpus(texts=c.texts, metadata=c.metadata, name=name)


# --------------------------------------------------------------- public API
def load_corpus(
    path: str | os.PathLike,
    text_column: str = "text",
    format: str | None = None,
    name: str | None = None,
) -> Corpus:
    r"""Load a seed corpus from a JSON-lines, plain-text or CSV file (UTF-8).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    text_column : str
        Field (JSONL) or column (CSV) that holds the text; other fields become
        metadata.
    format : {"jsonl", "txt", "csv"} or None
        ``None`` infers it from the suffix: ``.jsonl``, ``.json``, ``.ndjson``
        (JSON lines; a ``.json`` file holding one JSON array of objects is
        accepted too), ``.txt`` (one document per line), ``.csv``.
    name : str or None
        Corpus name; defaults to the file's stem.

    Returns
    -------
    Corpus
        Texts stripped of surrounding whitespace; blank lines, blank texts and
        empty CSV cells are skipped. Plain-text documents record their
        ``line`` number as metadata.

    Raises
    ------
    DataError
        One line naming the field: a missing file, an unknown suffix, a file
        that is not UTF-8, invalid JSON (with the line number), a missing text
        field or column (listing those that exist), or no documents at all.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     p = Path(folder) / "posts.txt"
    ...     _ = p.write_text("first post\n\nsecond post\n", encoding="utf-8")
    ...     c = load_corpus(p)
    >>> c.name, c.texts, c.metadata[1]
    ('posts', ('first post', 'second post'), {'line': 3})
    """
    label = os.fspath(path)
    p = Path(path)
    if not p.is_file():
        raise _err("corpus.path", label, "an existing file")
    if format is None:
        fmt = _SUFFIXES.get(p.suffix.lower())
        if fmt is None:
            raise _err(
                "corpus.format",
                p.suffix or label,
                "a file ending in .jsonl, .json, .ndjson, .txt or .csv, or format= given",
            )
    else:
        if format not in FORMATS:
            raise bad("corpus.format", format, f"one of {', '.join(map(repr, FORMATS))}")
        fmt = format
    try:
        content = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _err(
            "corpus.path", label, f"a UTF-8 text file (undecodable byte at position {exc.start})"
        ) from None
    except OSError as exc:
        raise _err("corpus.path", label, f"a readable file ({exc.strerror})") from None
    return _parse(content, fmt, label, text_column, name if name is not None else p.stem)


def default_corpus() -> Corpus:
    """Return the built-in seed corpus: 20 posts on the future of Bitcoin.

    Returns
    -------
    Corpus
        Name ``"bitcoin_seed"``; metadata ``{"stance": "positive" | "neutral" |
        "negative"}`` (7 / 7 / 6, as the paper's ``A(0)``).

    Examples
    --------
    >>> c = default_corpus()
    >>> len(c), sorted({m["stance"] for m in c.metadata})
    (20, ['negative', 'neutral', 'positive'])
    """
    data = resources.files("netcollapse").joinpath("data").joinpath(_DEFAULT_FILE)
    content = data.read_text(encoding="utf-8")
    return _parse(content, "jsonl", _DEFAULT_FILE, "text", "bitcoin_seed")
