from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from netcollapse.errors import DataError, SpecError
from netcollapse.retrieval.corpus import DEFAULT_QUERY, Corpus, default_corpus, load_corpus


def test_default_corpus():
    c = default_corpus()
    assert c.name == "bitcoin_seed"
    assert len(c) == 20
    assert Counter(m["stance"] for m in c.metadata) == {"positive": 7, "neutral": 7, "negative": 6}
    assert len(set(c.texts)) == 20
    assert all("bitcoin" in t.lower() or "halving" in t.lower() for t in c.texts)
    assert all(5 <= len(t.split()) <= 40 for t in c.texts)
    df = c.to_frame()
    assert list(df.columns) == ["text", "stance"] and len(df) == 20


def test_default_query():
    assert DEFAULT_QUERY == (
        "Please provide EXACTLY one concise sentence about the future prospects of Bitcoin."
    )


def test_load_jsonl(tmp_path):
    p = tmp_path / "posts.jsonl"
    rows = [{"text": " one ", "id": 1}, {"text": "two", "id": 2, "tag": "x"}, {"text": "  "}]
    p.write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n\n" + json.dumps(rows[2]) + "\n")
    c = load_corpus(p)
    assert c.name == "posts"
    assert c.texts == ("one", "two")  # stripped; blank text skipped
    assert c.metadata == ({"id": 1}, {"id": 2, "tag": "x"})
    body = tmp_path / "b.json"
    body.write_text(json.dumps({"body": "hello", "lang": "en"}) + "\n")
    c = load_corpus(body, text_column="body", name="mine")
    assert (c.name, c.texts, c.metadata) == ("mine", ("hello",), ({"lang": "en"},))


def test_load_json_array(tmp_path):
    p = tmp_path / "arr.json"
    p.write_text(json.dumps([{"text": "a"}, {"text": "b", "k": 1}]))
    assert load_corpus(p).texts == ("a", "b")


def test_load_txt(tmp_path):
    p = tmp_path / "lines.txt"
    p.write_text("first\n\n  second  \r\nthird\n", encoding="utf-8")
    c = load_corpus(p)
    assert c.texts == ("first", "second", "third")
    assert [m["line"] for m in c.metadata] == [1, 3, 4]
    # format given explicitly overrides the suffix
    q = tmp_path / "lines.data"
    q.write_text("only line\n")
    assert load_corpus(q, format="txt").texts == ("only line",)


def test_load_csv(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('id,post,src\n1,"hello, world",a\n2,,b\n3,bye,c\n')
    c = load_corpus(p, text_column="post")
    assert c.texts == ("hello, world", "bye")  # empty cell skipped
    assert c.metadata == ({"id": "1", "src": "a"}, {"id": "3", "src": "c"})


def test_corpus_dataclass():
    c = Corpus.from_texts(["x", "y"], name="n")
    assert c.metadata == ({}, {}) and c.name == "n"
    with pytest.raises(Exception):
        c.name = "other"  # frozen
    with pytest.raises(SpecError, match=r"^corpus.metadata: got '1 entries', expected 2"):
        Corpus(texts=("a", "b"), metadata=({},), name="z")


def test_error_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"^corpus.path: got 'x.txt', expected an existing file$"):
        load_corpus("x.txt")
    with pytest.raises(DataError, match=r"expected an existing file$"):
        load_corpus(tmp_path)  # a folder is not a file


def test_error_unknown_format(tmp_path):
    p = tmp_path / "a.md"
    p.write_text("text\n")
    with pytest.raises(DataError, match=r"^corpus.format: got '\.md', expected a file ending in"):
        load_corpus(p)
    with pytest.raises(SpecError, match=r"^corpus.format: got 'xml', expected one of 'jsonl'"):
        load_corpus(p, format="xml")


def test_error_jsonl_bad_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "ok"}\n\n{"text": oops}\n')
    msg = r"^corpus.path: got '.*bad.jsonl', expected one JSON object per line \(line 3: "
    with pytest.raises(DataError, match=msg):
        load_corpus(p)
    p.write_text('{"text": "ok"}\n[1, 2]\n')
    with pytest.raises(DataError, match=r"\(line 2 is a list\)$"):
        load_corpus(p)
    p.write_text('{"text": "ok"}\n{"text": 5}\n')
    with pytest.raises(DataError, match=r"^corpus.text_column \(line 2 of .*\): got 5, expected"):
        load_corpus(p)


def test_error_jsonl_missing_field(tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_text('{"body": "a", "id": 1}\n')
    msg = "corpus.text_column: got 'text', expected a field of every object (line 1 of "
    with pytest.raises(DataError, match="^" + re.escape(msg) + r".*has fields: 'body', 'id'\)$"):
        load_corpus(p)


def test_error_csv_missing_column(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("id,body\n1,hello\n")
    msg = "corpus.text_column: got 'text', expected one of the CSV columns 'id', 'body'"
    with pytest.raises(DataError, match="^" + re.escape(msg) + "$"):
        load_corpus(p)


def test_error_csv_unparsable(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text('text,id\n"a",1\n"b",2,3,4\n')
    with pytest.raises(DataError, match=r"^corpus.path: got .*c.csv', expected a parsable CSV"):
        load_corpus(p)


def test_error_not_utf8(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("caf\u00e9\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"expected a UTF-8 text file \(undecodable byte at"):
        load_corpus(p)


@pytest.mark.parametrize(
    "name, content",
    [("e.txt", "\n  \n"), ("e.jsonl", ""), ("e.csv", "text,id\n,1\n"), ("e2.csv", "")],
)
def test_error_empty(tmp_path, name, content):
    p = tmp_path / name
    p.write_text(content)
    msg = rf"^corpus.path: got '.*{name}', expected at least 1 non-empty document \(found 0\)$"
    with pytest.raises(DataError, match=msg):
        load_corpus(p)
