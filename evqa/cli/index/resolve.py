"""What an index command works with, by flag > EVQA_* env > the live index > default:
the corpus, the backend, the model and the build settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evqa import config
from evqa.cli.common import resolve_model
from evqa.errors import InputError


def index_root(flag: Path | None) -> Path:
    return Path(config.resolve("index", flag))


def build_args(index: Path | None, model: Path | None, flags: dict[str, Any]) -> tuple[Path, dict]:
    """The index folder, and the model/settings/cache arguments shared by build and add.
    ``flags`` are the settings flags (chunk_size, chunk_overlap, encoder, analysis)."""
    from evqa.build import live_manifest, resolve_settings
    from evqa.cli.index.options import SETTING_FLAGS

    root = index_root(index)
    live = (live_manifest(root) or {}).get("settings")
    return root, {
        "model": resolve_model(model),
        "settings": resolve_settings(flags, live, SETTING_FLAGS),
        "cache_dir": Path(config.resolve("cache_dir")),
    }


_OWN_ARTICLES = object()  # an edited index's "corpus": the articles it holds


def build_corpus(root: Path, flag: Path | None) -> Path | None:
    """The corpus to build ``root`` from: flag > EVQA_CORPUS > the corpus the index
    records > seeds/. None for an index edited with add/remove (it records no corpus):
    it is rebuilt from the articles it holds."""
    from evqa import store
    from evqa.staleness import corpus_path

    manifest = store.recorded_manifest(root)
    recorded = None
    if manifest is not None:
        recorded = corpus_path(manifest, root)
        if recorded is None and (manifest.get("corpus") or {}).get("edited"):
            recorded = _OWN_ARTICLES
    chosen = config.resolve("corpus", flag, {"corpus": recorded})
    return None if chosen is _OWN_ARTICLES else Path(chosen)


def backend_choice(root: Path, backend, uri, collection) -> tuple[str, str | None, str | None]:
    """(backend, uri, collection) by flag > EVQA_* env > what the index records > default
    (:func:`evqa.build.resolve_backend`), its refusal in the flags' words."""
    from evqa.build import resolve_backend

    if (uri or collection) and resolve_backend(root, backend)[0] != "milvus":
        raise InputError("--uri and --collection are for --backend milvus")
    return resolve_backend(root, backend, uri, collection)
