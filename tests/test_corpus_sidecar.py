"""Sidecar metadata files (evqa.corpus.sidecar)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_fakes import BODY, write

from evqa.corpus import iter_corpus, read_corpus
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
    ("content", "message", "part", "date"),
    [
        ("{not json", "not a readable UTF-8 JSON file", "it", None),
        ("[" * 100_000 + "]" * 100_000, "not a readable JSON file", "it", None),  # too deep
        ("[1]", "must hold a JSON object", "it", None),
        # a wrongly typed field: only that field is ignored, the sidecar's date still counts
        ('{"title": 5, "date": "2024-01-02"}', "field 'title' must be", "that field", "2024-01-02"),
    ],
)
def test_a_bad_sidecar_is_bad_input_and_with_skip_bad_its_file_is_read_without_it(
    tmp_path: Path, content: str, message: str, part: str, date: str | None
) -> None:
    write(tmp_path / "a.txt", BODY)
    write(tmp_path / "b.txt", f"Bees Lost Half Their Hives\n\nB. {BODY}")
    write(tmp_path / "sub" / "a.meta.json", "{}")  # beside no article: no warning
    write(tmp_path / "b.meta.json", content)
    with pytest.raises(CorpusError, match=message) as err:
        read_corpus(tmp_path)
    # the error says what --skip-bad will do: index b.txt without (that part of) its sidecar
    assert str(err.value).startswith("b.meta.json: ")
    assert str(err.value).endswith(
        f"; fix it, or pass --skip-bad to ignore {part} and index b.txt without it"
    )
    for read in (read_corpus(tmp_path, skip_bad=True), iter_corpus(tmp_path, skip_bad=True)):
        articles = list(read.articles)
        assert [a.id for a in articles] == ["a", "b"]
        assert (articles[1].title, articles[1].date) == ("Bees Lost Half Their Hives", date)
        assert len(read.warnings) == 1
        assert read.warnings[0].startswith(f"b.meta.json: {message}")
        assert read.warnings[0].endswith(f"; {part} was ignored, and b.txt indexed without it")


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
