"""Which index owns a pair of collections.

The chunk collection's property ``evqa.owner`` names the index (its manifest's
``index_id``, folder and host) that owns the pair: a build, add or remove refuses a pair
another index owns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evqa.backends.milvus.names import ARTICLES_SUFFIX, default_collection
from evqa.errors import InputError

OWNER_PROPERTY = "evqa.owner"  # a property of the chunk collection (lite keeps properties)


def new_index_id() -> str:
    import uuid

    return uuid.uuid4().hex


def index_id(manifest: Mapping[str, Any] | None) -> str | None:
    entry = (manifest or {}).get("backend")
    return entry.get("index_id") if isinstance(entry, Mapping) else None


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
            raise _taken(client, uri, name, index_root, owner, me["host"])
    if owner != me:
        client.alter_collection_properties(name, properties={OWNER_PROPERTY: json.dumps(me)})


def _taken(
    client, uri: str, name: str, index_root: Path, owner: Mapping[str, Any], host: str
) -> InputError:
    """The refusal to write ``index_root`` into collection ``name``, which ``owner`` owns."""
    where = owner.get("index") or "another index"
    if owner.get("host") and owner.get("host") != host:
        where += f" on {owner['host']}"
    return InputError(
        f"collection {name} at {uri} belongs to the evqa index {where}; writing "
        f"{index_root} into it would replace that index's articles. Choose another "
        f"collection, e.g. --collection {_free_name(client, index_root, name)}, or "
        f"drop {name} and {name}{ARTICLES_SUFFIX} if that index is gone"
    )


def _free_name(client, index_root: Path, taken: str) -> str:
    base = default_collection(index_root)
    for n in range(1, 100):
        name = base if n == 1 else f"{base}_{n}"
        if name != taken and not client.has_collection(name):
            return name
    return "NEW_NAME"
