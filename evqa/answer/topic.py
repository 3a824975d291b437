"""Whether the passages retrieved for a question are about it at all.

A question about something no article covers ("Who won the Tour de France?" over battery
news) still retrieves passages, and the reader still finds spans in them. The dense
retriever's cosine between the question and its closest passage says how far off they
are: on the held-out dev questions that have an answer, only 1 % had a closest passage
below the bound ``eval/fit_calibration.py`` stores in the calibration (``min_closeness``).
The embedding model knows rare names poorly ("Which university does Ouyang Minggao work
at?" is that far from the passage that answers it), so a question whose names the
passages all mention is about them, however far. The cosine is the bundled embedding
model's; another model's is not compared."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from evqa.question_content import question_names
from evqa.tokenize import tokenize
from evqa.types import Hit

OFF_TOPIC = (
    "no article seems to be about this: even the closest passage is far from the question; "
    "ask about what the articles cover, or add articles about it"
)


def closeness(hits: Sequence[Hit]) -> float | None:
    """The dense retriever's best cosine among ``hits``; None when it scored none of them
    (bm25 mode)."""
    scores = [
        part.score
        for h in hits
        if (part := h.explain.get("dense")) is not None and part.score is not None
    ]
    return max(scores, default=None)


def names_mentioned(question: str, passages: Iterable[str]) -> bool:
    """True if the question names something (``question_names``) and the passages mention
    every name."""
    names = question_names(question)
    return bool(names) and names <= {t for p in passages for t in tokenize(p)}


def off_topic(question: str, hits: Sequence[Hit], bound: float | None) -> bool:
    """True if ``hits`` were scored by the dense retriever, even the closest is below
    ``bound`` (None: no bound), and they do not mention all the question's names."""
    return far_off(question, closeness(hits), (h.chunk.text for h in hits), bound)


def far_off(
    question: str, best: float | None, passages: Iterable[str], bound: float | None
) -> bool:
    """:func:`off_topic` from the closest passage's cosine ``best`` (None: not measured)
    and the passages' texts (read only when ``best`` is below ``bound``)."""
    if bound is None or best is None or best >= bound:
        return False
    return not names_mentioned(question, passages)
