"""From candidate features to the answer and the probability that it is right.

Two small linear models, fitted by ``eval/fit_calibration.py`` and stored in the reader's
manifest:

1. the **ranker** scores each candidate of a question; a softmax over the question's
   candidates is fitted (listwise) to put the mass on the right spans, so the answer is
   the best-scored candidate;
2. the **judge**, a logistic regression on the answer's evidence (its ranker score and
   softmax share, and its features), gives the probability that the answer is right:
   Platt scaling with the reader's no-answer and retrieval evidence beside the score.
   With ``verified`` the answer verifier's score (``evqa.answer.verifier``) is one more
   input: the verifier reads the chosen span again, in its sentence.

The abstention threshold maximises decision accuracy on the same dev data. A Platt scaling
fitted on news articles (``eval/fit_news_scaling.py``, ``fit_platt``) is then folded into the
judge and the threshold (``rescaled``): the same decisions, confidences that match news.
Before any of this, a question whose passages are all far from it is not read
(``evqa.answer.topic``; ``min_closeness``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from evqa.errors import ModelError

JUDGE_EXTRA = ("rank_score", "rank_share")  # judge inputs before the candidate's features


@dataclass(frozen=True)
class Linear:
    """``((x - mean) / scale) @ weights + bias``."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float = 0.0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(
            self.weights
        ) + self.bias

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "scale": self.scale, "weights": self.weights, "bias": self.bias}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], n: int) -> Linear:
        lin = cls(
            tuple(float(v) for v in d["mean"]),
            tuple(float(v) for v in d["scale"]),
            tuple(float(v) for v in d["weights"]),
            float(d["bias"]),
        )
        if not len(lin.mean) == len(lin.scale) == len(lin.weights) == n:
            raise ValueError("mismatched lengths")
        return lin


@dataclass(frozen=True)
class Calibration:
    features: tuple[str, ...]
    ranker: Linear  # over the features
    judge: Linear  # over JUDGE_EXTRA + the features (+ the verifier's score), of the answer
    threshold: float  # abstain below this probability
    verified: bool = False  # the judge weighs the verifier's score too
    # no passage this close to the question (bundled model's cosine): it is off topic
    min_closeness: float | None = None

    def choose(
        self, x: np.ndarray, verify: Callable[[np.ndarray], np.ndarray] | None = None
    ) -> tuple[int, np.ndarray, np.ndarray]:
        """(index of the answer, each candidate's share, each candidate's probability of
        being right as if it were chosen) for the feature rows ``x`` of one question. With
        ``verified``, ``verify(indices)`` gives the verifier's scores of those candidates:
        it is asked for the answer's only (a read costs a few ms); the others are judged
        as if the verifier had said nothing (its mean score on dev)."""
        scores, share, judged = judge_inputs(self.ranker, x)
        best = int(np.argmax(scores))
        if not self.verified:
            return best, share, sigmoid(self.judge(judged))
        if verify is None:
            raise ModelError("this answer calibration needs the answer verifier; reinstall evqa")
        said = np.full(len(x), self.judge.mean[-1])
        said[best] = verify(np.array([best]))[0]
        return best, share, sigmoid(self.judge(np.column_stack([judged, said])))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "ranker": self.ranker.to_dict(),
            "judge": self.judge.to_dict(),
            "threshold": self.threshold,
            "verified": self.verified,
            "min_closeness": self.min_closeness,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Calibration:
        try:
            features = tuple(d["features"])
            n = len(features)
            verified = d.get("verified", False)
            if not isinstance(verified, bool):
                raise ValueError("verified must be true or false")
            closeness = d.get("min_closeness")
            return cls(
                features,
                Linear.from_dict(d["ranker"], n),
                Linear.from_dict(d["judge"], n + len(JUDGE_EXTRA) + verified),
                float(d["threshold"]),
                verified,
                None if closeness is None else float(closeness),
            )
        except (KeyError, TypeError, ValueError, IndexError):
            raise ModelError(
                "the reader's calibration is damaged; reinstall evqa or rerun "
                "eval/fit_calibration.py"
            ) from None


