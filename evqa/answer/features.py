"""The evidence an answer candidate is judged on, as a feature vector.

The weights of these features are learned (``evqa.answer.calibration``), on held-out
articles and the seeds' dev split, by ``eval/fit_calibration.py``."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

from evqa.answer.calibration import softmax
from evqa.answer.candidates import Candidate
from evqa.answer.qtype import answer_kind, expected_unit, kind_fit, unit_fit
from evqa.question_content import FUNCTION_WORDS, question_names
from evqa.tokenize import tokenize
from evqa.types import Span

FEATURES = (
    "span",  # the reader's span score
    "margin",  # span score minus the passage's no-answer score
    "gap",  # span score minus the best span score of any passage (0 for the best)
    "best_margin",  # the question's best margin over all passages (how answerable it is)
    "inv_rank",  # 1 / retrieval rank of the passage
    "retrieval",  # the passage's retrieval score relative to the top hit's
    "kind_fit",  # +1 / -1 the span is / is not the kind of answer asked for, 0 not asked
    "share",  # softmax of the span score over every span and no-answer score of the question
    "support",  # the shares of all candidates with the same (normalised) text, summed
    "overlap",  # share of the span's words that the question already has
    "words",  # log(1 + words in the span)
    "unit_fit",  # +1 / -1 the span is / is not a figure in the units the question asks for
    "coverage",  # share of the question's content words that the passage has
    "names_missing",  # names of the question (capitalised words) that the passage lacks
)


def feature_matrix(
    question: str, candidates: Sequence[Candidate], spans: Mapping[str, Sequence[Span]]
) -> np.ndarray:
    """One row of FEATURES per candidate."""
    if not candidates:
        return np.zeros((0, len(FEATURES)))
    kind = answer_kind(question)
    unit = expected_unit(question)
    top = max(c.score for c in candidates)
    best_margin = max(c.score - c.null for c in candidates)
    share = _shares(candidates)
    support: dict[str, float] = {}
    for c, p in zip(candidates, share, strict=True):
        support[_norm(c.text)] = support.get(_norm(c.text), 0.0) + p
    qwords = set(tokenize(question, stopwords=FUNCTION_WORDS))
    names = question_names(question)
    passages = {c.passage: set(tokenize(c.passage)) for c in candidates}
    rows = [
        (
            c.score,
            c.score - c.null,
            c.score - top,
            best_margin,
            1.0 / c.rank,
            c.retrieval,
            kind_fit(kind, c.text, _labels(spans.get(c.doc_id, ()), c)),
            p,
            support[_norm(c.text)],
            _overlap(c.text, qwords),
            math.log1p(len(c.text.split())),
            unit_fit(unit, c.text),
            len(qwords & passages[c.passage]) / len(qwords) if qwords else 0.0,
            float(len(names - passages[c.passage])),
        )
        for c, p in zip(candidates, share, strict=True)
    ]
    return np.asarray(rows, dtype=np.float64)


def _shares(candidates: Sequence[Candidate]) -> np.ndarray:
    """Each span's probability under one softmax over all spans and each passage's
    no-answer score (a passage is known by its (doc, rank) pair)."""
    nulls = {(c.doc_id, c.rank): c.null for c in candidates}
    logits = np.array([c.score for c in candidates] + list(nulls.values()))
    return softmax(logits)[: len(candidates)]


def _overlap(text: str, qwords: set[str]) -> float:
    words = tokenize(text)
    return sum(w in qwords for w in words) / len(words) if words else 0.0


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _labels(spans: Sequence[Span], c: Candidate) -> set[str]:
    """Labels of the index-time spans that overlap the candidate."""
    return {s.label for s in spans if s.start < c.end and c.start < s.end}
