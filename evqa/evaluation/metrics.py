"""Per-question metric functions: answer exact match / F1 (evqa's and SQuAD's normalisation),
answer containment, retrieval recall / hit / reciprocal rank, abstention rates, citation
checks and latency percentiles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from evqa.evaluation.normalize import normalize, normalize_tokens, squad_normalize
from evqa.types import Article, Citation

# --------------------------------------------------------------------------------------
# answer metrics


def exact_match(pred: str | None, answers: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals a normalised gold answer, else 0.0
    (0.0 for no prediction or no gold answers)."""
    p = normalize(pred)
    if not p:
        return 0.0
    return float(any(p == normalize(a) for a in answers))


def token_f1(pred: str | None, answers: Sequence[str]) -> float:
    """SQuAD token F1 against the best gold answer (0.0 for no prediction or answers)."""
    p = normalize_tokens(pred)
    if not p:
        return 0.0
    return max((_f1(p, normalize_tokens(a)) for a in answers), default=0.0)


def _f1(pred: list[str], gold: list[str]) -> float:
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def squad_em(pred: str | None, answers: Sequence[str]) -> float:
    """Official SQuAD exact match: the best over the gold answers (0.0 without any)."""
    p = squad_normalize(pred)
    return float(any(p == squad_normalize(a) for a in answers))


def squad_f1(pred: str | None, answers: Sequence[str]) -> float:
    """Official SQuAD token F1: the best over the gold answers (0.0 without any)."""
    p = squad_normalize(pred).split()
    if not p:
        return 0.0
    return max((_f1(p, squad_normalize(a).split()) for a in answers), default=0.0)


def answer_in(text: str | None, answers: Sequence[str]) -> bool:
    """True if a normalised gold answer occurs in the normalised text on token boundaries
    (``"90%"`` is in ``"a 90% yield"`` but not in ``"190%"``)."""
    haystack = f" {normalize(text)} "
    for a in answers:
        needle = normalize(a)
        if needle and f" {needle} " in haystack:
            return True
    return False


# --------------------------------------------------------------------------------------
# retrieval metrics


def doc_recall_at_k(ranked_doc_ids: Sequence[str], gold_doc_ids: Sequence[str], k: int) -> float:
    """Share of the gold docs among the doc ids of the first k ranked passages
    (passages of one doc may repeat). 0.0 when there are no gold docs."""
    gold = set(gold_doc_ids)
    if not gold:
        return 0.0
    return len(gold & set(ranked_doc_ids[:k])) / len(gold)


def passage_hit_at_k(passage_texts: Sequence[str], answers: Sequence[str], k: int) -> float:
    """1.0 if one of the first k passages contains a gold answer, else 0.0."""
    return float(any(answer_in(t, answers) for t in passage_texts[:k]))


def reciprocal_rank(ranked_doc_ids: Sequence[str], gold_doc_ids: Sequence[str]) -> float:
    """1 / (1-based rank of the first passage from a gold doc); 0.0 if there is none."""
    gold = set(gold_doc_ids)
    for rank, doc_id in enumerate(ranked_doc_ids, 1):
        if doc_id in gold:
            return 1.0 / rank
    return 0.0


# --------------------------------------------------------------------------------------
# abstention, citations, latency


def abstention_metrics(abstained: Sequence[bool], answerable: Sequence[bool]) -> dict:
    """``abstain_precision`` (unanswerable among abstained), ``abstain_recall`` (abstained
    among unanswerable) and ``false_abstention`` (abstained among answerable); each is
    ``None`` when its denominator is 0."""
    pairs = list(zip(abstained, answerable, strict=True))
    n_abstained = sum(a for a, _ in pairs)
    n_unanswerable = sum(not ans for _, ans in pairs)
    n_answerable = len(pairs) - n_unanswerable
    right = sum(a and not ans for a, ans in pairs)
    wrong = sum(a and ans for a, ans in pairs)
    return {
        "abstain_precision": ratio(right, n_abstained),
        "abstain_recall": ratio(right, n_unanswerable),
        "false_abstention": ratio(wrong, n_answerable),
    }


def ratio(num: float, den: float) -> float | None:
    """``num / den``, or None when ``den`` is 0 (the share is undefined)."""
    return None if den == 0 else num / den


def citation_is_valid(citation: Citation, articles: Mapping[str, Article]) -> bool:
    """The quote is exactly ``article.text[start:end]`` of a known article."""
    article = articles.get(citation.doc_id)
    if article is None or not 0 <= citation.start <= citation.end <= len(article.text):
        return False
    return article.text[citation.start : citation.end] == citation.quote


def latency_percentiles(latencies_ms: Sequence[float]) -> tuple[float | None, float | None]:
    """(p50, p95) in ms with numpy's linear interpolation; (None, None) for no data."""
    if not latencies_ms:
        return None, None
    p50, p95 = np.percentile(np.asarray(latencies_ms, dtype=float), [50, 95])
    return float(p50), float(p95)
