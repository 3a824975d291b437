"""MilvusBackend: one evqa index in Milvus, opened for reading. It searches (see
:mod:`evqa.backends.milvus.search`), exposes articles, sentences and spans as lazy
mappings over an LRU cache of fetched articles, and reports counts and problems."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from evqa import store
from evqa.backends.milvus.articles import Doc, iter_date_nums, iter_doc_ids, read_articles
from evqa.backends.milvus.connection import classify, connect, require_pymilvus
from evqa.backends.milvus.ensure import check_pair, load_pair
from evqa.backends.milvus.hints import finish_command, rebuild_command
from evqa.backends.milvus.names import ARTICLES_SUFFIX
from evqa.backends.milvus.ownership import index_id, owner_of
from evqa.backends.milvus.queries import count_rows, date_expr, groups
from evqa.backends.milvus.schema import schema_problems
from evqa.backends.milvus.search import Retrieval
from evqa.backends.milvus.uris import resolve_uri
from evqa.dates import NO_DATE, DateRange
from evqa.errors import IndexStaleError

CACHE_ARTICLES = 4_096  # fetched articles kept per engine (LRU)


class MilvusBackend(Retrieval):
    """Search and fetch over one evqa index in Milvus."""

    def __init__(
        self,
        client,
        uri: str,
        collection: str,
        manifest: Mapping[str, Any],
        root: Path | None = None,
    ) -> None:
        self.client = client
        self.uri = uri
        self.collection = collection
        self.manifest = manifest
        self.root = root  # the index folder (for the commands messages suggest)
        self._docs: OrderedDict[str, Doc | None] = OrderedDict()
        self.articles = _DocField(self, lambda d: d.article)
        self.sentences = _DocField(self, lambda d: d.sentences)
        self.spans = _DocField(self, lambda d: d.spans)

    @property
    def data(self) -> MilvusBackend:  # what Engine.data holds: articles/spans/sentences
        return self

    @classmethod
    def open(cls, gen: store.Generation) -> MilvusBackend:
        entry = gen.manifest.get("backend") or {}
        uri = resolve_uri(entry, gen.root)
        collection = entry.get("collection")
        if not entry.get("complete"):
            raise IndexStaleError(
                f"the Milvus build of {gen.root} (collection {collection}) did not finish; "
                f"finish it with: {finish_command(gen.root, gen.manifest)}"
            )
        rebuild = rebuild_command(gen.root, gen.manifest, collection=False)
        whole = rebuild_command(gen.root, gen.manifest)
        client = connect(uri, rebuild=whole)
        dim = int(gen.manifest.get("model", {}).get("dim", 0))
        try:
            check_pair(client, collection, dim, rebuild)
        except require_pymilvus().MilvusException as e:
            raise classify(e, uri, "opening the index", rebuild=whole) from None
        return cls(client, uri, collection, gen.manifest, gen.root)

    @property
    def rebuild(self) -> str:
        """The command that rebuilds this index (for messages)."""
        return rebuild_command(self.root, self.manifest)

    # --- articles -----------------------------------------------------------------------

    def fetch(self, doc_ids: Iterable[str]) -> None:
        """Load the given articles (text, sentences, spans) into the cache, in few queries."""
        todo = sorted({d for d in doc_ids if d not in self._docs})
        for group in groups(todo):
            found = read_articles(self.client, self.collection, group)
            for d in group:
                self._remember(d, found.get(d))

    def doc(self, doc_id: str) -> Doc | None:
        if doc_id not in self._docs:
            try:
                self.fetch([doc_id])
            except require_pymilvus().MilvusException as e:
                raise classify(e, self.uri, "fetching an article", rebuild=self.rebuild) from None
        self._docs.move_to_end(doc_id)
        return self._docs[doc_id]

    def _remember(self, doc_id: str, doc: Doc | None) -> None:
        self._docs[doc_id] = doc
        while len(self._docs) > CACHE_ARTICLES:
            self._docs.popitem(last=False)

    def doc_ids(self) -> Iterator[str]:
        yield from iter_doc_ids(self.client, self.collection)

    def count_articles(self) -> int:
        return count_rows(self.client, self.collection + ARTICLES_SUFFIX, "part == 0")

    def count_undated(self) -> int:
        """Articles without a date (what a date filter leaves out; see evqa.dates)."""
        expr = f"part == 0 and date_num == {NO_DATE}"
        return count_rows(self.client, self.collection + ARTICLES_SUFFIX, expr)

    def count_dated(self, dates: DateRange) -> int:
        """Articles whose date ``dates`` keeps."""
        expr = f"part == 0 and {date_expr(dates)}"
        return count_rows(self.client, self.collection + ARTICLES_SUFFIX, expr)

    def date_bounds(self) -> tuple[int, int] | None:
        """The earliest and latest article date (YYYYMMDD), or None when no article is
        dated. Milvus cannot order a query, so this reads every article's date: the engine
        asks only when a date filter kept no article."""
        nums = list(iter_date_nums(self.client, self.collection))
        return (min(nums), max(nums)) if nums else None

    # --- status and verify -----------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "backend": "milvus",
            "uri": self.uri,
            "collection": self.collection,
            "articles": self.count_articles(),
            "chunks": count_rows(self.client, self.collection),
        }

    def verify(self) -> list[str]:
        dim = int(self.manifest.get("model", {}).get("dim", 0))
        problems = schema_problems(self.client, self.collection, dim)
        if problems:
            return problems
        load_pair(self.client, self.collection)
        owner, mine = owner_of(self.client, self.collection), index_id(self.manifest)
        if owner is not None and mine is not None and owner.get("id") != mine:
            problems.append(
                f"collection {self.collection} now belongs to the evqa index "
                f"{owner.get('index') or owner.get('id')}, not to this one"
            )
            return problems
        want = self.manifest.get("corpus", {})
        st = self.status()
        for what in ("articles", "chunks"):
            if want.get(what) is not None and st[what] != want[what]:
                problems.append(
                    f"{self.collection} holds {st[what]} {what}; the build recorded {want[what]}"
                )
        return problems


class _DocField(Mapping):
    """A read-only mapping doc id -> one field of the article, fetched on first access
    (and kept in the backend's LRU cache), so the answerer reads the few hit articles
    exactly as it reads a local index's dicts."""

    def __init__(self, backend: MilvusBackend, pick: Callable[[Doc], Any]) -> None:
        self._backend, self._pick = backend, pick

    def __getitem__(self, doc_id: str) -> Any:
        doc = self._backend.doc(doc_id)
        if doc is None:
            raise KeyError(doc_id)
        return self._pick(doc)

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self._backend.doc(doc_id) is not None

    def __iter__(self) -> Iterator[str]:
        return self._backend.doc_ids()

    def __len__(self) -> int:
        return self._backend.count_articles()
