"""Writer: batches of articles into an index's two collections, skipping what is stored.

A chunk whose id and vector key (model, encoder and text) are stored is not embedded
again; an article whose key (its hash and the analysis) is stored is not analysed again,
and one whose key is stored with another ``source`` (a JSONL line that moved) is rewritten
with its stored spans.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, NamedTuple

import numpy as np

from evqa.backends.milvus.articles import article_rows, read_articles
from evqa.backends.milvus.chunks import SCALARS, bm25_text, chunk_row, embed_key, scalars
from evqa.backends.milvus.names import ARTICLES_SUFFIX
from evqa.backends.milvus.queries import count_rows, groups, in_expr
from evqa.edits import new_ids, replaced_ids, unchanged_ids
from evqa.types import Article, Chunk, Span

BATCH_ARTICLES = 256  # articles read, analysed, embedded and inserted together

Progress = Callable[[str, int, int | None], None]


@dataclass
class Counts:
    embedded: int = 0
    reused: int = 0
    # stored articles rewritten with another article of the same id (what an add replaced)
    replaced: set[str] = field(default_factory=set)
    added: set[str] = field(default_factory=set)  # articles the collection did not hold
    # articles the collection held with the same text and metadata: an add leaves them as
    # they are (one read from another ``source`` only has that rewritten)
    unchanged: set[str] = field(default_factory=set)


class _Planned(NamedTuple):
    """A chunk to write: its article, the text its vector is made of and that vector's key."""

    chunk: Chunk
    article: Article
    text: str
    key: str


def _content(key: str) -> str:
    """The part of an article key that the article's text and metadata make."""
    return key.split(":", 1)[0]


def batched(items: Iterable[Any], n: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, n)):
        yield batch


