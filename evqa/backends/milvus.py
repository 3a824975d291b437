"""The Milvus backend: an index whose chunks and articles live in Milvus collections.

The same code talks to milvus-lite (``uri`` is a file, e.g. ``news.db``) and to a server
or cluster (``uri="http://host:19530"``). A token for a secured cluster (``TOKEN`` or
``user:password``) is read from ``EVQA_MILVUS_TOKEN`` only: never from a flag, never written
to the manifest or printed.

Two collections per index:

* ``NAME`` -- one row per chunk: ``chunk_id`` (primary key), ``doc_id``, ``title``, ``date``,
  ``date_num`` (YYYYMMDD for ``--since/--until``), ``start``/``end`` (article offsets),
  ``text``, ``bm25_text`` (evqa's own stemmed BM25 tokens, space-joined, read by a
  ``standard`` analyzer: milvus-lite has no English stemmer), ``hash`` (model + text:
  what a resumed build skips), ``sparse`` (the server's BM25 function of ``bm25_text``) and
  ``dense`` (384-d, COSINE, HNSW).
* ``NAME_articles`` -- each article's cleaned text, sentences and spans as JSON, in parts of
  at most 16,000 characters (a VARCHAR holds 65,535 bytes), fetched by ``doc_id`` for the
  top hits only.

The chunk collection's property ``evqa.owner`` names the index (its manifest's
``index_id``, folder and host) that owns the pair: a build, add or remove refuses a pair
another index owns.

Retrieval runs both retrievers on the server and fuses on the client with the local
index's min-max weighting (evqa.fusion), filling each candidate's missing score exactly
(the dense similarity from its stored vector, the BM25 score from a sparse search
filtered to those ids), so bm25/dense/hybrid and ``--explain`` mean what they mean
locally.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from evqa import config, store
from evqa.dates import DateRange, date_num
from evqa.errors import (
    BackendAuthError,
    BackendUnavailableError,
    EvqaError,
    IndexCorruptError,
    IndexNotFoundError,
    IndexStaleError,
    IndexWriteError,
    InputError,
    SchemaMismatchError,
)
from evqa.types import Article, Chunk, Hit, Span

CHUNKS_DESCRIPTION = "evqa chunks v1"
ARTICLES_DESCRIPTION = "evqa articles v1"
ARTICLES_SUFFIX = "_articles"
VARCHAR_MAX = 65_535  # bytes
PART_CHARS = 16_000  # <= 64,000 bytes in UTF-8 whatever the script
TITLE_MAX = 4_096
ID_MAX = 1_024
BATCH_ARTICLES = 256  # articles read, analysed, embedded and inserted together
IN_LIST = 200  # ids per "x in [...]" expression
CACHE_ARTICLES = 4_096  # fetched articles kept per engine (LRU)
LITE_FILE = "milvus.db"  # default milvus-lite file inside the index folder
SCALARS = ("title", "date", "date_num", "start", "end")  # chunk fields outside its hash

Progress = Callable[[str, int, int | None], None]


# --- connecting -------------------------------------------------------------------------


def _pymilvus():
    try:
        import pymilvus
    except ModuleNotFoundError:
        raise EvqaError(
            "the Milvus backend needs the milvus extra: pip install -e '.[milvus]'"
        ) from None
    return pymilvus


def is_lite(uri: str) -> bool:
    return "://" not in uri


SERVER_SCHEMES = ("http", "https", "grpc", "tcp", "unix")  # what pymilvus connects to
URI_FORMS = "a milvus-lite file ending in .db (news.db) or a server (http://HOST:19530)"


def check_uri(uri: str) -> str:
    """``uri`` if pymilvus can use it, else InputError saying what is accepted."""
    if not uri or not uri.strip():
        raise InputError(f"the Milvus URI is empty; pass --uri with {URI_FORMS}")
    if is_lite(uri):
        if not uri.endswith(".db"):
            raise InputError(f"the Milvus URI {uri!r} is not {URI_FORMS}")
        return uri
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as e:
        raise InputError(f"the Milvus URI {uri!r} is malformed ({e}); pass {URI_FORMS}") from None
    if parts.username or parts.password:
        raise InputError(
            "do not put credentials in the Milvus URI; set EVQA_MILVUS_TOKEN "
            "(TOKEN or user:password) instead"
        )
    if parts.scheme.lower() not in SERVER_SCHEMES:
        raise InputError(
            f"unsupported Milvus URI scheme {parts.scheme!r} in {uri}; pass {URI_FORMS} "
            f"(schemes: {', '.join(SERVER_SCHEMES)})"
        )
    if uri.endswith(".db"):  # pymilvus would open it as a milvus-lite file
        raise InputError(f"the Milvus server URI {uri!r} must not end in .db; pass {URI_FORMS}")
    return uri


def _timeout() -> float:
    raw = os.environ.get("EVQA_MILVUS_TIMEOUT") or "10"
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (0 < value < float("inf")):
        raise InputError(
            f"EVQA_MILVUS_TIMEOUT={raw!r} is not a number of seconds above 0; fix or unset it"
        )
    return value


def connect(uri: str, *, create: bool = False, rebuild: str | None = None):
    """A MilvusClient for ``uri``. Raises InputError (a URI or setting pymilvus cannot
    use), IndexNotFoundError (a milvus-lite file that does not exist when ``create`` is
    false; ``rebuild`` is the command that rebuilds the index), IndexWriteError (a lite
    file that cannot be created), BackendUnavailableError (unreachable) or
    BackendAuthError."""
    check_uri(uri)
    timeout = _timeout()
    pymilvus = _pymilvus()
    if is_lite(uri):
        path = Path(uri)
        if not create and not path.exists():
            raise IndexNotFoundError(
                f"the milvus-lite file {uri} does not exist; "
                + (f"rebuild the index with: {rebuild}" if rebuild else "build the index first")
            )
        if create and not path.exists():
            _check_creatable(path)
    import logging

    # pymilvus warns on stderr about milvus-lite's missing MVCC timestamps; not news to users
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # our errors say it better
    # milvus-lite's in-process gRPC server logs a traceback for every call it does not
    # implement (the query iterator asks for a timestamp first, then carries on)
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)  # a traceback for a busy file
    token = os.environ.get("EVQA_MILVUS_TOKEN") or ""
    try:
        return pymilvus.MilvusClient(uri=uri, token=token, timeout=timeout)
    except pymilvus.MilvusException as e:
        raise classify(e, uri) from None
    except (OSError, RuntimeError) as e:
        raise BackendUnavailableError(_unavailable(uri, str(e))) from None


def _check_creatable(path: Path) -> None:
    """Make the folder of a new milvus-lite file and check it can be written (IndexWriteError
    otherwise: milvus-lite itself only says "Open local milvus failed")."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent, prefix=".evqa-probe-"):
            pass
    except (FileExistsError, NotADirectoryError) as e:
        raise IndexWriteError(
            f"cannot create the milvus-lite file {path}: {e.filename or path.parent} is a "
            "file, not a folder; pass --uri with a .db file in a writable folder"
        ) from None
    except OSError as e:
        raise IndexWriteError(
            f"cannot create the milvus-lite file {path}: {e.strerror or e} "
            f"({e.filename or path.parent}); pass --uri with a .db file in a writable folder"
        ) from None


