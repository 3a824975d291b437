"""Sidecar metadata files (evqa.corpus.sidecar)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_fakes import BODY, write

from evqa.corpus import read_corpus
from evqa.errors import CorpusError


def test_sidecar_wins_over_heuristics(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"Heuristic headline of the story\ndate 2020-01-01\n{BODY}")
    meta = {"title": "Sidecar title", "date": "March 3, 2024", "url": "https://x.test/a"}
    write(tmp_path / "a.meta.json", json.dumps(meta))
    article = read_corpus(tmp_path).articles[0]
    assert (article.title, article.date, article.url) == (
        "Sidecar title",
        "2024-03-03",
        meta["url"],
    )
    assert article.text == f"Heuristic headline of the story\n\n{BODY}"


def test_sidecar_bad_date_keeps_none_and_warns(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"date 2020-01-01\n{BODY}")
    write(tmp_path / "a.meta.json", json.dumps({"date": "sometime"}))
    read = read_corpus(tmp_path)
    assert read.articles[0].date is None
    assert read.warnings == (
        "a.meta.json: date 'sometime' is not a recognisable date; it was ignored",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable UTF-8 JSON"),
        ("[1]", "JSON object"),
        ('{"title": 5}', "must be a string"),
    ],
)
def test_bad_sidecar(tmp_path: Path, content: str, message: str) -> None:
    write(tmp_path / "a.txt", BODY)
    write(tmp_path / "b.txt", BODY)
    write(tmp_path / "sub" / "a.meta.json", "{}")
    write(tmp_path / "b.meta.json", content)
    with pytest.raises(CorpusError, match=message):
        read_corpus(tmp_path)
    read = read_corpus(tmp_path, skip_bad=True)
    assert [a.id for a in read.articles] == ["a"]
    assert read.warnings[0].startswith("b.meta.json: ") and read.warnings[0].endswith("skipped")


def test_sidecar_gives_an_html_file_its_title_and_source(tmp_path: Path) -> None:
    write(tmp_path / "doc.html", f"<html><body><article><p>{BODY}</p></article></body></html>")
    write(tmp_path / "doc.meta.json", json.dumps({"title": "T", "source": "Example News"}))
    read = read_corpus(tmp_path)
    (article,) = read.articles
    assert read.warnings == ()
    assert (article.id, article.title, article.source, article.text) == (
        "doc",
        "T",
        "Example News",
        BODY,
    )
