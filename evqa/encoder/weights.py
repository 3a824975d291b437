"""The sha256 of a model's weights, cached per (absolute path, size, mtime_ns) so the cold
query path does not re-hash 90 MB."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from evqa.encoder.files import atomic_write_bytes, read_json
from evqa.errors import ModelError

HASH_CACHE = "model_hashes.json"


def weights_sha256(weights: Path, cache_dir: Path | None = None) -> str:
    """sha256 of a weights file, cached in ``cache_dir`` by (absolute path, size, mtime_ns)."""
    try:
        st = weights.stat()
    except OSError as e:
        raise ModelError(f"cannot read model weights {weights}: {e.strerror}") from None
    key = str(weights.resolve())
    stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    cache = _load_hash_cache(cache_dir)
    entry = cache.get(key)
    if isinstance(entry, dict) and all(entry.get(k) == v for k, v in stamp.items()):
        digest = entry.get("sha256")
        if isinstance(digest, str) and len(digest) == 64:
            return digest
    digest = _hash_file(weights)
    if cache_dir is not None:
        cache[key] = {**stamp, "sha256": digest}
        _save_hash_cache(cache_dir, cache)
    return digest


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as e:
        raise ModelError(f"cannot read model weights {path}: {e.strerror}") from None
    return h.hexdigest()


def _load_hash_cache(cache_dir: Path | None) -> dict[str, Any]:
    if cache_dir is None:
        return {}
    data = read_json(Path(cache_dir) / HASH_CACHE)
    return data if isinstance(data, dict) else {}


def _save_hash_cache(cache_dir: Path, cache: dict[str, Any]) -> None:
    """Best effort: a cache that cannot be written only costs a re-hash next time."""
    with contextlib.suppress(OSError):
        atomic_write_bytes(Path(cache_dir) / HASH_CACHE, json.dumps(cache, indent=1).encode())
