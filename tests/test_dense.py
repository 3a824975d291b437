from __future__ import annotations

import numpy as np
import pytest

from evqa import dense
from evqa.errors import IndexCorruptError, IndexWriteError

DIM = 16


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def emb() -> np.ndarray:
    return _vectors(300)


def test_flat_up_to_exact_max_hnsw_above(emb):
    assert dense.is_exact(dense.build_index(emb, exact_max=300))
    hnsw = dense.build_index(emb, exact_max=299)
    assert not dense.is_exact(hnsw)
    assert hnsw.hnsw.efSearch == dense.HNSW_EF_SEARCH
    assert hnsw.ntotal == 300


def test_flat_search_is_exact_inner_product(emb):
    index = dense.build_index(emb, exact_max=1000)
    q = _vectors(1, seed=1)[0]
    scores, ids = dense.search(index, q, 5)
    expected = np.argsort(-(emb @ q), kind="stable")[:5]
    assert ids.tolist() == expected.tolist()
    np.testing.assert_allclose(scores, emb[expected] @ q, rtol=1e-5)


def test_hnsw_finds_the_vectors_themselves(emb):
    index = dense.build_index(emb, exact_max=10)
    scores, ids = dense.search(index, emb[:20], 1)
    assert ids[:, 0].tolist() == list(range(20))
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=2e-3)  # float16 codes


def test_hnsw_keeps_float16_codes_that_score_like_the_float32_vectors(emb):
    import faiss

    index = dense.build_index(emb, exact_max=10)
    assert isinstance(index, faiss.IndexHNSWSQ)
    assert faiss.downcast_index(index.storage).sq.qtype == faiss.ScalarQuantizer.QT_fp16
    q = _vectors(5, seed=3)
    scores, ids = dense.search(index, q, 10)
    np.testing.assert_allclose(scores, np.take_along_axis(q @ emb.T, ids, 1), atol=2e-3)


def test_loading_memory_maps_the_vectors(emb, tmp_path, monkeypatch):
    import faiss

    path = tmp_path / "dense.faiss"
    dense.save_index(dense.build_index(emb, exact_max=10), path)
    flags = []
    real = faiss.read_index
    monkeypatch.setattr(faiss, "read_index", lambda p, f=0: flags.append(f) or real(p, f))
    dense.load_index(path)
    assert flags == [faiss.IO_FLAG_MMAP_IFC]


def test_one_query_gives_1d_arrays_and_many_give_2d(emb):
    index = dense.build_index(emb, exact_max=1000)
    scores, ids = dense.search(index, emb[0], 4)
    assert scores.shape == ids.shape == (4,)
    scores, ids = dense.search(index, emb[:3], 4)
    assert scores.shape == ids.shape == (3, 4)


@pytest.mark.parametrize("exact_max", [1000, 2])
def test_k_larger_than_n_returns_every_vector_without_minus_one(exact_max):
    small = _vectors(5)
    index = dense.build_index(small, exact_max=exact_max)
    scores, ids = dense.search(index, small[2], 50)
    assert sorted(ids.tolist()) == [0, 1, 2, 3, 4]
    assert ids[0] == 2
    assert np.all(np.diff(scores) <= 1e-6)
    scores2d, ids2d = dense.search(index, small[:2], 50)
    assert ids2d.shape == (2, 5) and (ids2d >= 0).all()


def test_empty_index_returns_no_hits():
    index = dense.build_index(np.zeros((0, DIM), np.float32), exact_max=10)
    scores, ids = dense.search(index, _vectors(1)[0], 3)
    assert scores.shape == ids.shape == (0,)


def test_bad_arguments_raise(emb):
    index = dense.build_index(emb, exact_max=1000)
    with pytest.raises(ValueError):
        dense.search(index, emb[0], 0)
    with pytest.raises(ValueError):
        dense.search(index, np.ones(DIM + 1, np.float32), 3)
    with pytest.raises(ValueError):
        dense.build_index(np.ones((2, 3, 4), np.float32), exact_max=10)


def test_build_is_deterministic(emb, tmp_path):
    for i in range(2):
        dense.save_index(dense.build_index(emb, exact_max=10), tmp_path / f"{i}.faiss")
    assert (tmp_path / "0.faiss").read_bytes() == (tmp_path / "1.faiss").read_bytes()


def test_build_restores_the_thread_count(emb):
    import faiss

    before = faiss.omp_get_max_threads()
    dense.build_index(emb, exact_max=10)
    assert faiss.omp_get_max_threads() == before


