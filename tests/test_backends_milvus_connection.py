"""Connecting to Milvus (evqa.backends.milvus.connection): unreachable, busy or unwritable,
credentials, timeouts; a real cluster only when EVQA_MILVUS_TEST_URI is set."""

from __future__ import annotations

import os
import uuid

import pytest
from milvus_helpers import assert_clean_error, build, run

from evqa import store
from evqa.engine import Engine

pymilvus = pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

pytest_plugins = ["milvus_fixtures"]

def test_a_lite_file_open_in_another_process_is_a_clear_error(mbuilt, tmp_path):
    import subprocess
    import sys

    Engine.open(mbuilt).search("solar", mode="bm25")  # this process holds the lite file now
    r = subprocess.run(
        [sys.executable, "-m", "evqa", "search", "solar", "--mode", "bm25", "--index", mbuilt],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EVQA_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert r.returncode == 3, r.stderr
    assert "one process at a time" in r.stderr and "Traceback" not in r.stderr


def test_unreachable_server(tmp_path, corpus, fake_model, runner):
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", "http://127.0.0.1:1")
    assert_clean_error(r, 3, "cannot use Milvus at http://127.0.0.1:1")
    assert not (tmp_path / "i" / "CURRENT").exists()  # nothing looks built


def test_credentials_never_in_the_uri_manifest_or_output(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", "http://u:p@h:1")
    assert_clean_error(r, 2, "EVQA_MILVUS_TOKEN")
    monkeypatch.setenv("EVQA_MILVUS_TOKEN", "s3cret-token-value")
    r = build(runner, corpus, tmp_path / "j", "--backend", "milvus", "--json")
    assert r.exit_code == 0, r.output
    assert "s3cret" not in r.output
    manifest = (store.current_generation(tmp_path / "j") / "manifest.json").read_text()
    assert "s3cret" not in manifest


def test_auth_failures_are_classified_and_the_token_masked(monkeypatch):
    monkeypatch.setenv("EVQA_MILVUS_TOKEN", "root:hunter2")
    e = pymilvus.MilvusException(code=1800, message="auth check failure for root:hunter2")
    err = milvus.classify(e, "http://h:19530")
    assert err.exit_code == 2 and "hunter2" not in str(err) and "EVQA_MILVUS_TOKEN" in str(err)
    err = milvus.classify(pymilvus.MilvusException(code=2, message="timeout"), "http://h:1")
    assert err.exit_code == 3 and "http://h:1" in str(err)


def test_a_bad_timeout_is_an_input_error(mbuilt, runner, monkeypatch):
    monkeypatch.setenv("EVQA_MILVUS_TIMEOUT", "abc")
    assert_clean_error(run(runner, "ask", "solar", "--index", mbuilt), 2, "EVQA_MILVUS_TIMEOUT")


def test_a_lite_file_that_cannot_be_created_is_not_writable(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    (tmp_path / "afile").write_text("x")
    r = build(
        runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", tmp_path / "afile/x.db"
    )
    assert_clean_error(r, 6, "is a file, not a folder")

    def read_only(*a, **kw):
        raise OSError(30, "Read-only file system", str(tmp_path / "ro"))

    monkeypatch.setattr("tempfile.TemporaryFile", read_only)
    r = build(runner, corpus, tmp_path / "j", "--backend", "milvus", "--uri", tmp_path / "ro/x.db")
    assert_clean_error(r, 6, "Read-only file system", "writable folder")


@pytest.mark.skipif(
    not os.environ.get("EVQA_MILVUS_TEST_URI"), reason="set EVQA_MILVUS_TEST_URI to a Milvus server"
)
def test_a_real_cluster(tmp_path, corpus, fake_model, runner):
    uri = os.environ["EVQA_MILVUS_TEST_URI"]
    name = f"evqa_test_{uuid.uuid4().hex[:8]}"
    index = tmp_path / "i"
    r = build(runner, corpus, index, "--backend", "milvus", "--uri", uri, "--collection", name)
    try:
        assert r.exit_code == 0, r.output
        hits = Engine.open(index).search("solar boat battery", k=3, mode="hybrid")
        assert hits[0].doc_id == "alpha"
    finally:
        client = milvus.connect(uri)
        for c in (name, name + milvus.ARTICLES_SUFFIX):
            if client.has_collection(c):
                client.drop_collection(c)
