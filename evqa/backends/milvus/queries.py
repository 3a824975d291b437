"""Small pieces of Milvus queries: ``x in [...]`` and date-range filters, ids in groups
that fit one filter, and row counts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from evqa.dates import NO_DATE, DateRange

IN_LIST = 200  # ids per "x in [...]" expression


def in_expr(field: str, values: Sequence[str]) -> str:
    return f"{field} in {json.dumps(list(values), ensure_ascii=False)}"


def date_expr(dates: DateRange, field: str = "date_num") -> str:
    """The filter for ``dates`` over chunks' ``field`` (see evqa.dates): undated chunks
    are left out."""
    terms = [f"{field} > {NO_DATE}"]
    if dates.lo is not None:
        terms.append(f"{field} >= {dates.lo}")
    if dates.hi is not None:
        terms.append(f"{field} <= {dates.hi}")
    return " and ".join(terms)


def groups(items: Sequence[Any], size: int = IN_LIST) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def count_rows(client, collection: str, expr: str = "") -> int:
    rows = client.query(collection, filter=expr, output_fields=["count(*)"])
    return int(rows[0]["count(*)"])
