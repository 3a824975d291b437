"""evqa.evaluation.metrics: answer, retrieval, abstention, citation and latency metrics."""

from __future__ import annotations

import pytest
from evaluation_fakes import ARTICLES, S1, cite

from evqa.evaluation.metrics import (
    abstention_metrics,
    answer_in,
    citation_is_valid,
    doc_recall_at_k,
    exact_match,
    latency_percentiles,
    passage_hit_at_k,
    reciprocal_rank,
    token_f1,
)
from evqa.types import Citation


def test_exact_match():
    assert exact_match("350wh/kg", ["280 Wh/kg", "350 Wh/kg"]) == 1.0
    assert exact_match("The FAW Group.", ["FAW Group"]) == 1.0
    assert exact_match("350 Wh/kg cells", ["350 Wh/kg"]) == 0.0
    assert exact_match(None, ["x"]) == 0.0
    assert exact_match("x", []) == 0.0


def test_token_f1():
    assert token_f1("Li", ["William Li"]) == pytest.approx(2 / 3)
    # best over answers: "over 3,000" vs "3,000 charge cycles" -> 1.0 on the first
    assert token_f1("over 3000", ["3,000 charge cycles", "over 3,000"]) == 1.0
    # p = 2/3, r = 2/4 -> 4/7
    assert token_f1("Gotion battery maker", ["Gotion High-Tech battery giant"]) == (
        pytest.approx(2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4))
    )
    assert token_f1("Li Li", ["Li"]) == pytest.approx(2 / 3)  # counts, not sets
    assert token_f1("nothing", ["William Li"]) == 0.0
    assert token_f1(None, ["William Li"]) == 0.0
    assert token_f1("Li", []) == 0.0


def test_answer_in():
    assert answer_in("a consistently high 90% yield rate", ["90%"])
    assert not answer_in("a 190% rise", ["90%"])  # token aligned
    assert answer_in("perform stably from -20°C to 85°C.", ["−20 °C"])
    assert answer_in("it sold only 24,877 new cars", ["24877"])
    assert not answer_in("nothing here", ["William Li"])
    assert not answer_in(None, ["x"])
    assert not answer_in("the text", ["the"])  # an answer that normalises to nothing


def test_doc_recall_at_k():
    ranked = ["d3", "d1", "d1", "d2"]
    assert doc_recall_at_k(ranked, ["d1"], 1) == 0.0
    assert doc_recall_at_k(ranked, ["d1"], 2) == 1.0
    assert doc_recall_at_k(ranked, ["d1", "d2"], 3) == 0.5
    assert doc_recall_at_k(ranked, ["d1", "d2"], 4) == 1.0
    assert doc_recall_at_k(ranked, [], 4) == 0.0


def test_passage_hit_at_k():
    texts = ["nothing", "the pack reaches 280 Wh/kg", "350 Wh/kg"]
    assert passage_hit_at_k(texts, ["280Wh/kg"], 1) == 0.0
    assert passage_hit_at_k(texts, ["280Wh/kg"], 2) == 1.0
    assert passage_hit_at_k(texts, ["350 Wh/kg"], 2) == 0.0


def test_reciprocal_rank():
    assert reciprocal_rank(["d3", "d3", "d1"], ["d1", "d2"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(["d2"], ["d1", "d2"]) == 1.0
    assert reciprocal_rank(["d3"], ["d1"]) == 0.0


def test_abstention_metrics():
    m = abstention_metrics([True, True, False, False, True], [False, True, True, False, False])
    assert m["abstain_precision"] == pytest.approx(2 / 3)
    assert m["abstain_recall"] == pytest.approx(2 / 3)
    assert m["false_abstention"] == pytest.approx(1 / 2)


def test_abstention_metrics_undefined():
    m = abstention_metrics([False, False], [True, True])
    assert m == {"abstain_precision": None, "abstain_recall": None, "false_abstention": 0.0}


def test_citation_is_valid():
    good = cite(1, "d1", S1)
    shifted = cite(2, "d2", "William Li spoke.", shift=1)  # ends past the text
    misquoted = cite(5, "d1", "Gotion says", shift=1)  # in range, other text
    unknown = Citation(3, "nope", None, None, "x", 0, 1)
    out_of_range = Citation(4, "d3", None, None, "x", 5, 500)
    assert citation_is_valid(good, ARTICLES)
    invalid = (shifted, misquoted, unknown, out_of_range)
    assert not any(citation_is_valid(c, ARTICLES) for c in invalid)


def test_latency_percentiles():
    assert latency_percentiles([40.0, 10.0, 30.0, 20.0]) == (25.0, pytest.approx(38.5))
    assert latency_percentiles([]) == (None, None)
