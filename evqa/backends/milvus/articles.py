"""The article collection's rows, both ways: an article's cleaned text, sentences and
spans as JSON, in parts of at most 16,000 characters (a VARCHAR holds 65,535 bytes), and
the articles read back whole from them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from evqa.backends.milvus.names import ARTICLES_SUFFIX
from evqa.backends.milvus.queries import in_expr
from evqa.dates import NO_DATE, date_num
from evqa.types import Article, Span

PART_CHARS = 16_000  # <= 64,000 bytes in UTF-8 whatever the script


@dataclass
class Doc:
    """An article as the answerer reads it: text, sentence offsets and typed spans."""

    article: Article
    sentences: list[tuple[int, int]]
    spans: list[Span]


def article_rows(
    article: Article, sentences: Sequence[tuple[int, int]], spans: Sequence[Span], key: str
) -> list[dict[str, Any]]:
    """The rows of ``article`` with its ``sentences`` and ``spans``; ``key`` (what a rewrite
    compares) goes in the first part only."""
    payload = json.dumps(
        {
            "article": article.to_dict(),
            "sentences": [list(s) for s in sentences],
            "spans": [[s.start, s.end, s.label] for s in spans],
        },
        ensure_ascii=False,
    )
    pieces = [payload[i : i + PART_CHARS] for i in range(0, len(payload), PART_CHARS)]
    return [
        {
            "key": f"{article.id}#{n}",
            "doc_id": article.id,
            "part": n,
            "parts": len(pieces),
            "hash": key if n == 0 else "",
            "date_num": date_num(article.date),
            "data": piece,
            "vec": [1.0, 0.0],
        }
        for n, piece in enumerate(pieces)
    ]


def read_articles(client, collection: str, doc_ids: Sequence[str]) -> dict[str, Doc]:
    """The articles ``doc_ids`` of the index whose chunks are in ``collection`` (a
    half-written article is left out, as missing)."""
    rows = client.query(
        collection + ARTICLES_SUFFIX,
        filter=in_expr("doc_id", doc_ids),
        output_fields=["doc_id", "part", "parts", "data"],
    )
    parts: dict[str, dict[int, str]] = {}
    total: dict[str, int] = {}
    for r in rows:
        parts.setdefault(r["doc_id"], {})[int(r["part"])] = r["data"]
        total[r["doc_id"]] = int(r["parts"])
    return {
        d: _doc(json.loads("".join(got[i] for i in range(total[d]))))
        for d, got in parts.items()
        if len(got) == total[d]
    }


def _doc(payload: dict[str, Any]) -> Doc:
    article = Article.from_dict(payload["article"])
    return Doc(
        article,
        [(s, e) for s, e in payload["sentences"]],
        [Span(s, e, label, article.text[s:e]) for s, e, label in payload["spans"]],
    )


def iter_doc_ids(client, collection: str, batch: int = 1000) -> Iterator[str]:
    for row in _iter_articles(client, collection, "part == 0", "doc_id", batch):
        yield row["doc_id"]


def iter_date_nums(client, collection: str, batch: int = 1000) -> Iterator[int]:
    """The dates (YYYYMMDD) of the dated articles."""
    expr = f"part == 0 and date_num != {NO_DATE}"
    for row in _iter_articles(client, collection, expr, "date_num", batch):
        yield int(row["date_num"])


def _iter_articles(client, collection: str, expr: str, field: str, batch: int) -> Iterator[dict]:
    it = client.query_iterator(
        collection + ARTICLES_SUFFIX, batch_size=batch, filter=expr, output_fields=[field]
    )
    try:
        while rows := it.next():
            yield from rows
    finally:
        it.close()
