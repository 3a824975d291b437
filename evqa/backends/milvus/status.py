"""`evqa index status` of a Milvus index: counts, completeness and problems, also of an
index whose build did not finish."""

from __future__ import annotations

from typing import Any

from evqa import store
from evqa.backends.milvus.backend import MilvusBackend
from evqa.backends.milvus.connection import classify, connect, require_pymilvus
from evqa.backends.milvus.ensure import load_pair
from evqa.backends.milvus.hints import finish_command, rebuild_command
from evqa.backends.milvus.schema import schema_problems_only
from evqa.backends.milvus.uris import resolve_uri


def status_of(gen: store.Generation, max_ids: int = 10_000) -> dict[str, Any]:
    """Counts, completeness and problems of a Milvus index (also of an unfinished one).
    ``article_ids`` lists at most ``max_ids`` ids (None above that)."""
    entry = gen.manifest.get("backend") or {}
    uri = resolve_uri(entry, gen.root)
    rebuild = rebuild_command(gen.root, gen.manifest)
    client = connect(uri, rebuild=rebuild)
    backend = MilvusBackend(client, uri, entry.get("collection"), gen.manifest, gen.root)
    try:
        problems = backend.verify()
        if not problems:
            load_pair(backend.client, backend.collection)
        st = backend.status() if not schema_problems_only(problems) else {}
        ids = None
        if st and st["articles"] <= max_ids:
            ids = sorted(backend.doc_ids())
    except require_pymilvus().MilvusException as e:
        raise classify(e, uri, "reading the index status", rebuild=rebuild) from None
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