@pytest.mark.parametrize("exact_max", [1000, 10])
def test_save_load_round_trip_gives_the_same_hits(emb, tmp_path, exact_max):
    index = dense.build_index(emb, exact_max=exact_max)
    path = tmp_path / "dense.faiss"
    dense.save_index(index, path)
    loaded = dense.load_index(path)
    assert dense.is_exact(loaded) == dense.is_exact(index)
    queries = _vectors(10, seed=2)
    pairs = zip(dense.search(loaded, queries, 7), dense.search(index, queries, 7), strict=True)
    for got, want in pairs:
        np.testing.assert_array_equal(got, want)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_save_replaces_an_existing_file(emb, tmp_path):
    path = tmp_path / "dense.faiss"
    path.write_bytes(b"old")
    dense.save_index(dense.build_index(emb[:3], exact_max=10), path)
    assert dense.load_index(path).ntotal == 3


def test_save_into_a_missing_folder_raises_index_write_error(emb, tmp_path):
    with pytest.raises(IndexWriteError, match="writable"):
        dense.save_index(dense.build_index(emb, 10), tmp_path / "nope" / "dense.faiss")


@pytest.mark.parametrize("exact_max", [1000, 10])
def test_truncated_file_raises_index_corrupt_error(emb, tmp_path, exact_max):
    path = tmp_path / "dense.faiss"
    dense.save_index(dense.build_index(emb, exact_max=exact_max), path)
    data = path.read_bytes()
    for size in (0, 10, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:size])
        with pytest.raises(IndexCorruptError, match="rebuild"):
            dense.load_index(path)


def test_random_bytes_raise_index_corrupt_error(tmp_path):
    path = tmp_path / "dense.faiss"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(IndexCorruptError, match="rebuild"):
        dense.load_index(path)


def test_missing_file_raises_index_corrupt_error(tmp_path):
    with pytest.raises(IndexCorruptError, match="missing"):
        dense.load_index(tmp_path / "dense.faiss")


def test_another_faiss_index_type_is_rejected(tmp_path):
    import faiss

    path = tmp_path / "dense.faiss"
    faiss.write_index(faiss.IndexFlatL2(DIM), str(path))
    with pytest.raises(IndexCorruptError, match="not an evqa dense index"):
        dense.load_index(path)


@pytest.mark.parametrize("exact_max", [1000, 10])
def test_vectors_are_what_the_index_scores(emb, exact_max):
    index = dense.build_index(emb, exact_max=exact_max)
    q = _vectors(1, seed=4)[0]
    scores, ids = dense.search(index, q, 5)
    np.testing.assert_allclose(dense.vectors(index, ids) @ q, scores, atol=1e-5)
    assert dense.vectors(index, []).shape == (0, DIM)


def test_one_query_is_searched_on_one_thread_and_a_batch_on_faiss_s_default(monkeypatch):
    import faiss

    from evqa import dense

    emb = np.eye(4, dtype=np.float32)
    index = dense.build_index(emb, exact_max=100)
    seen: list[int] = []
    real_search = type(index).search

    def search(self, q, k, params=None):
        seen.append(faiss.omp_get_max_threads())
        return real_search(self, q, k, params=params)

    monkeypatch.setattr(type(index), "search", search)
    before = faiss.omp_get_max_threads()
    dense.search(index, emb[0], 2)
    dense.search(index, emb[:2], 2)
    assert seen == [1, before] and faiss.omp_get_max_threads() == before


@pytest.mark.parametrize("exact_max", [1000, 10])  # flat, HNSW
def test_a_filtered_search_returns_only_allowed_vectors_best_first(emb, exact_max):
    index = dense.build_index(emb, exact_max=exact_max)
    allowed = np.zeros(len(emb), dtype=bool)
    allowed[1::2] = True  # the odd rows
    q = emb[0]  # itself not allowed
    scores, ids = dense.search(index, q, 10, allowed)
    rows = np.flatnonzero(allowed)
    expected = rows[np.argsort(-(emb[rows] @ q), kind="stable")[:10]]
    assert set(ids.tolist()) <= set(rows.tolist()) and 0 not in ids
    assert len(set(ids.tolist()) & set(expected.tolist())) >= (10 if exact_max == 1000 else 9)
    assert list(scores) == sorted(scores, reverse=True)


def test_a_filter_allowing_fewer_than_k_gives_only_those(emb):
    allowed = np.zeros(len(emb), dtype=bool)
    allowed[[3, 7]] = True
    for exact_max in (1000, 10):
        scores, ids = dense.search(dense.build_index(emb, exact_max), emb[3], 5, allowed)
        assert sorted(ids.tolist()) == [3, 7] and np.isfinite(scores).all()


def test_a_filter_of_the_wrong_length_is_refused(emb):
    with pytest.raises(ValueError, match="allowed has 5 flags, the index 300 vectors"):
        dense.search(dense.build_index(emb, 1000), emb[0], 3, np.ones(5, dtype=bool))
