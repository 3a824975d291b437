"""The dense index: faiss over L2-normalised embeddings, so inner product = cosine.

* Up to ``exact_max`` vectors: ``IndexFlatIP``, exact.
* Above: ``IndexHNSWFlat`` (M=32, efConstruction=128, efSearch=256 or k if larger). At 100k
  vectors recall@10 is 0.998 with efSearch=128 and 0.9995 with 256 (about 0.3 ms more a query,
  nothing next to embedding the query); see eval/faiss_recall.py.

Builds are deterministic: HNSW links depend on insertion order, so vectors are added with one
OpenMP thread (the previous thread count is restored afterwards). faiss is imported lazily.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from evqa.errors import IndexCorruptError, IndexWriteError

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH = 256
_FIX = "rebuild the index with: evqa index build"


def build_index(emb: np.ndarray, exact_max: int) -> Any:
    """A faiss index over ``emb`` (n, dim): exact when n <= exact_max, else HNSW."""
    import faiss

    emb = _as_matrix(emb)
    n, dim = emb.shape
    if n <= exact_max:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    with _single_thread(faiss):
        index.add(emb)
    return index


@contextlib.contextmanager
def _single_thread(faiss: Any) -> Iterator[None]:
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _as_matrix(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(f"expected a (n, dim) matrix of embeddings, got shape {x.shape}")
    return np.ascontiguousarray(x, dtype=np.float32)


def is_exact(index: Any) -> bool:
    """True for a flat (exact) index, False for HNSW."""
    return not hasattr(index, "hnsw")


def save_index(index: Any, path: Path) -> None:
    """Write ``index`` to ``path`` atomically (a temporary sibling, fsynced, then renamed)."""
    import faiss

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        data = faiss.serialize_index(index)
        with tmp.open("wb") as f:
            f.write(memoryview(data))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        raise IndexWriteError(
            f"cannot write the dense index {path}: {e.strerror}; "
            "check the index folder is writable and the disk is not full"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)


def load_index(path: Path) -> Any:
    """Read an index written by ``save_index``; IndexCorruptError if missing or damaged."""
    import faiss

    path = Path(path)
    if not path.is_file():
        raise IndexCorruptError(f"the dense index {path} is missing; {_FIX}")
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as e:  # faiss raises RuntimeError for short reads and bad headers
        reason = str(e).strip().splitlines()[-1][:120] if str(e).strip() else "unreadable"
        raise IndexCorruptError(f"the dense index {path} is damaged ({reason}); {_FIX}") from None
    if not isinstance(index, faiss.IndexFlatIP | faiss.IndexHNSWFlat):
        raise IndexCorruptError(f"{path} is not an evqa dense index; {_FIX}")
    if not is_exact(index):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def search(index: Any, qvec: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest vectors by inner product: (scores, ids), best first.

    ``qvec`` of shape (dim,) gives 1-D arrays with no -1 ids, so fewer than ``k`` results
    when the index holds fewer vectors. ``qvec`` of shape (m, dim) gives (m, min(k, n))
    arrays; any slot HNSW could not fill has id -1 and score -inf.
    """
    import faiss

    if k < 1:
        raise ValueError("k must be at least 1")
    single = np.asarray(qvec).ndim == 1
    q = _as_matrix(qvec)
    if q.shape[1] != index.d:
        raise ValueError(f"query has dimension {q.shape[1]}, the index {index.d}")
    kk = min(k, index.ntotal)
    if kk == 0:
        empty = (np.zeros((q.shape[0], 0), np.float32), np.zeros((q.shape[0], 0), np.int64))
        return (empty[0][0], empty[1][0]) if single else empty
    params = None
    if not is_exact(index):
        params = faiss.SearchParametersHNSW(efSearch=max(index.hnsw.efSearch, kk))
    scores, ids = index.search(q, kk, params=params)
    scores[ids < 0] = -np.inf
    if single:
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]
    return scores, ids
