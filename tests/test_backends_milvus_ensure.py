"""Existing collections that are not this index's (evqa.backends.milvus.ensure)."""

from __future__ import annotations

import pytest
from milvus_helpers import assert_clean_error, build

pymilvus = pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

pytest_plugins = ["milvus_fixtures"]


def test_a_collection_of_another_dimension_is_refused(
    lite_ok, tmp_path, corpus, fake_model, runner
):
    uri = tmp_path / "other.db"
    client = pymilvus.MilvusClient(str(uri))
    milvus.ensure_collections(client, "news", 32)  # the fake model gives 64-d
    r = build(
        runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", uri, "--collection", "news"
    )
    assert_clean_error(r, 3, "32-d", "64-d", "another --collection")
    assert not (tmp_path / "i" / "CURRENT").exists()


def test_a_collection_of_another_schema_is_refused(lite_ok, tmp_path, corpus, fake_model, runner):
    uri = tmp_path / "other.db"
    client = pymilvus.MilvusClient(str(uri))
    client.create_collection("news", dimension=64)  # Milvus' quick-start schema (id, vector)
    r = build(
        runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", uri, "--collection", "news"
    )
    assert_clean_error(r, 3, "another schema")