def classify(e: Exception, uri: str, doing: str = "") -> EvqaError:
    """A MilvusException as an EvqaError whose message says what to do (never the token)."""
    message = str(getattr(e, "message", "") or e)
    token = os.environ.get("EVQA_MILVUS_TOKEN")
    if token:
        message = message.replace(token, "***")
    causes = _causes(e)  # pymilvus wraps a refused login as "Fail connecting to server"
    low = " ".join([message, *causes]).lower()
    if any(w in low for w in ("unauthenticated", "auth check", "credential", "password")) or any(
        w in low for w in ("permission_denied", "permission denied", "invalid token")
    ):
        return BackendAuthError(
            f"Milvus at {uri} refused the credentials ({message}); set EVQA_MILVUS_TOKEN "
            "to a valid TOKEN or user:password"
        )
    return BackendUnavailableError(_unavailable(uri, message, doing))


def _causes(e: BaseException, most: int = 8) -> list[str]:
    """The texts of the exceptions behind ``e`` (gRPC status codes included)."""
    out, seen = [], {id(e)}
    x = e.__cause__ or e.__context__
    while x is not None and id(x) not in seen and len(out) < most:
        seen.add(id(x))
        code = getattr(x, "code", None)
        if callable(code):
            with contextlib.suppress(Exception):  # only a hint
                out.append(str(code()))
        out.append(str(x))
        x = x.__cause__ or x.__context__
    return out


def _unavailable(uri: str, message: str, doing: str = "") -> str:
    what = f" while {doing}" if doing else ""
    hint = (
        "milvus-lite needs the loopback interface (127.0.0.1) and a writable folder, and "
        "opens a file in one process at a time (is evqa serve or a build using it?); "
        "for concurrent use run a Milvus server"
        if is_lite(uri)
        else "check that the server is running and the address is right (--uri / EVQA_MILVUS_URI)"
    )
    return f"cannot use Milvus at {uri}{what} ({message}); {hint}"


# --- names and the schema ---------------------------------------------------------------


def default_collection(index_root: Path) -> str:
    name = "".join(c if c.isalnum() and c.isascii() else "_" for c in Path(index_root).name)
    return f"evqa_{name.strip('_') or 'index'}"[:200]


def check_collection(name: str) -> str:
    ok = (
        0 < len(name) <= 200
        and (name[0].isalpha() or name[0] == "_")
        and all((c.isascii() and c.isalnum()) or c == "_" for c in name)
    )
    if not ok:
        raise InputError(
            f"--collection {name!r} is not a valid Milvus collection name: use letters, "
            "digits and underscores, starting with a letter"
        )
    return name


def _chunk_schema(pymilvus, dim: int):
    DataType, Function, FunctionType = (
        pymilvus.DataType,
        pymilvus.Function,
        pymilvus.FunctionType,
    )
    s = pymilvus.MilvusClient.create_schema(
        auto_id=False, enable_dynamic_field=False, description=CHUNKS_DESCRIPTION
    )
    s.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=ID_MAX)
    s.add_field("doc_id", DataType.VARCHAR, max_length=ID_MAX)
    s.add_field("title", DataType.VARCHAR, max_length=TITLE_MAX)
    s.add_field("date", DataType.VARCHAR, max_length=32)
    s.add_field("date_num", DataType.INT64)
    s.add_field("start", DataType.INT64)
    s.add_field("end", DataType.INT64)
    s.add_field("text", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field(
        "bm25_text",
        DataType.VARCHAR,
        max_length=VARCHAR_MAX,
        enable_analyzer=True,
        analyzer_params={"type": "standard"},
    )
    s.add_field("hash", DataType.VARCHAR, max_length=64)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    s.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["bm25_text"],
            output_field_names=["sparse"],
        )
    )
    return s


