"""What an evqa index's two collections look like: their fields, indexes and BM25
function, and what is wrong with existing collections that should be them.

* ``NAME`` -- one row per chunk: ``chunk_id`` (primary key), ``doc_id``, ``title``, ``date``,
  ``date_num`` (YYYYMMDD for ``--since/--until``), ``start``/``end`` (article offsets),
  ``text``, ``bm25_text`` (evqa's own stemmed BM25 tokens, space-joined, read by a
  ``standard`` analyzer: milvus-lite has no English stemmer), ``hash`` (model + text:
  what a resumed build skips), ``sparse`` (the server's BM25 function of ``bm25_text``) and
  ``dense`` (384-d, COSINE, HNSW).
* ``NAME_articles`` -- each article's cleaned text, sentences and spans as JSON, in parts
  (see :mod:`evqa.backends.milvus.articles`), fetched by ``doc_id`` for the top hits only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evqa.backends.milvus.names import ARTICLES_SUFFIX

CHUNKS_DESCRIPTION = "evqa chunks v1"
ARTICLES_DESCRIPTION = "evqa articles v1"
VARCHAR_MAX = 65_535  # bytes
TITLE_MAX = 4_096
ID_MAX = 1_024

BM25_ANALYZER = {"enable_analyzer": True, "analyzer_params": {"type": "standard"}}

FieldSpec = tuple[tuple[str, str, Mapping[str, Any]], ...]  # (name, DataType name, params)

CHUNK_SPEC: FieldSpec = (
    ("chunk_id", "VARCHAR", {"is_primary": True, "max_length": ID_MAX}),
    ("doc_id", "VARCHAR", {"max_length": ID_MAX}),
    ("title", "VARCHAR", {"max_length": TITLE_MAX}),
    ("date", "VARCHAR", {"max_length": 32}),
    ("date_num", "INT64", {}),
    ("start", "INT64", {}),
    ("end", "INT64", {}),
    ("text", "VARCHAR", {"max_length": VARCHAR_MAX}),
    ("bm25_text", "VARCHAR", {"max_length": VARCHAR_MAX, **BM25_ANALYZER}),
    ("hash", "VARCHAR", {"max_length": 64}),
    ("sparse", "SPARSE_FLOAT_VECTOR", {}),
    ("dense", "FLOAT_VECTOR", {}),  # dim: the model's
)
ARTICLE_SPEC: FieldSpec = (
    ("key", "VARCHAR", {"is_primary": True, "max_length": ID_MAX + 16}),
    ("doc_id", "VARCHAR", {"max_length": ID_MAX}),
    ("part", "INT64", {}),
    ("parts", "INT64", {}),
    ("hash", "VARCHAR", {"max_length": 64}),
    ("date_num", "INT64", {}),
    ("data", "VARCHAR", {"max_length": VARCHAR_MAX}),
    ("vec", "FLOAT_VECTOR", {"dim": 2}),  # Milvus wants a vector field
)
# the field names and types are the mark of an evqa collection (milvus-lite forgets
# descriptions)
CHUNK_FIELDS = {name: kind for name, kind, _ in CHUNK_SPEC}
ARTICLE_FIELDS = {name: kind for name, kind, _ in ARTICLE_SPEC}


def _schema(pymilvus, description: str, spec: FieldSpec, **more: Mapping[str, Any]):
    """A schema of the fields in ``spec``; ``more`` adds parameters to a field by name."""
    s = pymilvus.MilvusClient.create_schema(
        auto_id=False, enable_dynamic_field=False, description=description
    )
    for name, kind, params in spec:
        s.add_field(name, getattr(pymilvus.DataType, kind), **params, **more.get(name, {}))
    return s


def chunk_schema(pymilvus, dim: int):
    s = _schema(pymilvus, CHUNKS_DESCRIPTION, CHUNK_SPEC, dense={"dim": dim})
    s.add_function(
        pymilvus.Function(
            name="bm25",
            function_type=pymilvus.FunctionType.BM25,
            input_field_names=["bm25_text"],
            output_field_names=["sparse"],
        )
    )
    return s


def article_schema(pymilvus):
    return _schema(pymilvus, ARTICLES_DESCRIPTION, ARTICLE_SPEC)


def chunk_index_params(client):
    ip = client.prepare_index_params()
    ip.add_index(
        "dense",
        index_type="HNSW",
        metric_type="COSINE",
        params={"M": 16, "efConstruction": 200},
    )
    ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    return ip


def article_index_params(client):
    ip = client.prepare_index_params()
    ip.add_index("vec", index_type="FLAT", metric_type="L2")
    return ip


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


def schema_problems_only(problems: list[str]) -> bool:
    """Whether ``problems`` (of schema_problems and verify) include a missing or foreign
    collection, so there is nothing to count."""
    return any("collection" in p and ("missing" in p or "schema" in p) for p in problems)
