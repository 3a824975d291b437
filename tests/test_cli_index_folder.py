"""`evqa index build` and the index folder: whose files it may touch, which corpus it
reads, and an index that outlives its place (copied, corpus deleted, odd file names)."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from cli_helpers import assert_clean_error, build_index, run
from click.testing import CliRunner
from conftest import ARTICLES, write_corpus

from evqa import store


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.delenv("EVQA_CORPUS", raising=False)
    monkeypatch.delenv("EVQA_INDEX", raising=False)
    return CliRunner()


def ids_of(runner, index) -> list[str]:
    r = run(runner, "index", "status", "--index", index, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["article_ids"]


# --- 1. only evqa's own files are touched ------------------------------------------------


def test_a_build_never_touches_files_it_did_not_make(tmp_path, corpus, fake_model, runner):
    mine = tmp_path / "u"
    (mine / "gen-ai-notes").mkdir(parents=True)
    (mine / "gen-ai-notes" / "n.txt").write_text("x")
    (mine / ".tmp-draft.txt").write_text("y")
    r = build_index(runner, corpus, mine, "--no-ner")
    assert_clean_error(r, 2, "is not empty and is not an evqa index", "--index")
    assert sorted(p.name for p in mine.iterdir()) == [".tmp-draft.txt", "gen-ai-notes"]

    index = tmp_path / "idx"
    assert build_index(runner, corpus, index, "--no-ner").exit_code == 0
    (index / "gen-ai-notes").mkdir()
    (index / "gen-ai-notes" / "n.txt").write_text("x")
    (index / ".tmp-draft.txt").write_text("y")
    (corpus / "delta.txt").write_text("Delta article about ferries in Norway. " * 3)
    for _ in range(3):  # each build collects the garbage of the ones before
        assert build_index(runner, corpus, index, "--no-ner").exit_code == 0
    assert (index / "gen-ai-notes" / "n.txt").read_text() == "x"
    assert (index / ".tmp-draft.txt").read_text() == "y"
    assert len(list(index.glob("gen-2*"))) == 2  # the live generation and the previous


# --- 2. which corpus a build reads ------------------------------------------------------


def test_a_build_without_corpus_rebuilds_the_index_from_its_own(
    tmp_path, corpus, fake_model, runner, monkeypatch
):
    index = tmp_path / "idx"
    assert build_index(runner, corpus, index, "--no-ner").exit_code == 0
    (corpus / "delta.txt").write_text("Delta article about ferries in Norway. " * 3)
    r = run(runner, "index", "build", "--index", index)
    assert r.exit_code == 0, r.output
    assert ids_of(runner, index) == ["alpha", "bravo", "charlie", "delta"]  # not seeds/
    other = write_corpus(tmp_path / "other", {"echo": ARTICLES["alpha"]})
    monkeypatch.setenv("EVQA_CORPUS", str(other))  # the environment wins over the manifest
    assert run(runner, "index", "build", "--index", index).exit_code == 0
    assert ids_of(runner, index) == ["echo"]


def test_a_build_without_corpus_keeps_an_edited_index_articles(
    tmp_path, corpus, fake_model, runner
):
    index = tmp_path / "idx"
    assert build_index(runner, corpus, index, "--no-ner").exit_code == 0
    extra = write_corpus(tmp_path / "extra", {"delta": "Delta article about ferries. " * 3})
    assert run(runner, "index", "add", extra, "--index", index).exit_code == 0
    r = run(runner, "index", "build", "--index", index, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["embedded"] == 0
    assert ids_of(runner, index) == ["alpha", "bravo", "charlie", "delta"]


def test_an_index_path_that_is_a_file_gets_a_hint_that_works(tmp_path, fake_model, runner):
    f = tmp_path / "somefile"
    f.write_text("mine")
    r = run(runner, "index", "status", "--index", f)
    assert_clean_error(r, 3, "is a file, not an index folder")
    assert f"evqa index build --index {f}" not in r.output
    r = run(runner, "index", "build", "--index", f)
    assert_clean_error(r, 2, "is a file, not a folder", "--index")  # bad input
    assert f.read_text() == "mine"


# --- 3. an index copied, or whose corpus is deleted -------------------------------------


def test_a_copied_index_and_one_without_its_corpus_keep_answering(
    tmp_path, fake_model, runner, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write_corpus(tmp_path / "data" / "news")
    r = run(runner, "index", "build", "--corpus", "data/news", "--index", "news.idx", "--no-ner")
    assert r.exit_code == 0, r.output
    (tmp_path / "archive").mkdir()
    shutil.copytree("news.idx", "archive/news.idx")
    r = run(runner, "search", "hydrogen trains", "--index", "archive/news.idx", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["passages"][0]["doc_id"] == "charlie"
    assert "no longer exists" not in r.stderr  # found where it was built from: fresh

    shutil.rmtree("data")
    r = run(runner, "search", "hydrogen trains", "--index", "news.idx", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["passages"][0]["doc_id"] == "charlie"
    assert "no longer exists" in r.stderr and "cannot be checked" in r.stderr
    r = run(runner, "index", "status", "--index", "news.idx", "--json")
    assert r.exit_code == 0, r.output
    status = json.loads(r.stdout)
    assert not status["stale"] and "no longer exists" in status["warnings"][0]


# --- 4. and 5. odd files in the corpus ----------------------------------------------------


def test_undecodable_file_names_are_indexed(tmp_path, corpus, fake_model, runner):
    with open(os.fsencode(corpus) + b"/caf\xe9 news.txt", "wb") as f:
        f.write(b"Renault cut prices of its electric cars on Monday.\n")
    index = tmp_path / "idx"
    r = build_index(runner, corpus, index, "--no-ner", "--json")
    assert r.exit_code == 0, r.output
    assert "caf_ news" in ids_of(runner, index)
    with open(os.fsencode(corpus) + b"/r\xe9sum\xe9.pdf", "wb") as f:  # ignored, after the build
        f.write(b"%PDF-1.4")
    r = run(runner, "search", "Renault prices", "--index", index, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["passages"][0]["doc_id"] == "caf_ news"
    assert run(runner, "index", "status", "--index", index).exit_code == 0
    added = write_corpus(tmp_path / "more", {})
    with open(os.fsencode(added) + b"/na\xefve.txt", "wb") as f:
        f.write(b"Naive question about the wind farm's cables.\n")
    (single,) = added.iterdir()
    r = run(runner, "index", "add", single, "--index", index)
    assert r.exit_code == 0, r.output


def test_broken_links_in_the_corpus_are_skipped(tmp_path, corpus, fake_model, runner):
    (corpus / "dangling.pdf").symlink_to("/nonexistent/x.pdf")
    (corpus / "dangling.txt").symlink_to("/nonexistent/x.txt")
    index = tmp_path / "idx"
    r = build_index(runner, corpus, index, "--no-ner")
    assert r.exit_code == 0, r.output
    assert "warning: dangling.txt: a broken link (nothing at /nonexistent/x.txt)" in r.stderr
    assert "warning: dangling.pdf: not a .txt/.md/.html file; skipped" in r.stderr
    (corpus / "later.md").symlink_to("/nonexistent/later.md")  # after the build
    r = run(runner, "search", "hydrogen trains", "--index", index, "--json")
    assert r.exit_code == 0, r.output
    assert run(runner, "index", "status", "--index", index).exit_code == 0


# --- 7. article ids in nested folders ---------------------------------------------------


def test_same_file_names_in_nested_folders(tmp_path, fake_model, runner):
    nest = tmp_path / "nest"
    write_corpus(nest / "2023" / "jan", {"story": ARTICLES["alpha"]})
    write_corpus(nest / "2024" / "jan", {"story": ARTICLES["bravo"]})
    index = tmp_path / "idx"
    r = build_index(runner, nest, index, "--no-ner")
    assert r.exit_code == 0, r.output
    assert ids_of(runner, index) == ["2023/jan/story", "2024/jan/story"]
    files = [nest / "2023" / "jan" / "story.txt", nest / "2024" / "jan" / "story.txt"]
    r = run(runner, "index", "add", *files, "--index", index)  # from the corpus: its ids
    assert r.exit_code == 0, r.output
    assert ids_of(runner, index) == ["2023/jan/story", "2024/jan/story"]
    before = store.open_generation(index).path
    elsewhere = [
        write_corpus(tmp_path / "x" / d, {"story": ARTICLES["charlie"]}) / "story.txt"
        for d in ("a", "b")
    ]
    r = run(runner, "index", "add", *elsewhere, "--index", index)
    assert_clean_error(r, 2, "article id 'story'", "--skip-bad")
    assert store.open_generation(index).path == before


def test_a_corpus_folder_with_an_undecodable_name(tmp_path, fake_model, runner):
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    corpus = write_corpus(tmp_path / os.fsdecode(folder))
    index = tmp_path / "idx"
    r = build_index(runner, corpus, index, "--no-ner")
    assert r.exit_code == 0, r.output
    assert store.open_generation(index).manifest["corpus"]["path"] == os.fsdecode(b"../caf\xe9")
    r = run(runner, "index", "status", "--index", index, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["corpus"].endswith("caf\ufffd")
    assert run(runner, "search", "hydrogen", "--index", index).exit_code == 0


def test_status_of_an_edited_index_says_staleness_is_not_checked(
    tmp_path, corpus, fake_model, runner
):
    index = tmp_path / "idx"
    assert build_index(runner, corpus, index, "--no-ner").exit_code == 0
    r = run(runner, "index", "status", "--index", index)
    assert "up to date" in r.stdout and "warning" not in r.stderr
    extra = write_corpus(tmp_path / "extra", {"delta": ARTICLES["alpha"]})
    assert run(runner, "index", "add", extra / "delta.txt", "--index", index).exit_code == 0
    r = run(runner, "index", "status", "--index", index)
    assert r.exit_code == 0 and "not checked (edited with index add/remove)" in r.stdout
    assert "whether its articles changed on disk is not checked" in r.stderr
    status = json.loads(run(runner, "index", "status", "--index", index, "--json").stdout)
    assert status["stale"] is False and "evqa index add" in status["warnings"][0]
