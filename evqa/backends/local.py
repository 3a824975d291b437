"""The local backend: an index folder (BM25 arrays, faiss, docs.sqlite), opened by
:mod:`evqa.indexdata` and searched by :mod:`evqa.retrieve`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evqa.dates import DateRange, date_num
from evqa.indexdata import IndexData
from evqa.retrieve import FusionSettings
from evqa.types import Article, Hit, Span


@dataclass
class LocalBackend:
    data: IndexData
    gen: Any = None  # the store.Generation it was loaded from
    _dates: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def open(cls, root: Path) -> tuple[Any, LocalBackend]:
        from evqa import indexdata

        gen, data = indexdata.load_live(root)
        return gen, cls(data, gen)

    @property
    def articles(self) -> Mapping[str, Article]:
        return self.data.articles

    @property
    def sentences(self) -> Mapping[str, Sequence[tuple[int, int]]]:
        return self.data.sentences

    @property
    def spans(self) -> Mapping[str, Sequence[Span]]:
        return self.data.spans

    def search(
        self,
        query: str,
        query_vector: Callable[[str], np.ndarray],
        *,
        k: int,
        mode: str,
        fusion: FusionSettings,
        dates: DateRange | None = None,
    ) -> list[Hit]:
        from evqa.retrieve import search

        allowed = self.allowed(dates) if dates is not None else None
        return search(
            self.data, query, query_vector, k=k, mode=mode, fusion=fusion, allowed=allowed
        )

    def allowed(self, dates: DateRange) -> np.ndarray:
        """A boolean per chunk: its article's date is inside ``dates``."""
        if self._dates is None:
            from evqa.indexdata import chunk_dates

            per_chunk = chunk_dates(self.data)
            nums = {d: date_num(d) for d in set(per_chunk)}  # 25k articles, 150k chunks
            self._dates = np.array([nums[d] for d in per_chunk], dtype=np.int64)
        n = self._dates
        keep = n > 0
        if dates.lo is not None:
            keep &= n >= dates.lo
        if dates.hi is not None:
            keep &= n <= dates.hi
        return keep

    def status(self) -> dict[str, Any]:
        return {
            "backend": "local",
            "articles": len(self.data.articles),
            "chunks": len(self.data.chunks),
        }

    def verify(self) -> list[str]:
        from evqa import store

        return store.verify(self.gen) if self.gen is not None else []
