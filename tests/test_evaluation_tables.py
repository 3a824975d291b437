"""evqa.evaluation.tables: the result tables."""

from __future__ import annotations

from evaluation_fakes import two_modes

from evqa.evaluation.aggregate import METRIC_KEYS
from evqa.evaluation.tables import format_table, format_type_table


def test_format_table():
    table = format_table(two_modes())
    assert table.columns == ("metric", "hybrid", "bm25")
    assert len(table.rows) == len(METRIC_KEYS)
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["n"] == ("4", "2")
    assert rows["doc_recall@2"] == ("0.667", "1.000")
    assert rows["abstain_recall"] == ("1.000", "n/a")  # no unanswerable in the bm25 run
    assert rows["latency_p50_ms"] == ("25.0", "15.0")


def test_format_type_table():
    table = format_type_table(two_modes()["hybrid"])
    assert table.columns[0] == "type" and "hit@1" in table.columns
    assert [row[0] for row in table.rows] == ["number", "person", "org", "unanswerable"]
