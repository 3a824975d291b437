"""Staleness: the cheap stat fingerprint and the corpus path stored in the manifest."""

from __future__ import annotations

import os

from conftest import write_corpus

from evqa.staleness import corpus_path, ids_base, relative_corpus_path, stat_fingerprint


def test_stat_fingerprint_changes_with_files(tmp_path):
    corpus = write_corpus(tmp_path / "c")
    first = stat_fingerprint(corpus)
    assert first == stat_fingerprint(corpus)
    (corpus / "new.txt").write_text("x")
    second = stat_fingerprint(corpus)
    assert second != first
    os.utime(corpus / "new.txt", (5, 5))
    assert stat_fingerprint(corpus) != second
    (corpus / ".hidden").write_text("ignored")
    assert stat_fingerprint(corpus) == stat_fingerprint(corpus)


def test_stat_fingerprint_sees_a_file_in_a_linked_folder_change(tmp_path):
    corpus, shared = write_corpus(tmp_path / "c"), tmp_path / "shared"
    shared.mkdir()
    (shared / "pel.txt").write_text("Pelicans\n\nThe pelicans returned.")
    (corpus / "shared").symlink_to(shared)
    (corpus / "loop").symlink_to(corpus)  # a loop ends
    first = stat_fingerprint(corpus)
    (shared / "pel.txt").write_text("Pelicans\n\nThe pelicans returned in April.")
    assert stat_fingerprint(corpus) != first


def test_a_file_added_through_a_linked_folder_takes_ids_from_the_corpus(tmp_path):
    corpus, shared = write_corpus(tmp_path / "c"), tmp_path / "shared"
    shared.mkdir()
    (shared / "pel.txt").write_text("x")
    (corpus / "shared").symlink_to(shared)
    assert ids_base(corpus / "shared" / "pel.txt", corpus) == corpus
    assert ids_base(shared / "pel.txt", corpus) is None  # reached from outside the corpus
    assert ids_base(corpus, corpus) is None


