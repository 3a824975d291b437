"""evqa.checkpoint: what an interrupted local build had embedded, and the build resuming
from it."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_corpus

from evqa import build, checkpoint, store
from evqa.engine import Engine

KEY = checkpoint.Key(model="m" * 64, encoder="onnx-int8", dim=4)


def unit(n: int, dim: int = 4) -> np.ndarray:
    v = np.arange(1, n * dim + 1, dtype=np.float32).reshape(n, dim)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_saved_blocks_load_back_by_hash(tmp_path):
    writer = checkpoint.Writer(tmp_path, KEY)
    vecs = unit(3)
    writer.append(["a", "b"], vecs[:2])
    writer.append(["c"], vecs[2:])
    saved = checkpoint.load(tmp_path, KEY)
    assert sorted(saved) == ["a", "b", "c"]
    assert np.allclose(saved["c"], vecs[2], atol=1e-3)  # float16 on disk
    assert checkpoint.Writer(tmp_path, KEY)._next == 2  # a new writer appends after them


def test_a_checkpoint_of_another_model_or_encoder_is_not_used_and_is_replaced(tmp_path):
    checkpoint.Writer(tmp_path, KEY).append(["a"], unit(1))
    other = checkpoint.Key(model="m" * 64, encoder="torch", dim=4)
    assert checkpoint.load(tmp_path, other) == {}
    checkpoint.Writer(tmp_path, other).append(["b"], unit(1))
    assert list(checkpoint.load(tmp_path, other)) == ["b"]
    assert checkpoint.load(tmp_path, KEY) == {}  # the old one is gone


def test_a_damaged_block_is_skipped_and_the_others_are_kept(tmp_path):
    writer = checkpoint.Writer(tmp_path, KEY)
    writer.append(["a"], unit(1))
    writer.append(["b"], unit(1))
    (tmp_path / checkpoint.FOLDER / "00000.npz").write_bytes(b"not a zip")
    assert list(checkpoint.load(tmp_path, KEY)) == ["b"]
    checkpoint.clear(tmp_path)
    assert not (tmp_path / checkpoint.FOLDER).exists()
    assert checkpoint.load(tmp_path, KEY) == {}


def test_a_checkpoint_that_cannot_be_written_only_stops_saving(tmp_path):
    (tmp_path / "file").write_text("x")
    writer = checkpoint.Writer(tmp_path / "file", KEY)  # its folder lies under a file
    assert writer.broken
    writer.append(["a"], unit(1))  # no error: the build goes on without it


def test_an_interrupted_build_resumes_from_what_it_had_embedded(tmp_path, fake_model, monkeypatch):
    from evqa import encoder

    corpus = write_corpus(tmp_path / "c")
    root = tmp_path / "idx"
    monkeypatch.setattr(checkpoint, "BLOCK", 1)  # one chunk a block
    calls: list[int] = []
    real = encoder.encode_documents

    def dies_on_the_third_block(model, texts, **kw):
        calls.append(len(texts))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(model, texts, **kw)

    monkeypatch.setattr(encoder, "encode_documents", dies_on_the_third_block)
    with pytest.raises(KeyboardInterrupt):
        build.build(corpus, root, model=fake_model, cache_dir=tmp_path)
    assert not (root / store.CURRENT).exists()  # nothing committed
    assert sorted(p.name for p in (root / checkpoint.FOLDER).glob("*.npz")) == [
        "00000.npz",
        "00001.npz",
    ]
    monkeypatch.setattr(encoder, "encode_documents", real)
    report = build.build(corpus, root, model=fake_model, cache_dir=tmp_path)
    assert report.resumed == 2 and report.reused == 2
    assert report.embedded == report.chunks - 2
    assert not (root / checkpoint.FOLDER).exists()  # a finished build removes it
    fresh = tmp_path / "fresh"
    build.build(corpus, fresh, model=fake_model, cache_dir=tmp_path)
    query = "solar boat battery"
    assert [h.chunk.id for h in Engine.open(root).search(query)] == [
        h.chunk.id for h in Engine.open(fresh).search(query)
    ]


def test_a_folder_holding_only_a_checkpoint_is_an_index_folder_to_build_into(tmp_path):
    checkpoint.Writer(tmp_path / "idx", KEY).append(["a"], unit(1))
    assert not store.holds_other_files(tmp_path / "idx")
