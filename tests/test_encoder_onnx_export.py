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


class _ST:
    """Enough of a SentenceTransformer for ensure_onnx, once the graph steps are faked."""

    class tokenizer:  # noqa: N801 - as sentence-transformers names it
        class backend_tokenizer:  # noqa: N801
            @staticmethod
            def save(path: str) -> None:
                Path(path).write_text("{}")


def _write(*args) -> None:
    args[-1].write_bytes(b"graph")


@pytest.mark.parametrize("failing", ["export_graph", "atomic_write_bytes"])
def test_a_full_cache_folder_is_a_model_error_that_says_what_to_do(tmp_path, monkeypatch, failing):
    """ENOSPC came out as "cannot export ... (OSError: [Errno 28] ...)" with no fix, and a
    failed write of meta.json as a bare OSError."""
    import errno

    from evqa.errors import ModelError

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(onnx_export, "load_model", lambda path: _ST())
    monkeypatch.setattr(onnx_export, "_export_meta", lambda st, model: {"inputs": ["input_ids"]})
    monkeypatch.setattr(onnx_export, "export_graph", _write)
    monkeypatch.setattr(onnx_export, "optimise_graph", _write)
    monkeypatch.setattr(onnx_export, failing, full)
    model = ModelInfo("fake", Path("/fake"), "a" * 64, 3)
    with pytest.raises(ModelError) as e:
        encoder.ensure_onnx(model, tmp_path)
    folder = encoder.onnx_dir(model, tmp_path)
    assert str(e.value) == (
        f"cannot write the ONNX export of fake in {folder} (No space left on device); free "
        "space there, or set EVQA_CACHE_DIR to a writable folder with room"
    )
    assert not encoder.has_onnx(model, tmp_path)
