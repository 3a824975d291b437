"""The engine holder follows the index's CURRENT generation, loading each one once."""

from __future__ import annotations

import pytest
from conftest import ARTICLES, small_settings, write_corpus

from evqa import build
from evqa.engine import Engine
from evqa.errors import IndexCorruptError, IndexNotFoundError
from evqa.serve.holder import EngineHolder, IndexSwappingError


@pytest.fixture
def index(tmp_path, corpus, fake_model):
    root = tmp_path / "idx"
    build.build(corpus, root, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    return root


def counting_opener(root, calls):
    def open_(check_stale):
        calls.append(check_stale)
        return Engine.open(root, check_stale=check_stale)

    return open_


def test_the_engine_is_loaded_once_while_the_generation_stays(index):
    calls = []
    holder = EngineHolder(counting_opener(index, calls))
    first = holder.get()
    assert all(holder.get() is first for _ in range(5))
    assert calls == [True]
    assert holder.generation == (index / "CURRENT").read_text().strip()


def test_a_new_generation_is_loaded_at_the_next_get(tmp_path, index, fake_model):
    calls = []
    holder = EngineHolder(counting_opener(index, calls))
    old = holder.get()
    corpus = write_corpus(tmp_path / "corpus", {**ARTICLES, "delta": "Delta\n\nA ferry."})
    build.build(corpus, index, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    new = holder.get()
    assert new is not old and "delta" in new.articles and "delta" not in old.articles
    assert calls == [True, False]  # the reload serves what was just built
    assert holder.get() is new


def test_a_missing_index_while_serving_is_no_swap_but_the_librarys_error(index):
    """A build never removes CURRENT: its absence lasts until someone rebuilds."""
    holder = EngineHolder(counting_opener(index, []))
    (index / "CURRENT").unlink()
    with pytest.raises(IndexNotFoundError, match="gone or unusable: no index at") as e:
        holder.get()
    assert not isinstance(e.value, IndexSwappingError) and "retry" not in str(e.value)


def test_a_generation_that_fails_to_load_is_no_swap_either(tmp_path, index, fake_model):
    calls = []
    holder = EngineHolder(counting_opener(index, calls))
    corpus = write_corpus(tmp_path / "corpus", {**ARTICLES, "delta": "Delta\n\nA ferry."})
    build.build(corpus, index, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    live = index / (index / "CURRENT").read_text().strip()
    (live / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="gone or unusable") as e:
        holder.get()
    assert not isinstance(e.value, IndexSwappingError)


def test_a_busy_reload_is_a_swap_error(tmp_path, index, fake_model):
    holder = EngineHolder(counting_opener(index, []))
    corpus = write_corpus(tmp_path / "corpus", {**ARTICLES, "delta": "Delta\n\nA ferry."})
    build.build(corpus, index, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    holder._lock.acquire()  # another request is loading the new generation
    try:
        with pytest.raises(IndexSwappingError, match="retry in a moment"):
            holder.get()
    finally:
        holder._lock.release()
