"""The dense index: faiss over L2-normalised embeddings, so inner product = cosine.

* Up to ``exact_max`` vectors: ``IndexFlatIP``, exact.
* Above: ``IndexHNSWSQ`` with float16 codes (M=32, efConstruction=128, efSearch=256 or k if
  larger). At 100k vectors (eval/faiss_recall.py) float16 codes keep recall@10 against
  exact float32 search at 0.9994, the same as float32 codes, where 8-bit codes gave 0.984
  (0.975 on Gaussian clusters); they halve the vectors' memory, and the HNSW build took 62 s
  against 171 s over float32.
* Loading memory-maps the vectors (``IO_FLAG_MMAP_IFC``) instead of reading them: opening
  a 150k-vector index takes milliseconds, and a query touches only the pages it visits.

Builds are deterministic: HNSW links depend on insertion order, so vectors are added with one
OpenMP thread (the previous thread count is restored afterwards). faiss is imported lazily.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evqa.errors import IndexCorruptError, IndexWriteError

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH = 256
CODES = ("fp16", "sq8", "flat")  # how HNSW stores the vectors: float16, 8-bit, float32
HNSW_CODES = "fp16"
_FIX = "rebuild the index with: evqa index build"


def build_index(emb: np.ndarray, exact_max: int, codes: str = HNSW_CODES) -> Any:
    """A faiss index over ``emb`` (n, dim): exact when n <= exact_max, else HNSW over
    ``codes`` (one of CODES; eval/faiss_recall.py compares them)."""
    import faiss

    emb = _as_matrix(emb)
    n, dim = emb.shape
    if n <= exact_max:
        index = faiss.IndexFlatIP(dim)
    else:
        index = _hnsw(faiss, dim, codes)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    with _single_thread(faiss):
        index.train(emb)  # 8-bit codes learn each dimension's range; a no-op otherwise
        index.add(emb)
    return index


def _hnsw(faiss: Any, dim: int, codes: str) -> Any:
    ip = faiss.METRIC_INNER_PRODUCT
    if codes == "flat":
        return faiss.IndexHNSWFlat(dim, HNSW_M, ip)
    if codes not in CODES:
        raise ValueError(f"unknown HNSW codes {codes!r}; choose one of {', '.join(CODES)}")
    qtype = faiss.ScalarQuantizer.QT_fp16 if codes == "fp16" else faiss.ScalarQuantizer.QT_8bit
    return faiss.IndexHNSWSQ(dim, qtype, HNSW_M, ip)


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


def load_index(path: Path, fix: str = _FIX) -> Any:
    """Read an index written by ``save_index``; IndexCorruptError if missing or damaged,
    its message ending with ``fix`` (what to run)."""
    import faiss

    path = Path(path)
    if not path.is_file():
        raise IndexCorruptError(f"the dense index {path} is missing; {fix}")
    try:
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
    except RuntimeError:  # faiss raises RuntimeError (C++ text) for short reads, bad headers
        raise IndexCorruptError(
            f"the dense index {path} is damaged (faiss cannot read it); {fix}"
        ) from None
    if not isinstance(index, faiss.IndexFlatIP | faiss.IndexHNSWSQ | faiss.IndexHNSWFlat):
        raise IndexCorruptError(f"{path} is not an evqa dense index; {fix}")
    if not is_exact(index):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def vectors(index: Any, ids: Sequence[int] | np.ndarray) -> np.ndarray:
    """The vectors of ``ids`` as the index stores and scores them: float32 (len(ids), dim).
    Queries read them from the index (its pages are already touched by the search) instead
    of from embeddings.npy, which only builds read."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    if ids.size == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_batch(ids)


def search(
    index: Any, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest vectors by inner product: (scores, ids), best first; with
    ``allowed`` (a boolean per vector), among those only, skipped inside faiss (an
    ``IDSelectorBitmap``: nothing is copied; HNSW stays approximate and finds fewer of a
    small share, see evqa.retrieve.dense_ranking).

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
    if allowed is not None and len(allowed) != index.ntotal:
        raise ValueError(f"allowed has {len(allowed)} flags, the index {index.ntotal} vectors")
    selector = {}
    if allowed is not None:  # the bitmap must outlive the search: it is read, not copied
        bitmap = np.packbits(np.asarray(allowed, dtype=bool), bitorder="little")
        selector["sel"] = faiss.IDSelectorBitmap(index.ntotal, faiss.swig_ptr(bitmap))
    params = faiss.SearchParameters(**selector) if selector else None
    if not is_exact(index):
        params = faiss.SearchParametersHNSW(efSearch=max(index.hnsw.efSearch, kk), **selector)
    if q.shape[0] == 1:  # a query: threads cost more than they save (19.7 ms p50 against
        with _single_thread(faiss):  # 1.2 ms over 19k vectors on a loaded 2-core machine)
            scores, ids = index.search(q, kk, params=params)
    else:
        scores, ids = index.search(q, kk, params=params)
    scores[ids < 0] = -np.inf
    if single:
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]
    return scores, ids
