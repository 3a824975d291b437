"""evqa.evaluation.corpus_index: the cached index `evqa eval --corpus` evaluates on."""

from __future__ import annotations

from evqa import config, store
from evqa.evaluation.corpus_index import cached_corpus_index, corpus_index_root


def test_the_cached_index_is_keyed_by_the_corpus_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = corpus_index_root("news", tmp_path / "cache")
    assert root.parent == tmp_path / "cache" / "eval-index" and len(root.name) == 16
    assert corpus_index_root(tmp_path / "news", tmp_path / "cache") == root
    assert corpus_index_root(tmp_path / "other", tmp_path / "cache") != root


def test_cached_corpus_index_builds_into_the_cache_dir(tmp_path, corpus, fake_model, monkeypatch):
    monkeypatch.setenv(config.env_name("cache_dir"), str(tmp_path / "cache"))
    root = cached_corpus_index(corpus, fake_model)
    assert root == corpus_index_root(corpus, tmp_path / "cache")
    assert store.open_generation(root).manifest["corpus"]["articles"] == 3  # alpha, bravo, charlie
