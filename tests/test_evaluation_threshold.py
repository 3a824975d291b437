"""evqa.evaluation.threshold: the abstention threshold."""

from __future__ import annotations

import pytest

from evqa.errors import InputError
from evqa.evaluation.threshold import CalibPoint, calibrate_threshold, decision_accuracy


def test_calibrate_threshold_synthetic():
    P = CalibPoint
    points = [
        P(0.9, True, True),
        P(0.8, True, True),
        P(0.7, False, False),
        P(0.5, True, False),
        P(0.3, False, False),
        P(0.2, True, True),
    ]
    cal = calibrate_threshold(points)
    assert cal.threshold == pytest.approx(0.75)
    assert cal.objective == pytest.approx(4 / 6)
    assert cal.n == 6
    ts = [t for t, _ in cal.curve]
    assert ts[0] == 0.0 and ts[1:6] == pytest.approx([0.25, 0.4, 0.6, 0.75, 0.85])
    assert ts[-1] > 0.9
    assert [o * 6 for _, o in cal.curve] == pytest.approx([3, 2, 3, 3, 4, 3, 2])


def test_calibrate_threshold_ties_prefer_answering_and_abstain_all():
    P = CalibPoint
    tie = calibrate_threshold([P(0.5, True, True), P(0.5, False, False)])
    assert tie.threshold == 0.0 and tie.objective == 0.5
    none_right = calibrate_threshold([P(0.4, False, False), P(0.6, False, False)])
    assert none_right.threshold > 0.6 and none_right.objective == 1.0
    with pytest.raises(InputError):
        calibrate_threshold([])


def test_decision_accuracy():
    P = CalibPoint
    points = [P(0.9, True, True), P(0.6, True, True), P(0.1, False, False), P(0.2, True, False)]
    # answer iff conf >= 0.5: right, right, abstained right (unanswerable), abstained wrong
    assert decision_accuracy(points, 0.5) == 0.75
    points[1] = P(0.6, True, False)  # answered, but not correctly
    assert decision_accuracy(points, 0.5) == 0.5
