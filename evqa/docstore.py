"""Articles, sentences, spans and chunks in one SQLite file, read by id on demand.

A generation's ``docs.sqlite`` holds::

    articles(row, id, title, date, url, source, text, hash, sentences, spans)
    chunks(row, id, article, start, stop, embedded)     -- article = articles.row
    meta(key, value)                                    -- counts and the schema version

``chunks.row`` is the chunk's position, its id in BM25 and faiss. Opening the store reads
nothing but ``meta``; a cold query reads the rows of its top-k chunks and their articles
(parsing the old JSONL files took ~2 s and 700 MB of a cold ask at 150k chunks).

The file is written once, inside the temporary folder of a new generation, with the
journal off: what makes a build atomic is the generation scheme (``CURRENT`` moves only
after the whole folder is fsynced), not SQLite's journal. It is read with
``immutable=1``: no locks and no ``-wal``/``-shm`` files, so a read-only index folder
works, and a store is safe to share between threads (one connection, one lock).
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from evqa.errors import IndexCorruptError
from evqa.types import Article, Chunk, Span

DOCS = "docs.sqlite"
SCHEMA_VERSION = 1
CACHE = 2048  # articles (and their sentences and spans) kept converted in memory
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
  row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT, date TEXT, url TEXT,
  source TEXT, text TEXT NOT NULL, hash TEXT NOT NULL, sentences TEXT NOT NULL,
  spans TEXT NOT NULL);
CREATE TABLE chunks (
  row INTEGER PRIMARY KEY, id TEXT NOT NULL, article INTEGER NOT NULL,
  start INTEGER NOT NULL, stop INTEGER NOT NULL, embedded TEXT NOT NULL);
"""
_ARTICLE = "SELECT id, text, title, date, url, source, hash, sentences, spans FROM articles"
COLUMNS = {"hash": 6, "sentences": 7, "spans": 8}  # per-article columns, by position in a row
_CHUNK = "SELECT c.id, a.id, c.start, c.stop FROM chunks c JOIN articles a ON a.row = c.article"


# --- writing -----------------------------------------------------------------------------


def write(
    path: Path,
    articles: Iterable[Article],
    hashes: Mapping[str, str],
    sentences: Mapping[str, Sequence[tuple[int, int]]],
    spans: Mapping[str, Sequence[Span]],
    chunks: Iterable[Chunk],
    embedded: Iterable[str],
) -> None:
    """Write a new store at ``path`` (which must not exist) in one transaction."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")  # store.commit fsyncs the whole generation
        db.executescript(_SCHEMA)
        rows: dict[str, int] = {}
        with db:
            db.executemany(
                "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?)",
                _article_rows(articles, hashes, sentences, spans, rows),
            )
            db.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?)",
                (
                    (i, c.id, rows[c.doc_id], c.start, c.end, h)
                    for i, (c, h) in enumerate(zip(chunks, embedded, strict=True))
                ),
            )
            n_chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            meta = {"schema": SCHEMA_VERSION, "articles": len(rows), "chunks": n_chunks}
            db.executemany("INSERT INTO meta VALUES (?,?)", [(k, str(v)) for k, v in meta.items()])
    finally:
        db.close()


def _article_rows(articles, hashes, sentences, spans, rows: dict[str, int]) -> Iterator[tuple]:
    for i, a in enumerate(articles):
        rows[a.id] = i
        yield (
            i,
            a.id,
            a.title,
            a.date,
            a.url,
            a.source,
            a.text,
            hashes[a.id],
            _compact([list(s) for s in sentences[a.id]]),
            _compact([[s.start, s.end, s.label] for s in spans[a.id]]),
        )


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- reading -----------------------------------------------------------------------------


class DocStore:
    """A read-only connection to one generation's ``docs.sqlite``."""

    def __init__(self, path: Path, root: Path | None = None) -> None:
        self.path = Path(path)
        self._fix = f"rebuild with: evqa index build --index {root or self.path.parent.parent}"
        if not self.path.is_file():
            raise IndexCorruptError(f"index file {self.path} is missing; {self._fix}")
        uri = self.path.resolve().as_uri() + "?mode=ro&immutable=1"
        try:
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.Error as e:  # e.g. collected by a build since the is_file check
            raise self.corrupt(str(e)) from None
        self._lock = threading.Lock()
        self.article_row = functools.lru_cache(maxsize=CACHE)(self._article_row)
        meta = dict(self.rows("SELECT key, value FROM meta"))
        try:
            if int(meta["schema"]) != SCHEMA_VERSION:
                raise ValueError(f"schema {meta['schema']}")
            self.n_articles, self.n_chunks = int(meta["articles"]), int(meta["chunks"])
        except (KeyError, ValueError) as e:
            raise self.corrupt(f"its meta table is not an evqa store ({e})") from None

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as e:
            raise self.corrupt(str(e)) from None

    def _article_row(self, key: str) -> tuple | None:
        """One article's whole row, read once: the article, its hash, sentences and spans
        all come from it (selecting a column after ``text`` would read the text again)."""
        rows = self.rows(f"{_ARTICLE} WHERE id = ?", (key,))
        return rows[0] if rows else None

    def corrupt(self, why: str) -> IndexCorruptError:
        return IndexCorruptError(f"index file {self.path} is unreadable ({why}); {self._fix}")

    def close(self) -> None:
        self._db.close()


