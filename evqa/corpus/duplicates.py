"""Articles that repeat an earlier article's text under another id (a copied file, a wire
story filed twice): only the first is kept, so a search does not give two of its top-k
places to one text. Cheap and streaming: only a hash of each cleaned text is kept."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from evqa.corpus.report import Report
from evqa.types import Article


def distinct_texts(articles: Iterable[Article], report: Report) -> Iterator[Article]:
    """``articles`` less those whose cleaned text an earlier one has (in read order: a
    folder's files sorted by path, a .jsonl file's lines), each skipped with a warning."""
    first: dict[bytes, str] = {}
    for article in articles:
        kept = first.setdefault(text_key(article.text), article.id)
        if kept != article.id:
            report.warn(
                f"article {article.id!r} has the same text as {kept!r}; skipped, {kept!r} is kept"
            )
            continue
        yield article


def text_key(text: str) -> bytes:
    """A digest of an article's cleaned text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
