"""Fixtures of the Milvus backend tests (tests/test_backends_milvus_*.py), which load this
module with ``pytest_plugins = ["milvus_fixtures"]`` (their helpers are in milvus_helpers.py).

The tests run against milvus-lite in a temporary folder (skipped, with the reason, where
milvus-lite is not installed or cannot start, e.g. without a loopback interface), and
against a real cluster only when EVQA_MILVUS_TEST_URI is set."""

from __future__ import annotations

import pytest
from milvus_helpers import build


@pytest.fixture(scope="session")
def lite_ok(tmp_path_factory):
    """milvus-lite starts here (it needs 127.0.0.1), or every test of it is skipped."""
    pymilvus = pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
    path = tmp_path_factory.mktemp("lite") / "probe.db"
    try:
        client = pymilvus.MilvusClient(str(path))
        client.list_collections()
    except Exception as e:  # noqa: BLE001 - any failure to start is a reason to skip
        pytest.skip(f"milvus-lite cannot start here: {e}")
    return True


@pytest.fixture
def mbuilt(lite_ok, tmp_path, corpus, fake_model, runner):
    index = tmp_path / "midx"
    r = build(runner, corpus, index, "--backend", "milvus", "--json")
    assert r.exit_code == 0, r.output
    return index


@pytest.fixture
def lbuilt(tmp_path, corpus, fake_model, runner):
    index = tmp_path / "lidx"
    r = build(runner, corpus, index)
    assert r.exit_code == 0, r.output
    return index
