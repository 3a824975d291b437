"""Embedding documents with onnxruntime, and the fallback to another encoder
(evqa.encoder.onnx_documents)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from evqa import encoder
from evqa.encoder import ModelInfo, documents, int8, onnx_documents
from evqa.encoder.onnx_documents import OnnxDocumentEncoder
from evqa.errors import InputError, ModelError

FAKE = ModelInfo("fake", Path("/fake"), "0" * 64, 3)


class _FakeTokenizer:
    """One token per word (id = word length), like a tokenizer without padding."""

    def encode_batch(self, texts):
        return [SimpleNamespace(ids=[len(w) for w in t.split()]) for t in texts]


class _FakeSession:
    """Records the padded batches; the embedding of a text encodes its token count."""

    def __init__(self) -> None:
        self.feeds: list[dict[str, np.ndarray]] = []

    def run(self, outputs, feeds):
        self.feeds.append(feeds)
        n = feeds["attention_mask"].sum(axis=1).astype(np.float32)
        return [np.stack([n, np.ones_like(n), np.zeros_like(n)], axis=1)]


def _fake_encoder(lower: bool = False) -> tuple[OnnxDocumentEncoder, _FakeSession]:
    enc = OnnxDocumentEncoder.__new__(OnnxDocumentEncoder)
    session = _FakeSession()
    enc.dim, enc._inputs, enc._lower, enc._pad_id = 3, ["input_ids", "attention_mask"], lower, 0
    enc._tok, enc._session = _FakeTokenizer(), session
    return enc, session


# ----------------------------------------------------------------------------- batching


def test_each_text_is_run_alone_unpadded_and_returned_in_input_order():
    enc, session = _fake_encoder()
    texts = ["a", "b c d e", "f g", "h i j", "", "k l m n o p"]
    done: list[int] = []
    emb = enc.encode(texts, batch_size=2, progress=done.append)
    assert done == [2, 2, 2]
    assert [f["input_ids"].shape for f in session.feeds] == [
        (1, 1),
        (1, 4),
        (1, 2),
        (1, 3),
        (1, 0),
        (1, 6),
    ]
    assert all(f["attention_mask"].all() for f in session.feeds)  # no padding
    assert set(session.feeds[0]) == {"input_ids", "attention_mask"}  # the graph's inputs only
    raw = np.array([[len(t.split()), 1.0, 0.0] for t in texts])
    want = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    assert emb.dtype == np.float32 and emb.shape == (6, 3)
    np.testing.assert_allclose(emb, want, rtol=1e-6)


def test_a_text_s_vector_does_not_depend_on_the_texts_beside_it():
    """The int8 graph quantises activations per run: batched, a vector depended on its
    batch. Fake a session whose output does depend on the run's other rows."""
    enc, session = _fake_encoder()

    def run(outputs, feeds):
        session.feeds.append(feeds)
        n = feeds["attention_mask"].sum(axis=1).astype(np.float32)
        return [np.stack([n, np.full_like(n, n.max()), np.ones_like(n)], axis=1)]

    session.run = run
    alone = enc.encode(["a b", "c"])[0]
    beside = enc.encode(["a b", "c d e f g h"])[0]
    np.testing.assert_array_equal(alone, beside)


def test_progress_adds_up_to_the_number_of_texts():
    enc, _ = _fake_encoder()
    done: list[int] = []
    enc.encode([f"w{'x' * i} y" for i in range(11)], batch_size=4, progress=done.append)
    assert done == [4, 4, 3]


def test_nothing_to_encode_runs_nothing():
    enc, session = _fake_encoder()
    assert enc.encode([]).shape == (0, 3)
    assert session.feeds == []


def test_bad_batch_size_is_refused():
    enc, _ = _fake_encoder()
    with pytest.raises(ValueError):
        enc.encode(["a"], batch_size=0)


