"""Embedding queries, with the torch fallback (evqa.encoder.query)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from encoder_fakes import QUERIES, ROOT, FakeST

from evqa import encoder
from evqa.encoder import ModelInfo, query
from evqa.errors import ModelError


def test_query_encoder_falls_back_to_sentence_transformers_when_export_fails(tmp_path, monkeypatch):
    def failing_export(model, cache_dir):
        raise ModelError("cannot export (test)")

    monkeypatch.setattr(query, "ensure_onnx", failing_export)
    monkeypatch.setattr(query, "load_model", lambda path: FakeST())
    model = ModelInfo("fake", Path("/fake"), "0" * 64, 3)
    q = encoder.load_query_encoder(model, tmp_path)
    assert q.backend == "sentence-transformers"
    assert "cannot export" in q.reason
    emb = q.encode(["abc", "a"])
    assert emb.shape == (2, 3)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-6)


@pytest.mark.integration
def test_onnx_query_embeddings_match_sentence_transformers(real):
    model, cache = real
    onnx = encoder.load_query_encoder(model, cache)
    assert onnx.backend == "onnx"
    got = onnx.encode(QUERIES)
    want = encoder.TorchQueryEncoder(model).encode(QUERIES)
    assert got.dtype == np.float32 and got.shape == (len(QUERIES), 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, rtol=1e-5)
    assert np.min(np.sum(got * want, axis=1)) >= 0.9999
    # one at a time (no padding) gives the same vectors as in a batch
    single = np.vstack([onnx.encode([q]) for q in QUERIES])
    assert np.min(np.sum(single * got, axis=1)) >= 0.9999


@pytest.mark.integration
def test_damaged_export_is_redone(real, tmp_path):
    model, cache = real
    shutil.copytree(cache / "onnx", tmp_path / "onnx")
    folder = encoder.onnx_dir(model, tmp_path)
    (folder / encoder.OPTIMISED).write_bytes(b"not an onnx file")
    q = encoder.load_query_encoder(model, tmp_path)
    assert q.backend == "onnx"
    assert (folder / encoder.OPTIMISED).stat().st_size > 1_000_000


@pytest.mark.integration
def test_query_path_does_not_import_torch(real):
    model, cache = real
    code = (
        "import sys; from pathlib import Path\n"
        "from evqa.encoder import resolve_model, load_query_encoder\n"
        f"m = resolve_model(None, cache_dir=Path({str(cache)!r}))\n"
        f"q = load_query_encoder(m, Path({str(cache)!r}))\n"
        "q.encode(['hello'])\n"
        "print(q.backend, [m for m in ('torch', 'transformers') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "onnx []"
    assert out.stderr == ""  # the library never prints


def test_an_onnxruntime_that_does_not_import_keeps_the_export(tmp_path, monkeypatch):
    """A Ctrl-C inside onnxruntime's import comes out as an ImportError ("import numpy
    failed"): the export is not at fault and must not be deleted."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"graph")
    monkeypatch.setattr(query, "onnx_dir", lambda model, cache_dir: folder)
    monkeypatch.setattr(query, "ensure_onnx", lambda model, cache_dir: folder)
    monkeypatch.setattr(query, "export_meta", lambda model, cache_dir: {"dim": 3})

    def unimportable(folder, meta):
        raise ImportError("import numpy failed")

    monkeypatch.setattr(query, "OnnxQueryEncoder", unimportable)
    monkeypatch.setattr(query, "load_model", lambda path: FakeST())
    q = encoder.load_query_encoder(ModelInfo("fake", Path("/fake"), "0" * 64, 3), tmp_path)
    assert q.backend == "sentence-transformers"
    assert "onnxruntime cannot be loaded (import numpy failed)" in q.reason
    assert (folder / "model.onnx").read_bytes() == b"graph"
