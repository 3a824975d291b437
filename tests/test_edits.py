"""evqa.edits: what index add and remove may do, whatever the backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from evqa.edits import check_removal, replaced_ids
from evqa.errors import InputError


def test_unknown_ids_are_named_in_the_singular_or_the_plural():
    known, root = {"a", "b", "c"}, Path("idx")
    with pytest.raises(InputError, match=r"^no article with id 'x' in idx;"):
        check_removal(["x", "a"], known, 3, root)
    with pytest.raises(InputError, match=r"^no articles with ids 'x', 'y' in idx;"):
        check_removal(["x", "y", "x"], known, 3, root)  # each named once
    with pytest.raises(InputError, match="empty index"):
        check_removal(["a", "b", "c"], known, 3, root)
    check_removal(["a"], known, 3, root)


def test_replaced_ids_are_the_stored_ones_added_with_another_key():
    stored = {"a": "1", "b": "2", "c": "3"}
    assert replaced_ids(stored, {"c": "9", "a": "8", "b": "2", "d": "4"}) == ["a", "c"]
    assert replaced_ids(stored, {}) == []
