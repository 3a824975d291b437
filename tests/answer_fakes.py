"""A fake span reader for answer tests: it 'finds' given strings in the passages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from evqa.answer.calibration import JUDGE_EXTRA, Calibration, Linear
from evqa.answer.features import FEATURES
from evqa.reader.decode import SpanGuess
from evqa.reader.session import PassageRead
from evqa.types import Article, Chunk, Hit


class FakeReader:
    """Scores each occurrence of a known string; every passage gets the same null score."""

    def __init__(self, scores: Mapping[str, float], null: float = 0.0) -> None:
        self.scores = dict(scores)
        self.null = null
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def read(
        self, question: str, passages: Sequence[str], top: int = 5, starts=None
    ) -> list[PassageRead]:
        self.calls.append((question, tuple(passages)))
        self.starts = starts
        out = []
        for p in passages:
            found = []
            for text, score in self.scores.items():
                i = p.find(text)
                if i >= 0:
                    found.append(SpanGuess(i, i + len(text), text, score, self.null))
            found.sort(key=lambda g: -g.score)
            out.append(PassageRead(tuple(found[:top]), self.null))
        return out


def margin_calibration(threshold: float = 0.5) -> Calibration:
    """A calibration that ranks by margin only, with P(right) = sigmoid(margin)."""
    n = len(FEATURES)
    ranker = Linear((0.0,) * n, (1.0,) * n, tuple(float(f == "margin") for f in FEATURES))
    m = n + len(JUDGE_EXTRA)
    judge = Linear((0.0,) * m, (1.0,) * m, (1.0,) + (0.0,) * (m - 1))
    return Calibration(FEATURES, ranker, judge, threshold)


class FakeVerifier:
    """Scores a marked context by the known string between its marks (0 for any other)."""

    def __init__(self, scores: Mapping[str, float]) -> None:
        self.scores = dict(scores)
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def score(self, question: str, contexts: Sequence[str]) -> np.ndarray:
        self.calls.append((question, tuple(contexts)))
        spans = [c.split("« ", 1)[1].rsplit(" »", 1)[0] for c in contexts]
        return np.array([self.scores.get(s, 0.0) for s in spans])


def verified_calibration(threshold: float = 0.5) -> Calibration:
    """Ranks by margin; P(right) = sigmoid(the verifier's score of the candidate)."""
    n = len(FEATURES)
    ranker = Linear((0.0,) * n, (1.0,) * n, tuple(float(f == "margin") for f in FEATURES))
    m = n + len(JUDGE_EXTRA) + 1
    judge = Linear((0.0,) * m, (1.0,) * m, (0.0,) * (m - 1) + (1.0,))
    return Calibration(FEATURES, ranker, judge, threshold, verified=True)


def hits_of(articles: Sequence[Article]) -> list[Hit]:
    """One hit per article (the whole text as its chunk), ranked in order, scores 1, 0.9..."""
    return [
        Hit(r, 1.0 - 0.1 * (r - 1), Chunk(f"{a.id}#0", a.id, 0, len(a.text), a.text), a.title)
        for r, a in enumerate(articles, start=1)
    ]
