from types import SimpleNamespace

import numpy as np
import pytest

from evqa import dense, retrieve
from evqa.dense import vectors as stored_vectors  # unpatched

DIM = 16


@pytest.fixture(scope="module")
def emb() -> np.ndarray:
    x = np.random.default_rng(0).standard_normal((400, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _ranking(index, emb, allowed, monkeypatch) -> tuple[list[int], list[int]]:
    """dense_ranking's ids, and the sizes of the vector copies it made."""
    copies: list[int] = []

    def counting(index, ids):
        copies.append(len(ids))
        return stored_vectors(index, ids)

    monkeypatch.setattr(dense, "vectors", counting)
    ranked = retrieve.dense_ranking(SimpleNamespace(dense=index), emb[0], 10, allowed)
    return [i for i, _ in ranked], copies


def test_a_filter_allowing_a_large_share_of_an_hnsw_index_is_applied_inside_faiss(emb, monkeypatch):
    """Copying the allowed vectors out cost 400 ms at 90 % of 150,000 chunks."""
    allowed = np.arange(len(emb)) % 4 != 0  # 75 %
    ids, copies = _ranking(dense.build_index(emb, exact_max=10), emb, allowed, monkeypatch)
    assert copies == [] and len(ids) == 10 and all(allowed[i] for i in ids)


@pytest.mark.parametrize("exact_max", [10, 1000])  # HNSW, flat
def test_a_small_share_or_a_flat_index_is_searched_exactly_over_a_copy(emb, monkeypatch, exact_max):
    """HNSW finds too few of a small share (0.46 of the top 50 at 1 % on SciFact)."""
    small = np.arange(len(emb)) % 10 == 1  # 10 %
    large = np.arange(len(emb)) % 4 != 0
    index = dense.build_index(emb, exact_max=exact_max)
    for allowed in (small, large) if exact_max == 1000 else (small,):
        ids, copies = _ranking(index, emb, allowed, monkeypatch)
        rows = np.flatnonzero(allowed)
        expected = rows[np.lexsort((rows, -(stored_vectors(index, rows) @ emb[0])))[:10]]
        assert copies == [allowed.sum()] and ids == expected.tolist()
