from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evqa.errors import InputError
from evqa.evaluation.calibration import ReliabilityBin, expected_calibration_error, reliability_bins

# a toy set computed by hand:
#   bin 0 [0.0, 0.1): 0.05 wrong                    -> n 1, conf 0.05, acc 0.0, gap 0.05
#   bin 1 [0.1, 0.2): 0.15 right, 0.15 wrong        -> n 2, conf 0.15, acc 0.5, gap 0.35
#   bin 9 [0.9, 1.0]: 0.95 x4 (3 right), 1.0 right  -> n 5, conf 0.96, acc 0.8, gap 0.16
#   ECE = (1 * 0.05 + 2 * 0.35 + 5 * 0.16) / 8 = 1.55 / 8
TOY_CONF = [0.05, 0.15, 0.15, 0.95, 0.95, 0.95, 0.95, 1.0]
TOY_RIGHT = [False, True, False, True, True, True, False, True]


def test_ece_hand_computed():
    assert expected_calibration_error(TOY_CONF, TOY_RIGHT) == pytest.approx(1.55 / 8)


def test_reliability_bins_hand_computed():
    table = reliability_bins(TOY_CONF, TOY_RIGHT)
    assert len(table) == 10
    assert [b.count for b in table] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 5]
    assert table[1] == ReliabilityBin(0.1, 0.2, 2, pytest.approx(0.15), 0.5)
    assert table[9].mean_confidence == pytest.approx(0.96) and table[9].accuracy == 0.8
    assert table[9].gap == pytest.approx(0.16)
    assert table[4].mean_confidence is None and table[4].accuracy is None and table[4].gap is None
    assert table[9].to_dict() == {
        "lower": 0.9,
        "upper": 1.0,
        "count": 5,
        "mean_confidence": table[9].mean_confidence,
        "accuracy": 0.8,
    }


def test_bin_edges_lower_inclusive_and_1_in_the_last_bin():
    table = reliability_bins([0.0, 0.1, 0.5, 0.99, 1.0], [True] * 5)
    assert [i for i, b in enumerate(table) for _ in range(b.count)] == [0, 1, 5, 9, 9]


def test_perfectly_calibrated_is_0_and_confidently_wrong_is_large():
    assert expected_calibration_error([0.25] * 4, [True, False, False, False]) == 0.0
    assert expected_calibration_error([1.0, 1.0], [False, False]) == 1.0
    assert expected_calibration_error([0.0, 0.0], [False, False]) == 0.0


def test_one_bin_is_the_gap_between_means():
    conf, right = [0.2, 0.7, 0.9], [True, True, False]
    assert expected_calibration_error(conf, right, bins=1) == pytest.approx(abs(2 / 3 - 0.6))


def test_no_predictions():
    assert expected_calibration_error([], []) is None
    assert [b.count for b in reliability_bins([], [], bins=5)] == [0] * 5


@pytest.mark.parametrize(
    ("conf", "right", "bins", "message"),
    [
        ([1.2], [True], 10, "outside"),
        ([-0.1], [True], 10, "outside"),
        ([math.nan], [True], 10, "outside"),
        ([0.5, 0.5], [True], 10, "2 confidences but 1"),
        ([0.5], [True], 0, "bins"),
    ],
)
def test_bad_input(conf, right, bins, message):
    with pytest.raises(InputError, match=message):
        expected_calibration_error(conf, right, bins=bins)


@given(
    st.lists(st.tuples(st.floats(0.0, 1.0), st.booleans()), min_size=1, max_size=50),
    st.integers(1, 20),
)
def test_ece_matches_a_direct_computation(pairs, bins):
    conf = [c for c, _ in pairs]
    right = [r for _, r in pairs]
    total = 0.0
    for i in range(bins):
        members = [(c, r) for c, r in pairs if min(int(c * bins), bins - 1) == i]
        if members:
            acc = sum(r for _, r in members) / len(members)
            mean = sum(c for c, _ in members) / len(members)
            total += len(members) * abs(acc - mean)
    ece = expected_calibration_error(conf, right, bins=bins)
    assert ece == pytest.approx(total / len(pairs))
    assert 0.0 <= ece <= 1.0
    assert sum(b.count for b in reliability_bins(conf, right, bins)) == len(pairs)
