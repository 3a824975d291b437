"""Embedding documents (evqa.encoder.documents)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from encoder_fakes import QUERIES, FakeST

from evqa import encoder
from evqa.encoder import ModelInfo, documents
from evqa.encoder.torch_model import load_model


def test_encode_documents_batches_by_length_and_keeps_input_order(monkeypatch):
    fake = FakeST()
    monkeypatch.setattr(documents, "load_model", lambda path: fake)
    texts = ["a", "b c d e", "f g", "h i j", "", "k l m n o p"]
    done = []
    model = ModelInfo("fake", Path("/fake"), "0" * 64, 3)
    emb = encoder.encode_documents(
        model, texts, batch_size=2, progress=done.append, encoder="torch"
    )
    assert done == [2, 2, 2]
    assert fake.batches == [["k l m n o p", "b c d e"], ["h i j", "f g"], ["a", ""]]
    assert emb.dtype == np.float32 and emb.shape == (6, 3)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-6)
    raw = np.array([[len(t), 1.0, 0.0] for t in texts])
    np.testing.assert_allclose(emb, raw / np.linalg.norm(raw, axis=1, keepdims=True), rtol=1e-6)


def test_encode_documents_of_nothing_is_an_empty_matrix(monkeypatch):
    monkeypatch.setattr(documents, "load_model", lambda path: pytest.fail("model loaded"))
    emb = encoder.encode_documents(ModelInfo("f", Path("/f"), "0" * 64, 7), [])
    assert emb.shape == (0, 7) and emb.dtype == np.float32


@pytest.mark.integration
def test_encode_documents_matches_sentence_transformers_in_input_order(real):
    model, _ = real
    texts = [*QUERIES[3:6], "Sodium-ion cells cost less.", "BYD Blade battery"]
    done = []
    emb = encoder.encode_documents(
        model, texts, batch_size=2, progress=done.append, encoder="torch"
    )
    st = load_model(str(model.path))
    want = st.encode(texts, normalize_embeddings=True)
    assert sum(done) == len(texts)
    assert np.min(np.sum(emb * want, axis=1)) >= 0.9999
