"""Scoring one question: its JSON-ready prediction record (the ``evqa ask --json`` answer,
the gold data, the latency and every per-question metric)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evqa.evaluation.gold import GoldItem
from evqa.evaluation.metrics import (
    answer_in,
    citation_is_valid,
    doc_recall_at_k,
    exact_match,
    passage_hit_at_k,
    reciprocal_rank,
    squad_em,
    squad_f1,
    token_f1,
)
from evqa.types import Answer, Article, Hit


def score_question(
    item: GoldItem,
    answer: Answer,
    latency_ms: float,
    articles: Mapping[str, Article],
    *,
    k: int,
    ranked_doc_ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The JSON-ready prediction record of one question: its gold ``id``, then
    ``Answer.to_dict()``, what ``evqa ask --json`` prints less its ``warnings`` (an eval has
    no date filter to warn of): the normalised question, the answer, confidence rounded to 4
    places, citations, passages...; then the gold data, the
    latency and the metric values.

    ``ranked_doc_ids`` is the doc id of each ranked passage, best first, possibly deeper than
    k (for recall curves and MRR); it defaults to the answer's passages.
    """
    passages = list(answer.passages)
    ranked = list(ranked_doc_ids) if ranked_doc_ids is not None else [h.doc_id for h in passages]
    record: dict[str, Any] = {
        "id": item.id,
        **answer.to_dict(),
        "type": item.type,
        "split": item.split,
        "gold_answers": list(item.answers),
        "gold_doc_ids": list(item.doc_ids),
        "ranked_doc_ids": ranked,
        "latency_ms": latency_ms,
        "answerable": item.answerable,
        "n_citations": len(answer.citations),
        "citations_valid": sum(citation_is_valid(c, articles) for c in answer.citations),
        "citations_gold": sum(c.doc_id in item.doc_ids for c in answer.citations),
    }
    record.update(_answerable_scores(item, answer, passages, ranked, k))
    record.update(_span_scores(item, answer))
    return record


def _answered(answer: Answer) -> bool:
    return not answer.abstained and answer.answer is not None


def _span_scores(item: GoldItem, answer: Answer) -> dict[str, float | bool | None]:
    """Official SQuAD EM/F1 of the span (null for an unanswerable question, as ``em`` /
    ``f1``), their SQuAD v2.0 versions (an unanswerable question scores 1 when abstained, 0
    when answered) and whether the answer is right (see the ``evqa.evaluation`` package
    doc)."""
    answered = _answered(answer)
    if not item.answerable:
        v2 = 0.0 if answered else 1.0
        return {
            "squad_em": None,
            "squad_f1": None,
            "squad_em_v2": v2,
            "squad_f1_v2": v2,
            "span_correct": False,
        }
    em = squad_em(answer.answer, item.answers) if answered else 0.0
    f1 = squad_f1(answer.answer, item.answers) if answered else 0.0
    return {
        "squad_em": em,
        "squad_f1": f1,
        "squad_em_v2": em,
        "squad_f1_v2": f1,
        "span_correct": answered and answer_in(answer.answer, item.answers),
    }


def _answerable_scores(
    item: GoldItem, answer: Answer, passages: list[Hit], ranked: list[str], k: int
) -> dict[str, float | None]:
    keys = ("doc_recall@k", "passage_hit@k", "rr", "hit@1", "em", "f1")
    if not item.answerable:
        return dict.fromkeys(keys)
    answered = _answered(answer)
    sentence = answer.answer_sentence if answer.answer_sentence else answer.answer
    docs = bool(item.doc_ids)  # without gold docs, the doc metrics are undefined
    return {
        "doc_recall@k": doc_recall_at_k(ranked, item.doc_ids, k) if docs else None,
        "passage_hit@k": passage_hit_at_k([h.chunk.text for h in passages], item.answers, k),
        "rr": reciprocal_rank(ranked, item.doc_ids) if docs else None,
        "hit@1": float(answered and answer_in(sentence, item.answers)),
        "em": exact_match(answer.answer, item.answers) if answered else 0.0,
        "f1": token_f1(answer.answer, item.answers) if answered else 0.0,
    }
