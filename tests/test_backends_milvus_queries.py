"""Pieces of Milvus queries (evqa.backends.milvus.queries): the date-range filter."""

from __future__ import annotations

from evqa.backends.milvus.queries import date_expr
from evqa.dates import date_range


def test_date_filter_expression():
    assert date_expr(date_range("2023-01-01", "2023-12-31")) == (
        "date_num > 0 and date_num >= 20230101 and date_num <= 20231231"
    )
    assert date_expr(date_range(None, "2020")) == "date_num > 0 and date_num <= 20201231"
