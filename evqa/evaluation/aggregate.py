"""Aggregating scored records: the run's metrics (``METRIC_KEYS``), the doc recall curve and
the (confidence, right) pairs the calibration error and reliability bins are computed on."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from evqa.evaluation.calibration import expected_calibration_error
from evqa.evaluation.metrics import (
    abstention_metrics,
    doc_recall_at_k,
    latency_percentiles,
    ratio,
)

CURVE_DEPTH = 10

METRIC_KEYS = (
    "n",
    "n_answerable",
    "n_unanswerable",
    "doc_recall@k",
    "passage_hit@k",
    "mrr",
    "hit@1",
    "squad_em",
    "squad_f1",
    "squad_em_v2",
    "squad_f1_v2",
    "em",
    "f1",
    "ece",
    "ece_all",
    "abstain_precision",
    "abstain_recall",
    "false_abstention",
    "citation_valid",
    "citation_gold",
    "latency_p50_ms",
    "latency_p95_ms",
)


def aggregate(records: Sequence[Mapping[str, Any]], k: int) -> dict[str, Any]:
    """The aggregate metrics (``METRIC_KEYS`` plus ``k``) of scored records."""
    answerable = [r for r in records if r["answerable"]]
    with_docs = [r for r in answerable if r["gold_doc_ids"]]
    p50, p95 = latency_percentiles([r["latency_ms"] for r in records])
    n_cit = sum(r["n_citations"] for r in records)
    n_cit_ans = sum(r["n_citations"] for r in with_docs)
    metrics: dict[str, Any] = {
        "k": k,
        "n": len(records),
        "n_answerable": len(answerable),
        "n_unanswerable": len(records) - len(answerable),
        "doc_recall@k": _mean(r["doc_recall@k"] for r in answerable),
        "passage_hit@k": _mean(r["passage_hit@k"] for r in answerable),
        "mrr": _mean(r["rr"] for r in answerable),
        "hit@1": _mean(r["hit@1"] for r in answerable),
        "em": _mean(r["em"] for r in answerable),
        "f1": _mean(r["f1"] for r in answerable),
        "squad_em": _mean(r["squad_em"] for r in answerable),
        "squad_f1": _mean(r["squad_f1"] for r in answerable),
        "squad_em_v2": _mean(r["squad_em_v2"] for r in records),
        "squad_f1_v2": _mean(r["squad_f1_v2"] for r in records),
        "ece": expected_calibration_error(*calibration_data(records)),
        "ece_all": expected_calibration_error(*calibration_data(records, with_abstained=True)),
        "citation_valid": ratio(sum(r["citations_valid"] for r in records), n_cit),
        "citation_gold": ratio(sum(r["citations_gold"] for r in with_docs), n_cit_ans),
        "latency_p50_ms": p50,
        "latency_p95_ms": p95,
    }
    metrics.update(
        abstention_metrics([r["abstained"] for r in records], [r["answerable"] for r in records])
    )
    return metrics


def calibration_data(
    records: Iterable[Mapping[str, Any]], *, with_abstained: bool = False
) -> tuple[list[float], list[bool]]:
    """(confidences, right) of the answered records (of all records with
    ``with_abstained``), for ``expected_calibration_error`` and ``reliability_bins``."""
    chosen = [r for r in records if with_abstained or _record_answered(r)]
    return [float(r["confidence"]) for r in chosen], [bool(r["span_correct"]) for r in chosen]


def _record_answered(record: Mapping[str, Any]) -> bool:
    return not record["abstained"] and record["answer"] is not None


def _mean(values: Iterable[float | None]) -> float | None:
    """The mean of the defined values (None if there are none)."""
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def recall_curve(records: Sequence[Mapping[str, Any]], depth: int = CURVE_DEPTH) -> list[float]:
    """Mean doc recall@k over answerable records with gold doc ids, for k = 1..depth
    (from ranked_doc_ids)."""
    answerable = [r for r in records if r["answerable"] and r["gold_doc_ids"]]
    if not answerable:
        return []
    return [
        statistics.fmean(
            doc_recall_at_k(r["ranked_doc_ids"], r["gold_doc_ids"], k) for r in answerable
        )
        for k in range(1, depth + 1)
    ]
