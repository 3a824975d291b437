"""The default seeds index: built from the project's seeds/ on first use and rebuilt when
it is out of date, in the project's index/ folder or, if that is read-only, in the cache
dir. Any other index is only ever built by `evqa index build`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from evqa import config, store
from evqa.errors import IndexCorruptError, IndexNotFoundError


def ensure_default_index(
    root: Path, cache: Path, model: Path | None, notice: Callable[[str], None] | None, progress
) -> Path:
    """Make sure the default seeds index exists and is fresh, building it if needed.

    If the project's index/ folder is read-only, the index goes to the cache dir."""
    from evqa.encoder import resolve_model
    from evqa.staleness import stale_reasons

    info = resolve_model(model, cache_dir=cache)
    for candidate in (root, cache / "default-index"):
        settings = None
        try:
            gen = store.open_generation(candidate)
            if not stale_reasons(gen.manifest, candidate, info.sha256, cache):
                store.check_sizes(gen)
                return candidate
            why, settings = "is out of date", gen.manifest.get("settings")
        except (IndexNotFoundError, IndexCorruptError):
            why = "is missing"
        if candidate == root and not _writable(root):
            continue
        if notice:
            notice(
                f"the default index {why}; building it from {config.DEFAULTS['corpus']} "
                "(one time, about a minute)"
            )
        build_default(candidate, info, cache, progress, settings)
        return candidate
    raise IndexNotFoundError("cannot build the default index; run: evqa index build")


def build_default(root: Path, model, cache: Path, progress, saved=None) -> None:
    """Build the seeds index; ``saved`` settings (the stale index's) keep e.g. its encoder."""
    from evqa.build import build, resolve_settings

    build(
        Path(config.DEFAULTS["corpus"]),
        root,
        model=model,
        settings=resolve_settings(None, saved),
        cache_dir=cache,
        wait=config.AUTO_BUILD_WAIT,
        progress=progress,
    )


def _writable(root: Path) -> bool:
    probe = root if root.exists() else root.parent
    return os.access(probe, os.W_OK | os.X_OK)
