"""eval/fit_news_scaling.py: the report of a fitted scaling, and its write into a manifest."""

import json

import eval_scripts
import numpy as np
import pytest
from answer_fakes import margin_calibration

from evqa.answer.calibration import Calibration, logit, sigmoid

fit_news_scaling = eval_scripts.load("fit_news_scaling")


def _set(seed: int, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Answered questions whose confidence is too low: right as often as a scaled p says."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.25, 0.9, n)
    return p, (rng.uniform(size=n) < sigmoid(1.3 * logit(p) + 0.5)).astype(float)


def test_the_report_says_the_scaling_helps_on_sets_it_was_not_fitted_on():
    news = {"a": _set(1), "b": _set(2), "c": _set(3)}
    a, b = fit_news_scaling.fit_platt(*fit_news_scaling.pooled(news))
    out = fit_news_scaling.report(news, {"t": _set(4)}, a, b)
    assert set(out["sets"]) == set(out["left_out"]) == {"a", "b", "c"}
    for before, after in out["left_out"].values():
        assert after < before  # each set, left out of the fit
    n, before, after = out["test"]["t"]
    assert n == 400 and after < before and out["test_pooled"][1:] == [before, after]


def test_write_folds_the_scaling_into_the_judge_and_composes_with_a_stored_one(tmp_path):
    cal = margin_calibration(0.3)
    (tmp_path / "manifest.json").write_text(json.dumps({"calibration": cal.to_dict()}))
    summary = {"pooled": [10, 0.2, 0.1], "test": {"t": [5, 0.3, 0.1]}}
    fit_news_scaling.write(tmp_path, 1.2, 0.4, ["a"], summary)
    fit_news_scaling.write(tmp_path, 2.0, -0.1, ["a"], summary)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    scaled = Calibration.from_dict(manifest["calibration"])
    a, b = manifest["news_scaling"]["a"], manifest["news_scaling"]["b"]
    assert (a, b) == pytest.approx((2.4, 2.0 * 0.4 - 0.1))  # one scaling, then the other
    x = np.zeros((5, len(cal.features)))
    x[:, cal.features.index("margin")] = [-2.0, -0.5, 0.0, 1.0, 3.0]
    before, after = cal.choose(x)[2], scaled.choose(x)[2]
    assert after == pytest.approx(sigmoid(a * logit(before) + b))
    assert ((before >= cal.threshold) == (after >= scaled.threshold)).all()
    assert manifest["news_scaling"]["test_ece_before_after"] == {"t": [0.3, 0.1]}
