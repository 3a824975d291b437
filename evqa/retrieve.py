"""Hybrid retrieval: BM25 and dense candidates, fused into ranked hits.

Pure over a loaded IndexData and a query vector; the engine supplies both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from evqa.indexdata import IndexData
from evqa.types import Hit, RetrieverScore

POOL = 100  # candidates taken from each retriever before fusion


@dataclass(frozen=True)
class FusionSettings:
    method: str  # "minmax" | "rrf"
    bm25_weight: float
    rrf_k: int


def search(
    data: IndexData,
    query: str,
    query_vector: Callable[[str], np.ndarray],
    *,
    k: int,
    mode: str,
    fusion: FusionSettings,
) -> list[Hit]:
    """The top ``k`` chunks for ``query``; ``mode`` is hybrid, bm25 or dense."""
    from evqa import fusion as fuse

    pool = max(POOL, k)
    rankings: dict[str, list[tuple[int, float]]] = {}
    if mode in ("bm25", "hybrid"):
        rankings["bm25"] = bm25_ranking(data, query, pool)
    if mode in ("dense", "hybrid"):
        rankings["dense"] = dense_ranking(data, query_vector(query), pool)
    if fusion.method == "rrf":
        fused = fuse.rrf(rankings, k=fusion.rrf_k)
    else:
        w = fusion.bm25_weight
        weights = {"bm25": w, "dense": 1.0 - w} if mode == "hybrid" else {mode: 1.0}
        fused = fuse.minmax(rankings, weights)
    return [_hit(data, rank, f.id, f.score, f.parts) for rank, f in enumerate(fused[:k], 1)]


def bm25_ranking(data: IndexData, query: str, pool: int) -> list[tuple[int, float]]:
    from evqa import bm25
    from evqa.tokenize import tokenize

    return bm25.top_k(data.bm25, tokenize(query), pool)


def dense_ranking(data: IndexData, qvec: np.ndarray, pool: int) -> list[tuple[int, float]]:
    from evqa import dense

    scores, ids = dense.search(data.dense, np.asarray(qvec, dtype=np.float32).reshape(-1), pool)
    return [(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]


def _hit(
    data: IndexData, rank: int, idx: int, score: float, parts: dict[str, RetrieverScore]
) -> Hit:
    chunk = data.chunks[idx]
    article = data.articles[chunk.doc_id]
    return Hit(
        rank=rank,
        score=float(score),
        chunk=chunk,
        title=article.title,
        date=article.date,
        explain=dict(parts),
    )
