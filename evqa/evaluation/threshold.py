"""Abstention-threshold calibration: the threshold on confidence that handles the most
questions right (answer the answerable ones correctly, abstain on the rest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evqa.errors import InputError


@dataclass(frozen=True)
class CalibPoint:
    confidence: float
    answerable: bool
    correct: bool  # the (non-abstained) answer is right; ignored for unanswerable questions


@dataclass(frozen=True)
class ThresholdFit:
    threshold: float
    objective: float
    curve: tuple[tuple[float, float], ...]  # (threshold, objective), increasing threshold
    n: int


def decision_accuracy(points: Sequence[CalibPoint], threshold: float) -> float:
    """Share of questions handled right when answering iff ``confidence >= threshold``:
    an answerable question counts if it is answered correctly, an unanswerable one if it
    is abstained on."""
    good = sum(
        (p.answerable and p.correct) if p.confidence >= threshold else not p.answerable
        for p in points
    )
    return good / len(points)


def calibrate_threshold(points: Sequence[CalibPoint]) -> ThresholdFit:
    """Pick the abstention threshold that maximises ``decision_accuracy``.

    Objective: mean over questions of 1 if (answered and answerable and correct) or
    (abstained and unanswerable), else 0; a question is answered iff its confidence >=
    threshold. Candidates are 0.0 (answer everything), the midpoints between consecutive
    distinct confidences and just above the largest one (abstain on everything), so every
    possible split is tried. Ties go to the lowest threshold (prefer answering).
    """
    if not points:
        raise InputError("no questions to calibrate on; check the gold split")
    confs = sorted({p.confidence for p in points})
    candidates = [min(0.0, confs[0])]
    candidates += [(a + b) / 2 for a, b in zip(confs, confs[1:], strict=False)]
    candidates.append(float(np.nextafter(confs[-1], np.inf)))
    curve = tuple((t, decision_accuracy(points, t)) for t in candidates)
    best_t, best_obj = curve[0]
    for t, obj in curve[1:]:
        if obj > best_obj:
            best_t, best_obj = t, obj
    return ThresholdFit(threshold=best_t, objective=best_obj, curve=curve, n=len(points))
