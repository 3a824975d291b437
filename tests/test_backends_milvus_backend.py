"""MilvusBackend (evqa.backends.milvus.backend): articles, sentences and spans as lazy mappings."""

from __future__ import annotations

import pytest
from conftest import ARTICLES

from evqa.engine import Engine

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")

pytest_plugins = ["milvus_fixtures"]


def test_lazy_article_mappings(mbuilt):
    engine = Engine.open(mbuilt)
    assert engine.articles["alpha"].title == "Solar Boats Reach Record Speed"
    assert "nope" not in engine.articles and engine.articles.get("nope") is None
    assert len(engine.articles) == 3 and sorted(engine.articles) == sorted(ARTICLES)
    sents = engine.data.sentences["alpha"]
    text = engine.articles["alpha"].text
    assert any("42 km/h" in text[s:e] for s, e in sents)
    assert any(s.text == "42 km/h" for s in engine.data.spans["alpha"])
    with pytest.raises(KeyError):
        engine.data.spans["nope"]


def test_milvus_counts_the_articles_a_date_filter_keeps_and_knows_their_dates(mbuilt):
    from evqa.dates import date_range

    engine = Engine.open(mbuilt)
    assert engine.backend.count_dated(date_range("2024")) == 1  # alpha, 2024-03-05
    assert engine.backend.count_dated(date_range("2024-03-06")) == 0
    assert engine.backend.count_dated(date_range(None, "2024-03-05")) == 1
    assert engine.backend.date_bounds() == (20240305, 20240305)
    warnings = engine.date_filter_warnings(until="2023")
    assert warnings[-1] == (
        "no article is dated on or before 2023-12-31, so nothing was searched; the index's "
        "dated articles run from 2024-03-05 to 2024-03-05"
    )


def test_undated_articles_are_counted_in_milvus(mbuilt):
    engine = Engine.open(mbuilt)
    assert engine.backend.count_undated() == 2  # bravo and charlie have no date
    told: list[str] = []
    engine.warn = told.append
    engine.search("solar boat", since="2020")
    assert told == [
        "2 undated articles were left out by the since/until date filter (only dated "
        "articles can match it)"
    ]
