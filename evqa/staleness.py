"""Is an index still in step with its corpus and model?

The manifest records a cheap stat fingerprint (paths, sizes, mtimes) and a content
fingerprint of the corpus. A query checks the cheap one first and falls back to the
content one only when the files were touched (e.g. after a fresh git clone), so the
check costs a directory walk, not a read of the corpus.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any

from evqa.folders import visible_files


def stat_fingerprint(path: Path) -> str | None:
    """Hash of (relative path, size, mtime) of every non-hidden file under the corpus (as
    corpus reading walks it: through links to folders, evqa.folders); None
    if it is missing. Any difference sends the caller to the content fingerprint, which
    decides, so this may be conservative but never wrong."""
    path = Path(path)
    if path.is_file():
        files = [path]
        base = path.parent
    elif path.is_dir():
        base = path
        files = sorted(Path(d) / name for d, names in visible_files(path) for name in names)
    else:
        return None
    h = hashlib.sha256()
    for f in files:
        try:
            st = f.stat()
        except OSError:  # a broken link (or a file gone meanwhile): its name still counts
            st = None
        name = f.relative_to(base).as_posix().encode("utf-8", "surrogateescape")
        h.update(name + (f"\0{st.st_size}\0{st.st_mtime_ns}\n" if st else "\0-\n").encode())
    return h.hexdigest()


def corpus_path(manifest: dict[str, Any], index_root: Path) -> Path | None:
    """The corpus the index is tied to, or None after `index add/remove`.

    The path relative to the index wins if it exists (a project cloned or moved with its
    index), else the absolute path recorded at build time (an index copied or moved
    alone); if neither exists, the absolute one (where the corpus was), else the
    relative one."""
    recorded = manifest.get("corpus", {})
    raw = recorded.get("path")
    if raw is None:
        return None
    p = Path(raw)
    relative = p if p.is_absolute() else (Path(index_root) / p).resolve()
    absolute = recorded.get("absolute_path")
    if relative.exists() or not absolute:
        return relative
    return Path(absolute)


def id_root(manifest: dict[str, Any], index_root: Path) -> Path | None:
    """The folder the index's file ids are relative to: its corpus folder, or the one
    an index edited with add/remove was built from; None for a JSONL corpus or none."""
    corpus = corpus_path(manifest, index_root)
    if corpus is not None:
        return Path(os.path.realpath(corpus)) if corpus.is_dir() else None
    root = (manifest.get("corpus") or {}).get("id_root")
    return Path(root) if isinstance(root, str) else None


def edited_corpus(manifest: dict[str, Any], index_root: Path) -> dict[str, Any]:
    """What an index edited with add/remove records of its corpus: none any more, but
    still the folder its ids are relative to (so a file added from it gets the same id)."""
    root = id_root(manifest, index_root)
    return {"path": None, "edited": True, **({"id_root": str(root)} if root else {})}


def ids_base(path: Path, root: Path | None) -> Path | None:
    """The folder that ``path``'s ids are relative to: the nearest folder above it, as
    written, that is ``root`` (whatever links either path goes through: a file reached
    through a link to a folder in the corpus keeps the id it has there); None if ``path``
    is not inside ``root``."""
    if root is None:
        return None
    top = os.path.realpath(root)
    for folder in Path(os.path.abspath(path)).parents:
        if os.path.realpath(folder) == top:
            return folder
    return None


def relative_corpus_path(corpus: Path, index_root: Path) -> str:
    """The corpus path relative to the index (absolute if there is no relative path,
    e.g. on another Windows drive), so a cloned project (seeds/ beside index/) stays
    fresh wherever it is checked out."""
    corpus, index_root = Path(corpus).resolve(), Path(index_root).resolve()
    try:
        return os.path.relpath(corpus, index_root)
    except ValueError:
        return str(corpus)


def corpus_location(corpus: Path, index_root: Path) -> dict[str, str]:
    """What a manifest records of where its corpus is: the relative path, tried first,
    and the absolute one, tried when the index was copied or moved without its corpus.

    The project's default index records no absolute path: it is shipped, and must name
    no folder of the machine that built it."""
    from evqa import config

    location = {"path": relative_corpus_path(corpus, index_root)}
    if Path(index_root).resolve() != Path(config.DEFAULTS["index"]).resolve():
        location["absolute_path"] = str(Path(corpus).resolve())
    return location


def corpus_warning(manifest: dict[str, Any], index_root: Path) -> str | None:
    """A warning when the index's corpus is gone: the index still answers from what it
    holds, but whether it is stale cannot be told."""
    from evqa.corpus import printable

    corpus = corpus_path(manifest, index_root)
    if corpus is None or corpus.exists():
        return None
    return printable(
        f"the corpus {corpus} no longer exists, so whether the index is stale cannot be "
        f"checked; the index is used as built (rebuild with: evqa index build "
        f"--index {index_root} --corpus CORPUS)"
    )


def edited_warning(manifest: dict[str, Any], index_root: Path) -> str | None:
    """For `index status`: an index edited with add/remove is tied to no corpus, so
    whether its articles changed on disk is not checked."""
    if not (manifest.get("corpus") or {}).get("edited"):
        return None
    return (
        "the index was edited with evqa index add/remove, so it follows no corpus folder "
        "and whether its articles changed on disk is not checked (add changed files again "
        f"with evqa index add, or rebuild with: evqa index build --index {index_root} "
        "--corpus CORPUS)"
    )


def stale_reasons(
    manifest: dict[str, Any],
    index_root: Path,
    model_sha256: str | None,
    cache_dir: Path | None = None,
) -> list[str]:
    """Why the index no longer matches its corpus or model; empty when it is fresh.

    A corpus that no longer exists is no reason (the index still holds its articles):
    :func:`corpus_warning` says so instead.

    With ``cache_dir``, a stat fingerprint whose content was once found unchanged is
    remembered there, so the next check is only a directory walk."""
    reasons = []
    if model_sha256 is not None and manifest["model"]["sha256"] != model_sha256:
        reasons.append("the embedding model differs from the one the index was built with")
    from evqa.spans import ANALYSIS_VERSION

    if manifest.get("settings", {}).get("analysis_version") != ANALYSIS_VERSION:
        reasons.append("the index-time analysis changed (evqa was upgraded)")
    corpus = corpus_path(manifest, index_root)
    if corpus is None:
        return reasons
    recorded = manifest["corpus"]
    if not corpus.exists():
        return reasons  # nothing to compare with: see corpus_warning
    if not _content_unchanged(corpus, recorded, cache_dir):
        reasons.append(f"the corpus {corpus} changed since the build")
    return reasons


def _content_unchanged(corpus: Path, recorded: dict[str, Any], cache_dir: Path | None) -> bool:
    stat = stat_fingerprint(corpus)
    if stat == recorded.get("stat"):
        return True
    memo = None
    if cache_dir is not None:
        memo = Path(cache_dir) / "fresh" / f"{recorded.get('fingerprint')}-{stat}"
        if memo.exists():
            return True
    from evqa.corpus import corpus_fingerprint

    if corpus_fingerprint(corpus) != recorded.get("fingerprint"):
        return False
    if memo is not None:
        with contextlib.suppress(OSError):
            memo.parent.mkdir(parents=True, exist_ok=True)
            memo.touch()
    return True
