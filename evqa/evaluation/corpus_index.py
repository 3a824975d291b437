"""The index `evqa eval --corpus` evaluates on: one per corpus path, kept in the cache dir
(``eval-index/<hash of the corpus's absolute path>``) and refreshed incrementally, so a
second run over an unchanged corpus embeds nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from evqa import config


def corpus_index_root(corpus: Path | str, cache: Path | str) -> Path:
    """Where the cached index of ``corpus`` lives under ``cache``."""
    key = hashlib.sha256(str(Path(corpus).resolve()).encode()).hexdigest()[:16]
    return Path(cache) / "eval-index" / key


def cached_corpus_index(
    corpus: Path | str,
    model,
    progress=None,
    *,
    skip_bad: bool = False,
    analysis: bool | None = None,
    warn: Callable[[str], None] | None = None,
) -> Path:
    """Index ``corpus`` with the embedding ``model`` (a ModelInfo) into its cached index,
    building or refreshing it, and return the index folder. ``skip_bad`` and the build's
    warnings (told to ``warn``, one by one) are those of ``evqa.build.build``; ``analysis``
    False skips spaCy's entity recognition (None: EVQA_* env, else on)."""
    from evqa.build import build, resolve_settings

    cache = Path(config.resolve("cache_dir"))
    root = corpus_index_root(corpus, cache)
    report = build(
        Path(corpus),
        root,
        model=model,
        settings=resolve_settings({"analysis": analysis}),
        cache_dir=cache,
        skip_bad=skip_bad,
        wait=config.AUTO_BUILD_WAIT,
        progress=progress,
    )
    for warning in report.warnings if warn is not None else ():
        warn(warning)
    return root
