"""Answer candidates: the reader's best spans in each retrieved passage, in article offsets."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from evqa.reader.decode import passage_starts, sentence_starts
from evqa.types import Hit

SPANS_PER_PASSAGE = 5
_PAIRS = {"“": "”", "«": "»", "(": ")", "[": "]"}  # '"' is its own partner: see _unpaired
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_SEPARATORS = frozenset(",;:—")


class SpanReader(Protocol):
    def read(
        self,
        question: str,
        passages: Sequence[str],
        top: int = ...,
        starts: Sequence[Sequence[int]] | None = ...,
    ) -> list: ...


@dataclass(frozen=True)
class Candidate:
    doc_id: str
    start: int  # article offsets
    end: int
    text: str
    score: float  # the reader's span score (start + end logit)
    null: float  # the reader's no-answer score for the passage
    rank: int  # retrieval rank of the passage (1-based)
    retrieval: float  # the passage's retrieval score relative to the top hit's (0..1)
    passage: str = ""  # the text the reader read


def read_candidates(
    reader: SpanReader,
    question: str,
    hits: Sequence[Hit],
    top: int = SPANS_PER_PASSAGE,
    sentences: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> list[Candidate]:
    """Every passage's ``top`` spans; a span found in two overlapping chunks counts once,
    with the better of its scores. With the index's ``sentences`` (article offsets, by
    doc id), no span crosses a sentence that the answer sentence is chosen from; without
    them, the reader splits each passage itself."""
    if not hits:
        return []
    starts = None
    if sentences is not None:
        starts = [_starts(h, sentences) for h in hits]
    reads = reader.read(question, [h.chunk.text for h in hits], top=top, starts=starts)
    best_score = max(h.score for h in hits)
    found: dict[tuple[str, int, int], Candidate] = {}
    for hit, read in zip(hits, reads, strict=True):
        rel = hit.score / best_score if best_score > 0 else 1.0
        for g in read.spans:
            lead, trail = trim(g.text)
            text = g.text[lead:trail]
            if not text:
                continue
            if takes_stop(text, hit.chunk.text[g.start + trail : g.start + trail + 1]):
                text += "."
            start = hit.chunk.start + g.start + lead
            c = Candidate(
                hit.doc_id, start, start + len(text), text, g.score, read.null, hit.rank, rel,
                hit.chunk.text,
            )  # fmt: skip
            key = (c.doc_id, c.start, c.end)
            if key not in found or found[key].score < c.score:
                found[key] = c
    return list(found.values())


def _starts(hit: Hit, sentences: Mapping[str, Sequence[tuple[int, int]]]) -> list[int]:
    known = sentences.get(hit.doc_id)
    if not known:  # an index without the article's sentences: split the passage
        return sentence_starts(hit.chunk.text)
    return passage_starts(hit.chunk.text, hit.chunk.start, known)


def trim(text: str) -> tuple[int, int]:
    """Bounds of ``text`` without edge whitespace, separators (``,;:—``), quotes or
    brackets whose partner is not inside the span, and a sentence's full stop: a reader's
    token-level span can end on a closing quote, a comma or a full stop, which no answer
    does. A stop that ends an abbreviation ("U.S.") or an initial ("J.") stays."""
    i, j = 0, len(text)
    while True:
        k, m = i, j
        while i < j and (text[i].isspace() or text[i] in _SEPARATORS):
            i += 1
        while j > i and (text[j - 1].isspace() or text[j - 1] in _SEPARATORS):
            j -= 1
        if i < j and _unpaired(text[i], text[i + 1 : j], opening=True):
            i += 1
        if i < j and _unpaired(text[j - 1], text[i : j - 1], opening=False):
            j -= 1
        if i < j and _full_stop(text[i:j]):
            j -= 1
        i, j = _past_fragments(text, i, j)
        if (i, j) == (k, m):
            return i, j


# a bracket's tail or head cut off at the span's edge: "1] 45 million" of "[1] 45 million"
_CUT_HEAD = re.compile(r"[^\s\[\]()]{0,3}[\])]\s+")
_CUT_TAIL = re.compile(r"\s+[\[(][^\s\[\]()]{0,3}$")


def _past_fragments(text: str, i: int, j: int) -> tuple[int, int]:
    """``text[i:j]`` without an edge pictograph (an emoji after "90 million dollars") or a
    bracket cut in two at an edge (the "1]" of a "[1]" before the answer)."""
    while i < j and _pictograph(text[i]):
        i += 1
    while j > i and _pictograph(text[j - 1]):
        j -= 1
    if head := _CUT_HEAD.match(text, i, j):  # its opening bracket is outside the span
        i = head.end()
    if tail := _CUT_TAIL.search(text, i, j):  # and this one's closing bracket
        j = tail.start()
    return i, j


def _pictograph(char: str) -> bool:
    """An emoji or other pictograph, or the joiners and selectors that build emoji."""
    code = ord(char)
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or code in (0x200D, 0xFE0F)


# words whose full stop is their own ("Rivian Automotive Inc.", "Martin Luther King Jr.")
ABBREVIATIONS = frozenset(
    "inc ltd co corp plc llc jr sr dr mr mrs ms prof st mt ft ave blvd rd no nos vs etc "
    "approx dept est gen gov sen rep capt col lt sgt bros jan feb mar apr aug sep sept oct "
    "nov dec".split()
)


_DOTTED = re.compile(r"[A-Za-z](?:\.[A-Za-z])*")
_ACRONYM = re.compile(r"[A-Za-z](?:\.[A-Za-z])+")  # "N.V", "U.K": dotted, not one initial


def takes_stop(span: str, after: str) -> bool:
    """True if the full stop right ``after`` the span belongs to its last word: the reader's
    span ends before the stop of "Halvora N.V." or "Pacific Gas & Electric Co.", which is
    part of the name. A capitalised known abbreviation or a dotted acronym takes it; a
    single initial does not (a sentence can end on "Plan B.")."""
    words = span.split()
    if after != "." or not words:
        return False
    last = words[-1]
    return _ACRONYM.fullmatch(last) is not None or (
        last[0].isupper() and last.lower() in ABBREVIATIONS
    )


def _full_stop(span: str) -> bool:
    """True if ``span`` ends on a sentence's full stop: not one that belongs to its last
    word, as in an abbreviation ("Inc.", "U.S.", "No.") or an initial ("J."); not after a
    number ("2.5.") or a domain ("Amazon.com.")."""
    words = span[:-1].split()
    if not span.endswith(".") or not words:
        return False
    last = words[-1]
    dotted = _DOTTED.fullmatch(last) is not None  # "J", "U.S", "p.m"
    return not dotted and last.lower() not in ABBREVIATIONS


def _unpaired(mark: str, rest: str, *, opening: bool) -> bool:
    """True if ``mark``, at the span's start (``opening``) or end, has no partner in the
    rest of the span."""
    if mark == '"':  # a straight quote pairs with any other: an even count leaves it alone
        return rest.count('"') % 2 == 0
    partner = _PAIRS.get(mark) if opening else _CLOSERS.get(mark)
    if partner is None:
        return (mark in _CLOSERS) if opening else (mark in _PAIRS)
    return partner not in rest
