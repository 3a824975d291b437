"""Rendering-neutral result tables: all metrics per mode, key metrics per gold type and per
split, and the reliability bins of one run; and how a metric's value is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evqa.evaluation.aggregate import METRIC_KEYS, calibration_data
from evqa.evaluation.calibration import reliability_bins
from evqa.evaluation.result import EvalResult


@dataclass(frozen=True)
class Table:
    """Rendering-neutral table: the CLI renders it with rich, reports as markdown."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


_COUNT_KEYS = frozenset({"n", "n_answerable", "n_unanswerable"})
_TYPE_KEYS = (
    "n",
    "doc_recall@k",
    "mrr",
    "passage_hit@k",
    "hit@1",
    "squad_em",
    "squad_f1",
    "em",
    "f1",
    "ece",
    "false_abstention",
    "abstain_recall",
)


def metric_label(key: str, k: int) -> str:
    """``doc_recall@k`` -> ``doc_recall@5``."""
    return key.replace("@k", f"@{k}")


def format_value(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key in _COUNT_KEYS:
        return str(int(value))
    if key.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3f}"


def format_table(results_by_mode: Mapping[str, EvalResult]) -> Table:
    """All metrics (rows) per mode (columns)."""
    results = list(results_by_mode.values())
    k = results[0].k if results else 0
    rows = tuple(
        (metric_label(key, k), *(format_value(key, r.metrics.get(key)) for r in results))
        for key in METRIC_KEYS
    )
    return Table(
        title=f"All metrics per mode (k={k})", columns=("metric", *results_by_mode), rows=rows
    )


def format_type_table(result: EvalResult) -> Table:
    """Key metrics (columns) per gold type (rows) of one run."""
    return _breakdown_table(result, "type", result.by_type, "question type")


def format_split_table(result: EvalResult) -> Table:
    """Key metrics (columns) per gold split (rows) of one run."""
    return _breakdown_table(result, "split", result.by_split, "split")


def _breakdown_table(
    result: EvalResult, name: str, groups: Mapping[str, Mapping[str, Any]], what: str
) -> Table:
    columns = (name, *(metric_label(key, result.k) for key in _TYPE_KEYS))
    rows = tuple(
        (g, *(format_value(key, m.get(key)) for key in _TYPE_KEYS)) for g, m in groups.items()
    )
    return Table(title=f"{result.mode} by {what}", columns=columns, rows=rows)


def format_reliability_table(result: EvalResult, bins: int = 10) -> Table:
    """The reliability bins of one run's answered questions (those ``ece`` is over):
    count, mean confidence and accuracy (share right) per confidence bin."""
    table = reliability_bins(*calibration_data(result.records), bins=bins)
    rows = tuple(
        (
            f"{b.lower:.1f}-{b.upper:.1f}",
            str(b.count),
            format_value("mean_confidence", b.mean_confidence),
            format_value("accuracy", b.accuracy),
        )
        for b in table
    )
    return Table(
        title=f"{result.mode} reliability (answered questions)",
        columns=("confidence", "n", "mean confidence", "accuracy"),
        rows=rows,
    )
