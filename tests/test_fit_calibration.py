"""eval/fit_calibration.py: the question cache and the features computed from it."""

import hashlib
import pickle
import subprocess
import sys
import types

import eval_scripts

from evqa.answer.candidates import Candidate
from evqa.answer.features import FEATURES

fit_calibration = eval_scripts.load("fit_calibration")

PASSAGE = "Helios reached 42 km/h on the lake."


def _question(qid: str) -> "fit_calibration.Question":
    cand = Candidate("boats", 15, 22, "42 km/h", 9.0, 1.0, 1, 1.0, PASSAGE)
    return fit_calibration.Question(
        "squad", "test", qid, True, ("42 km/h",), "How fast was Helios?", [cand]
    )


def test_read_questions_returns_the_cache_without_reading(tmp_path, monkeypatch):
    cache = tmp_path / "qs.pkl"
    cache.write_bytes(pickle.dumps([_question("a1")]))

    def no_engine(*args, **kwargs):
        raise AssertionError("a cached read must not open an index")

    monkeypatch.setattr(fit_calibration.Engine, "open", no_engine)
    args = types.SimpleNamespace(passages=5, reader=None, seeds_gold=None)
    (q,) = fit_calibration.read_questions(args, tmp_path, tmp_path, cache, with_seeds=False)
    assert q.qid == "a1" and q.texts == ["42 km/h"]


def test_add_features_fills_one_row_per_candidate_and_skips_unread_questions():
    read, unread = _question("a1"), _question("a2")
    unread.cands = []
    fit_calibration.add_features([read, unread], {"squad": {}})
    assert read.x.shape == (1, len(FEATURES))
    assert read.x[0, FEATURES.index("span")] == 9.0
    assert read.x[0, FEATURES.index("margin")] == 8.0
    assert unread.x.shape == (0, len(FEATURES))


def test_a_missing_gold_folder_is_a_message_and_exit_1_not_a_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, str(eval_scripts.EVAL / "fit_calibration.py"), "--squad", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert f"error: gold file {tmp_path / 'gold.jsonl'} not found" in done.stderr
    assert "Traceback" not in done.stderr


def test_cross_fitted_questions_come_from_each_folders_cache_marked_for_fitting(
    tmp_path, monkeypatch
):
    folder, reader = tmp_path / "fold0", tmp_path / "reader-fold0"
    folder.mkdir()
    reader.mkdir()
    (reader / "model.onnx").write_bytes(b"weights")
    sha = hashlib.sha256(b"weights").hexdigest()[:16]
    (folder / f"candidates-{sha}.pkl").write_bytes(pickle.dumps([_question("x1")]))
    opened = []

    def engine(index):  # the fold's own index gives the spans its features are computed on
        opened.append(index)
        return types.SimpleNamespace(data=types.SimpleNamespace(spans={}))

    monkeypatch.setattr(fit_calibration.Engine, "open", engine)
    args = types.SimpleNamespace(passages=5, reader=None, seeds_gold=None)
    args.cross_fit = [(folder, reader)]
    spans = {"squad": {}}
    (q,) = fit_calibration.cross_fitted(args, spans)
    assert (q.source, q.split, q.qid) == ("cross-fit 0", "fit", "x1")
    assert q.x.shape == (1, len(FEATURES))
    assert opened == [folder / "index"] and "cross-fit 0" in spans
