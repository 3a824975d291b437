"""evqa.evaluation.result: an EvalResult's per-type and per-split metrics."""

from __future__ import annotations

from evaluation_fakes import scored_records

from evqa.evaluation.result import make_result
from evqa.evaluation.tables import format_split_table


def test_split_table_shows_only_the_splits_present():
    records = scored_records(k=2)
    both = make_result(records, k=2, mode="hybrid")
    assert [row[0] for row in format_split_table(both).rows] == ["dev", "test"]
    assert both.by_split["dev"]["n"] == 2
    dev_only = make_result([r for r in records if r["split"] == "dev"], k=2, mode="hybrid")
    assert list(dev_only.by_split) == ["dev"]
    assert list(dev_only.by_type) == ["number", "unanswerable"]
