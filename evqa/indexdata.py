"""The contents of one index generation, and their save/load round trip.

``save`` then ``load`` gives back the same articles, chunks, spans, vectors and BM25
arrays, so a loaded index returns the same hits as the one that was built.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evqa.errors import IndexCorruptError
from evqa.store import Generation, read_jsonl, write_jsonl
from evqa.types import Article, Chunk, Span

if TYPE_CHECKING:
    from evqa.bm25 import BM25Index

ARTICLES = "articles.jsonl"
CHUNKS = "chunks.jsonl"
EMBEDDINGS = "embeddings.npy"
DENSE = "dense.faiss"
BM25_DIR = "bm25"


@dataclass(frozen=True)
class IndexData:
    articles: dict[str, Article]
    article_hashes: dict[str, str]
    sentences: Mapping[str, list[tuple[int, int]]]
    spans: Mapping[str, list[Span]]
    chunks: list[Chunk]
    embeddings: np.ndarray  # (len(chunks), dim) float32, L2-normalised
    embedded: list[str]  # per chunk: chunk_hash of the exact text that was embedded
    bm25: BM25Index
    dense: Any = None  # faiss.Index; None until saved or loaded


def index_text(chunk: Chunk, article: Article) -> str:
    """What BM25 and the embedding model see for a chunk: the article's title, then the
    chunk. The title is not part of the article text (so not of chunk.text), but it names
    the subject that the chunk's sentences often leave implicit."""
    return f"{article.title}\n{chunk.text}" if article.title else chunk.text


def chunk_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def save(data: IndexData, folder: Path, *, exact_max: int) -> dict[str, Any]:
    """Write every file of a generation into ``folder``. Returns manifest facts."""
    from evqa import bm25, dense

    write_jsonl(folder / ARTICLES, (_article_row(data, a) for a in data.articles.values()))
    write_jsonl(
        folder / CHUNKS,
        (
            {"id": c.id, "doc_id": c.doc_id, "start": c.start, "end": c.end, "embedded": h}
            for c, h in zip(data.chunks, data.embedded, strict=True)
        ),
    )
    np.save(folder / EMBEDDINGS, np.ascontiguousarray(data.embeddings, dtype=np.float32))
    index = dense.build_index(data.embeddings, exact_max)
    dense.save_index(index, folder / DENSE)
    (folder / BM25_DIR).mkdir()
    bm25.save(data.bm25, folder / BM25_DIR)
    return {"dense": {"type": type(index).__name__, "ntotal": int(index.ntotal)}}


def load(gen: Generation) -> IndexData:
    """Read a generation. Raises IndexCorruptError on missing or inconsistent files."""
    from evqa import bm25, dense

    rows = read_jsonl(gen.file(ARTICLES), gen.root)
    try:
        articles = {r["id"]: _article(r) for r in rows}
        hashes = {r["id"]: r["hash"] for r in rows}
        sentences = LazyMap({r["id"]: r["sentences"] for r in rows}, _sentences)
        spans = LazyMap({r["id"]: (r["text"], r["spans"]) for r in rows}, _spans)
        chunk_rows = read_jsonl(gen.file(CHUNKS), gen.root)
        chunks = [
            Chunk(
                r["id"],
                r["doc_id"],
                r["start"],
                r["end"],
                articles[r["doc_id"]].text[r["start"] : r["end"]],
            )
            for r in chunk_rows
        ]
        embedded = [r["embedded"] for r in chunk_rows]
    except (KeyError, TypeError, ValueError) as e:
        raise _corrupt(gen, f"inconsistent articles/chunks ({e!r})") from None
    try:
        embeddings = np.load(gen.file(EMBEDDINGS), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as e:
        raise _corrupt(gen, f"{EMBEDDINGS} is unreadable ({e})") from None
    if embeddings.ndim != 2 or embeddings.shape[0] != len(chunks):
        raise _corrupt(gen, f"{EMBEDDINGS} has shape {embeddings.shape} for {len(chunks)} chunks")
    index = dense.load_index(gen.file(DENSE))
    if index.ntotal != len(chunks):
        raise _corrupt(gen, f"{DENSE} holds {index.ntotal} vectors for {len(chunks)} chunks")
    bm = bm25.load(gen.file(BM25_DIR))
    return IndexData(articles, hashes, sentences, spans, chunks, embeddings, embedded, bm, index)


class LazyMap(Mapping):
    """A read-only mapping that converts each stored value on first access. Loading
    builds only what a query touches: the spans and sentences of the hit articles, not
    of all 25,000 (about 2 s of a cold query at 150k chunks)."""

    def __init__(self, raw: dict[str, Any], convert: Callable[[Any], Any]) -> None:
        self._raw, self._convert, self._done = raw, convert, {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._done:
            raw = self._raw[key]
            try:
                self._done[key] = self._convert(raw)
            except (TypeError, ValueError, IndexError) as e:
                raise IndexCorruptError(
                    f"{ARTICLES} holds malformed data for {key!r} ({e}); check it with "
                    "evqa index verify, and rebuild with evqa index build"
                ) from None
        return self._done[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _sentences(raw: list[list[int]]) -> list[tuple[int, int]]:
    return [(s, e) for s, e in raw]


def _spans(raw: tuple[str, list[list[Any]]]) -> list[Span]:
    text, spans = raw
    return [Span(s, e, label, text[s:e]) for s, e, label in spans]


def _article_row(data: IndexData, a: Article) -> dict[str, Any]:
    return {
        **a.to_dict(),
        "hash": data.article_hashes[a.id],
        "sentences": [list(s) for s in data.sentences[a.id]],
        "spans": [[s.start, s.end, s.label] for s in data.spans[a.id]],
    }


def _article(row: dict[str, Any]) -> Article:
    return Article(
        id=row["id"],
        text=row["text"],
        title=row.get("title"),
        date=row.get("date"),
        url=row.get("url"),
        source=row.get("source"),
    )


article_from_row = _article  # a stored article row (``Article.to_dict()`` and more) -> Article


def _corrupt(gen: Generation, what: str) -> IndexCorruptError:
    return IndexCorruptError(
        f"index {gen.path} is corrupt: {what}; rebuild with: evqa index build --index {gen.root}"
    )


def load_live(root: Path, attempts: int = 3) -> tuple[Generation, IndexData]:
    """Resolve CURRENT and load that generation. If a concurrent build swapped in a newer
    one and collected ours while we read it, start again from the new CURRENT."""
    from evqa import store

    for attempt in range(attempts):
        gen = store.open_generation(root)
        try:
            store.check_sizes(gen)
            return gen, load(gen)
        except IndexCorruptError:
            moved = store.current_generation(root) != gen.path
            if not moved or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
