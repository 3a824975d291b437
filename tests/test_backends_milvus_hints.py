"""The commands messages suggest (evqa.backends.milvus.hints) work as given, from any folder."""

from __future__ import annotations

import json

import pytest
from milvus_helpers import assert_clean_error, build, command, run

from evqa.engine import Engine

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

pytest_plugins = ["milvus_fixtures"]


def test_a_missing_lite_file_says_what_to_run(mbuilt, runner):
    import shutil

    shutil.rmtree(mbuilt / "milvus.db")
    assert_clean_error(run(runner, "ask", "solar", "--index", mbuilt), 3, "evqa index build")


def test_the_finish_hint_works_from_any_folder(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    real_write = milvus.Writer.write

    def dying_write(self, articles, progress=None):
        if dying_write.calls:
            raise KeyboardInterrupt
        dying_write.calls += 1
        return real_write(self, articles, progress)

    dying_write.calls = 0
    (tmp_path / "here").mkdir()
    (tmp_path / "there").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    monkeypatch.setattr(milvus.writer, "BATCH_ARTICLES", 1)
    monkeypatch.setattr(milvus.Writer, "write", dying_write)
    assert build(runner, corpus, "i", "--backend", "milvus").exit_code == 130
    monkeypatch.setattr(milvus.Writer, "write", real_write)
    monkeypatch.chdir(tmp_path / "there")
    r = run(runner, "ask", "solar boat", "--index", tmp_path / "here" / "i")
    assert_clean_error(r, 3, "did not finish", str(tmp_path / "here" / "i" / "milvus.db"))
    r = run(runner, *command(r.output, "finish it with: "), "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["reused"] >= 1, r.output
    assert not (tmp_path / "there" / "milvus.db").exists()  # nothing orphaned


def test_a_missing_lite_file_or_collection_hint_rebuilds_that_index(
    mbuilt, runner, monkeypatch, tmp_path
):
    import shutil

    from milvus_lite.server_manager import server_manager_instance

    monkeypatch.chdir(tmp_path)
    # as in a new process: this one's milvus-lite server would outlive the deleted file
    server_manager_instance.release_server(str(mbuilt / "milvus.db"))
    shutil.rmtree(mbuilt / "milvus.db")
    r = run(runner, "ask", "solar", "--index", mbuilt)
    assert_clean_error(r, 3, "does not exist", f"--index {mbuilt}", "--corpus")
    assert run(runner, *command(r.output, "rebuild the index with: ")).exit_code == 0
    r = run(runner, "ask", "solar", "--index", mbuilt)
    assert r.exit_code == 0, r.output
    client = Engine.open(mbuilt).backend.client
    for c in ("evqa_midx", "evqa_midx_articles"):
        client.drop_collection(c)
    del client
    r = run(runner, "ask", "solar", "--index", mbuilt)
    assert_clean_error(r, 3, "is missing", f"--index {mbuilt}")
    assert "Choose another" not in r.output and "drop" not in r.output
    assert run(runner, *command(r.output, "rebuild the index with: ")).exit_code == 0
    assert run(runner, "ask", "solar", "--index", mbuilt).exit_code == 0


def test_a_damaged_lite_file_says_so_and_how_to_rebuild(mbuilt, runner, monkeypatch, tmp_path):
    import shutil

    from milvus_lite.server_manager import server_manager_instance

    lite = mbuilt / "milvus.db"
    server_manager_instance.release_server(str(lite))  # as in a new process: nothing cached
    (lite / "collections" / "evqa_midx" / "schema.json").write_text("")
    monkeypatch.chdir(tmp_path)
    for args in (("ask", "solar"), ("index", "status"), ("index", "verify")):
        r = run(runner, *args, "--index", mbuilt)
        assert_clean_error(r, 3, "not valid JSON", "may be damaged", f"move {lite} aside")
        assert "one process at a time" not in r.output and "loopback" not in r.output
    server_manager_instance.release_server(str(lite))
    shutil.move(lite, tmp_path / "damaged.db")
    assert run(runner, *command(r.output, "rebuild the index with: ")).exit_code == 0
    assert run(runner, "ask", "solar", "--index", mbuilt).exit_code == 0
