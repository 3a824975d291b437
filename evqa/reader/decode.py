"""Turn start/end logits of a passage's windows into ranked answer spans."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MAX_ANSWER_TOKENS = 30
TOP_TOKENS = 20


@dataclass(frozen=True)
class SpanGuess:
    start: int  # char offsets into the passage
    end: int
    text: str
    score: float  # start logit + end logit
    null: float  # the window's no-answer score: start[CLS] + end[CLS]


def window_spans(
    offsets: Sequence[tuple[int, int]],
    start: np.ndarray,
    end: np.ndarray,
    *,
    max_tokens: int = MAX_ANSWER_TOKENS,
    top: int = TOP_TOKENS,
) -> list[tuple[int, int, float]]:
    """(first token, last token, score) of the best spans inside one window's passage part."""
    ok = np.array([o[0] >= 0 for o in offsets])
    s = np.where(ok, start, -np.inf)
    e = np.where(ok, end, -np.inf)
    ss = np.argsort(-s)[:top]
    es = np.argsort(-e)[:top]
    out = []
    for i in ss:
        if not ok[i]:
            continue
        for j in es:
            if ok[j] and i <= j < i + max_tokens:
                out.append((int(i), int(j), float(s[i] + e[j])))
    return out


# a blank line (a line break after a sentence's end is a sentence start: ``sentence_starts``)
_BREAK = re.compile(r"\n[^\S\n]*\n")
_PERCENT = "%‰"


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``start``/``end`` widened to whole words: a span that starts or ends on a word piece
    ("kw" of "kWh"), on part of a number ("213" of "13,213", "25" of "2024/25") or on the
    symbol of a prefixed currency ("$1.1" of "A$1.1", "US$720") takes the rest of it. A
    number takes the currency symbol written right before it ("52.3 million" of "$52.3
    million", "€4.75") and the percent sign right after it ("27" of "27%")."""
    return word_start(text, start), word_end(text, end)


def word_start(text: str, start: int) -> int:
    """``start`` moved back to its word's start (``whole_words``)."""
    start = _words_start(text, start)
    if 0 < start < len(text) and _is_currency(text[start - 1]) and text[start].isdigit():
        start = _words_start(text, start - 1)  # "US$720": the letters glued to "$" too
    return start


def word_end(text: str, end: int) -> int:
    """``end`` moved on to its word's end (``whole_words``)."""
    while 0 < end < len(text) and _joined(text, end):
        end += 1
    if 0 < end < len(text) and text[end] in _PERCENT and text[end - 1].isdigit():
        end += 1
    return end


def _words_start(text: str, start: int) -> int:
    while 0 < start < len(text) and _joined(text, start):
        start -= 1
    return start


def _is_currency(c: str) -> bool:
    return unicodedata.category(c) == "Sc"


def _joined(text: str, i: int) -> bool:
    """True if ``text[i - 1]`` and ``text[i]`` belong to one word, one number or one
    prefixed currency symbol (the reader's WordPiece splits "A$" into "a" and "$")."""
    a, b = text[i - 1], text[i]
    return (
        _in_word(a)
        and (_in_word(b) or _is_currency(b))
        or _in_number(text, i - 1)
        or _in_number(text, i)
    )


def _in_number(text: str, i: int) -> bool:
    """True if ``text[i]`` is a digit-group or decimal mark inside a number ("13,213"), or
    the slash of a season, fraction or numeric date ("2024/25", "3/4", "12/05/2024")."""
    return (
        0 < i < len(text) - 1
        and text[i] in ",./"
        and text[i - 1].isdigit()
        and text[i + 1].isdigit()
    )


def _in_word(c: str) -> bool:
    """A letter or digit of a space-separated script (CJK text has no words to widen to)."""
    return c.isalnum() and unicodedata.east_asian_width(c) not in ("W", "F")


def best_spans(
    scored: Iterable[tuple[object, np.ndarray, np.ndarray]],
    context: str,
    top: int = 5,
    cuts: Sequence[int] | None = None,
) -> list[SpanGuess]:
    """The ``top`` distinct spans over all windows ``(window, start, end)`` of one passage.
    No span crosses from a sentence's end into the next sentence (``sentence_starts``:
    "March 2026. Deliveries are scheduled from ..." is no answer; the answer sentence is
    the one holding the span; a line break after a sentence's end, a table row's or a page
    paragraph's, is one such) or a paragraph break (a blank line): such a pair of tokens
    is not a span. A line break inside a sentence (hard-wrapped text) is crossed.
    ``cuts``: those sentence starts, sorted, when they are known (``passage_starts``)."""
    cuts = sentence_starts(context) if cuts is None else cuts
    best: dict[tuple[int, int], SpanGuess] = {}
    starts: dict[int, int] = {}  # each token edge widened once, not once per pair
    ends: dict[int, int] = {}
    for w, s, e in scored:
        offs = w.offsets
        null = float(s[0] + e[0])
        for i, j, score in window_spans(offs, s, e):
            if _BREAK.search(context, offs[i][0], offs[j][1]) or _crosses(
                cuts, offs[i][0], offs[j][1]
            ):
                continue
            a = starts.get(offs[i][0])
            if a is None:
                a = starts[offs[i][0]] = word_start(context, offs[i][0])
            b = ends.get(offs[j][1])
            if b is None:
                b = ends[offs[j][1]] = word_end(context, offs[j][1])
            if (a, b) not in best or best[(a, b)].score < score:
                best[(a, b)] = SpanGuess(a, b, context[a:b], score, null)
    return sorted(best.values(), key=lambda g: -g.score)[:top]


_ENDED = re.compile(r"[.!?…][\"'”’)\]]*$")


def sentence_starts(text: str) -> list[int]:
    """Where a sentence starts right after another sentence's end (its full stop, question
    or exclamation mark), in ``evqa.chunking.split_sentences``' sentences of ``text``. A
    line that follows a heading or a hard-wrapped line ending without one is not counted:
    a wrapped line may start with a name ("the chief executive⏎Maria Lopez said")."""
    from evqa.chunking import split_sentences  # sentencex: only when sentences are not known

    return passage_starts(text, 0, split_sentences(text))


def passage_starts(text: str, offset: int, sentences: Sequence[tuple[int, int]]) -> list[int]:
    """``sentence_starts`` of the passage ``text``, which starts at ``offset`` of its
    article, from the article's ``sentences`` (sorted (start, end) article offsets, as the
    index stores them): the answer sentence is one of these, so no span crosses them. Each
    start is in passage offsets; only sentences whose previous one ends inside the passage
    count, as when the passage is split on its own."""
    end_of = offset + len(text)
    first = bisect_right(sentences, offset, key=lambda s: s[0])  # the first starting inside
    out = []
    for k in range(max(1, first), len(sentences)):  # read to the passage's end, no further
        start, before = sentences[k][0], sentences[k - 1][1]
        if start >= end_of:
            break
        if offset < before <= end_of and _ENDED.search(
            text, max(0, before - offset - 4), before - offset
        ):
            out.append(start - offset)
    return out


def _crosses(cuts: Sequence[int], start: int, end: int) -> bool:
    """True if a sentence starts inside ``(start, end)`` (``cuts``: sorted starts)."""
    k = bisect_right(cuts, start)
    return k < len(cuts) and cuts[k] < end
