"""The answer sentence: the bounds of the sentence(s) of an article that hold a span."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence


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