def _article_schema(pymilvus):
    DataType = pymilvus.DataType
    s = pymilvus.MilvusClient.create_schema(
        auto_id=False, enable_dynamic_field=False, description=ARTICLES_DESCRIPTION
    )
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=ID_MAX + 16)
    s.add_field("doc_id", DataType.VARCHAR, max_length=ID_MAX)
    s.add_field("part", DataType.INT64)
    s.add_field("parts", DataType.INT64)
    s.add_field("hash", DataType.VARCHAR, max_length=64)
    s.add_field("date_num", DataType.INT64)
    s.add_field("data", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("vec", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field
    return s


CHUNK_FIELDS = {
    "chunk_id": "VARCHAR",
    "doc_id": "VARCHAR",
    "title": "VARCHAR",
    "date": "VARCHAR",
    "date_num": "INT64",
    "start": "INT64",
    "end": "INT64",
    "text": "VARCHAR",
    "bm25_text": "VARCHAR",
    "hash": "VARCHAR",
    "sparse": "SPARSE_FLOAT_VECTOR",
    "dense": "FLOAT_VECTOR",
}
ARTICLE_FIELDS = {
    "key": "VARCHAR",
    "doc_id": "VARCHAR",
    "part": "INT64",
    "parts": "INT64",
    "hash": "VARCHAR",
    "date_num": "INT64",
    "data": "VARCHAR",
    "vec": "FLOAT_VECTOR",
}


def schema_problems(client, name: str, dim: int) -> list[str]:
    """What is wrong with existing collections ``name`` and ``name_articles`` for an evqa
    index of ``dim``-d vectors ([] when both fit)."""
    problems = []
    for coll, want, desc in (
        (name, CHUNK_FIELDS, CHUNKS_DESCRIPTION),
        (name + ARTICLES_SUFFIX, ARTICLE_FIELDS, ARTICLES_DESCRIPTION),
    ):
        if not client.has_collection(coll):
            problems.append(f"collection {coll} is missing")
            continue
        info = client.describe_collection(coll)
        fields = {f["name"]: f for f in info.get("fields", [])}
        got = {n: getattr(f["type"], "name", str(f["type"])) for n, f in fields.items()}
        # the field names and types are the mark (milvus-lite forgets descriptions)
        if got != want:
            problems.append(
                f"collection {coll} has another schema (fields {sorted(got)}), not an evqa "
                f"{desc.split()[1]} collection"
            )
            continue
        if coll == name:
            have = int(fields["dense"].get("params", {}).get("dim", 0))
            if have != dim:
                problems.append(
                    f"collection {coll} holds {have}-d vectors but the model gives {dim}-d"
                )
    return problems


def _mismatch(
    problems: list[str], name: str, rebuild: str | None = None, existing: Sequence[str] = ()
) -> SchemaMismatchError:
    """The error for collections that are missing or not an evqa index's. ``rebuild`` is
    the command that rebuilds the index being read, without --collection (None while
    building); ``existing`` the collections of the pair that do exist."""
    what = "; ".join(problems)
    if all(p.endswith(" is missing") for p in problems) and not existing:
        todo = (
            f"rebuild the index with: {rebuild} --collection {name}"
            if rebuild
            else "build the index first"
        )
        return SchemaMismatchError(f"{what}; {todo}")
    drop = " and ".join(existing) or f"{name} and {name}{ARTICLES_SUFFIX}"
    other = (
        f"rebuild the index into another collection with: {rebuild} --collection NEW_NAME"
        if rebuild
        else "choose another --collection"
    )
    return SchemaMismatchError(
        f"{what}. To fix it, {other}; or drop {drop} (pymilvus: "
        "MilvusClient(URI).drop_collection(NAME)) and build again"
    )


def _existing(client, name: str) -> list[str]:
    return [c for c in (name, name + ARTICLES_SUFFIX) if client.has_collection(c)]


def ensure_collections(
    client, name: str, dim: int, *, create: bool = True, rebuild: str | None = None
) -> bool:
    """Create the two collections if neither exists (only when ``create``: otherwise that
    is SchemaMismatchError, exit 3, with ``rebuild``); check them otherwise. True if
    created."""
    pymilvus = _pymilvus()
    chunks, articles = name, name + ARTICLES_SUFFIX
    have = [client.has_collection(c) for c in (chunks, articles)]
    if not any(have) and not create:
        raise _mismatch([f"collection {c} is missing" for c in (chunks, articles)], name, rebuild)
    if not any(have):
        ip = client.prepare_index_params()
        ip.add_index(
            "dense",
            index_type="HNSW",
            metric_type="COSINE",
            params={"M": 16, "efConstruction": 200},
        )
        ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        try:
            client.create_collection(chunks, schema=_chunk_schema(pymilvus, dim), index_params=ip)
            ip = client.prepare_index_params()
            ip.add_index("vec", index_type="FLAT", metric_type="L2")
            client.create_collection(articles, schema=_article_schema(pymilvus), index_params=ip)
        except pymilvus.MilvusException as e:
            for c in (chunks, articles):  # leave nothing half-made that looks like ours
                with contextlib.suppress(pymilvus.MilvusException):
                    client.drop_collection(c)
            if "not supported" in str(e).lower() or "function" in str(e).lower():
                raise BackendUnavailableError(
                    f"this Milvus server ({_version(client)}) cannot hold an evqa index: it "
                    f"refused the schema ({getattr(e, 'message', e)}); evqa needs the BM25 "
                    "function and sparse vectors of Milvus 2.5 or later"
                ) from None
            raise
        return True
    problems = schema_problems(client, name, dim)
    if problems:
        raise _mismatch(problems, name, None if create else rebuild, _existing(client, name))
    for c in (chunks, articles):
        client.load_collection(c)
    return False


# --- which index owns a collection ------------------------------------------------------

OWNER_PROPERTY = "evqa.owner"  # a property of the chunk collection (lite keeps properties)


def new_index_id() -> str:
    import uuid

    return uuid.uuid4().hex


def owner_of(client, name: str) -> dict[str, Any] | None:
    """Who owns collection ``name``: {"id", "index" (its folder), "host"}, or None for a
    collection written before owners were recorded."""
    props = client.describe_collection(name).get("properties") or {}
    raw = props.get(OWNER_PROPERTY)
    if not raw:
        return None
    try:
        owner = json.loads(raw)
    except ValueError:
        owner = None
    return owner if isinstance(owner, dict) else {"id": str(raw)}


def claim(client, uri: str, name: str, index_id: str, index_root: Path) -> None:
    """Record the index ``index_id`` (in ``index_root``) as the owner of collection
    ``name``, unless another index owns it: then InputError (exit 2), nothing written.

    The owner is the index's id, kept in its manifest: a moved or copied folder is the
    same index (a copy names the same collection, so a build of either rewrites it). A
    new index in the very folder that owned the collection (deleted and built again)
    takes it over."""
    import socket

    me = {"id": index_id, "index": str(Path(index_root).resolve()), "host": socket.gethostname()}
    owner = owner_of(client, name)
    if owner is not None and owner.get("id") != index_id:
        same_folder = (owner.get("index"), owner.get("host")) == (me["index"], me["host"])
        if not same_folder:
            where = owner.get("index") or "another index"
            if owner.get("host") and owner.get("host") != me["host"]:
                where += f" on {owner['host']}"
            raise InputError(
                f"collection {name} at {uri} belongs to the evqa index {where}; writing "
                f"{index_root} into it would replace that index's articles. Choose another "
                f"collection, e.g. --collection {_free_name(client, index_root, name)}, or "
                f"drop {name} and {name}{ARTICLES_SUFFIX} if that index is gone"
            )
    if owner != me:
        client.alter_collection_properties(name, properties={OWNER_PROPERTY: json.dumps(me)})


def _free_name(client, index_root: Path, taken: str) -> str:
    base = default_collection(index_root)
    for n in range(1, 100):
        name = base if n == 1 else f"{base}_{n}"
        if name != taken and not client.has_collection(name):
            return name
    return "NEW_NAME"


def index_id(manifest: Mapping[str, Any] | None) -> str | None:
    entry = (manifest or {}).get("backend")
    return entry.get("index_id") if isinstance(entry, Mapping) else None


def _version(client) -> str:
    try:
        return f"version {client.get_server_version()}"
    except Exception:  # noqa: BLE001 - only for the message
        return "version unknown"


# --- small helpers ----------------------------------------------------------------------


def _in(field: str, values: Sequence[str]) -> str:
    return f"{field} in {json.dumps(list(values), ensure_ascii=False)}"


def _groups(items: Sequence[Any], size: int = IN_LIST) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _pk(row: Mapping[str, Any]) -> str:
    """The chunk id of a search result (pymilvus names it after the primary key field)."""
    return row["chunk_id"] if "chunk_id" in row else row["id"]


def _fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (on a character boundary)."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def bm25_text(text: str) -> str:
    """evqa's BM25 tokens (casefold, stopwords, Snowball stems), space-joined: what the
    server's ``standard`` analyzer splits again on spaces."""
    from evqa.tokenize import tokenize

    return _fit(" ".join(tokenize(text)), VARCHAR_MAX)


def embed_key(model_sha: str, text: str, encoder: str = "torch") -> str:
    """What a stored vector was made from: model, document encoder and text. torch keys
    are those of collections written before the encoder was recorded."""
    made_by = model_sha if encoder == "torch" else f"{model_sha}\0{encoder}"
    return hashlib.sha256(f"{made_by}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _batched(items: Iterable[Any], n: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, n)):
        yield batch


# --- reading: the backend ---------------------------------------------------------------


@dataclass
class _Doc:
    article: Article
    sentences: list[tuple[int, int]]
    spans: list[Span]


class MilvusBackend:
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
        self._docs: OrderedDict[str, _Doc | None] = OrderedDict()
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
        client = connect(uri, rebuild=rebuild_command(gen.root, gen.manifest))
        dim = int(gen.manifest.get("model", {}).get("dim", 0))
        try:
            problems = schema_problems(client, collection, dim)
            if problems:
                raise _mismatch(problems, collection, rebuild, _existing(client, collection))
            for c in (collection, collection + ARTICLES_SUFFIX):
                client.load_collection(c)
        except _pymilvus().MilvusException as e:
            raise classify(e, uri, "opening the index") from None
        return cls(client, uri, collection, gen.manifest, gen.root)

    # --- search -----------------------------------------------------------------------

    def search(
        self,
        query: str,
        query_vector: Callable[[str], np.ndarray],
        *,
        k: int,
        mode: str,
        fusion,
        dates: DateRange | None = None,
    ) -> list[Hit]:
        try:
            return self._search(query, query_vector, k=k, mode=mode, fusion=fusion, dates=dates)
        except _pymilvus().MilvusException as e:
            raise classify(e, self.uri, "searching") from None

    def _search(self, query, query_vector, *, k, mode, fusion, dates) -> list[Hit]:
        from evqa import fusion as fuse
        from evqa.retrieve import POOL

        pool = max(POOL, k)
        expr = dates.milvus_expr() if dates is not None else ""
        ids: dict[str, int] = {}  # chunk id -> the int id fusion works with
        meta: dict[str, tuple[str, int, int]] = {}  # chunk id -> (doc_id, start, end)
        rankings: dict[str, list[tuple[int, float]]] = {}
        bm25_query = bm25_text(query) if mode in ("bm25", "hybrid") else ""
        qvec = None
        fill = mode == "hybrid" and fusion.method != "rrf"
        vectors: dict[str, list[float]] = {}  # BM25 candidates' vectors, for the dense fill
        if mode in ("bm25", "hybrid"):
            extra = ("dense",) if fill else ()
            rows = self._bm25(bm25_query, pool, expr, extra) if bm25_query else []
            rankings["bm25"] = self._ranked(rows, ids, meta)
            vectors = {_pk(r): r.get("entity", r)["dense"] for r in rows} if fill else {}
        if mode in ("dense", "hybrid"):
            qvec = np.asarray(query_vector(query), dtype=np.float32).reshape(-1)
            rows = self._dense(qvec, pool, expr)
            rankings["dense"] = self._ranked(rows, ids, meta)
        if fusion.method == "rrf":
            fused = fuse.rrf(rankings, k=fusion.rrf_k)
        else:
            w = fusion.bm25_weight
            weights = {"bm25": w, "dense": 1.0 - w} if mode == "hybrid" else {mode: 1.0}
            exact = self._exact(rankings, ids, bm25_query, qvec, vectors) if fill else None
            fused = fuse.minmax(rankings, weights, exact=exact)
        top = fused[:k]
        names = {i: c for c, i in ids.items()}
        self.fetch({meta[names[f.id]][0] for f in top})
        return [self._hit(rank, names[f.id], meta, f) for rank, f in enumerate(top, 1)]

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
        for group in _groups(need_lex):
            lex.update({d: 0.0 for d in (ids[c] for c in group)})
            if bm25_query:
                for r in self._bm25(bm25_query, len(group), _in("chunk_id", group)):
                    lex[ids[_pk(r)]] = float(r["distance"])
        vectors = dict(vectors or {})
        missing = [c for c in need_sem if c not in vectors]
        for group in _groups(missing):
            for r in self.client.get(self.collection, ids=list(group), output_fields=["dense"]):
                vectors[r["chunk_id"]] = r["dense"]
        for c in need_sem:
            sem[ids[c]] = float(np.asarray(vectors[c], dtype=np.float32) @ qvec)
        return {"bm25": lex, "dense": sem}

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
            explain=dict(fused.parts),
            title_derived=label.derived,
        )

    # --- articles -----------------------------------------------------------------------

    def fetch(self, doc_ids: Iterable[str]) -> None:
        """Load the given articles (text, sentences, spans) into the cache, in few queries."""
        todo = sorted({d for d in doc_ids if d not in self._docs})
        for group in _groups(todo):
            found = read_articles(self.client, self.collection, group)
            for d in group:
                self._remember(d, found.get(d))

    def doc(self, doc_id: str) -> _Doc | None:
        if doc_id not in self._docs:
            try:
                self.fetch([doc_id])
            except _pymilvus().MilvusException as e:
                raise classify(e, self.uri, "fetching an article") from None
        self._docs.move_to_end(doc_id)
        return self._docs[doc_id]

    def _remember(self, doc_id: str, doc: _Doc | None) -> None:
        self._docs[doc_id] = doc
        while len(self._docs) > CACHE_ARTICLES:
            self._docs.popitem(last=False)

    def doc_ids(self) -> Iterator[str]:
        yield from iter_doc_ids(self.client, self.collection)

    def count_articles(self) -> int:
        return _count(self.client, self.collection + ARTICLES_SUFFIX, "part == 0")

    # --- status and verify -----------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "backend": "milvus",
            "uri": self.uri,
            "collection": self.collection,
            "articles": self.count_articles(),
            "chunks": _count(self.client, self.collection),
        }

    def verify(self) -> list[str]:
        dim = int(self.manifest.get("model", {}).get("dim", 0))
        problems = schema_problems(self.client, self.collection, dim)
        if problems:
            return problems
        for c in (self.collection, self.collection + ARTICLES_SUFFIX):
            self.client.load_collection(c)
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


def status_of(gen: store.Generation, max_ids: int = 10_000) -> dict[str, Any]:
    """Counts, completeness and problems of a Milvus index (also of an unfinished one).
    ``article_ids`` lists at most ``max_ids`` ids (None above that)."""
    entry = gen.manifest.get("backend") or {}
    uri = resolve_uri(entry, gen.root)
    client = connect(uri, rebuild=rebuild_command(gen.root, gen.manifest))
    backend = MilvusBackend(client, uri, entry.get("collection"), gen.manifest, gen.root)
    try:
        problems = backend.verify()
        if not problems:
            for c in (backend.collection, backend.collection + ARTICLES_SUFFIX):
                backend.client.load_collection(c)
        st = backend.status() if not schema_problems_only(problems) else {}
        ids = None
        if st and st["articles"] <= max_ids:
            ids = sorted(backend.doc_ids())
    except _pymilvus().MilvusException as e:
        raise classify(e, uri, "reading the index status") from None
    if not entry.get("complete"):
        problems.append(
            f"the build did not finish; finish it with: {finish_command(gen.root, gen.manifest)}"
        )
    return {
        "complete": bool(entry.get("complete")),
        "articles": st.get("articles"),
        "chunks": st.get("chunks"),
        "article_ids": ids,
        "problems": problems,
    }


def schema_problems_only(problems: list[str]) -> bool:
    return any("collection" in p and ("missing" in p or "schema" in p) for p in problems)


class _DocField(Mapping):
    """A read-only mapping doc id -> one field of the article, fetched on first access
    (and kept in the backend's LRU cache), so the answerer reads the few hit articles
    exactly as it reads a local index's dicts."""

    def __init__(self, backend: MilvusBackend, pick: Callable[[_Doc], Any]) -> None:
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


def read_articles(client, collection: str, doc_ids: Sequence[str]) -> dict[str, _Doc]:
    rows = client.query(
        collection + ARTICLES_SUFFIX,
        filter=_in("doc_id", doc_ids),
        output_fields=["doc_id", "part", "parts", "data"],
    )
    parts: dict[str, dict[int, str]] = {}
    total: dict[str, int] = {}
    for r in rows:
        parts.setdefault(r["doc_id"], {})[int(r["part"])] = r["data"]
        total[r["doc_id"]] = int(r["parts"])
    out = {}
    for d, got in parts.items():
        if len(got) != total[d]:
            continue  # a half-written article: treated as missing
        payload = json.loads("".join(got[i] for i in range(total[d])))
        article = Article.from_dict(payload["article"])
        out[d] = _Doc(
            article,
            [(s, e) for s, e in payload["sentences"]],
            [Span(s, e, label, article.text[s:e]) for s, e, label in payload["spans"]],
        )
    return out


def iter_doc_ids(client, collection: str, batch: int = 1000) -> Iterator[str]:
    it = client.query_iterator(
        collection + ARTICLES_SUFFIX,
        batch_size=batch,
        filter="part == 0",
        output_fields=["doc_id"],
    )
    try:
        while rows := it.next():
            for r in rows:
                yield r["doc_id"]
    finally:
        it.close()


def _count(client, collection: str, expr: str = "") -> int:
    rows = client.query(collection, filter=expr, output_fields=["count(*)"])
    return int(rows[0]["count(*)"])


# --- the manifest entry -----------------------------------------------------------------


def recorded_uri(uri: str, index_root: Path) -> str:
    """The URI as the manifest keeps it: a milvus-lite file inside the index folder is
    recorded relative to it (so the folder can move), anything else as given."""
    if is_lite(uri):
        path = Path(uri).resolve()
        try:
            return path.relative_to(Path(index_root).resolve()).as_posix()
        except ValueError:
            return str(path)
    return uri


def resolve_uri(entry: Mapping[str, Any], index_root: Path) -> str:
    """EVQA_MILVUS_URI, else the manifest's URI (a relative lite path is under the index)."""
    uri = config.resolve("milvus_uri", None, {"milvus_uri": entry.get("uri")})
    if uri is None:
        raise IndexCorruptError(f"the manifest of {index_root} names no Milvus URI")
    uri = str(uri)
    if is_lite(uri) and not Path(uri).is_absolute() and os.environ.get("EVQA_MILVUS_URI") != uri:
        uri = str(Path(index_root) / uri)
    return uri


def absolute_uri(entry: Mapping[str, Any], index_root: Path | None) -> str:
    """The manifest's URI as a command run from any folder needs it: a lite path relative
    to the index folder made absolute (the manifest's, not EVQA_MILVUS_URI)."""
    uri = str(entry.get("uri") or "")
    if uri and is_lite(uri) and not Path(uri).is_absolute() and index_root is not None:
        uri = str((Path(index_root) / uri).resolve())
    return uri


def rebuild_command(
    index_root: Path | None, manifest: Mapping[str, Any], *, collection: bool = True
) -> str:
    """The build command that (re)builds this index from its corpus, into its URI and
    collection (without --collection when not ``collection``: for a message that names
    another), with absolute paths so it works from any folder. An index edited with
    add/remove records no corpus: the command says --corpus CORPUS."""
    import shlex

    from evqa.staleness import corpus_path

    entry = manifest.get("backend") or {}
    cmd = "evqa index build"
    if index_root is not None:
        cmd += f" --index {shlex.quote(str(Path(index_root).resolve()))}"
        corpus = corpus_path(dict(manifest), index_root)
        cmd += f" --corpus {shlex.quote(str(corpus)) if corpus is not None else 'CORPUS'}"
    cmd += f" --backend milvus --uri {shlex.quote(absolute_uri(entry, index_root))}"
    return cmd + (f" --collection {entry.get('collection')}" if collection else "")


def finish_command(index_root: Path | None, manifest: Mapping[str, Any]) -> str:
    if (manifest.get("corpus") or {}).get("edited") and index_root is not None:
        # an interrupted index add/remove: a build without the corpus would drop articles
        return (
            f"the evqa index add (or remove) that was interrupted, with --index "
            f"{Path(index_root).resolve()} (it skips what is stored)"
        )
    return rebuild_command(index_root, manifest)


# --- writing ----------------------------------------------------------------------------


@dataclass
class _Counts:
    embedded: int = 0
    reused: int = 0


class Writer:
    """Writes batches of articles into an index's two collections, skipping the chunks
    whose id and hash (model + text) are already there, and the analysis of articles
    whose hash is unchanged."""

    def __init__(self, client, collection: str, model, settings, cache_dir=None, encoder=None):
        self.client, self.collection, self.model, self.settings = (
            client,
            collection,
            model,
            settings,
        )
        self.cache_dir = cache_dir
        self.encoder = encoder or settings.encoder  # the document encoder actually used
        self.articles = collection + ARTICLES_SUFFIX
        from evqa.analysis import ANALYSIS_VERSION

        self._analysis = f"{ANALYSIS_VERSION}:{int(bool(settings.analysis))}"

    def article_key(self, article: Article) -> str:
        from evqa.corpus import article_hash

        return hashlib.sha256(f"{article_hash(article)}\0{self._analysis}".encode()).hexdigest()[
            :32
        ]

    def write_all(
        self,
        articles: Iterable[Article],
        counts: _Counts,
        progress: Progress | None = None,
        seen: set[str] | None = None,
        batch: int | None = None,
    ) -> None:
        """Write a stream of articles ``batch`` at a time, adding to ``counts`` (and the
        ids to ``seen``)."""
        for group in _batched(articles, batch or BATCH_ARTICLES):
            c = self.write(group, progress)
            counts.embedded += c.embedded
            counts.reused += c.reused
            if seen is not None:
                seen.update(a.id for a in group)
            if progress:
                progress("articles", len(group), None)

    def write(self, articles: Sequence[Article], progress: Progress | None = None) -> _Counts:
        from evqa.chunking import chunk_article
        from evqa.indexdata import index_text

        ids = [a.id for a in articles]
        keys = {a.id: self.article_key(a) for a in articles}
        stored = self._stored_article_keys(ids)
        changed = [a for a in articles if stored.get(a.id) != keys[a.id]]
        if changed:
            self._write_articles(changed, keys)
        chunks = [
            (c, a)
            for a in articles
            for c in chunk_article(a, self.settings.chunk_size, self.settings.chunk_overlap)
        ]
        texts = [index_text(c, a) for c, a in chunks]
        hashes = [embed_key(self.model.sha256, t, self.encoder) for t in texts]
        have = self._stored_chunks(ids)
        current = {c.id for c, _ in chunks}
        stale = [cid for cid in have if cid not in current]
        for group in _groups(stale):
            self.client.delete(self.collection, ids=list(group))
        todo = [i for i, (c, _) in enumerate(chunks) if have.get(c.id, {}).get("hash") != hashes[i]]
        # same vector, other metadata (a new date, the chunk at other offsets): rewrite the
        # row with its stored vector, so --since/--until filter on the article's date now
        moved = [
            i
            for i, (c, a) in enumerate(chunks)
            if have.get(c.id, {}).get("hash") == hashes[i]
            and {f: have[c.id].get(f) for f in SCALARS} != self._scalars(c, a)
        ]
        rows = []
        if todo:
            vectors = self._embed([texts[i] for i in todo], progress)
            rows += [
                self._chunk_row(*chunks[i], texts[i], hashes[i], vectors[j])
                for j, i in enumerate(todo)
            ]
        if moved:
            stored = self._stored_vectors([chunks[i][0].id for i in moved])
            rows += [
                self._chunk_row(*chunks[i], texts[i], hashes[i], stored[chunks[i][0].id])
                for i in moved
            ]
        for group in _groups(rows, 512):
            self.client.upsert(self.collection, list(group))
        return _Counts(embedded=len(todo), reused=len(chunks) - len(todo))

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

    @staticmethod
    def _scalars(chunk: Chunk, article: Article) -> dict[str, Any]:
        """A chunk row's fields that its hash (model + title + chunk text) does not cover."""
        return {
            "title": _fit(article.title or "", TITLE_MAX),
            "date": _fit(article.date or "", 32),
            "date_num": date_num(article.date),
            "start": chunk.start,
            "end": chunk.end,
        }

    def _chunk_row(self, chunk: Chunk, article: Article, text: str, key: str, vec) -> dict:
        return {
            "chunk_id": chunk.id,
            "doc_id": chunk.doc_id,
            **self._scalars(chunk, article),
            "text": _fit(chunk.text, VARCHAR_MAX),
            "bm25_text": bm25_text(text),
            "hash": key,
            "dense": np.asarray(vec, dtype=np.float32).tolist(),
        }

    def _write_articles(self, articles: Sequence[Article], keys: Mapping[str, str]) -> None:
        from evqa.analysis import analyze
        from evqa.chunking import split_sentences

        spans = analyze([a.text for a in articles], use_spacy=self.settings.analysis)
        rows = []
        for a, found in zip(articles, spans, strict=True):
            payload = json.dumps(
                {
                    "article": a.to_dict(),
                    "sentences": [list(s) for s in split_sentences(a.text)],
                    "spans": [[s.start, s.end, s.label] for s in found],
                },
                ensure_ascii=False,
            )
            pieces = [payload[i : i + PART_CHARS] for i in range(0, len(payload), PART_CHARS)]
            for n, piece in enumerate(pieces):
                rows.append(
                    {
                        "key": f"{a.id}#{n}",
                        "doc_id": a.id,
                        "part": n,
                        "parts": len(pieces),
                        "hash": keys[a.id] if n == 0 else "",
                        "date_num": date_num(a.date),
                        "data": piece,
                        "vec": [1.0, 0.0],
                    }
                )
        for group in _groups([a.id for a in articles]):
            self.client.delete(self.articles, filter=_in("doc_id", group))
        for group in _groups(rows, 256):
            self.client.insert(self.articles, list(group))

    def _stored_article_keys(self, ids: Sequence[str]) -> dict[str, str]:
        out = {}
        for group in _groups(ids):
            rows = self.client.query(
                self.articles,
                filter=f"part == 0 and {_in('doc_id', group)}",
                output_fields=["doc_id", "hash"],
            )
            out.update({r["doc_id"]: r["hash"] for r in rows})
        return out

    def _stored_chunks(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """chunk id -> its stored hash and SCALARS, for the chunks of ``doc_ids``."""
        out = {}
        # few docs a query: a query returns at most 16,384 rows (maxQueryResultWindow)
        for group in _groups(doc_ids, 50):
            rows = self.client.query(
                self.collection,
                filter=_in("doc_id", group),
                output_fields=["chunk_id", "hash", *SCALARS],
            )
            out.update({r["chunk_id"]: r for r in rows})
        return out

    def _stored_vectors(self, chunk_ids: Sequence[str]) -> dict[str, list[float]]:
        out = {}
        for group in _groups(chunk_ids):
            for r in self.client.get(self.collection, ids=list(group), output_fields=["dense"]):
                out[r["chunk_id"]] = r["dense"]
        return out

    def drop(self, doc_ids: Sequence[str]) -> None:
        for group in _groups(list(doc_ids)):
            self.client.delete(self.collection, filter=_in("doc_id", group))
            self.client.delete(self.articles, filter=_in("doc_id", group))

    def flush(self) -> None:
        # milvus-lite: without a flush every hybrid search rebuilds the sparse index
        self.client.flush(self.collection)
        self.client.flush(self.articles)

    def counts(self) -> tuple[int, int]:
        return _count(self.client, self.articles, "part == 0"), _count(self.client, self.collection)


def build(
    corpus: Path,
    index_root: Path,
    *,
    uri: str | None,
    collection: str | None,
    model,
    settings,
    cache_dir: Path,
    skip_bad: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    batch_articles: int | None = None,
):
    """Stream ``corpus`` into Milvus: read, chunk, analyse, embed and insert
    ``batch_articles`` at a time (memory holds one batch and the ids seen so far). A
    rerun after a crash or Ctrl-C skips what is already stored. The index folder's
    manifest says ``complete: false`` until the last batch is flushed and articles no
    longer in the corpus are removed."""
    from evqa.corpus import corpus_fingerprint, iter_corpus
    from evqa.staleness import corpus_location, stat_fingerprint

    started = time.perf_counter()
    index_root = Path(index_root)
    # an empty --uri or --collection is a mistake, not "the default"
    uri = check_uri(str(uri)) if uri is not None else str(index_root / LITE_FILE)
    _timeout()
    collection = check_collection(
        collection if collection is not None else default_collection(index_root)
    )
    stream = iter_corpus(Path(corpus), skip_bad=skip_bad)
    corpus_meta = {
        **corpus_location(corpus, index_root),
        "fingerprint": corpus_fingerprint(Path(corpus)),
        "stat": stat_fingerprint(Path(corpus)),
    }
    with store.build_lock(index_root, wait):
        used, fallback = _encoder(model, cache_dir, settings)
        base = _manifest(index_root, uri, collection, model, settings, corpus_meta, used)
        # a rebuild is the same index: it keeps the id that owns its collection
        base["backend"]["index_id"] = (
            index_id(store.recorded_manifest(index_root)) or new_index_id()
        )
        session = _Session(index_root, uri, base)
        client = session.start(collection, model.dim, create=True)
        writer = Writer(client, collection, model, settings, cache_dir, used)
        counts = _Counts()
        seen: set[str] = set()
        with session.guard():
            if progress:
                progress("articles", 0, stream.total)
            writer.write_all(stream.articles, counts, progress, seen, batch_articles)
            writer.flush()
            gone = [d for d in iter_doc_ids(client, collection) if d not in seen]
            writer.drop(gone)
            writer.flush()
        warnings = [*stream.warnings, *fallback]
        return session.finish(writer, counts, warnings, started, model, cache_dir)


def add(
    paths: Sequence[Path],
    index_root: Path,
    *,
    model,
    settings,
    cache_dir: Path,
    skip_bad: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
):
    """Add (or replace, by id) the articles read from ``paths``, streaming."""
    from evqa.build import id_clashes
    from evqa.corpus import iter_corpus
    from evqa.staleness import edited_corpus, id_root, ids_base

    started = time.perf_counter()
    with store.build_lock(index_root, wait):
        gen = store.open_generation(index_root)
        entry = gen.manifest["backend"]
        settings = settings or _settings(gen.manifest)
        used, fallback = _encoder(model, cache_dir, settings)
        base = {**gen.manifest, "corpus": edited_corpus(gen.manifest, index_root)}
        base = _strip({**base, "model": {**base.get("model", {}), "encoder": used}})
        base["backend"] = {**entry, "index_id": index_id(gen.manifest) or new_index_id()}
        root = id_root(gen.manifest, index_root)
        bases = [(Path(p), ids_base(p, root)) for p in paths]
        pairs = [
            (p, a.id) for p, b in bases for a in iter_corpus(p, skip_bad=True, base=b).articles
        ]  # a first pass for ids only: a clash is refused before anything is written
        skip, clashes = id_clashes(pairs, skip_bad)
        session = _Session(index_root, resolve_uri(entry, index_root), base, gen.manifest)
        client = session.start(entry["collection"], model.dim, create=False)
        writer = Writer(client, entry["collection"], model, settings, cache_dir, used)
        counts = _Counts()
        warnings: list[str] = list(fallback)
        with session.guard():
            for path, b in bases:
                stream = iter_corpus(path, skip_bad=skip_bad, base=b)
                kept = (a for a in stream.articles if (path, a.id) not in skip)
                writer.write_all(kept, counts, progress)
                warnings += stream.warnings
            warnings += clashes
            writer.flush()
        return session.finish(writer, counts, warnings, started, model, cache_dir)


def remove(
    ids: Sequence[str],
    index_root: Path,
    *,
    model,
    cache_dir: Path,
    wait: float = 0.0,
    progress: Progress | None = None,
):
    """Remove articles by id. Unknown ids are an error; nothing is changed then."""
    from evqa.build import check_removal
    from evqa.staleness import edited_corpus

    started = time.perf_counter()
    with store.build_lock(index_root, wait):
        gen = store.open_generation(index_root)
        entry = gen.manifest["backend"]
        collection = entry["collection"]
        uri = resolve_uri(entry, index_root)
        base = _strip({**gen.manifest, "corpus": edited_corpus(gen.manifest, index_root)})
        base["backend"] = {**entry, "index_id": index_id(gen.manifest) or new_index_id()}
        session = _Session(index_root, uri, base, gen.manifest)
        client = session.open(collection, int(gen.manifest["model"]["dim"]), create=False)
        try:
            writer = Writer(client, collection, model, _settings(gen.manifest))
            known = set(writer._stored_article_keys(list(ids)))
            check_removal(ids, known, writer.counts()[0], index_root)
        except _pymilvus().MilvusException as e:
            raise classify(e, uri) from None
        session.mark_building()
        with session.guard():
            writer.drop(list(ids))
            writer.flush()
        return session.finish(writer, _Counts(), [], started, model, cache_dir)


def _strip(manifest: Mapping[str, Any]) -> dict[str, Any]:
    drop = ("format", "format_version", "generation", "files")
    return {k: v for k, v in manifest.items() if k not in drop}


def _settings(manifest: Mapping[str, Any]):
    from evqa.build import resolve_settings

    return resolve_settings(None, manifest.get("settings"))


def _encoder(model, cache_dir: Path, settings) -> tuple[str, list[str]]:
    """The document encoder this write uses, and the warning if it fell back."""
    from evqa import doc_encoder

    used, fallback = doc_encoder.prepare(model, cache_dir, settings.encoder)
    return used, [fallback] if fallback else []


def _manifest(
    index_root, uri, collection, model, settings, corpus_meta, used: str
) -> dict[str, Any]:
    from evqa import encoder

    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "backend": {
            "type": "milvus",
            "uri": recorded_uri(uri, index_root),
            "collection": collection,
            "complete": False,
        },
        "model": {
            "name": model.name,
            "path": encoder.recorded_path(model),
            "sha256": model.sha256,
            "dim": model.dim,
            "encoder": used,
        },
        "settings": settings.manifest(),
        "corpus": corpus_meta,
    }


class _Session:
    """The index folder's side of a Milvus write: mark it incomplete before the first
    write, complete after the last; a failure in between leaves it marked incomplete."""

    def __init__(
        self,
        index_root: Path,
        uri: str,
        base: dict[str, Any],
        live: Mapping[str, Any] | None = None,
    ) -> None:
        self.root, self.uri, self.base = Path(index_root), uri, base
        self.live = live  # the manifest of the index being edited (add/remove)
        self.client = None

    def open(self, collection: str, dim: int, *, create: bool):
        """Connect, check the collections (a build, ``create``, may make the lite file and
        the collections; add/remove may not: exit 3 with the rebuild command) and claim
        them for this index (InputError if another index owns them)."""
        live = self.live
        rebuild = None if live is None else rebuild_command(self.root, live, collection=False)
        self.client = connect(
            self.uri,
            create=create,
            rebuild=None if live is None else rebuild_command(self.root, live),
        )
        try:
            ensure_collections(self.client, collection, dim, create=create, rebuild=rebuild)
            claim(self.client, self.uri, collection, self.base["backend"]["index_id"], self.root)
        except _pymilvus().MilvusException as e:
            raise classify(e, self.uri, "preparing the collections") from None
        return self.client

    def start(self, collection: str, dim: int, *, create: bool):
        """``open``, then mark the folder building."""
        self.open(collection, dim, create=create)
        self.mark_building()
        return self.client

    def mark_building(self) -> None:
        backend = {**self.base["backend"], "complete": False}
        _commit(self.root, {**self.base, "backend": backend})

    def guard(self):
        import contextlib

        @contextlib.contextmanager
        def guarded():
            try:
                yield
            except _pymilvus().MilvusException as e:
                err = classify(e, self.uri, "writing the index")
                raise type(err)(
                    f"{err}. The index is marked incomplete; when Milvus is back, finish it "
                    f"with: {finish_command(self.root, self.base)}"
                ) from None

        return guarded()

    def finish(self, writer: Writer, counts: _Counts, warnings, started, model, cache_dir):
        from evqa import encoder
        from evqa.build import BuildReport

        try:
            n_articles, n_chunks = writer.counts()
        except _pymilvus().MilvusException as e:
            raise classify(e, self.uri) from None
        backend = {**self.base["backend"], "complete": True}
        corpus = {**self.base.get("corpus", {}), "articles": n_articles, "chunks": n_chunks}
        final = _commit(self.root, {**self.base, "backend": backend, "corpus": corpus})
        store.collect_garbage(self.root)
        warnings = list(warnings)
        try:
            encoder.ensure_onnx(model, cache_dir)
        except EvqaError as e:
            warnings.append(f"fast query encoder unavailable ({e}); queries will load torch")
        return BuildReport(
            index=self.root,
            generation=final.name,
            articles=n_articles,
            chunks=n_chunks,
            embedded=counts.embedded,
            reused=counts.reused,
            seconds=round(time.perf_counter() - started, 3),
            warnings=tuple(warnings),
        )


def _commit(root: Path, manifest: dict[str, Any]) -> Path:
    tmp = store.new_tmp_generation(root)
    try:
        return store.commit(root, tmp, manifest)
    except BaseException:
        store.discard(tmp)
        raise
