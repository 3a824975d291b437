"""Where an index's chunks live: the seam between the engine and a storage backend.

A backend answers ``search`` with the same :class:`~evqa.types.Hit` records (with each
retriever's rank, score and share in ``explain``) and exposes the articles, sentences and
spans of an index as read-only mappings by doc id, so the answerer, citations, eval and
chat never know which backend they run on.

* ``local`` (:mod:`evqa.backends.local`): today's index folder (BM25 arrays + faiss), the
  default.
* ``milvus`` (:mod:`evqa.backends.milvus`): a Milvus collection (milvus-lite file or a
  cluster); needs ``pip install -e '.[milvus]'``. Nothing imports pymilvus unless an index
  says ``"backend": {"type": "milvus"}`` or a build asks for it.

An index folder's manifest records the backend; a missing entry means ``local``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from evqa.dates import DateRange
from evqa.errors import InputError
from evqa.fusion import FusionSettings
from evqa.types import Article, Hit, Span

BACKENDS = ("local", "milvus")


class Backend(Protocol):
    articles: Mapping[str, Article]
    sentences: Mapping[str, Sequence[tuple[int, int]]]
    spans: Mapping[str, Sequence[Span]]

    def search(
        self,
        query: str,
        query_vector: Callable[[str], np.ndarray],
        *,
        k: int,
        mode: str,
        fusion: FusionSettings,
        dates: DateRange | None = None,
    ) -> list[Hit]: ...


def backend_type(manifest: Mapping[str, Any]) -> str:
    """The backend an index's manifest records (``local`` when it records none)."""
    entry = manifest.get("backend") or {}
    kind = entry.get("type", "local") if isinstance(entry, Mapping) else entry
    return check_backend(kind)


def check_backend(kind: str) -> str:
    if kind not in BACKENDS:
        raise InputError(f"unknown backend {kind!r}; choose one of: {', '.join(BACKENDS)}")
    return kind


def open_backend(root: Path) -> tuple[Any, Backend]:
    """Open the index at ``root``: (its Generation, its backend)."""
    from evqa import store

    gen = store.open_generation(root)
    if backend_type(gen.manifest) == "milvus":
        from evqa.backends.milvus import MilvusBackend

        return gen, MilvusBackend.open(gen)
    from evqa.backends.local import LocalBackend

    return LocalBackend.open(root)
