"""Checking a model folder and reading its dimension (evqa.encoder.folder)."""

from __future__ import annotations

import json

import pytest
from encoder_fakes import ST_MODULES, fake_model_folder

from evqa import encoder
from evqa.errors import ModelError


def test_plain_transformers_folder_takes_dim_from_hidden_size(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"hidden_size": 24}))
    (folder / "model.safetensors").write_bytes(b"w")
    assert encoder.resolve_model(folder).dim == 24


def test_dense_module_sets_the_output_dim(tmp_path):
    folder = fake_model_folder(tmp_path / "m", dim=8)
    modules = [*ST_MODULES, {"idx": 2, "path": "2_Dense", "type": "x.models.Dense"}]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "2_Dense").mkdir()
    (folder / "2_Dense" / "config.json").write_text(json.dumps({"out_features": 5}))
    assert encoder.resolve_model(folder).dim == 5


def test_weights_in_a_transformer_subfolder_are_found(tmp_path):
    folder = fake_model_folder(tmp_path / "m")
    modules = [dict(ST_MODULES[0], path="0_Transformer"), ST_MODULES[1]]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "0_Transformer").mkdir()
    (folder / "model.safetensors").rename(folder / "0_Transformer" / "model.safetensors")
    assert encoder.resolve_model(folder).dim == 8


def test_missing_folder_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        encoder.resolve_model(tmp_path / "nope")


def test_file_instead_of_folder_is_a_model_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ModelError, match="is a file, not a folder"):
        encoder.resolve_model(tmp_path / "f")


def test_folder_without_configs_is_a_model_error(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"w")
    with pytest.raises(ModelError, match="no modules.json or config.json"):
        encoder.resolve_model(tmp_path)


def test_folder_without_weights_is_a_model_error(tmp_path):
    folder = fake_model_folder(tmp_path / "m")
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="has no weights"):
        encoder.resolve_model(folder)


def test_folder_without_a_dimension_is_a_model_error(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"w")
    with pytest.raises(ModelError, match="embedding size"):
        encoder.resolve_model(tmp_path)


def test_a_folder_from_the_environment_is_named_by_its_variable(tmp_path):
    from evqa.encoder.folder import check_folder

    cases = [
        (tmp_path / "nope", "EVQA_MODEL={}: no model folder there; set EVQA_MODEL"),
        (tmp_path / "f", "EVQA_MODEL={} is a file, not a folder; set EVQA_MODEL"),
        (tmp_path / "empty", "EVQA_MODEL={} is not a sentence-transformers model"),
        (tmp_path / "light", "EVQA_MODEL={} has no weights"),
    ]
    (tmp_path / "f").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "light").mkdir()
    (tmp_path / "light" / "config.json").write_text("{}")
    for folder, message in cases:
        with pytest.raises(ModelError) as e:
            check_folder(folder, env="EVQA_MODEL")
        assert str(e.value).startswith(message.format(folder))
        assert "--model" not in str(e.value)


def test_model_folder_is_the_argument_else_evqa_model_else_none(tmp_path, monkeypatch):
    from evqa.encoder.folder import model_folder

    monkeypatch.delenv("EVQA_MODEL", raising=False)
    assert model_folder(None) is None
    assert model_folder(str(tmp_path / "given")) == tmp_path / "given"  # checked where used
    monkeypatch.setenv("EVQA_MODEL", str(tmp_path / "nope"))
    with pytest.raises(ModelError, match="EVQA_MODEL=.*no model folder there"):
        model_folder(None)
    assert model_folder(tmp_path / "given") == tmp_path / "given"  # the argument wins
