"""Cleaning raw text into an article: front matter, headings, heuristics (evqa.corpus.clean)."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_fakes import BODY, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evqa.corpus import clean_article, read_corpus
from evqa.errors import InputError
from evqa.types import Article


def test_front_matter_in_text_file(tmp_path: Path) -> None:
    write(tmp_path / "a.md", f"---\ntitle: Front title\ndate: 2021-03-04\n---\n# Heading\n\n{BODY}")
    article = read_corpus(tmp_path).articles[0]
    assert (article.title, article.date) == ("Front title", "2021-03-04")
    assert article.text == BODY


def test_front_matter_wrong_types_warn(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"---\ntitle: [1, 2]\ndate: whenever\n---\n{BODY}")
    read = read_corpus(tmp_path)
    assert read.articles[0].title is None and read.articles[0].date is None
    assert len(read.warnings) == 2


def test_clean_article_pipeline() -> None:
    raw = (
        "Please click the button to open\nHeadline of the test story\n"
        f"By Jane Doe | May 3, 2024\n{BODY}\nComments"
    )
    article = clean_article(raw, "doc", kind="txt", source="here")
    assert article == Article(
        id="doc", text=BODY, title="Headline of the test story", date="2024-05-03", source="here"
    )


def test_clean_article_rejects_unknown_kind() -> None:
    with pytest.raises(InputError, match="kind"):
        clean_article(BODY, "doc", kind="pdf")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.text(), kind=st.sampled_from(["txt", "md", "html"]))
def test_clean_article_never_raises(raw: str, kind: str) -> None:
    warnings: list[str] = []
    article = clean_article(raw, "doc", kind=kind, warnings=warnings)
    assert article.text == article.text.strip()
    assert article.title is None or len(article.title) > 0
