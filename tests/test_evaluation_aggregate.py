"""evqa.evaluation.aggregate: a run's metrics, the recall curve and calibration data."""

from __future__ import annotations

from dataclasses import replace

import pytest
from evaluation_fakes import ARTICLES, CANNED, GOLD_ITEMS, scored_records

from evqa.evaluation.aggregate import METRIC_KEYS, aggregate, calibration_data, recall_curve
from evqa.evaluation.scoring import score_question


def test_aggregate_hand_computed():
    m = aggregate(scored_records(k=2), k=2)
    assert (m["n"], m["n_answerable"], m["n_unanswerable"], m["k"]) == (4, 3, 1, 2)
    assert m["doc_recall@k"] == pytest.approx(2 / 3)
    assert m["passage_hit@k"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx(0.5)
    assert m["hit@1"] == pytest.approx(2 / 3)
    assert m["em"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx(5 / 9)
    assert m["abstain_precision"] == 0.5
    assert m["abstain_recall"] == 1.0
    assert m["false_abstention"] == pytest.approx(1 / 3)
    assert m["citation_valid"] == pytest.approx(2 / 3)
    assert m["citation_gold"] == pytest.approx(2 / 3)
    assert m["latency_p50_ms"] == 25.0 and m["latency_p95_ms"] == pytest.approx(38.5)
    assert set(METRIC_KEYS) <= set(m)


def test_aggregate_squad_and_ece_hand_computed():
    m = aggregate(scored_records(k=2), k=2)
    # answerable g1, g2, g4 (abstained): EM 1, 0, 0; F1 1, 2/3, 0
    assert m["squad_em"] == pytest.approx(1 / 3)
    assert m["squad_f1"] == pytest.approx(5 / 9)
    # all four, the abstained unanswerable g3 scoring 1
    assert m["squad_em_v2"] == pytest.approx(2 / 4)
    assert m["squad_f1_v2"] == pytest.approx((1 + 2 / 3 + 1 + 0) / 4)
    # answered: g1 (0.9, right) in bin 9, g2 (0.6, wrong) in bin 6: (0.1 + 0.6) / 2
    assert m["ece"] == pytest.approx(0.35)
    # with the abstentions g3 (0.1) and g4 (0.2), not right: (0.1 + 0.6 + 0.1 + 0.2) / 4
    assert m["ece_all"] == pytest.approx(0.25)
    assert calibration_data(scored_records(k=2)) == ([0.9, 0.6], [True, False])


def test_aggregate_ece_is_none_without_answers():
    records = [r for r in scored_records(k=2) if r["abstained"]]
    m = aggregate(records, k=2)
    assert m["ece"] is None and m["ece_all"] == pytest.approx((0.1 + 0.2) / 2)


def test_questions_without_doc_ids_leave_doc_metrics_undefined():
    with_docs = score_question(GOLD_ITEMS[0], CANNED["g1"], 10.0, ARTICLES, k=2)
    bare = replace(GOLD_ITEMS[0], doc_ids=())
    without = score_question(bare, CANNED["g1"], 10.0, ARTICLES, k=2)
    assert without["doc_recall@k"] is None and without["rr"] is None
    assert without["hit@1"] == with_docs["hit@1"] == 1.0
    metrics = aggregate([without], k=2)
    assert metrics["doc_recall@k"] is None and metrics["mrr"] is None
    assert metrics["citation_gold"] is None and metrics["hit@1"] == 1.0
    mixed = aggregate([without, with_docs], k=2)  # the bare one does not count as a miss
    assert mixed["doc_recall@k"] == with_docs["doc_recall@k"]
    assert recall_curve([without], depth=2) == []


def test_recall_curve():
    records = [
        {"answerable": True, "ranked_doc_ids": ["a", "b", "c"], "gold_doc_ids": ["b", "c"]},
        {"answerable": True, "ranked_doc_ids": ["x"], "gold_doc_ids": ["x"]},
        {"answerable": False, "ranked_doc_ids": ["a"], "gold_doc_ids": []},
    ]
    assert recall_curve(records, depth=3) == pytest.approx([0.5, 0.75, 1.0])
    assert recall_curve(records[2:], depth=3) == []
