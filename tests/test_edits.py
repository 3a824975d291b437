"""evqa.edits: what index add and remove may do, whatever the backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from evqa.edits import (
    added_paths,
    check_removal,
    new_ids,
    removed_ids,
    replaced_ids,
    unchanged_ids,
)
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
    with pytest.raises(InputError, match=r"^no ids given, nothing removed"):
        check_removal([], known, 3, root)  # whatever the backend


def test_replaced_ids_are_the_stored_ones_added_with_another_key():
    stored = {"a": "1", "b": "2", "c": "3"}
    assert replaced_ids(stored, {"c": "9", "a": "8", "b": "2", "d": "4"}) == ["a", "c"]
    assert replaced_ids(stored, {}) == []


def test_unchanged_ids_are_the_stored_ones_added_with_the_same_key():
    stored = {"a": "1", "b": "2", "c": "3"}
    added = {"c": "3", "a": "8", "b": "2", "d": "4"}
    assert unchanged_ids(stored, added) == ["b", "c"]
    assert unchanged_ids(stored, {}) == [] and unchanged_ids({}, added) == []
    # new, replaced and unchanged name every added article once
    parts = [new_ids(stored, added), replaced_ids(stored, added), unchanged_ids(stored, added)]
    assert sorted(i for part in parts for i in part) == sorted(added)


def test_one_path_or_id_is_one_not_its_characters():
    assert added_paths("/x/ferry.txt") == [Path("/x/ferry.txt")]
    assert added_paths(Path("ferry.txt")) == [Path("ferry.txt")]
    assert added_paths(("a.txt", Path("b"))) == [Path("a.txt"), Path("b")]
    assert removed_ids("ferry") == ["ferry"]
    assert removed_ids(iter(["a", "b"])) == ["a", "b"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: added_paths([]), r"^no paths given, nothing to add"),
        (lambda: added_paths(b"x.txt"), r"^paths must be a file"),
        (lambda: added_paths(3), r"^paths must be a file.*not 3"),
        (lambda: removed_ids([]), r"^no ids given, nothing removed"),
        (lambda: removed_ids(["a", None]), r"^ids must be an article id \(str\).*not None"),
        (lambda: removed_ids(7), r"^ids must be an article id"),
    ],
)
def test_no_paths_or_ids_or_ones_of_another_type_are_refused(call, message):
    with pytest.raises(InputError, match=message):
        call()
