"""The local backend: an index folder (BM25 arrays, faiss, docs.sqlite), opened by
:mod:`evqa.indexdata` and searched by :mod:`evqa.retrieve`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evqa.dates import NO_DATE, DateRange, date_num
from evqa.fusion import FusionSettings
from evqa.indexdata import IndexData
from evqa.types import Article, Hit, Span


@dataclass
class LocalBackend:
    data: IndexData
    _dates: np.ndarray | None = field(default=None, repr=False)  # per chunk
    _article_nums: np.ndarray | None = field(default=None, repr=False)  # per article

    @classmethod
    def open(cls, root: Path) -> tuple[Any, LocalBackend]:
        from evqa import indexdata

        gen, data = indexdata.load_live(root)
        return gen, cls(data)

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

    def count_undated(self) -> int:
        """Articles without a date (what a date filter leaves out; see evqa.dates), counted
        from their dates alone: a loaded index reads no article text for it."""
        return int((self._article_dates() == NO_DATE).sum())

    def count_dated(self, dates: DateRange) -> int:
        """Articles whose date ``dates`` keeps."""
        return int(dates.keeps(self._article_dates()).sum())

    def date_bounds(self) -> tuple[int, int] | None:
        """The earliest and latest article date (YYYYMMDD, see evqa.dates), or None when no
        article is dated."""
        nums = self._article_dates()
        dated = nums[nums != NO_DATE]
        return (int(dated.min()), int(dated.max())) if dated.size else None

    def _article_dates(self) -> np.ndarray:
        """Each article's date_num (read once: an open index never changes)."""
        if self._article_nums is None:
            from evqa.docstore import Articles

            articles = self.data.articles
            if isinstance(articles, Articles):
                dates = articles.dates()
            else:  # a build's articles, in memory
                dates = [a.date for a in articles.values()]
            self._article_nums = np.array([date_num(d) for d in dates], dtype=np.int64)
        return self._article_nums

    def allowed(self, dates: DateRange) -> np.ndarray:
        """A boolean per chunk: its article's date is inside ``dates``."""
        if self._dates is None:
            from evqa.indexdata import chunk_dates

            per_chunk = chunk_dates(self.data)
            nums = {d: date_num(d) for d in set(per_chunk)}  # 25k articles, 150k chunks
            self._dates = np.array([nums[d] for d in per_chunk], dtype=np.int64)
        return dates.keeps(self._dates)
