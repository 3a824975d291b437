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


def test_grpc_logs_nothing_unless_the_user_asks(tmp_path):
    """gRPC's C core reads GRPC_VERBOSITY when first imported: the library sets it first."""
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "from evqa.backends.milvus.connection import require_pymilvus\n"
        "assert 'grpc' not in sys.modules\n"
        "require_pymilvus()\n"
        "assert 'grpc' in sys.modules\n"
        "print(os.environ.get('GRPC_VERBOSITY'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "GRPC_VERBOSITY"}
    for own, seen in ((None, "NONE"), ("DEBUG", "DEBUG")):
        extra = {"GRPC_VERBOSITY": own} if own else {}
        r = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env={**env, **extra}
        )
        assert r.returncode == 0 and r.stdout.strip() == seen, r.stderr


def test_a_lite_client_sends_no_keepalive_pings(tmp_path, monkeypatch):
    """milvus-lite's server answers pymilvus's 10 s pings on an idle connection with GOAWAY
    too_many_pings (which gRPC logs on stderr): a lite client is made with keepalive off;
    a server keeps pymilvus's keepalive."""
    made = []

    class Client:
        def __init__(self, **kw):
            made.append(kw)

    monkeypatch.setattr(pymilvus, "MilvusClient", Client)
    milvus.connect(str(tmp_path / "k.db"), create=True)
    milvus.connect("http://127.0.0.1:19530")
    options = made[0]["grpc_options"]
    assert options["grpc.keepalive_time_ms"] >= 2**31 - 1  # gRPC's "never"
    assert options["grpc.keepalive_permit_without_calls"] is False
    assert "grpc_options" not in made[1]


def test_two_threads_connecting_to_one_lite_file_at_once(lite_ok, tmp_path, monkeypatch):
    """Both get a client: the first starts the file's server, the second reuses it (without
    the lock both started one and the second found the file locked)."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from milvus_lite.adapter.grpc import server

    real_start = server.start_server_in_thread

    def slow_start(*a, **kw):  # widen the window in which both threads start a server
        time.sleep(0.5)
        return real_start(*a, **kw)

    monkeypatch.setattr(server, "start_server_in_thread", slow_start)
    uri, ready = str(tmp_path / "t.db"), threading.Barrier(2)

    def one(_):
        ready.wait()
        return milvus.connect(uri, create=True).list_collections()

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(one, range(2))) == [[], []]


def test_lite_errors_after_connecting_are_not_about_loopback_or_locks(monkeypatch):
    lite, command = "/data/news.db", "evqa index build --index /data/i"
    e = pymilvus.MilvusException(code=1, message="schema file is not valid JSON")
    err = milvus.classify(e, lite, "searching", rebuild=command)
    assert err.exit_code == 3 and "may be damaged" in str(err)
    assert f"move {lite} aside and rebuild the index with: {command}" in str(err)
    assert "one process at a time" not in str(err)
    err = milvus.classify(e, lite, connecting=True)
    assert "one process at a time" in str(err) and "damaged" not in str(err)
    e = pymilvus.MilvusException(message="[Errno 13] Permission denied: '/data/news.db/x'")
    assert milvus.classify(e, lite).exit_code == 3  # lite has no credentials to refuse