def rescaled(cal: Calibration, a: float, b: float) -> Calibration:
    """``cal`` with its probabilities mapped by Platt scaling, ``p -> sigmoid(a * logit(p) +
    b)`` (``a`` > 0): the judge's logit scaled, and the threshold mapped the same way, so every
    answer and abstention stays as it was; only the confidences move."""
    if not a > 0:
        raise ValueError("the scaling must keep the order of the probabilities (a > 0)")
    j = cal.judge
    judge = Linear(j.mean, j.scale, tuple(a * w for w in j.weights), a * j.bias + b)
    return replace(cal, judge=judge, threshold=float(platt(cal.threshold, a, b)))


def platt(p: np.ndarray | float, a: float, b: float) -> np.ndarray:
    """``p`` mapped by the Platt scaling ``sigmoid(a * logit(p) + b)``."""
    return sigmoid(a * logit(p) + b)


def fit_platt(confidence: np.ndarray, right: np.ndarray, l2: float = 1e-3) -> tuple[float, float]:
    """(a, b) of the Platt scaling ``sigmoid(a * logit(p) + b)`` that best maps the
    ``confidence`` of answers to whether they were ``right`` (log loss)."""
    x = logit(np.asarray(confidence, dtype=np.float64))[:, None]
    lin = fit_logistic(x, np.asarray(right, dtype=np.float64), l2=l2)
    a = lin.weights[0] / lin.scale[0]
    return a, lin.bias - a * lin.mean[0]


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def judge_inputs(ranker: Linear, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ranker scores, their softmax share, the judge's input rows: JUDGE_EXTRA + x) of one
    question's candidates."""
    scores = ranker(x)
    share = softmax(scores)
    return scores, share, np.column_stack([scores, share, x])


def calibration_of(manifest: Mapping[str, Any], features: Sequence[str]) -> Calibration:
    """The calibration stored in a reader manifest, checked against ``features``."""
    if "calibration" not in manifest:
        raise ModelError("the reader model has no answer calibration; run eval/fit_calibration.py")
    cal = Calibration.from_dict(manifest["calibration"])
    if cal.features != tuple(features):
        raise ModelError(
            "the reader's calibration was fitted on other features; rerun eval/fit_calibration.py"
        )
    return cal


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - np.max(x))
    return e / e.sum()


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 100) -> Linear:
    """L2-regularised logistic regression on standardised ``x`` by Newton's method (labels
    may be soft, in [0, 1]). The bias is not penalised."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mean, scale = standardise(x)
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    w = np.zeros(z.shape[1])
    for _ in range(iters):
        p = sigmoid(z @ w)
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return Linear(tuple(mean.tolist()), tuple(scale.tolist()), tuple(w[:-1].tolist()), w[-1])


def fit_listwise(
    groups: Sequence[np.ndarray], targets: Sequence[np.ndarray], l2: float = 1.0, iters: int = 50
) -> Linear:
    """A linear scorer whose softmax over each group's rows matches that group's target
    weights (normalised; groups without any target are skipped), by Newton's method."""
    keep = [(x, t / t.sum()) for x, t in zip(groups, targets, strict=True) if t.sum() > 0]
    mean, scale = standardise(np.vstack([x for x, _ in keep]))
    zs = [((x - mean) / scale, t) for x, t in keep]
    w = np.zeros(len(mean))
    for _ in range(iters):
        grad = l2 * w
        hess = np.diag(np.full(len(w), l2 + 1e-9))
        for z, t in zs:
            p = softmax(z @ w)
            grad += z.T @ (p - t)
            zp = z * p[:, None]
            hess += z.T @ zp - np.outer(zp.sum(0), zp.sum(0))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return Linear(tuple(mean.tolist()), tuple(scale.tolist()), tuple(w.tolist()), 0.0)
