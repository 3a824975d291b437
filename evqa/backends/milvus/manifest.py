"""What the index folder's manifest records of a Milvus index: where its chunks live
(``backend``: type, URI, collection, ``complete``, ``index_id``), the model, settings and
corpus; and the base manifest of a build, add or remove."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evqa.backends.milvus.ownership import index_id, new_index_id
from evqa.backends.milvus.uris import recorded_uri


def new_manifest(
    index_root, uri, collection, model, settings, corpus_meta, used: str
) -> dict[str, Any]:
    """The manifest of a build, marked incomplete (``used``: the document encoder)."""
    from evqa.build import model_entry

    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "backend": {
            "type": "milvus",
            "uri": recorded_uri(uri, index_root),
            "collection": collection,
            "complete": False,
        },
        "model": model_entry(model, used),
        "settings": settings.manifest(),
        "corpus": corpus_meta,
    }


def edited_manifest(
    manifest: Mapping[str, Any], index_root: Path, encoder: str | None = None
) -> dict[str, Any]:
    """The base manifest of an add or remove of ``manifest``'s index: its corpus marked
    edited, its index id kept (or made) and, for an add, the document ``encoder`` used."""
    from evqa.staleness import edited_corpus

    base = {**manifest, "corpus": edited_corpus(manifest, index_root)}
    if encoder is not None:
        base["model"] = {**base.get("model", {}), "encoder": encoder}
    base = _strip(base)
    base["backend"] = {**manifest["backend"], "index_id": index_id(manifest) or new_index_id()}
    return base


def _strip(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """``manifest`` without what store.commit writes for each generation."""
    drop = ("format", "format_version", "generation", "files")
    return {k: v for k, v in manifest.items() if k not in drop}


def recorded_settings(manifest: Mapping[str, Any]):
    """The build settings ``manifest`` records (EVQA_* env first)."""
    from evqa.build import resolve_settings

    return resolve_settings(None, manifest.get("settings"))
