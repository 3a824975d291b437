"""A write seen from the index folder (evqa.backends.milvus.session): an interrupted or
failed write stays marked incomplete, and then finishes."""

from __future__ import annotations

import json

import pytest
from conftest import write_corpus
from milvus_helpers import assert_clean_error, build, run

from evqa import store

pymilvus = pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

pytest_plugins = ["milvus_fixtures"]


def test_an_interrupted_build_is_refused_then_resumed(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    index = tmp_path / "i"
    real_write = milvus.Writer.write
    calls = []

    def dying_write(self, articles, progress=None):
        calls.append(len(articles))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_write(self, articles, progress)

    monkeypatch.setattr(milvus.writer, "BATCH_ARTICLES", 1)
    monkeypatch.setattr(milvus.Writer, "write", dying_write)
    r = build(runner, corpus, index, "--backend", "milvus")
    assert r.exit_code == 130
    assert store.open_generation(index).manifest["backend"]["complete"] is False

    r = run(runner, "ask", "solar boat speed", "--index", index)
    assert_clean_error(r, 3, "did not finish", "evqa index build", "--backend milvus")
    r = run(runner, "index", "status", "--index", index)
    assert "INCOMPLETE" in r.output

    monkeypatch.setattr(milvus.Writer, "write", real_write)
    r = build(runner, corpus, index, "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["reused"] >= 1 and report["embedded"] < report["chunks"]  # batch 1 kept
    assert store.open_generation(index).manifest["backend"]["complete"] is True
    assert run(runner, "ask", "solar boat speed", "--index", index).exit_code == 0


def test_an_interrupted_add_says_to_rerun_the_add(mbuilt, tmp_path, runner, monkeypatch):
    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    real_write = milvus.Writer.write

    def dying_write(self, articles, progress=None):
        real_write(self, articles, progress)  # the batch is stored, the add not finished
        raise KeyboardInterrupt

    monkeypatch.setattr(milvus.Writer, "write", dying_write)
    assert run(runner, "index", "add", extra, "--index", mbuilt).exit_code == 130
    r = run(runner, "ask", "tidal power", "--index", mbuilt)
    assert_clean_error(r, 3, "did not finish", "evqa index add")
    monkeypatch.setattr(milvus.Writer, "write", real_write)
    r = run(runner, "index", "add", extra, "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)  # delta is stored already, but the index was incomplete
    assert (report["articles"], report["unchanged"], report["written"]) == (4, ["delta"], True)
    assert store.open_generation(mbuilt).manifest["backend"]["complete"] is True
    assert run(runner, "ask", "tidal power", "--index", mbuilt).exit_code == 0


def test_an_add_stopped_before_it_changes_anything_leaves_the_index_as_it_was(
    mbuilt, tmp_path, runner, monkeypatch
):
    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    live = store.open_generation(mbuilt)

    def dying_write(self, articles, progress=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(milvus.Writer, "write", dying_write)
    assert run(runner, "index", "add", extra, "--index", mbuilt).exit_code == 130
    now = store.open_generation(mbuilt)
    assert now.path == live.path and now.manifest["backend"]["complete"] is True
    assert run(runner, "ask", "solar boat speed", "--index", mbuilt).exit_code == 0


def test_a_server_failing_before_an_add_changes_anything_leaves_it_complete(
    mbuilt, tmp_path, runner, monkeypatch
):
    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    live = store.open_generation(mbuilt)

    def boom(self, ids):
        raise pymilvus.MilvusException(code=2, message="server closed the connection")

    monkeypatch.setattr(milvus.Writer, "stored_article_keys", boom)
    r = run(runner, "index", "add", extra, "--index", mbuilt)
    assert_clean_error(r, 3, "server closed the connection")
    assert "marked incomplete" not in r.output  # nothing was written: nothing to finish
    now = store.open_generation(mbuilt)
    assert now.path == live.path and now.manifest["backend"]["complete"] is True


def test_a_server_failing_mid_build_leaves_it_marked_incomplete(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    def boom(self, *a, **kw):
        raise pymilvus.MilvusException(code=2, message="server closed the connection")

    monkeypatch.setattr(pymilvus.MilvusClient, "upsert", boom)
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus")
    assert_clean_error(r, 3, "server closed the connection", "marked incomplete", "evqa index")
    assert store.open_generation(tmp_path / "i").manifest["backend"]["complete"] is False
