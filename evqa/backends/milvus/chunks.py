"""One row of the chunk collection: its fields, the key of its vector (model, encoder and
text: what a resumed build skips) and its BM25 text, which a query's BM25 text matches."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from evqa.backends.milvus.schema import TITLE_MAX, VARCHAR_MAX
from evqa.dates import date_num
from evqa.types import Article, Chunk

SCALARS = ("title", "date", "date_num", "start", "end")  # chunk fields outside its hash


def fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (on a character boundary)."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def bm25_text(text: str) -> str:
    """evqa's BM25 tokens of a chunk (casefold, the index form: accents folded and CJK
    pairs, stopwords, Snowball stems), space-joined: what the server's ``standard``
    analyzer splits again on spaces."""
    from evqa.tokenize import tokenize

    return fit(" ".join(tokenize(text, index_form=True)), VARCHAR_MAX)


def bm25_query_text(query: str) -> str:
    """A query's BM25 tokens (:func:`evqa.tokenize.query_tokens`), space-joined; they
    match rows written before accents were folded too."""
    from evqa.tokenize import query_tokens

    return fit(" ".join(query_tokens(query)), VARCHAR_MAX)


def embed_key(model_sha: str, text: str, encoder: str = "torch") -> str:
    """What a stored vector was made from: model, document encoder and text. torch keys
    are those of collections written before the encoder was recorded."""
    made_by = model_sha if encoder == "torch" else f"{model_sha}\0{encoder}"
    return hashlib.sha256(f"{made_by}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def scalars(chunk: Chunk, article: Article) -> dict[str, Any]:
    """A chunk row's fields that its hash (model + title + chunk text) does not cover."""
    return {
        "title": fit(article.title or "", TITLE_MAX),
        "date": fit(article.date or "", 32),
        "date_num": date_num(article.date),
        "start": chunk.start,
        "end": chunk.end,
    }


def chunk_row(chunk: Chunk, article: Article, text: str, key: str, vec) -> dict[str, Any]:
    """The row of ``chunk``: ``text`` is what was embedded, ``key`` its embed_key."""
    return {
        "chunk_id": chunk.id,
        "doc_id": chunk.doc_id,
        **scalars(chunk, article),
        "text": fit(chunk.text, VARCHAR_MAX),
        "bm25_text": bm25_text(text),
        "hash": key,
        "dense": np.asarray(vec, dtype=np.float32).tolist(),
    }
