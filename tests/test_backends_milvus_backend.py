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
