"""A small synthetic corpus, gold items and canned answers for the evaluation tests."""

from __future__ import annotations

from evqa.evaluation.gold import GoldItem
from evqa.evaluation.result import EvalResult, make_result
from evqa.evaluation.scoring import score_question
from evqa.types import Answer, Article, Chunk, Citation, Hit

ARTICLES = {
    "d1": Article(
        id="d1",
        text="Gotion says the Jinshi cell reaches 350 Wh/kg. The pack reaches 280 Wh/kg.",
        title="Jinshi",
    ),
    "d2": Article(id="d2", text="Nio signed with FAW Group in Jilin. William Li spoke."),
    "d3": Article(id="d3", text="It rained all day in the city."),
}


def hit(doc_id: str, rank: int, text: str | None = None) -> Hit:
    article = ARTICLES[doc_id]
    text = article.text if text is None else text
    start = article.text.index(text)
    chunk = Chunk(f"{doc_id}#0", doc_id, start, start + len(text), text)
    return Hit(rank=rank, score=1.0 / rank, chunk=chunk)


def cite(n: int, doc_id: str, quote: str, shift: int = 0) -> Citation:
    start = ARTICLES[doc_id].text.index(quote) + shift
    return Citation(n, doc_id, None, None, quote, start, start + len(quote))


GOLD_ITEMS = [
    GoldItem("g1", "energy density of Jinshi", ("350 Wh/kg",), ("d1",), "number", "dev"),
    GoldItem("g2", "who spoke at the signing", ("William Li",), ("d2",), "person", "test"),
    GoldItem("g3", "capital of France", (), (), "unanswerable", "dev"),
    GoldItem("g4", "who signed with Nio", ("FAW Group",), ("d2",), "org", "test"),
]


S1 = "Gotion says the Jinshi cell reaches 350 Wh/kg."


CANNED = {
    "g1": Answer(
        question="energy density of Jinshi",
        answer="350 Wh/kg",
        answer_sentence=S1,
        confidence=0.9,
        abstained=False,
        citations=(cite(1, "d1", S1),),
        passages=(hit("d3", 1), hit("d1", 2)),
    ),
    "g2": Answer(
        question="who spoke at the signing",
        answer="Li",
        answer_sentence="William Li spoke.",
        confidence=0.6,
        abstained=False,
        # one citation with wrong offsets (invalid, gold doc), one valid on a non-gold doc
        citations=(cite(1, "d2", "William Li spoke.", shift=1), cite(2, "d3", "It rained")),
        passages=(hit("d2", 1),),
    ),
    "g3": Answer("capital of France", None, None, 0.1, True, passages=(hit("d3", 1),)),
    "g4": Answer("who signed with Nio", None, None, 0.2, True, passages=(hit("d1", 1),)),
}


def scored_records(k: int = 2) -> list[dict]:
    latencies = {"g1": 10.0, "g2": 20.0, "g3": 30.0, "g4": 40.0}
    return [score_question(g, CANNED[g.id], latencies[g.id], ARTICLES, k=k) for g in GOLD_ITEMS]


def two_modes() -> dict[str, EvalResult]:
    records = scored_records(k=2)
    return {
        "hybrid": make_result(records, k=2, mode="hybrid", depth=3),
        "bm25": make_result(records[:2], k=2, mode="bm25", depth=3),
    }
