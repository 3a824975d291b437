"""Sentences and chunks, as character offsets into the cleaned article text.

Sentence splitting uses sentencex (Wikimedia; a Rust core, ~100x faster than pysbd
here and better on "Co.,Ltd." and "U.S. This ..."), run per text block. Blocks are the
text's lines, so a headline or section heading on its own line is its own sentence;
a line that does not end a sentence and is followed by one starting in lower case is
taken as hard-wrapped and joined to it. A time and the day it is on stay one sentence
("until 8 p.m. Tuesday.", "at 9 a.m. March 3"), though the segmenter cuts after "p.m.".

Chunks pack whole sentences up to ``size`` characters (a longer sentence is split at
word boundaries), carrying ``overlap`` sentences over from the previous chunk, and
always satisfy ``article.text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

import re

import sentencex

from evqa.errors import InputError
from evqa.types import Article, Chunk

__all__ = [
    "MAX_OVERLAP",
    "MIN_CHUNK_SIZE",
    "chunk_article",
    "chunk_spans",
    "split_sentences",
]

MIN_CHUNK_SIZE = 50
MAX_OVERLAP = 10
LANGUAGE = "en"

_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’)\]]*$")
_WORD = re.compile(r"\S+")
# a cut after a time ("8 p.m.") before its day: a weekday ("Tuesday", not "Tuesday's"), or
# a month and a day number ("March 3"; "May said ..." is a new sentence)
_TIME_END = re.compile(r"\b[ap]\.\s?m\.\s*$", re.IGNORECASE)
_DAY_START = re.compile(
    r"\s*(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b(?!['’]s)|"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|(?:Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec)\.)\s+\d{1,2}\b)"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trimmed of surrounding whitespace, in order.
    Together they cover every non-whitespace character of ``text``."""
    spans: list[tuple[int, int]] = []
    for start, end in _blocks(text):
        for a, b in _segment(text[start:end]):
            spans.append((start + a, start + b))
    return spans


def _blocks(text: str) -> list[tuple[int, int]]:
    """Non-blank lines, with hard-wrapped continuation lines joined to the line above."""
    blocks: list[tuple[int, int]] = []
    previous = ""  # the last non-blank line: the one the last block ends on
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        if blocks and _continues(previous, stripped):
            blocks[-1] = (blocks[-1][0], end)
        else:
            blocks.append((start, end))
        previous = stripped
    return blocks


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` goes on with the sentence of the block that ends on the line
    ``previous`` (stripped). Only that line is read: a block's end is its last line's, and
    reading the whole block for each line joined to it took quadratic time (5 s for
    16,000 lines of "word")."""
    return line[0].islower() and not _SENTENCE_END.search(previous)


def _segment(block: str) -> list[tuple[int, int]]:
    """Trimmed sentence spans of one block; the segmenter only proposes cut points."""
    cuts = [0]
    try:
        for boundary in sentencex.get_sentence_boundaries(LANGUAGE, block):
            cut = boundary["end_index"]
            if cuts[-1] < cut < len(block) and not _time_and_day(block, cut):
                cuts.append(cut)
    except Exception:  # e.g. lone surrogates: fall back to the whole block
        cuts = [0]
    cuts.append(len(block))
    return [span for a, b in zip(cuts, cuts[1:], strict=False) if (span := _trim(block, a, b))]


def _time_and_day(block: str, cut: int) -> bool:
    """True if ``cut`` separates a time from the day it is on ("8 p.m. | Tuesday.")."""
    return bool(_TIME_END.search(block, max(0, cut - 8), cut) and _DAY_START.match(block, cut))


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def chunk_article(
    article: Article, size: int, overlap: int, sentences: list[tuple[int, int]] | None = None
) -> list[Chunk]:
    """Chunks of ``article`` with ids f"{article.id}#{ordinal}" (ordinal from 0);
    ``sentences``: its sentences, when the caller has split them already."""
    if sentences is None:
        sentences = list(split_sentences(article.text))
    spans = chunk_spans(article.text, sentences, size, overlap)
    return [
        Chunk(id=f"{article.id}#{i}", doc_id=article.id, start=s, end=e, text=article.text[s:e])
        for i, (s, e) in enumerate(spans)
    ]


def chunk_spans(
    text: str, sentences: list[tuple[int, int]], size: int, overlap: int
) -> list[tuple[int, int]]:
    """Pack sentence spans into chunk spans of at most ``size`` characters."""
    _check_args(size, overlap)
    units = [piece for s, e in sentences for piece in _fit(text, s, e, size)]
    chunks: list[tuple[int, int]] = []
    first = 0  # first unit of the previous chunk
    i = 0
    while i < len(units):
        start = i
        if chunks and overlap:
            start = max(first + 1, i - overlap)
            while start < i and units[i][1] - units[start][0] > size:
                start += 1
        end = i + 1
        while end < len(units) and units[end][1] - units[start][0] <= size:
            end += 1
        chunks.append((units[start][0], units[end - 1][1]))
        first, i = start, end
    return chunks


def _fit(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Split a span longer than ``size`` at word boundaries (a longer word is cut)."""
    if end - start <= size:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    piece_start = piece_end = None
    for word in _WORD.finditer(text, start, end):
        w_start, w_end = word.span()
        while w_end - w_start > size:  # a "word" longer than a chunk
            if piece_start is not None:
                pieces.append((piece_start, piece_end))
                piece_start = None
            pieces.append((w_start, w_start + size))
            w_start += size
        if piece_start is not None and w_end - piece_start <= size:
            piece_end = w_end
            continue
        if piece_start is not None:
            pieces.append((piece_start, piece_end))
        piece_start, piece_end = w_start, w_end
    if piece_start is not None:
        pieces.append((piece_start, piece_end))
    return pieces


def _check_args(size: int, overlap: int) -> None:
    if not isinstance(size, int) or isinstance(size, bool) or size < MIN_CHUNK_SIZE:
        raise InputError(
            f"chunk size must be an integer of at least {MIN_CHUNK_SIZE} characters "
            f"(got {size!r}); set a larger chunk size"
        )
    if not isinstance(overlap, int) or isinstance(overlap, bool) or overlap < 0:
        raise InputError(
            f"chunk overlap must be a whole number of sentences >= 0 (got {overlap!r})"
        )
    if overlap > MAX_OVERLAP:
        raise InputError(
            f"chunk overlap is counted in sentences and must be at most {MAX_OVERLAP} "
            f"(got {overlap}); use a smaller overlap"
        )