class Articles(Mapping[str, Article]):
    """Articles by id, each read on first use (and kept, up to CACHE)."""

    def __init__(self, store: DocStore) -> None:
        self.store = store
        self._get = functools.lru_cache(maxsize=CACHE)(self._fetch)

    def _fetch(self, key: str) -> Article | None:
        row = self.store.article_row(key)
        return _article(row) if row else None

    def __getitem__(self, key: str) -> Article:
        article = self._get(key) if isinstance(key, str) else None
        if article is None:
            raise KeyError(key)
        return article

    def __iter__(self) -> Iterator[str]:
        return (r[0] for r in self.store.rows("SELECT id FROM articles ORDER BY row"))

    def __len__(self) -> int:
        return self.store.n_articles

    def values(self) -> list[Article]:  # type: ignore[override]  # one query, not one per id
        return [_article(r) for r in self.store.rows(f"{_ARTICLE} ORDER BY row")]

    def dates(self) -> list[str | None]:
        """Every article's date, in article order (one query of the date column alone: no
        text is read)."""
        return [r[0] for r in self.store.rows("SELECT date FROM articles ORDER BY row")]


class ArticleColumn(Mapping[str, Any]):
    """One per-article column by article id (hash, sentences or spans), converted on first
    use by ``convert(raw, article_id)``."""

    def __init__(self, articles: Articles, column: str, convert: Callable[[str, str], Any]):
        self.articles, self.column, self.convert = articles, column, convert
        self._get = functools.lru_cache(maxsize=CACHE)(self._fetch)

    def _fetch(self, key: str) -> tuple[bool, Any]:
        row = self.articles.store.article_row(key)
        if not row:
            return False, None
        try:
            return True, self.convert(row[COLUMNS[self.column]], key)
        except (TypeError, ValueError, IndexError, KeyError) as e:
            why = f"malformed {self.column} of {key!r}: {e!r}"
            raise self.articles.store.corrupt(why) from None

    def __getitem__(self, key: str) -> Any:
        found, value = self._get(key) if isinstance(key, str) else (False, None)
        if not found:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.articles)

    def __len__(self) -> int:
        return len(self.articles)


class Chunks(Sequence[Chunk]):
    """Chunks by position; the text is sliced from the (cached) article."""

    def __init__(self, articles: Articles) -> None:
        self.articles = articles
        self.store = articles.store

    def __len__(self) -> int:
        return self.store.n_chunks

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        rows = self.store.rows(f"{_CHUNK} WHERE c.row = ?", (i,)) if 0 <= i < len(self) else []
        if not rows:
            raise IndexError(f"chunk {i} out of range")
        return self._chunk(rows[0])

    def __iter__(self) -> Iterator[Chunk]:
        return (self._chunk(r) for r in self.store.rows(f"{_CHUNK} ORDER BY c.row"))

    def _chunk(self, row: tuple) -> Chunk:
        cid, doc_id, start, stop = row
        try:
            text = self.articles[doc_id].text[start:stop]
        except KeyError:
            raise self.store.corrupt(f"chunk {cid!r} points at a missing article") from None
        return Chunk(cid, doc_id, start, stop, text)

    def article_dates(self) -> list[str | None]:
        """Each chunk's article date, in chunk order (one query)."""
        sql = "SELECT a.date FROM chunks c JOIN articles a ON a.row = c.article ORDER BY c.row"
        return [r[0] for r in self.store.rows(sql)]


class ChunkHashes(Sequence[str]):
    """Each chunk's embedded-text hash, in chunk order, read in one query on first use
    (only an incremental build needs them)."""

    def __init__(self, store: DocStore) -> None:
        self.store = store
        self._all: list[str] | None = None

    def _rows(self) -> list[str]:
        if self._all is None:
            self._all = [r[0] for r in self.store.rows("SELECT embedded FROM chunks ORDER BY row")]
        return self._all

    def __getitem__(self, i):  # type: ignore[override]
        return self._rows()[i]

    def __len__(self) -> int:
        return self.store.n_chunks


def _article(row: tuple) -> Article:
    aid, text, title, date, url, source = row[:6]
    return Article(id=aid, text=text, title=title, date=date, url=url, source=source)


def sentences_of(raw: str, _key: str) -> list[tuple[int, int]]:
    return [(int(s), int(e)) for s, e in json.loads(raw)]


def spans_of(articles: Articles) -> Callable[[str, str], list[Span]]:
    def convert(raw: str, key: str) -> list[Span]:
        text = articles[key].text
        return [Span(int(s), int(e), str(label), text[s:e]) for s, e, label in json.loads(raw)]

    return convert


def open_store(path: Path, root: Path | None = None) -> tuple[Articles, dict[str, Mapping]]:
    """The articles of a store, and its per-article columns: hashes, sentences, spans."""
    articles = Articles(DocStore(path, root))
    return articles, {
        "article_hashes": ArticleColumn(articles, "hash", lambda raw, _key: str(raw)),
        "sentences": ArticleColumn(articles, "sentences", sentences_of),
        "spans": ArticleColumn(articles, "spans", spans_of(articles)),
    }
