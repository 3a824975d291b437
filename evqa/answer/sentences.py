"""The answer sentence: the bounds of the sentence(s) of an article that hold a span,
cut to a readable window around the span when a "sentence" runs on (text without sentence
punctuation can make a whole article one sentence)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

LIMIT = 600  # characters of an answer sentence at most (a chunk's size), unless the span is longer


def answer_sentence(
    text: str, sentences: Sequence[tuple[int, int]], start: int, end: int, limit: int = LIMIT
) -> tuple[int, int]:
    """The bounds of the sentence(s) of ``text`` holding ``[start, end)``, at most ``limit``
    characters around the span (cut at spaces) when they are longer."""
    return clip(text, *sentence_of(sentences, start, end), start, end, limit)


def sentence_of(sentences: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence(s) holding ``[start, end)``: from the sentence where it
    starts to the one where it ends. ``sentences`` are sorted (start, end) pairs."""
    i = bisect_right(sentences, start, key=lambda s: s[0]) - 1
    if i < 0 or sentences[i][1] <= start:
        return start, end  # between sentences: quote the span itself
    j = i
    while j + 1 < len(sentences) and sentences[j + 1][0] < end:
        j += 1
    return sentences[i][0], max(end, sentences[j][1])


def clip(text: str, s0: int, s1: int, start: int, end: int, limit: int) -> tuple[int, int]:
    """``[s0, s1)`` cut to at most ``limit`` characters holding ``[start, end)``, the span in
    the middle where the bounds allow, each cut moved to a space so no word is split."""
    if s1 - s0 <= limit or end - start >= limit:
        return (s0, s1) if s1 - s0 <= limit else (start, end)
    room = limit - (end - start)
    a = max(s0, start - room // 2)
    b = min(s1, a + limit)
    a = max(s0, b - limit)  # near the sentence's end, the window starts earlier
    if a > s0:
        space = text.find(" ", a, start)
        a = start if space < 0 else space + 1
    if b < s1:
        space = text.rfind(" ", end, b)
        b = end if space < 0 else space
    return a, b
