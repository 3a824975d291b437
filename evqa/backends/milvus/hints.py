"""The commands messages suggest: rebuild an index, or finish an interrupted write, with
absolute paths so they work from any folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evqa.backends.milvus.uris import absolute_uri


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
