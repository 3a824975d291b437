"""The article rows (evqa.backends.milvus.articles): long articles in parts, read back whole."""

from __future__ import annotations

import pytest
from conftest import ARTICLES, write_corpus
from milvus_helpers import build

from evqa.engine import Engine

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

pytest_plugins = ["milvus_fixtures"]


def test_a_long_article_is_stored_in_parts_and_read_back_whole(
    lite_ok, tmp_path, fake_model, runner
):
    sentence = "Tidal kites generate steady power near the Faroe Islands today. "
    long_text = "Tidal Kites\n\n" + sentence * 800  # ~52,000 characters: 4+ parts
    corpus = write_corpus(tmp_path / "c", {"long": long_text, **ARTICLES})
    index = tmp_path / "i"
    assert build(runner, corpus, index, "--backend", "milvus").exit_code == 0
    engine = Engine.open(index)
    article = engine.articles["long"]
    assert len(article.text) > 3 * milvus.PART_CHARS
    assert article.text.startswith("Tidal kites generate") or "Tidal kites" in article.text
    hit = engine.search("Faroe tidal kites", k=1, mode="bm25")[0]
    assert hit.doc_id == "long" and hit.chunk.text == article.text[hit.chunk.start : hit.chunk.end]