def test_pad_batch_pads_with_the_pad_id_and_masks_it():
    feeds = onnx_documents.pad_batch([[5, 6, 7], [8]], pad_id=9)
    assert feeds["input_ids"].tolist() == [[5, 6, 7], [8, 9, 9]]
    assert feeds["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert feeds["token_type_ids"].tolist() == [[0, 0, 0], [0, 0, 0]]


# ----------------------------------------------------------------------------- encode_documents


def test_encode_documents_runs_the_onnx_encoder_named(monkeypatch, tmp_path):
    enc, _ = _fake_encoder()
    calls = []

    def load(model, cache_dir, name):
        calls.append((cache_dir, name))
        return enc

    monkeypatch.setattr(onnx_documents, "load", load)
    monkeypatch.setattr(documents, "load_model", lambda path: pytest.fail("torch loaded"))
    done: list[int] = []
    emb = encoder.encode_documents(
        FAKE, ["a b", "c"], batch_size=1, progress=done.append, encoder="onnx-int8"
    )
    assert emb.shape == (2, 3) and done == [1, 1]
    monkeypatch.setenv("EVQA_CACHE_DIR", str(tmp_path))
    encoder.encode_documents(FAKE, ["a"], encoder="onnx", cache_dir=None)
    assert calls[1] == (tmp_path, "onnx")  # no cache_dir: the configured one


def test_encode_documents_of_nothing_loads_no_encoder(monkeypatch):
    monkeypatch.setattr(onnx_documents, "load", lambda *a: pytest.fail("encoder loaded"))
    for name in ("onnx", "onnx-int8"):
        emb = encoder.encode_documents(FAKE, [], encoder=name)
        assert emb.shape == (0, 3) and emb.dtype == np.float32


def test_unknown_encoder_is_an_input_error():
    with pytest.raises(InputError, match="onnx-int8"):
        encoder.encode_documents(FAKE, ["a"], encoder="tensorrt")


# ----------------------------------------------------------------------------- fallback


def test_prepare_falls_back_from_int8_to_fp32_with_a_warning(monkeypatch, tmp_path):
    def no_int8(model, cache_dir):
        raise ModelError("cannot quantise (test)")

    monkeypatch.setattr(onnx_documents, "ensure_int8", no_int8)
    monkeypatch.setattr(onnx_documents, "ensure_onnx", lambda model, cache_dir: tmp_path / "x")
    used, warning = onnx_documents.prepare(FAKE, tmp_path, "onnx-int8")
    assert used == "onnx"
    assert "onnx-int8 document encoder unavailable (cannot quantise (test))" in warning
    assert warning.endswith("documents are embedded with onnx")


def test_prepare_falls_back_to_torch_without_an_export(monkeypatch, tmp_path):
    def no_export(model, cache_dir):
        raise ModelError("cannot export (test)")

    monkeypatch.setattr(onnx_documents, "ensure_onnx", no_export)
    monkeypatch.setattr(int8, "ensure_onnx", no_export)
    used, warning = onnx_documents.prepare(FAKE, tmp_path, "onnx-int8")
    assert used == "torch"
    assert warning.count("cannot export (test)") == 2
    assert onnx_documents.prepare(FAKE, tmp_path, "torch") == ("torch", None)


def test_prepare_of_an_available_encoder_warns_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(onnx_documents, "ensure_onnx", lambda model, cache_dir: tmp_path / "x")
    assert onnx_documents.prepare(FAKE, tmp_path, "onnx") == ("onnx", None)


# ----------------------------------------------------------------------------- real model

SENTENCES = [
    "CATL's sodium-ion battery reaches an energy density of 160 Wh/kg.",
    "The Saint-Brieuc wind farm delivers 496 MW from 62 turbines.",
    "Hydrogen trains emit only water vapour.",
    "宁德时代的钠离子电池能量密度是多少？",
    "Short.",
    "lithium iron phosphate cathode " * 100,  # beyond 256 tokens: truncated
]


@pytest.fixture(scope="module")
def own_cache(real, tmp_path_factory) -> tuple[ModelInfo, Path]:
    """A copy of the shared export, so the int8 graph made here stays out of it."""
    model, cache = real
    copy = tmp_path_factory.mktemp("evqa-int8-cache")
    shutil.copytree(cache / "onnx", copy / "onnx")
    return model, copy


@pytest.fixture(scope="module")
def torch_vectors(real) -> np.ndarray:
    return encoder.encode_documents(real[0], SENTENCES, batch_size=2, encoder="torch")


@pytest.mark.integration
def test_onnx_documents_match_torch(own_cache, torch_vectors):
    model, cache = own_cache
    emb = encoder.encode_documents(model, SENTENCES, batch_size=2, encoder="onnx", cache_dir=cache)
    assert emb.shape == (len(SENTENCES), 384) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-5)
    assert np.min(np.sum(emb * torch_vectors, axis=1)) >= 0.9999


@pytest.mark.integration
def test_int8_documents_are_close_to_torch(own_cache, torch_vectors):
    model, cache = own_cache
    emb = encoder.encode_documents(
        model, SENTENCES, batch_size=2, encoder="onnx-int8", cache_dir=cache
    )
    cos = np.sum(emb * torch_vectors, axis=1)
    assert np.min(cos) >= 0.97  # measured 0.98 at worst on seed chunks, 0.993 on average
    assert np.min(cos) < 0.9999  # it is the int8 graph, not the fp32 one
    # activations are quantised per batch, so a text's vector depends a little on its batch
    # (0.98-0.996 cosine alone vs batched, measured): an int8 index is close to, not exactly,
    # what a rebuild would give
    alone = np.vstack(
        [
            encoder.encode_documents(model, [s], encoder="onnx-int8", cache_dir=cache)
            for s in SENTENCES
        ]
    )
    assert np.min(np.sum(alone * emb, axis=1)) >= 0.97


@pytest.mark.integration
def test_a_damaged_fp32_export_is_redone_for_documents(own_cache, tmp_path):
    model, cache = own_cache
    shutil.copytree(cache / "onnx", tmp_path / "onnx")
    (encoder.onnx_dir(model, tmp_path) / encoder.OPTIMISED).write_bytes(b"not an onnx file")
    emb = encoder.encode_documents(model, SENTENCES[:2], encoder="onnx", cache_dir=tmp_path)
    assert emb.shape == (2, 384)
    assert (encoder.onnx_dir(model, tmp_path) / encoder.OPTIMISED).stat().st_size > 1_000_000
