"""Making sure an index's pair of collections is there and is an evqa index's: create it
(a build), or check and load it, or say what is wrong and what to run."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from evqa.backends.milvus.connection import require_pymilvus, server_version
from evqa.backends.milvus.names import ARTICLES_SUFFIX, pair
from evqa.backends.milvus.schema import (
    article_index_params,
    article_schema,
    chunk_index_params,
    chunk_schema,
    schema_problems,
)
from evqa.errors import BackendUnavailableError, SchemaMismatchError


def ensure_collections(
    client, name: str, dim: int, *, create: bool = True, rebuild: str | None = None
) -> bool:
    """Create the two collections if neither exists (only when ``create``: otherwise that
    is SchemaMismatchError, exit 3, with ``rebuild``); check them otherwise. True if
    created."""
    pymilvus = require_pymilvus()
    have = [client.has_collection(c) for c in pair(name)]
    if not any(have) and not create:
        raise _mismatch([f"collection {c} is missing" for c in pair(name)], name, rebuild)
    if not any(have):
        _create_pair(pymilvus, client, name, dim)
        return True
    check_pair(client, name, dim, None if create else rebuild)
    return False


def _create_pair(pymilvus, client, name: str, dim: int) -> None:
    """Create both collections, or neither (BackendUnavailableError for a server too old
    for the schema)."""
    chunks, articles = pair(name)
    try:
        client.create_collection(
            chunks, schema=chunk_schema(pymilvus, dim), index_params=chunk_index_params(client)
        )
        client.create_collection(
            articles, schema=article_schema(pymilvus), index_params=article_index_params(client)
        )
    except pymilvus.MilvusException as e:
        for c in (chunks, articles):  # leave nothing half-made that looks like ours
            with contextlib.suppress(pymilvus.MilvusException):
                client.drop_collection(c)
        if "not supported" in str(e).lower() or "function" in str(e).lower():
            raise BackendUnavailableError(
                f"this Milvus server ({server_version(client)}) cannot hold an evqa index: it "
                f"refused the schema ({getattr(e, 'message', e)}); evqa needs the BM25 "
                "function and sparse vectors of Milvus 2.5 or later"
            ) from None
        raise


def check_pair(client, name: str, dim: int, rebuild: str | None) -> None:
    """Load the pair ``name`` if it is an evqa index's of ``dim``-d vectors, else raise
    SchemaMismatchError (suggesting ``rebuild``, the command without --collection)."""
    problems = schema_problems(client, name, dim)
    if problems:
        raise _mismatch(problems, name, rebuild, _existing(client, name))
    load_pair(client, name)


def load_pair(client, name: str) -> None:
    for c in pair(name):
        client.load_collection(c)


def _existing(client, name: str) -> list[str]:
    """The collections of the pair ``name`` that exist."""
    return [c for c in pair(name) if client.has_collection(c)]


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
