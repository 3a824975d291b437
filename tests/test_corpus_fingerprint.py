"""Corpus fingerprints and article hashes (evqa.corpus.fingerprint)."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_fakes import BODY, write, write_jsonl

from evqa.corpus import article_hash, corpus_fingerprint
from evqa.errors import CorpusError
from evqa.types import Article


def test_fingerprint_follows_content_only(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", BODY)
    first = corpus_fingerprint(tmp_path)
    assert first == corpus_fingerprint(tmp_path)
    write(tmp_path / "a.txt", BODY)  # same bytes, new mtime
    write(tmp_path / "ignored.pdf", "x")
    write(tmp_path / ".hidden.txt", "x")
    assert corpus_fingerprint(tmp_path) == first
    write(tmp_path / "a.meta.json", "{}")
    with_sidecar = corpus_fingerprint(tmp_path)
    assert with_sidecar != first
    write(tmp_path / "a.txt", BODY + " More.")
    assert corpus_fingerprint(tmp_path) not in (first, with_sidecar)


def test_fingerprint_depends_on_paths(tmp_path: Path) -> None:
    write(tmp_path / "one" / "a.txt", BODY)
    write(tmp_path / "two" / "b.txt", BODY)
    assert corpus_fingerprint(tmp_path / "one") != corpus_fingerprint(tmp_path / "two")


def test_fingerprint_jsonl_and_missing(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": BODY}])
    first = corpus_fingerprint(path)
    write_jsonl(path, [{"id": "a", "text": BODY + "!"}])
    assert corpus_fingerprint(path) != first
    with pytest.raises(CorpusError, match="does not exist"):
        corpus_fingerprint(tmp_path / "missing")


def test_article_hash() -> None:
    base = Article(id="a", text=BODY, title="T", date="2020-01-01", url="u", source="s")
    assert article_hash(base) == article_hash(Article(**{**base.to_dict(), "source": "other"}))
    for field, value in [
        ("id", "b"),
        ("text", "x"),
        ("title", None),
        ("date", "2020"),
        ("url", "v"),
    ]:
        assert article_hash(Article(**{**base.to_dict(), field: value})) != article_hash(base)
