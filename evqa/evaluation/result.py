"""``EvalResult``: one eval run's settings, records and metrics (overall, per gold type and
per split, and the recall curve), made from scored records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evqa.evaluation.aggregate import CURVE_DEPTH, aggregate, recall_curve
from evqa.evaluation.gold import SPLITS, TYPES


@dataclass(frozen=True)
class EvalResult:
    """One eval run: its settings, per-question records, aggregate and per-type metrics."""

    mode: str
    k: int
    records: tuple[dict[str, Any], ...]
    metrics: dict[str, Any]
    by_type: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_split: dict[str, dict[str, Any]] = field(default_factory=dict)
    curve: tuple[float, ...] = ()  # mean doc recall@1..depth over answerable questions


def make_result(
    records: Sequence[dict[str, Any]], *, k: int, mode: str, depth: int = CURVE_DEPTH
) -> EvalResult:
    """Aggregate scored records into an ``EvalResult`` (overall, per gold type and per
    split; only the types and splits that occur)."""
    return EvalResult(
        mode=mode,
        k=k,
        records=tuple(records),
        metrics=aggregate(records, k),
        by_type=_aggregate_by(records, "type", TYPES, k),
        by_split=_aggregate_by(records, "split", SPLITS, k),
        curve=tuple(recall_curve(records, depth)),
    )


def _aggregate_by(
    records: Sequence[Mapping[str, Any]], key: str, values: Sequence[str], k: int
) -> dict[str, dict[str, Any]]:
    groups = {v: [r for r in records if r[key] == v] for v in values}
    return {v: aggregate(group, k) for v, group in groups.items() if group}
