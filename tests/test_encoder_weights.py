"""The cached weights hash (evqa.encoder.weights)."""

from __future__ import annotations

import hashlib
import json
import os

from encoder_fakes import fake_model_folder

from evqa import encoder
from evqa.encoder import weights


def test_hash_is_cached_by_path_size_and_mtime(tmp_path, monkeypatch):
    folder = fake_model_folder(tmp_path / "m")
    cache = tmp_path / "cache"
    first = encoder.resolve_model(folder, cache_dir=cache)
    entries = json.loads((cache / encoder.HASH_CACHE).read_text())
    key = str((folder / "model.safetensors").resolve())
    assert entries[key]["sha256"] == first.sha256

    def no_hashing(path):
        raise AssertionError("hashed again despite the cache")

    monkeypatch.setattr(weights, "_hash_file", no_hashing)
    assert encoder.resolve_model(folder, cache_dir=cache).sha256 == first.sha256


def test_changed_weights_are_hashed_again(tmp_path):
    folder = fake_model_folder(tmp_path / "m")
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
    folder = fake_model_folder(tmp_path / "m")
    calls = []
    real = weights._hash_file
    monkeypatch.setattr(weights, "_hash_file", lambda p: calls.append(p) or real(p))
    encoder.resolve_model(folder)
    encoder.resolve_model(folder)
    assert len(calls) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_garbage_hash_cache_is_ignored_and_rewritten(tmp_path):
    folder = fake_model_folder(tmp_path / "m")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / encoder.HASH_CACHE).write_text("{not json")
    info = encoder.resolve_model(folder, cache_dir=cache)
    assert json.loads((cache / encoder.HASH_CACHE).read_text())
    assert info.sha256 == hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()


def test_unwritable_cache_dir_still_resolves(tmp_path):
    folder = fake_model_folder(tmp_path / "m")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    assert encoder.resolve_model(folder, cache_dir=blocker / "cache").dim == 8
