"""Retrieval on the server, fusion on the client.

Both retrievers run on the server; the client fuses them with the local index's min-max
weighting (evqa.fusion), filling each candidate's missing score exactly (the dense
similarity from its stored vector, the BM25 score from a sparse search filtered to those
ids), so bm25/dense/hybrid and ``--explain`` mean what they mean locally.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from evqa.backends.milvus.chunks import bm25_query_text
from evqa.backends.milvus.connection import classify, require_pymilvus
from evqa.backends.milvus.hints import rebuild_command
from evqa.backends.milvus.names import ARTICLES_SUFFIX
from evqa.backends.milvus.queries import date_expr, groups, in_expr
from evqa.dates import DateRange
from evqa.errors import IndexCorruptError
from evqa.fusion import FusionSettings, fills, fuse, minmax_scale, pool_size, scales
from evqa.types import Chunk, Hit


class Retrieval:
    """The search half of MilvusBackend. The backend provides ``client``, ``uri``,
    ``collection``, ``manifest``, ``root``, ``rebuild``, ``articles`` and ``fetch``."""

    def search(
        self,
        query: str,
        query_vector: Callable[[str], np.ndarray],
        *,
        k: int,
        mode: str,
        fusion: FusionSettings,
        dates: DateRange | None = None,
    ) -> list[Hit]:
        try:
            return self._search(query, query_vector, k=k, mode=mode, fusion=fusion, dates=dates)
        except require_pymilvus().MilvusException as e:
            raise classify(e, self.uri, "searching", rebuild=self.rebuild) from None

    def _search(self, query, query_vector, *, k, mode, fusion, dates) -> list[Hit]:
        pool = pool_size(k)
        expr = date_expr(dates) if dates is not None else ""
        ids: dict[str, int] = {}  # chunk id -> the int id fusion works with
        meta: dict[str, tuple[str, int, int]] = {}  # chunk id -> (doc_id, start, end)
        bm25_query = bm25_query_text(query) if mode in ("bm25", "hybrid") else ""
        qvec = None
        if mode in ("dense", "hybrid"):
            qvec = np.asarray(query_vector(query), dtype=np.float32).reshape(-1)
        found = (mode, fusion, pool, bm25_query, qvec, ids, meta)
        rankings, exact = self._candidates(*found, expr)
        scale = None
        if expr and scales(fusion):  # a second, unfiltered search: fusion ranks as it does
            scale = minmax_scale(*self._candidates(*found, ""))
        return self._hits(fuse(rankings, mode, fusion, exact, scale)[:k], ids, meta)

    def _candidates(self, mode, fusion, pool, bm25_query, qvec, ids, meta, expr):
        """Each retriever's top ``pool`` under the filter ``expr``, and the exact scores
        min-max fusion fills in (None when it does not)."""
        rankings: dict[str, list[tuple[int, float]]] = {}
        fill = fills(mode, fusion)
        vectors: dict[str, list[float]] = {}  # BM25 candidates' vectors, for the dense fill
        if mode in ("bm25", "hybrid"):
            extra = ("dense",) if fill else ()
            rows = self._bm25(bm25_query, pool, expr, extra) if bm25_query else []
            rankings["bm25"] = self._ranked(rows, ids, meta)
            vectors = {_pk(r): r.get("entity", r)["dense"] for r in rows} if fill else {}
        if qvec is not None:
            rankings["dense"] = self._ranked(self._dense(qvec, pool, expr), ids, meta)
        exact = self._exact(rankings, ids, bm25_query, qvec, vectors) if fill else None
        return rankings, exact

    def _bm25(self, text: str, limit: int, expr: str, extra: Sequence[str] = ()) -> list[dict]:
        res = self.client.search(
            self.collection,
            data=[text],
            anns_field="sparse",
            limit=limit,
            filter=expr,
            output_fields=["doc_id", "start", "end", *extra],
            search_params={"metric_type": "BM25"},
        )
        # milvus-lite returns BM25 scores negated; a server returns them positive
        return [{**r, "distance": abs(float(r["distance"]))} for r in res[0]]

    def _dense(self, qvec: np.ndarray, limit: int, expr: str) -> list[dict]:
        res = self.client.search(
            self.collection,
            data=[qvec.tolist()],
            anns_field="dense",
            limit=limit,
            filter=expr,
            output_fields=["doc_id", "start", "end"],
            search_params={"metric_type": "COSINE", "params": {"ef": max(limit, 128)}},
        )
        return list(res[0])

    @staticmethod
    def _ranked(rows, ids, meta) -> list[tuple[int, float]]:
        out = []
        for r in rows:
            cid = _pk(r)
            ent = r.get("entity", r)
            meta[cid] = (ent["doc_id"], int(ent["start"]), int(ent["end"]))
            out.append((ids.setdefault(cid, len(ids)), float(r["distance"])))
        return out

    def _exact(
        self, rankings, ids, bm25_query, qvec, vectors: Mapping[str, Any] | None = None
    ) -> dict[str, dict[int, float]]:
        """Each retriever's true score of the candidates only the other one returned. The
        dense score of a BM25-only candidate comes from ``vectors`` (returned with the BM25
        search: one round trip less) or else from the collection."""
        names = {i: c for c, i in ids.items()}
        lex = {d: s for d, s in rankings.get("bm25", [])}
        sem = {d: s for d, s in rankings.get("dense", [])}
        union = set(lex) | set(sem)
        need_lex = [names[d] for d in sorted(union - set(lex))]
        need_sem = [names[d] for d in sorted(union - set(sem))]
        for group in groups(need_lex):
            lex.update({d: 0.0 for d in (ids[c] for c in group)})
            if bm25_query:
                for r in self._bm25(bm25_query, len(group), in_expr("chunk_id", group)):
                    lex[ids[_pk(r)]] = float(r["distance"])
        vectors = dict(vectors or {})
        missing = [c for c in need_sem if c not in vectors]
        for group in groups(missing):
            for r in self.client.get(self.collection, ids=list(group), output_fields=["dense"]):
                vectors[r["chunk_id"]] = r["dense"]
        for c in need_sem:
            sem[ids[c]] = float(np.asarray(vectors[c], dtype=np.float32) @ qvec)
        return {"bm25": lex, "dense": sem}

    def _hits(self, top, ids, meta) -> list[Hit]:
        """The fused ``top`` as hits, their articles fetched together."""
        names = {i: c for c, i in ids.items()}
        self.fetch({meta[names[f.id]][0] for f in top})
        return [self._hit(rank, names[f.id], meta, f) for rank, f in enumerate(top, 1)]

    def _hit(self, rank: int, cid: str, meta, fused) -> Hit:
        from evqa.labels import article_label

        doc_id, start, end = meta[cid]
        article = self.articles.get(doc_id)
        if article is None:
            raise IndexCorruptError(
                f"chunk {cid} of collection {self.collection} points at article {doc_id!r}, "
                f"which {self.collection}{ARTICLES_SUFFIX} does not hold; rebuild with: "
                f"{rebuild_command(self.root, self.manifest)}"
            )
        label = article_label(article)
        return Hit(
            rank=rank,
            score=float(fused.score),
            chunk=Chunk(cid, doc_id, start, end, article.text[start:end]),
            title=label.text,
            date=article.date,
            explain=fused.parts,
            title_derived=label.derived,
        )


def _pk(row: Mapping[str, Any]) -> str:
    """The chunk id of a search result (pymilvus names it after the primary key field)."""
    return row["chunk_id"] if "chunk_id" in row else row["id"]