def test_a_file_added_through_links_keeps_its_id_when_the_corpus_path_has_a_link(
    tmp_path, fake_model
):
    from conftest import small_settings

    from evqa import build
    from evqa.engine import Engine

    (tmp_path / "real" / "news").mkdir(parents=True)
    (tmp_path / "home").symlink_to(tmp_path / "real")  # e.g. a home folder behind a link
    corpus, outside = write_corpus(tmp_path / "home" / "news"), tmp_path / "shared"
    outside.mkdir()
    (outside / "x.txt").write_text("Pelicans\n\nThe pelicans returned to the lake.")
    (corpus / "linkdir").symlink_to(outside)
    index = tmp_path / "idx"
    build.build(corpus, index, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    ids = set(Engine.open(index).articles)
    assert "linkdir/x" in ids
    (outside / "x.txt").write_text("Pelicans\n\nThe pelicans returned in April.")
    build.add(corpus / "linkdir" / "x.txt", index, model=fake_model, cache_dir=tmp_path)
    assert set(Engine.open(index).articles) == ids  # replaced, not added as "x"


def test_stat_fingerprint_of_a_file_and_of_nothing(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text("{}\n")
    assert stat_fingerprint(f)
    assert stat_fingerprint(tmp_path / "missing") is None


def test_corpus_path_is_stored_relative_to_the_index(tmp_path):
    rel = relative_corpus_path(tmp_path / "seeds", tmp_path / "index")
    assert rel == "../seeds"
    manifest = {"corpus": {"path": rel}}
    assert corpus_path(manifest, tmp_path / "index") == (tmp_path / "seeds").resolve()
    assert corpus_path({"corpus": {"path": None}}, tmp_path / "index") is None


def test_touched_corpus_is_checked_by_content_once_then_remembered(tmp_path, monkeypatch):
    from evqa import corpus as corpus_mod
    from evqa.staleness import stale_reasons

    corpus = write_corpus(tmp_path / "c")
    from evqa.spans import ANALYSIS_VERSION

    manifest = {
        "model": {"sha256": "m"},
        "settings": {"analysis_version": ANALYSIS_VERSION},
        "corpus": {
            "path": str(corpus),
            "stat": stat_fingerprint(corpus),
            "fingerprint": corpus_mod.corpus_fingerprint(corpus),
        },
    }
    for f in corpus.iterdir():
        os.utime(f, (7, 7))  # as after a fresh clone: new mtimes, same content
    calls = []
    real = corpus_mod.corpus_fingerprint
    monkeypatch.setattr(corpus_mod, "corpus_fingerprint", lambda p: calls.append(p) or real(p))
    cache = tmp_path / "cache"
    assert stale_reasons(manifest, tmp_path, "m", cache) == []
    assert stale_reasons(manifest, tmp_path, "m", cache) == []
    assert len(calls) == 1
    (corpus / "alpha.txt").write_text("changed")
    assert stale_reasons(manifest, tmp_path, "m", cache) == [
        f"the corpus {corpus} changed since the build"
    ]
    assert stale_reasons(manifest, tmp_path, "other", cache)[0].startswith("the embedding model")


def test_an_index_from_another_analysis_version_is_stale(tmp_path):
    from evqa.staleness import stale_reasons

    manifest = {
        "model": {"sha256": "m"},
        "settings": {"analysis_version": -1},
        "corpus": {"path": None},
    }
    assert stale_reasons(manifest, tmp_path, "m") == [
        "the index-time analysis changed (evqa was upgraded)"
    ]


def test_a_moved_index_finds_its_corpus_by_the_absolute_path(tmp_path):
    from evqa.staleness import corpus_location

    corpus = write_corpus(tmp_path / "data" / "news")
    location = corpus_location(corpus, tmp_path / "news.idx")
    assert location == {"path": "../data/news", "absolute_path": str(corpus.resolve())}
    manifest = {"corpus": location}
    # beside its corpus: the relative path; copied elsewhere: the absolute one
    assert corpus_path(manifest, tmp_path / "news.idx") == corpus.resolve()
    assert corpus_path(manifest, tmp_path / "archive" / "news.idx") == corpus.resolve()
    # a project moved with its index: the relative path wins over the old absolute one
    moved = write_corpus(tmp_path / "elsewhere" / "data" / "news")
    assert corpus_path(manifest, tmp_path / "elsewhere" / "news.idx") == moved.resolve()


def test_a_missing_corpus_is_a_warning_not_a_stale_reason(tmp_path):
    from evqa.spans import ANALYSIS_VERSION
    from evqa.staleness import corpus_warning, stale_reasons

    gone = tmp_path / "gone"
    manifest = {
        "model": {"sha256": "m"},
        "settings": {"analysis_version": ANALYSIS_VERSION},
        "corpus": {"path": "../gone", "absolute_path": str(gone), "stat": "s", "fingerprint": "f"},
    }
    assert stale_reasons(manifest, tmp_path / "idx", "m") == []
    warning = corpus_warning(manifest, tmp_path / "idx")
    assert f"the corpus {gone} no longer exists" in warning
    assert "cannot be checked; the index is used as built" in warning
    assert "answering" not in warning  # also said by status and eval, which answer nothing
    assert corpus_warning({"corpus": {"path": None}}, tmp_path) is None


def test_stat_fingerprint_takes_undecodable_names_and_broken_links(tmp_path):
    corpus = write_corpus(tmp_path / "c")
    before = stat_fingerprint(corpus)
    with open(os.fsencode(corpus) + b"/caf\xe9 news.pdf", "wb") as f:
        f.write(b"ignored")
    (corpus / "dangling.pdf").symlink_to(tmp_path / "nonexistent" / "x.pdf")
    after = stat_fingerprint(corpus)
    assert after != before and after == stat_fingerprint(corpus)
