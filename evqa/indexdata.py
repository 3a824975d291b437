"""The contents of one index generation, and their save/load round trip.

``save`` then ``load`` gives back the same articles, chunks, spans, vectors (at the stored
float16 precision) and BM25 arrays, so a loaded index returns the same hits as the one
that was built. Articles, chunks, sentences and spans live in ``docs.sqlite``
(:mod:`evqa.docstore`) and are read on demand.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evqa import docstore, npy
from evqa.errors import IndexCorruptError, IndexWriteError
from evqa.store import Generation
from evqa.types import Article, Chunk, Span

if TYPE_CHECKING:
    from evqa.bm25 import BM25Index

EMBEDDINGS = "embeddings.npy"
DENSE = "dense.faiss"
BM25_DIR = "bm25"
EMBEDDING_DTYPE = np.float16  # stored (and searched) precision: half the disk and memory


@dataclass(frozen=True)
class IndexData:
    """One generation's contents. A build holds them in dicts and lists; a loaded index
    holds read-on-demand views of its docs.sqlite (see :mod:`evqa.docstore`)."""

    articles: Mapping[str, Article]
    article_hashes: Mapping[str, str]
    sentences: Mapping[str, Sequence[tuple[int, int]]]
    spans: Mapping[str, Sequence[Span]]
    chunks: Sequence[Chunk]
    embeddings: np.ndarray  # (len(chunks), dim), L2-normalised; float16 once saved (builds
    # read it to reuse vectors; queries read vectors from the faiss index, dense.vectors)
    embedded: Sequence[str]  # per chunk: chunk_hash of the exact text that was embedded
    bm25: BM25Index
    dense: Any = None  # faiss.Index; None until saved or loaded


def index_text(chunk: Chunk, article: Article) -> str:
    """What BM25 and the embedding model see for a chunk: the article's title, then the
    chunk. The title is not part of the article text (so not of chunk.text), but it names
    the subject that the chunk's sentences often leave implicit."""
    return f"{article.title}\n{chunk.text}" if article.title else chunk.text


def chunk_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def stored(embeddings: np.ndarray) -> np.ndarray:
    """Embeddings at the precision an index keeps them, as float32 for faiss. A full
    build and an incremental one (reusing stored vectors) give the same index."""
    return np.asarray(embeddings, dtype=EMBEDDING_DTYPE).astype(np.float32)


def save(data: IndexData, folder: Path, *, exact_max: int) -> dict[str, Any]:
    """Write every file of a generation into ``folder``. Returns manifest facts. A file
    that cannot be written (disk full, read-only folder) is an IndexWriteError."""
    from evqa import bm25, dense

    with _writing(folder, docstore.DOCS):
        docstore.write(
            folder / docstore.DOCS,
            data.articles.values(),
            data.article_hashes,
            data.sentences,
            data.spans,
            data.chunks,
            data.embedded,
        )
    embeddings = np.ascontiguousarray(data.embeddings, dtype=EMBEDDING_DTYPE)
    with _writing(folder, EMBEDDINGS):
        np.save(folder / EMBEDDINGS, embeddings, allow_pickle=False)
    index = dense.build_index(stored(data.embeddings), exact_max)
    dense.save_index(index, folder / DENSE)  # its own IndexWriteError
    with _writing(folder, BM25_DIR):
        (folder / BM25_DIR).mkdir()
        bm25.save(data.bm25, folder / BM25_DIR)
    return {"dense": {"type": type(index).__name__, "ntotal": int(index.ntotal)}}


# what a failed write of a generation file says: errno -> what happened
_NO_SPACE = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded"}
# SQLite's (primary) result codes of a write the disk or the folder refused
_SQLITE_WRITE = {
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_PERM,
}


@contextlib.contextmanager
def _writing(folder: Path, name: str) -> Iterator[None]:
    """Turn a failed write of generation file ``name`` (OSError, or SQLite's disk full,
    I/O error, read-only...) into an IndexWriteError that says what to do."""
    try:
        yield
    except OSError as e:
        full = _NO_SPACE.get(e.errno or 0)
        raise _write_error(folder, name, full, e.strerror or str(e)) from None
    except sqlite3.OperationalError as e:
        code = getattr(e, "sqlite_errorcode", sqlite3.SQLITE_IOERR) & 0xFF
        if code not in _SQLITE_WRITE:
            raise
        full = _NO_SPACE[errno.ENOSPC] if code == sqlite3.SQLITE_FULL else None
        raise _write_error(folder, name, full, str(e)) from None


def _write_error(folder: Path, name: str, full: str | None, why: str) -> IndexWriteError:
    """The IndexWriteError of generation file ``name`` written into ``folder`` (a new
    generation of an index): ``full`` says the disk is full, else ``why`` it failed."""
    where = f"{name} of the index {folder.parent}"
    unchanged = "any previous index is unchanged"
    if full:
        return IndexWriteError(f"{full} writing {where}; free space and run again ({unchanged})")
    return IndexWriteError(
        f"cannot write {where} ({why}); check the index folder is writable and the disk is "
        f"not full, and run again ({unchanged})"
    )


def load(gen: Generation) -> IndexData:
    """Open a generation: nothing is read but the store's meta, the BM25 arrays
    (memory-mapped) and the faiss index. Raises IndexCorruptError on missing or
    inconsistent files."""
    from evqa import bm25, dense

    articles, columns = docstore.open_store(gen.file(docstore.DOCS), gen.root)
    chunks = docstore.Chunks(articles)
    try:
        embeddings = npy.load(gen.file(EMBEDDINGS), mmap=True)
    except (OSError, ValueError):  # numpy's own text would suggest allow_pickle
        raise _corrupt(gen, f"{EMBEDDINGS} is not a readable .npy array") from None
    if embeddings.ndim != 2 or embeddings.shape[0] != len(chunks):
        raise _corrupt(gen, f"{EMBEDDINGS} has shape {embeddings.shape} for {len(chunks)} chunks")
    index = dense.load_index(gen.file(DENSE), f"rebuild with: evqa index build --index {gen.root}")
    if index.ntotal != len(chunks):
        raise _corrupt(gen, f"{DENSE} holds {index.ntotal} vectors for {len(chunks)} chunks")
    bm = bm25.load(gen.file(BM25_DIR))
    if bm.n_docs != len(chunks):
        raise _corrupt(gen, f"{BM25_DIR} holds {bm.n_docs} documents for {len(chunks)} chunks")
    return IndexData(
        articles=articles,
        chunks=chunks,
        embeddings=embeddings,
        embedded=docstore.ChunkHashes(articles.store),
        bm25=bm,
        dense=index,
        **columns,
    )


def chunk_dates(data: IndexData) -> list[str | None]:
    """Each chunk's article date, in chunk order."""
    if isinstance(data.chunks, docstore.Chunks):
        return data.chunks.article_dates()
    return [data.articles[c.doc_id].date for c in data.chunks]


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
