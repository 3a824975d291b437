"""A chunk row (evqa.backends.milvus.chunks): the key of its vector."""

from __future__ import annotations

import hashlib

import pytest

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")

pytest_plugins = ["milvus_fixtures"]


def test_torch_vector_keys_are_those_written_before_the_encoder_was_recorded():
    from evqa.backends.milvus import embed_key

    old = hashlib.sha256(f"{'a' * 64}\0some text".encode()).hexdigest()[:32]
    assert embed_key("a" * 64, "some text") == embed_key("a" * 64, "some text", "torch") == old
    assert embed_key("a" * 64, "some text", "onnx-int8") != old
