"""How well a confidence works as a probability: reliability bins and the expected
calibration error (ECE). Pure functions over plain sequences; no printing, no I/O.

Binning: ``bins`` equal-width bins over [0, 1]; bin i holds the confidences c with
``i / bins <= c < (i + 1) / bins`` and the last bin also holds 1.0. The ECE is the
count-weighted mean gap between a bin's accuracy (share of correct predictions) and its
mean confidence::

    ECE = sum over bins b of  n_b / N * |accuracy_b - mean_confidence_b|

(Guo et al., 2017, "On Calibration of Modern Neural Networks").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evqa.errors import InputError

DEFAULT_BINS = 10


@dataclass(frozen=True)
class ReliabilityBin:
    """One confidence bin. ``mean_confidence`` and ``accuracy`` are None when it is empty."""

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None

    @property
    def gap(self) -> float | None:
        """|accuracy - mean confidence| (None for an empty bin)."""
        if self.accuracy is None or self.mean_confidence is None:
            return None
        return abs(self.accuracy - self.mean_confidence)

    def to_dict(self) -> dict:
        return {
            "lower": self.lower,
            "upper": self.upper,
            "count": self.count,
            "mean_confidence": self.mean_confidence,
            "accuracy": self.accuracy,
        }


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = DEFAULT_BINS
) -> list[ReliabilityBin]:
    """All ``bins`` equal-width bins (empty ones included), lowest first.

    Raises ``InputError`` if the two sequences differ in length, ``bins`` < 1 or a
    confidence lies outside [0, 1] (or is NaN).
    """
    if bins < 1:
        raise InputError(f"bins must be at least 1, not {bins}")
    if len(confidences) != len(correct):
        raise InputError(
            f"{len(confidences)} confidences but {len(correct)} correctness values;"
            " give one of each per prediction"
        )
    members: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for c, ok in zip(confidences, correct, strict=True):
        c = float(c)
        if not 0.0 <= c <= 1.0:  # also False for NaN
            raise InputError(f"confidence {c} is outside [0, 1]; calibration needs probabilities")
        members[min(int(c * bins), bins - 1)].append((c, bool(ok)))
    out = []
    for i, group in enumerate(members):
        n = len(group)
        out.append(
            ReliabilityBin(
                lower=i / bins,
                upper=(i + 1) / bins,
                count=n,
                mean_confidence=sum(c for c, _ in group) / n if n else None,
                accuracy=sum(ok for _, ok in group) / n if n else None,
            )
        )
    return out


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = DEFAULT_BINS
) -> float | None:
    """The ECE over ``bins`` equal-width bins (see the module doc); None for no predictions."""
    table = reliability_bins(confidences, correct, bins)
    total = sum(b.count for b in table)
    if total == 0:
        return None
    return sum(b.count / total * b.gap for b in table if b.gap is not None)
