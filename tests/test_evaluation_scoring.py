"""evqa.evaluation.scoring: one question's prediction record."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from evaluation_fakes import ARTICLES, CANNED, GOLD_ITEMS, scored_records

from evqa.evaluation.gold import GoldItem
from evqa.evaluation.scoring import score_question


def test_score_question_record():
    r1, r2, r3, r4 = scored_records(k=2)
    assert r1["doc_recall@k"] == 1.0 and r1["rr"] == 0.5 and r1["passage_hit@k"] == 1.0
    assert (r1["hit@1"], r1["em"], r1["f1"]) == (1.0, 1.0, 1.0)
    assert r1["passages"][1] == {
        "rank": 2,
        "doc_id": "d1",
        "chunk_id": "d1#0",
        "title": None,
        "title_derived": False,
        "date": None,
        "text": ARTICLES["d1"].text,
        "score": 0.5,
        "start": 0,
        "end": len(ARTICLES["d1"].text),
    }
    assert (r2["hit@1"], r2["em"]) == (1.0, 0.0) and r2["f1"] == pytest.approx(2 / 3)
    assert (r2["n_citations"], r2["citations_valid"], r2["citations_gold"]) == (2, 1, 1)
    assert r3["answerable"] is False and r3["em"] is None and r3["doc_recall@k"] is None
    # an abstained answerable question scores 0
    assert (r4["hit@1"], r4["em"], r4["f1"], r4["doc_recall@k"], r4["rr"]) == (0, 0, 0, 0, 0)
    json.dumps([r1, r2, r3, r4])  # JSON-ready


def test_score_question_record_is_the_ask_json_plus_eval_fields():
    for g in GOLD_ITEMS:
        answer = CANNED[g.id]
        record = score_question(g, answer, 1.0, ARTICLES, k=2)
        asked = answer.to_dict()
        assert list(record)[: len(asked) + 1] == ["id", *asked]
        assert {key: record[key] for key in asked} == asked
        assert {"gold_answers", "latency_ms", "hit@1", "squad_em"} <= set(record)


def test_score_question_squad_scores_and_rightness():
    r1, r2, r3, r4 = scored_records(k=2)
    assert (r1["squad_em"], r1["squad_f1"], r1["span_correct"]) == (1.0, 1.0, True)
    # "Li" against "William Li": F1 2/3, and the span does not hold the gold answer
    assert r2["squad_em"] == 0.0 and r2["squad_f1"] == pytest.approx(2 / 3)
    assert r2["span_correct"] is False and r2["hit@1"] == 1.0  # the sentence holds it
    # unanswerable and abstained: no SQuAD EM/F1 (as em/f1: those are over answerable
    # questions); SQuAD v2.0 scores the abstention 1; it is no right answer
    assert (r3["squad_em"], r3["squad_f1"], r3["em"], r3["f1"]) == (None, None, None, None)
    assert (r3["squad_em_v2"], r3["squad_f1_v2"], r3["span_correct"]) == (1.0, 1.0, False)
    # answerable and abstained: 0
    assert (r4["squad_em"], r4["squad_f1"], r4["span_correct"]) == (0.0, 0.0, False)
    # an answerable question's v2 scores are its SQuAD scores
    for r in (r1, r2, r4):
        assert (r["squad_em_v2"], r["squad_f1_v2"]) == (r["squad_em"], r["squad_f1"])


def test_unanswerable_question_answered_scores_0_and_is_wrong():
    answered = replace(CANNED["g3"], answer="Paris", answer_sentence="Paris.", abstained=False)
    r = score_question(GOLD_ITEMS[2], answered, 1.0, ARTICLES, k=2)
    assert (r["squad_em"], r["squad_f1"]) == (None, None)
    assert (r["squad_em_v2"], r["squad_f1_v2"], r["span_correct"]) == (0.0, 0.0, False)


def test_squad_scores_use_the_official_normalisation():
    item = GoldItem("q", "density", ("350Wh/kg",), ("d1",), "number", "test")
    r = score_question(item, CANNED["g1"], 1.0, ARTICLES, k=2)  # answer "350 Wh/kg"
    assert r["em"] == 1.0  # evqa's normalisation joins a number and its unit
    assert r["squad_em"] == 0.0 and r["squad_f1"] == 0.0  # SQuAD's does not: "350 whkg"


def test_score_question_k_cuts_passages():
    r1 = score_question(GOLD_ITEMS[0], CANNED["g1"], 1.0, ARTICLES, k=1)
    assert r1["doc_recall@k"] == 0.0 and r1["passage_hit@k"] == 0.0 and r1["rr"] == 0.5
