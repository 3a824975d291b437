"""One generation's contents: lazy per-article spans and sentences."""

from __future__ import annotations

import pytest

from evqa.errors import IndexCorruptError
from evqa.indexdata import LazyMap, _spans
from evqa.types import Span


def test_lazy_map_converts_on_first_access_only():
    calls = []
    m = LazyMap({"a": 1, "b": 2}, lambda v: calls.append(v) or v * 10)
    assert len(m) == 2 and list(m) == ["a", "b"] and calls == []
    assert m["b"] == 20 and m["b"] == 20
    assert calls == [2]
    with pytest.raises(KeyError):
        m["zzz"]


def test_spans_are_rebuilt_from_the_article_text():
    m = LazyMap({"a": ("Sold 24,877 cars.", [[5, 11, "CARDINAL"]])}, _spans)
    assert m["a"] == [Span(5, 11, "CARDINAL", "24,877")]


def test_malformed_stored_spans_are_a_corrupt_index_not_a_traceback():
    m = LazyMap({"a": ("text", [[1, 2]])}, _spans)
    with pytest.raises(IndexCorruptError, match="rebuild"):
        m["a"]
