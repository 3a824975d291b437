"""status and verify of a Milvus index (evqa.backends.milvus.status, MilvusBackend.verify)."""

from __future__ import annotations

import json

import pytest
from conftest import ARTICLES
from milvus_helpers import assert_clean_error, build, command, run

from evqa.engine import Engine

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")

pytest_plugins = ["milvus_fixtures"]


def test_status_and_verify(mbuilt, runner):
    r = run(runner, "index", "status", "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    st = json.loads(r.stdout)
    assert st["backend"]["type"] == "milvus" and st["articles"] == 3 and not st["stale"]
    assert st["article_ids"] == sorted(ARTICLES)
    r = run(runner, "index", "verify", "--index", mbuilt, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["ok"], r.output
    assert "holds the 3 articles" in run(runner, "index", "verify", "--index", mbuilt).output
    backend = Engine.open(mbuilt).backend
    backend.client.delete(backend.collection, ids=["alpha#0"])  # a chunk lost on the server
    backend.client.flush(backend.collection)
    r = run(runner, "index", "verify", "--index", mbuilt)
    assert_clean_error(r, 3, "chunks; the build recorded")


def test_status_reports_what_verify_finds(mbuilt, runner):
    backend = Engine.open(mbuilt).backend
    backend.client.delete(backend.collection, ids=["alpha#0"])
    backend.client.flush(backend.collection)
    del backend
    r = run(runner, "index", "status", "--index", mbuilt, "--json")
    assert r.exit_code == 3, r.output
    assert any("the build recorded" in p for p in json.loads(r.stdout)["problems"])
    r = run(runner, "index", "status", "--index", mbuilt)
    assert_clean_error(r, 3, "problem ", "the build recorded", "rebuild it with: evqa index build")
    assert run(runner, *command(r.output, "rebuild it with: ")).exit_code == 0
    assert run(runner, "index", "status", "--index", mbuilt).exit_code == 0


def test_verify_of_an_unfinished_build_says_only_how_to_finish_it(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    import evqa.backends.milvus as milvus

    real_write = milvus.Writer.write

    def dying_write(self, articles, progress=None):
        if dying_write.calls:
            raise KeyboardInterrupt
        dying_write.calls += 1
        return real_write(self, articles, progress)

    dying_write.calls = 0
    monkeypatch.setattr(milvus.writer, "BATCH_ARTICLES", 1)
    monkeypatch.setattr(milvus.Writer, "write", dying_write)
    index = tmp_path / "i"
    assert build(runner, corpus, index, "--backend", "milvus").exit_code == 130
    monkeypatch.setattr(milvus.Writer, "write", real_write)
    for cmd in ("verify", "status"):
        r = run(runner, "index", cmd, "--index", index)
        assert_clean_error(r, 3, "finish it with: evqa index build", "did not finish")
        assert "corrupt" not in r.output and "rebuild" not in r.output, r.output
    assert run(runner, *command(r.output, "finish it with: ")).exit_code == 0
    assert run(runner, "index", "verify", "--index", index).exit_code == 0
