from dataclasses import replace

import numpy as np
import pytest
from answer_fakes import margin_calibration, verified_calibration

from evqa.answer.calibration import (
    Calibration,
    Linear,
    calibration_of,
    fit_listwise,
    fit_logistic,
    fit_platt,
    logit,
    rescaled,
    sigmoid,
    softmax,
)
from evqa.errors import ModelError


def test_fit_logistic_recovers_the_direction_of_the_signal():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 2))
    y = (rng.random(4000) < sigmoid(2.0 * x[:, 0] - 1.0)).astype(float)
    lin = fit_logistic(x, y, l2=1e-3)
    # standardised inputs: the weight is 2.0 times the std of x[:, 0] (about 1)
    assert lin.weights[0] == pytest.approx(2.0, abs=0.3)
    assert abs(lin.weights[1]) < 0.3
    p = sigmoid(lin(np.array([[0.0, 0.0], [1.0, 0.0]])))
    assert p == pytest.approx(sigmoid(np.array([-1.0, 1.0])), abs=0.06)


def test_l2_shrinks_the_weights_and_constant_features_are_safe():
    rng = np.random.default_rng(1)
    x = np.column_stack([rng.normal(size=200), np.full(200, 5.0)])
    y = (x[:, 0] > 0).astype(float)
    loose, tight = fit_logistic(x, y, l2=1e-3), fit_logistic(x, y, l2=100.0)
    assert abs(tight.weights[0]) < abs(loose.weights[0])
    assert loose.scale[1] == 1.0 and loose.weights[1] == pytest.approx(0.0, abs=1e-6)


def test_soft_labels_are_accepted():
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    lin = fit_logistic(x, np.array([0.1, 0.3, 0.7, 0.9]), l2=1e-6)
    assert sigmoid(lin(x)) == pytest.approx([0.1, 0.3, 0.7, 0.9], abs=0.06)


def test_fit_listwise_puts_the_mass_on_the_right_candidate_of_each_group():
    rng = np.random.default_rng(3)
    groups, targets = [], []
    for _ in range(200):
        x = rng.normal(size=(6, 2))
        t = np.zeros(6)
        t[np.argmax(x[:, 0] - 0.2 * x[:, 1])] = 1.0  # feature 0 helps, feature 1 hurts
        groups.append(x + 10.0)  # a shift within groups changes nothing for a softmax
        targets.append(t)
    groups.append(rng.normal(size=(3, 2)))
    targets.append(np.zeros(3))  # a group with no right candidate is skipped
    lin = fit_listwise(groups, targets, l2=0.1)
    assert lin.weights[0] > 0 > lin.weights[1]
    pairs = zip(groups[:-1], targets[:-1], strict=True)
    hits = [np.argmax(lin(x)) == np.argmax(t) for x, t in pairs]
    assert np.mean(hits) > 0.9


def test_choose_and_round_trip():
    cal = margin_calibration(0.3)
    x = np.zeros((3, len(cal.features)))
    x[:, cal.features.index("margin")] = [1.0, 3.0, -2.0]
    best, share, probs = cal.choose(x)
    assert best == 1
    assert share == pytest.approx(softmax(np.array([1.0, 3.0, -2.0])))
    assert probs == pytest.approx(sigmoid(np.array([1.0, 3.0, -2.0])))
    assert Calibration.from_dict(cal.to_dict()) == cal
    assert calibration_of({"calibration": cal.to_dict()}, cal.features) == cal


def test_the_off_topic_bound_round_trips_and_an_older_calibration_has_none():
    cal = replace(margin_calibration(0.3), min_closeness=0.27)
    assert Calibration.from_dict(cal.to_dict()) == cal
    older = cal.to_dict()
    del older["min_closeness"]
    assert Calibration.from_dict(older).min_closeness is None
    with pytest.raises(ModelError, match="damaged"):
        Calibration.from_dict(cal.to_dict() | {"min_closeness": "far"})


def test_manifest_checks():
    cal = margin_calibration()
    with pytest.raises(ModelError, match="fit_calibration"):
        calibration_of({}, cal.features)
    with pytest.raises(ModelError, match="other features"):
        calibration_of({"calibration": cal.to_dict()}, ("span",))
    broken = cal.to_dict()
    broken["ranker"] = Linear((0.0,), (1.0,), (1.0,)).to_dict()
    with pytest.raises(ModelError, match="damaged"):
        Calibration.from_dict(broken)
    with pytest.raises(ModelError, match="damaged"):
        Calibration.from_dict({"features": []})


def test_a_verified_judge_asks_the_verifier_about_the_answer_only():
    cal = verified_calibration(0.5)
    x = np.zeros((3, len(cal.features)))
    x[:, cal.features.index("margin")] = [1.0, 5.0, 4.0]
    asked = []

    def verify(idx):
        asked.append(idx.tolist())
        return np.array([2.0])

    best, _, probs = cal.choose(x, verify)
    assert best == 1 and asked == [[1]]
    assert probs[1] == pytest.approx(sigmoid(2.0))
    # the others are judged as if the verifier had said nothing: its mean score (0 here)
    assert probs[[0, 2]] == pytest.approx([0.5, 0.5])
    assert Calibration.from_dict(cal.to_dict()) == cal
    assert calibration_of({"calibration": cal.to_dict()}, cal.features) == cal
    with pytest.raises(ModelError, match="verifier"):
        cal.choose(x)


def test_an_old_calibration_is_not_verified_and_a_bad_flag_is_damage():
    d = margin_calibration().to_dict()
    del d["verified"]
    assert not Calibration.from_dict(d).verified
    d["verified"] = "yes"
    with pytest.raises(ModelError, match="damaged"):
        Calibration.from_dict(d)
    d["verified"] = True  # then the judge has one input too few
    with pytest.raises(ModelError, match="damaged"):
        Calibration.from_dict(d)


def test_platt_rescaling_moves_confidences_but_no_decision():
    cal = margin_calibration(0.3)
    margins = np.linspace(-4.0, 4.0, 41)
    x = np.zeros((len(margins), len(cal.features)))
    x[:, cal.features.index("margin")] = margins
    before = cal.choose(x)[2]
    scaled = rescaled(cal, 1.5, 0.4)
    after = scaled.choose(x)[2]
    assert after == pytest.approx(sigmoid(1.5 * logit(before) + 0.4))
    assert scaled.threshold == pytest.approx(sigmoid(1.5 * logit(0.3) + 0.4))
    assert ((before >= cal.threshold) == (after >= scaled.threshold)).all()
    assert scaled.ranker == cal.ranker  # the same answer is chosen
    assert Calibration.from_dict(scaled.to_dict()) == scaled
    with pytest.raises(ValueError):
        rescaled(cal, -1.0, 0.0)  # would reverse which answers are surer


def test_fit_platt_recovers_a_known_scaling():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.05, 0.95, 20_000)
    right = rng.uniform(size=p.size) < sigmoid(1.3 * logit(p) + 0.5)  # under-confident
    a, b = fit_platt(p, right)
    assert a == pytest.approx(1.3, abs=0.1) and b == pytest.approx(0.5, abs=0.1)
