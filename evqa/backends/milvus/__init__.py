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
    queries.py     "x in [...]" and date-range filters, ids in groups, row counts
    chunks.py      a chunk row: fields outside its hash, vector key (embed_key), bm25_text
    articles.py    an article row: JSON in parts, written and read back whole; doc ids
    search.py      both retrievers on the server, fused on the client with exact fill
    backend.py     MilvusBackend: open, search, lazy article mappings (LRU), status, verify
    status.py      status_of: counts, completeness and problems, also of an unfinished build
    hints.py       the rebuild and finish commands messages suggest
    writer.py      Writer: batches of articles in, skipping what is stored
    session.py     the folder's side of a write: claim, mark incomplete, commit complete
                   (an add that changes nothing commits nothing)
    manifest.py    the manifest of a build, add or remove
    operations.py  build, add and remove, streaming

Tuning values (``writer.BATCH_ARTICLES``, ``queries.IN_LIST``, ``backend.CACHE_ARTICLES``)
are read where they are defined: patch them in their module, not here.
"""

from evqa.backends.milvus.articles import PART_CHARS
from evqa.backends.milvus.backend import MilvusBackend
from evqa.backends.milvus.chunks import bm25_text, embed_key
from evqa.backends.milvus.connection import classify, connect
from evqa.backends.milvus.ensure import ensure_collections
from evqa.backends.milvus.hints import rebuild_command
from evqa.backends.milvus.names import ARTICLES_SUFFIX
from evqa.backends.milvus.operations import add, build, remove
from evqa.backends.milvus.ownership import OWNER_PROPERTY
from evqa.backends.milvus.status import status_of
from evqa.backends.milvus.uris import check_uri, resolve_uri
from evqa.backends.milvus.writer import Writer

__all__ = [
    "ARTICLES_SUFFIX",
    "OWNER_PROPERTY",
    "PART_CHARS",
    "MilvusBackend",
    "Writer",
    "add",
    "bm25_text",
    "build",
    "check_uri",
    "classify",
    "connect",
    "embed_key",
    "ensure_collections",
    "rebuild_command",
    "remove",
    "resolve_uri",
    "status_of",
]
