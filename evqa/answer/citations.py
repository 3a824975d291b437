"""Verified citations: a quote is always ``article.text[start:end]``."""

from __future__ import annotations

from collections.abc import Sequence

from evqa.errors import EvqaError
from evqa.types import Article, Citation, Hit


class CitationMismatchError(EvqaError):
    """A citation does not match its article's text (an internal error)."""

    exit_code = 1


def cite(n: int, article: Article, start: int, end: int, hits: Sequence[Hit]) -> Citation:
    """Citation ``[n]`` of ``article.text[start:end]``, titled like the hit it came from,
    with the article's source."""
    quote = article.text[start:end]
    hit = next((h for h in hits if h.chunk.doc_id == article.id), None)
    citation = Citation(
        n=n,
        doc_id=article.id,
        title=article.title or (hit.title if hit else None),
        title_derived=not article.title and hit is not None and hit.title_derived,
        date=article.date or (hit.date if hit else None),
        quote=quote,
        start=start,
        end=end,
        source=article.source,
    )
    if not quote or article.text[citation.start : citation.end] != citation.quote:
        raise CitationMismatchError(
            f"internal error: citation [{n}] of {article.id!r} does not match the article "
            f"text at {start}:{end}; rebuild the index with `evqa index build` and report it"
        )
    return citation
