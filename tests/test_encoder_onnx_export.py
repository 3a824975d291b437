"""The ONNX export (evqa.encoder.onnx_export)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evqa import encoder
from evqa.encoder import ModelInfo, onnx_export


def test_export_of_other_weights_is_not_reused(tmp_path):
    model = ModelInfo("fake", Path("/fake"), "a" * 64, 3)
    folder = encoder.onnx_dir(model, tmp_path)
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"x")
    (folder / encoder.OPTIMISED).write_bytes(b"x")
    (folder / "tokenizer.json").write_text("{}")
    meta = {"format": encoder.ONNX_FORMAT, "sha256": "a" * 64}
    (folder / "meta.json").write_text(json.dumps(meta))
    assert onnx_export._read_meta(folder, model) == meta
    other = ModelInfo("fake", Path("/fake"), "a" * 16 + "b" * 48, 3)
    assert onnx_export._read_meta(folder, other) is None
    (folder / "tokenizer.json").unlink()
    assert onnx_export._read_meta(folder, model) is None


@pytest.mark.integration
def test_export_is_complete_and_leaves_no_temporary_files(real):
    model, cache = real
    folder = encoder.onnx_dir(model, cache)
    assert folder == cache / "onnx" / model.sha256[:16]
    assert sorted(p.name for p in folder.iterdir()) == [
        "meta.json",
        "model.onnx",
        encoder.OPTIMISED,
        "tokenizer.json",
    ]
    assert encoder.ensure_onnx(model, cache) == folder / "model.onnx"  # reused, not redone
