"""Answer candidates: the reader's best spans in each retrieved passage, in article offsets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from evqa.types import Hit

SPANS_PER_PASSAGE = 5


class SpanReader(Protocol):
    def read(self, question: str, passages: Sequence[str], top: int = ...) -> list: ...


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
    passages: Sequence[tuple[int, str]] | None = None,
) -> list[Candidate]:
    """Every passage's ``top`` spans; a span found in two overlapping passages counts once,
    with the better of its scores. ``passages`` gives, for each hit, the (article offset,
    text) that the reader reads; by default the hit's chunk."""
    if not hits:
        return []
    if passages is None:
        passages = [(h.chunk.start, h.chunk.text) for h in hits]
    reads = reader.read(question, [text for _, text in passages], top=top)
    best_score = max(h.score for h in hits)
    found: dict[tuple[str, int, int], Candidate] = {}
    for hit, (offset, passage), read in zip(hits, passages, reads, strict=True):
        rel = hit.score / best_score if best_score > 0 else 1.0
        for g in read.spans:
            text = g.text.strip()
            if not text:
                continue
            start = offset + g.start + (len(g.text) - len(g.text.lstrip()))
            c = Candidate(
                hit.doc_id, start, start + len(text), text, g.score, read.null, hit.rank, rel,
                passage,
            )  # fmt: skip
            key = (c.doc_id, c.start, c.end)
            if key not in found or found[key].score < c.score:
                found[key] = c
    return list(found.values())
