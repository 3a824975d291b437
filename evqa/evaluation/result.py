"""``EvalResult``: one eval run's settings, records and metrics (overall, per gold type and
per split, and the recall curve), made from scored records; and ``output_file``, the check
of the path a result is written to."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evqa.errors import InputError
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


def output_file(path: Path | str | os.PathLike[str]) -> Path:
    """``path`` as a Path, for a writer of eval output (predictions, report, plot). A path
    ending in a slash names a folder, which ``Path`` would quietly drop (``out/new/`` ->
    ``out/new``), writing a file where a folder was meant: InputError."""
    text = os.fspath(path)
    if isinstance(text, str) and text.endswith(("/", os.sep)):
        raise InputError(f"{text} ends in a slash, so it names a folder; give the path of a file")
    return Path(text)
