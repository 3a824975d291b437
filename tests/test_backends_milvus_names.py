"""Collection names (evqa.backends.milvus.names) and the flags only --backend milvus takes."""

from __future__ import annotations

import pytest
from milvus_helpers import assert_clean_error, build

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")

pytest_plugins = ["milvus_fixtures"]


def test_bad_collection_names_and_backend_flags(tmp_path, corpus, fake_model, runner):
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus", "--collection", "9 bad")
    assert_clean_error(r, 2, "collection")
    r = build(runner, corpus, tmp_path / "i", "--uri", "x.db")
    assert_clean_error(r, 2, "--backend milvus")
