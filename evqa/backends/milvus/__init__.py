"""The Milvus backend: an index whose chunks and articles live in Milvus collections.

The same code talks to milvus-lite (``uri`` is a file, e.g. ``news.db``) and to a server
or cluster (``uri="http://host:19530"``). A token for a secured cluster (``TOKEN`` or
``user:password``) is read from ``EVQA_MILVUS_TOKEN`` only: never from a flag, never written
to the manifest or printed. Importing this package does not import pymilvus; the first
connection does.

    uris.py        accepted URI forms; the URI as the manifest records and resolves it
    connection.py  the lazy pymilvus import, the timeout, connect, errors that say what to do
    names.py       collection names: the pair NAME / NAME_articles, the default, valid names
    schema.py      the two collections' fields, indexes and BM25 function; schema_problems
    ensure.py      create the pair (a build) or check and load it, or say what to run
    ownership.py   the index that owns a pair (property evqa.owner): claim, refuse, index ids
    queries.py     "x in [...]" filters, ids in groups, row counts
    chunks.py      a chunk row: fields outside its hash, vector key (embed_key), bm25_text
    articles.py    an article row: JSON in parts, written and read back whole; doc ids
    search.py      both retrievers on the server, fused on the client with exact fill
    backend.py     MilvusBackend: open, search, lazy article mappings (LRU), status, verify
    status.py      status_of: counts, completeness and problems, also of an unfinished build
    hints.py       the rebuild and finish commands messages suggest
    writer.py      Writer: batches of articles in, skipping what is stored
    session.py     the folder's side of a write: claim, mark incomplete, commit complete
    manifest.py    the manifest of a build, add or remove
    operations.py  build, add and remove, streaming

Tuning values (``writer.BATCH_ARTICLES``, ``queries.IN_LIST``, ``backend.CACHE_ARTICLES``)
are read where they are defined: patch them in their module, not here.
"""

from evqa.backends.milvus.articles import PART_CHARS, iter_doc_ids, read_articles
from evqa.backends.milvus.backend import MilvusBackend
from evqa.backends.milvus.chunks import SCALARS, bm25_text, embed_key
from evqa.backends.milvus.connection import classify, connect
from evqa.backends.milvus.ensure import ensure_collections
from evqa.backends.milvus.hints import finish_command, rebuild_command
from evqa.backends.milvus.names import ARTICLES_SUFFIX, check_collection, default_collection
from evqa.backends.milvus.operations import add, build, remove
from evqa.backends.milvus.ownership import (
    OWNER_PROPERTY,
    claim,
    index_id,
    new_index_id,
    owner_of,
)
from evqa.backends.milvus.schema import (
    ARTICLE_FIELDS,
    ARTICLES_DESCRIPTION,
    CHUNK_FIELDS,
    CHUNKS_DESCRIPTION,
    ID_MAX,
    TITLE_MAX,
    VARCHAR_MAX,
    schema_problems,
    schema_problems_only,
)
from evqa.backends.milvus.status import status_of
from evqa.backends.milvus.uris import (
    LITE_FILE,
    SERVER_SCHEMES,
    URI_FORMS,
    absolute_uri,
    check_uri,
    is_lite,
    recorded_uri,
    resolve_uri,
)
from evqa.backends.milvus.writer import Progress, Writer

__all__ = [
    "ARTICLE_FIELDS",
    "ARTICLES_DESCRIPTION",
    "ARTICLES_SUFFIX",
    "CHUNK_FIELDS",
    "CHUNKS_DESCRIPTION",
    "ID_MAX",
    "LITE_FILE",
    "OWNER_PROPERTY",
    "PART_CHARS",
    "SCALARS",
    "SERVER_SCHEMES",
    "TITLE_MAX",
    "URI_FORMS",
    "VARCHAR_MAX",
    "MilvusBackend",
    "Progress",
    "Writer",
    "absolute_uri",
    "add",
    "bm25_text",
    "build",
    "check_collection",
    "check_uri",
    "claim",
    "classify",
    "connect",
    "default_collection",
    "embed_key",
    "ensure_collections",
    "finish_command",
    "index_id",
    "is_lite",
    "iter_doc_ids",
    "new_index_id",
    "owner_of",
    "read_articles",
    "rebuild_command",
    "recorded_uri",
    "remove",
    "resolve_uri",
    "schema_problems",
    "schema_problems_only",
    "status_of",
]
