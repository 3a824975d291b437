"""Readable labels for articles without a title.

Many articles come without a headline, and their ids are often file names such as
``004_1b31b26ffe040619``. Passages and citations then show a label derived from the
article instead, flagged as derived (``title_derived``) so it is never taken for the
article's own title; the id is always shown and kept in ``--json`` next to it.

The label is the id read as a name, when it is one (``battery-prices_9f86d081884c7d65``
-> "battery prices": a leading ordinal and a trailing hash are dropped, and at least two
words must remain), else the first words of the article's lede.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evqa.types import Article

LABEL_CHARS = 60  # a lede label is cut at a word boundary to about this many characters
_HASH_TAIL = re.compile(r"(?:^|[\W_]+)([0-9a-f]{8,})$", re.IGNORECASE)
_ORDINAL_HEAD = re.compile(r"^\d+(?=[\W_])")
_SEPARATORS = re.compile(r"[\W_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


@dataclass(frozen=True)
class Label:
    """What to call an article: its title, or a label derived from it (``derived``)."""

    text: str | None
    derived: bool = False


def article_label(article: Article) -> Label:
    """The article's title, else a derived label (None when nothing readable is found)."""
    if article.title:
        return Label(article.title)
    derived = name_label(article.id) or lede_label(article.text)
    return Label(derived, derived is not None)


def name_label(doc_id: str) -> str | None:
    """The id's last part (an id of a nested file is its path: "2024/jan/story") as words
    without a leading ordinal or a trailing hash (8+ hex digits), if that leaves at least
    two words with letters; else None."""
    name = doc_id.rsplit("/", 1)[-1]
    tail = _HASH_TAIL.search(name)
    if tail and any(c.isdigit() for c in tail.group(1)):
        name = name[: tail.start()]
    name = _ORDINAL_HEAD.sub("", name)
    words = [w for w in _SEPARATORS.split(name) if w]
    if len(words) < 2 or not any(c.isalpha() for c in "".join(words)):
        return None
    return " ".join(words)


def lede_label(text: str, limit: int = LABEL_CHARS) -> str | None:
    """The first sentence of ``text``, cut at a word boundary to about ``limit`` characters
    (ending in "…" when cut); None for a text without words."""
    first = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    words = first.split()
    if not any(any(c.isalnum() for c in w) for w in words):
        return None
    label = words[0]
    for word in words[1:]:
        if len(label) + 1 + len(word) > limit:
            return label.rstrip(",;:") + "…"
        label += " " + word
    return label
