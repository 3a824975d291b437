"""Readable labels for untitled articles, and how passages and citations carry them."""

from __future__ import annotations

import pytest
from conftest import ARTICLES, small_settings, write_corpus

from evqa import build
from evqa.engine import Engine
from evqa.labels import Label, article_label, lede_label, name_label
from evqa.types import Article


@pytest.mark.parametrize(
    ("doc_id", "expected"),
    [
        ("004_1b31b26ffe040619", None),  # an ordinal and a hash: nothing readable
        ("1b31b26ffe040619", None),
        ("battery-prices_9f86d081884c7d65", "battery prices"),
        ("007-solar-boats", "solar boats"),
        ("tesla_q3_results", "tesla q3 results"),
        ("alpha", None),  # one word says no more than the id
        ("doc17", None),
        ("2024-05-01", None),  # no letters
        ("2024/jan/story", None),  # a nested file's id: only its own name counts
        ("2024/jan/battery-prices", "battery prices"),
    ],
)
def test_name_label(doc_id, expected):
    assert name_label(doc_id) == expected


def test_lede_label_is_the_first_sentence_cut_at_a_word():
    text = "Volkswagen-backed Chinese battery giant Gotion High-Tech has unveiled a cell. More."
    label = lede_label(text, limit=40)
    assert label == "Volkswagen-backed Chinese battery giant…"
    assert text.startswith(label[:-1])
    assert lede_label("Short lede. Then more.") == "Short lede."
    assert lede_label(" ... --- ") is None


def test_article_label_prefers_the_title_then_the_name_then_the_lede():
    body = "The tidal plant produces 240 MW. It opened in 1966."
    assert article_label(Article("x_1b31b26ffe040619", body, title="Tides")) == Label("Tides")
    assert article_label(Article("tidal-power_1b31b26ffe040619", body)) == Label(
        "tidal power", True
    )
    assert article_label(Article("004_1b31b26ffe040619", body)) == Label(
        "The tidal plant produces 240 MW.", True
    )
    assert article_label(Article("004", "...")) == Label(None, False)


UNTITLED = "004_1b31b26ffe040619"


@pytest.fixture
def engine(tmp_path, fake_model):
    body = "La Rance tidal plant produces 240 MW of power from the tides. It opened in 1966."
    corpus = write_corpus(tmp_path / "corpus", {**ARTICLES, UNTITLED: body})
    build.build(
        corpus, tmp_path / "idx", model=fake_model, settings=small_settings(), cache_dir=tmp_path
    )
    return Engine.open(tmp_path / "idx")


def test_passages_and_citations_of_an_untitled_article_show_a_derived_label(engine):
    assert engine.articles[UNTITLED].title is None  # the stored article keeps no title
    hit = engine.search("La Rance tidal plant power", k=1)[0].to_dict()
    assert hit["doc_id"] == UNTITLED
    assert hit["title"] == "La Rance tidal plant produces 240 MW of power from the…"
    assert hit["title_derived"] is True
    answer = engine.ask("When did the La Rance tidal plant open?", k=1)
    assert answer.citations, answer
    cited = answer.to_dict()["citations"][0]
    assert (cited["doc_id"], cited["title"], cited["title_derived"]) == (
        UNTITLED,
        hit["title"],
        True,
    )


def test_a_real_title_is_not_marked_derived(engine):
    hit = engine.search("hydrogen trains tank", k=1)[0]
    assert (hit.doc_id, hit.title, hit.title_derived) == (
        "charlie",
        "Hydrogen Trains Enter Service",
        False,
    )