class Writer:
    """Writes batches of articles into an index's two collections, skipping the chunks
    whose id and hash (model + text) are already there, and the analysis of articles
    whose hash is unchanged. ``before_write`` is called once, before the first change to
    the collections (an add marks its index folder building then: an add that changes
    nothing never calls it); ``changed`` says whether there was one."""

    def __init__(
        self,
        client,
        collection: str,
        model,
        settings,
        cache_dir=None,
        encoder=None,
        before_write: Callable[[], None] | None = None,
    ):
        self.client, self.collection, self.model, self.settings = (
            client,
            collection,
            model,
            settings,
        )
        self.cache_dir = cache_dir
        self.encoder = encoder or settings.encoder  # the document encoder actually used
        self.articles = collection + ARTICLES_SUFFIX
        self._before_write, self.changed = before_write, False
        from evqa.spans import ANALYSIS_VERSION

        self._analysis = f"{ANALYSIS_VERSION}:{int(bool(settings.analysis))}"

    def article_key(self, article: Article) -> str:
        """What an article row is compared by: the article's hash and the analysis, then
        (after ":") a digest of its ``source``, which the hash leaves out. Rows written
        before the source was in the key have the first part only."""
        from evqa.corpus import article_hash

        content = f"{article_hash(article)}\0{self._analysis}".encode()
        source = (article.source or "").encode("utf-8", "surrogatepass")
        return (
            hashlib.sha256(content).hexdigest()[:32]
            + ":"
            + hashlib.blake2b(source, digest_size=4).hexdigest()
        )

    def write_all(
        self,
        articles: Iterable[Article],
        counts: Counts,
        progress: Progress | None = None,
        seen: set[str] | None = None,
        batch: int | None = None,
    ) -> None:
        """Write a stream of articles ``batch`` at a time, adding to ``counts`` (and the
        ids to ``seen``)."""
        for group in batched(articles, batch or BATCH_ARTICLES):
            c = self.write(group, progress)
            counts.embedded += c.embedded
            counts.reused += c.reused
            counts.replaced.update(c.replaced)
            counts.added.update(c.added)
            counts.unchanged.update(c.unchanged)
            if seen is not None:
                seen.update(a.id for a in group)
            if progress:
                progress("articles", len(group), None)

    def write(self, articles: Sequence[Article], progress: Progress | None = None) -> Counts:
        """Write one batch: the articles that changed, the chunks whose vector key changed
        (embedded) and those whose other fields changed (with their stored vector)."""
        from evqa import chunking

        # split once: the chunks and the changed articles' rows are made of the same sentences
        sentences = {a.id: chunking.split_sentences(a.text) for a in articles}
        replaced, added, unchanged = self._write_changed_articles(articles, sentences)
        planned = self._plan(articles, sentences)
        have = self._stored_chunks([a.id for a in articles])
        self._delete_stale(have, {p.chunk.id for p in planned})
        todo = [p for p in planned if have.get(p.chunk.id, {}).get("hash") != p.key]
        # same vector, other metadata (a new date, the chunk at other offsets) or BM25 words
        # of an older tokenizer: rewrite the row with its stored vector, so --since/--until
        # filter on the article's date now and BM25 finds it as a new row would be found
        moved = [
            p
            for p in planned
            if have.get(p.chunk.id, {}).get("hash") == p.key
            and (
                {f: have[p.chunk.id].get(f) for f in SCALARS} != scalars(p.chunk, p.article)
                or have[p.chunk.id].get("bm25_text") != bm25_text(p.text)
            )
        ]
        rows = self._embedded_rows(todo, progress) + self._moved_rows(moved)
        if rows:
            self._changing()
        for group in groups(rows, 512):
            self.client.upsert(self.collection, list(group))
        return Counts(
            embedded=len(todo),
            reused=len(planned) - len(todo),
            replaced=replaced,
            added=added,
            unchanged=unchanged,
        )

    def _plan(
        self, articles: Sequence[Article], sentences: Mapping[str, list[tuple[int, int]]]
    ) -> list[_Planned]:
        from evqa.chunking import chunk_article
        from evqa.indexdata import index_text

        size, overlap = self.settings.chunk_size, self.settings.chunk_overlap
        chunks = [
            (c, a) for a in articles for c in chunk_article(a, size, overlap, sentences[a.id])
        ]
        texts = [index_text(c, a) for c, a in chunks]
        return [
            _Planned(c, a, t, embed_key(self.model.sha256, t, self.encoder))
            for (c, a), t in zip(chunks, texts, strict=True)
        ]

    def _delete_stale(self, have: Mapping[str, Any], current: set[str]) -> None:
        """Delete the stored chunks of these articles that they no longer have."""
        stale = [cid for cid in have if cid not in current]
        if stale:
            self._changing()
        for group in groups(stale):
            self.client.delete(self.collection, ids=list(group))

    def _embedded_rows(self, todo: list[_Planned], progress: Progress | None) -> list[dict]:
        if not todo:
            return []
        vectors = self._embed([p.text for p in todo], progress)
        return [chunk_row(*p, vectors[j]) for j, p in enumerate(todo)]

    def _moved_rows(self, moved: list[_Planned]) -> list[dict]:
        if not moved:
            return []
        stored = self._stored_vectors([p.chunk.id for p in moved])
        return [chunk_row(*p, stored[p.chunk.id]) for p in moved]

    def _embed(self, texts: list[str], progress: Progress | None) -> np.ndarray:
        from evqa.encoder import encode_documents

        return encode_documents(
            self.model,
            texts,
            batch_size=self.settings.batch_size,
            progress=(lambda n: progress("embed", n, None)) if progress else None,
            encoder=self.encoder,
            cache_dir=self.cache_dir,
        )

    def _write_changed_articles(
        self, articles: Sequence[Article], sentences: Mapping[str, list[tuple[int, int]]]
    ) -> tuple[set[str], set[str], set[str]]:
        """Write the articles whose key changed; the ids of those that replaced a stored one,
        of those the collection did not hold, and of those it held with the same text and
        metadata."""
        keys = {a.id: self.article_key(a) for a in articles}
        stored = self.stored_article_keys([a.id for a in articles])
        content = {i: _content(k) for i, k in keys.items()}
        stored_content = {i: _content(k) for i, k in stored.items()}
        changed = [a for a in articles if stored_content.get(a.id) != content[a.id]]
        relabelled = [  # same text and metadata, another source (or an older key)
            a
            for a in articles
            if a.id in stored
            and stored[a.id] != keys[a.id]
            and stored_content[a.id] == content[a.id]
        ]
        if changed:
            self._write_articles(changed, keys, sentences)
        if relabelled:
            self._rewrite_articles(relabelled, keys)
        return (
            set(replaced_ids(stored_content, content)),
            set(new_ids(stored_content, content)),
            set(unchanged_ids(stored_content, content)),
        )

    def _write_articles(
        self,
        articles: Sequence[Article],
        keys: Mapping[str, str],
        sentences: Mapping[str, Sequence[tuple[int, int]]],
        spans: Sequence[Sequence[Span]] | None = None,
    ) -> None:
        """Replace the rows of ``articles`` (analysed here unless their ``spans`` are given)."""
        from evqa.analysis import analyze

        if not articles:
            return
        if spans is None:
            spans = analyze([a.text for a in articles], use_spacy=self.settings.analysis)
        rows = [
            row
            for a, found in zip(articles, spans, strict=True)
            for row in article_rows(a, sentences[a.id], found, keys[a.id])
        ]
        self._changing()
        for group in groups([a.id for a in articles]):
            self.client.delete(self.articles, filter=in_expr("doc_id", group))
        for group in groups(rows, 256):
            self.client.insert(self.articles, list(group))

    def _rewrite_articles(self, articles: Sequence[Article], keys: Mapping[str, str]) -> None:
        """Rewrite the rows of stored ``articles`` whose text is unchanged (their source or
        key format is not) with the spans stored with them."""
        docs = read_articles(self.client, self.collection, [a.id for a in articles])
        stored = [a for a in articles if a.id in docs]
        sentences = {a.id: docs[a.id].sentences for a in stored}
        self._write_articles(stored, keys, sentences, [docs[a.id].spans for a in stored])

    def stored_article_keys(self, ids: Sequence[str]) -> dict[str, str]:
        """doc id -> the key stored with the article, for those of ``ids`` stored."""
        out = {}
        for group in groups(ids):
            rows = self.client.query(
                self.articles,
                filter=f"part == 0 and {in_expr('doc_id', group)}",
                output_fields=["doc_id", "hash"],
            )
            out.update({r["doc_id"]: r["hash"] for r in rows})
        return out

    def _stored_chunks(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """chunk id -> its stored hash, bm25_text and SCALARS, for the chunks of ``doc_ids``."""
        out = {}
        # few docs a query: a query returns at most 16,384 rows (maxQueryResultWindow)
        for group in groups(doc_ids, 50):
            rows = self.client.query(
                self.collection,
                filter=in_expr("doc_id", group),
                output_fields=["chunk_id", "hash", "bm25_text", *SCALARS],
            )
            out.update({r["chunk_id"]: r for r in rows})
        return out

    def _stored_vectors(self, chunk_ids: Sequence[str]) -> dict[str, list[float]]:
        out = {}
        for group in groups(chunk_ids):
            for r in self.client.get(self.collection, ids=list(group), output_fields=["dense"]):
                out[r["chunk_id"]] = r["dense"]
        return out

    def drop(self, doc_ids: Sequence[str]) -> None:
        if doc_ids:
            self._changing()
        for group in groups(list(doc_ids)):
            self.client.delete(self.collection, filter=in_expr("doc_id", group))
            self.client.delete(self.articles, filter=in_expr("doc_id", group))

    def _changing(self) -> None:
        """Before a change to the collections: the first one calls ``before_write``."""
        if not self.changed and self._before_write is not None:
            self._before_write()
        self.changed = True

    def flush(self) -> None:
        # milvus-lite: without a flush every hybrid search rebuilds the sparse index
        self.client.flush(self.collection)
        self.client.flush(self.articles)

    def counts(self) -> tuple[int, int]:
        return (
            count_rows(self.client, self.articles, "part == 0"),
            count_rows(self.client, self.collection),
        )
