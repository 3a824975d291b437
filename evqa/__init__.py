"""evqa: offline question answering over news articles.

    from evqa import Engine
    engine = Engine.open()
    answer = engine.ask("energy density of Jinshi battery")

Names are imported lazily so that `import evqa` (and `evqa --help`) stay fast.
"""

from __future__ import annotations

from typing import Any

# every error evqa raises on purpose is an EvqaError; these say which (evqa.errors)
_ERRORS = (
    "BackendAuthError",
    "BackendUnavailableError",
    "CorpusError",
    "EvqaError",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexStaleError",
    "IndexWriteError",
    "InputError",
    "ModelError",
    "SchemaMismatchError",
)
__all__ = [
    "Answer",
    "Article",
    "Chunk",
    "Citation",
    "Engine",
    *_ERRORS,
    "Figure",
    "Hit",
    "Span",
]
__version__ = "0.1.0"

_WHERE = {
    "Engine": "evqa.engine",
    **dict.fromkeys(_ERRORS, "evqa.errors"),
    **{
        name: "evqa.types"
        for name in ("Answer", "Article", "Chunk", "Citation", "Figure", "Hit", "Span")
    },
}


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'evqa' has no attribute {name!r}")
