"""eval/fit_calibration.py: the question cache and the features computed from it."""

import hashlib
import json
import pickle
import subprocess
import sys
import types
from dataclasses import replace

import eval_scripts
import numpy as np
import pytest

from evqa import evaluation
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


def _verified_question(qid: str, rng, answerable: bool = True) -> "fit_calibration.Question":
    """Six candidates alike to the reader; for an answerable question one is right, and the
    verifier (not the reader) knows which."""
    right = int(rng.integers(6)) if answerable else -1
    cands = [
        Candidate("boats", j, j + 1, f"span {j}", float(rng.normal()), 0.0, 1, 1.0, "p")
        for j in range(6)
    ]
    v = [3.0 if j == right else float(rng.normal()) - 1.0 for j in range(6)]
    answers = (f"span {right}",) if answerable else ()
    q = fit_calibration.Question("squad", "dev", qid, answerable, answers, "Which one?", cands)
    q.y = q.s = np.array([float(j == right) for j in range(6)])
    q.v = np.array(v)
    return q


def test_a_verified_judge_learns_from_the_verifier_and_a_kept_ranker_stays():
    rng = np.random.default_rng(0)
    dev = [_verified_question(f"q{i}", rng, answerable=i % 3 > 0) for i in range(90)]
    fit_calibration.add_features(dev, {"squad": {}})
    cols = list(range(len(FEATURES)))
    plain = fit_calibration.fit(dev, cols)
    cal = fit_calibration.fit(dev, cols, verified=True)
    assert cal.verified and not plain.verified and cal.ranker == plain.ranker
    assert cal.judge.weights[-1] > 0  # the verifier's score says the answer is right
    # the verifier knows the right span, the reader does not: decisions get better
    acc = {}
    for name, c in (("plain", plain), ("verified", cal)):
        acc[name] = evaluation.decision_accuracy(
            [fit_calibration._point(c, q, cols) for q in dev], c.threshold
        )
    assert acc["verified"] > acc["plain"]
    kept = fit_calibration.refit_judge(plain, dev, cols, verified=True)
    assert kept.ranker == plain.ranker and kept.verified and kept.judge == cal.judge


def test_the_off_topic_bound_is_the_1st_percentile_of_answerable_dev_closeness():
    dev = [_question(f"a{i}") for i in range(101)]
    for i, q in enumerate(dev):
        q.closeness = 0.2 + i / 100  # 0.20 .. 1.20
    una = _question("u")
    una.answerable, una.closeness = False, 0.01  # an unanswerable one does not count
    unmeasured = _question("m")  # bm25 mode: no closeness
    bound = fit_calibration.off_topic_bound([*dev, una, unmeasured])
    assert bound == pytest.approx(0.21)
    assert fit_calibration.off_topic_bound([unmeasured]) is None


def test_a_question_below_the_bound_is_an_abstention_in_the_figures(tmp_path):
    rng = np.random.default_rng(0)
    dev = [_verified_question(f"q{i}", rng, answerable=True) for i in range(30)]
    fit_calibration.add_features(dev, {"squad": {}})
    cols = list(range(len(FEATURES)))
    cal = replace(fit_calibration.fit(dev, cols, verified=True), threshold=1e-6)
    for q in dev:
        q.closeness = 0.5
    far = dev[0]
    far.closeness = 0.1
    gated = replace(cal, min_closeness=0.3)
    j, p = fit_calibration._best(gated, far, cols)
    assert p == 0.0 and j == fit_calibration._best(cal, far, cols)[0]
    assert fit_calibration._best(gated, dev[1], cols) == fit_calibration._best(cal, dev[1], cols)
    before, after = fit_calibration.report(cal, dev, cols), fit_calibration.report(gated, dev, cols)
    assert after["false_abstention"] == pytest.approx(before["false_abstention"] + 1 / 30)
    assert after["span_holds_no_abstention"] == before["span_holds_no_abstention"]


def test_off_topic_questions_are_every_nth_asked_of_the_other_index(tmp_path, monkeypatch):
    squad, seeds = tmp_path / "squad", tmp_path / "seeds.jsonl"
    squad.mkdir()
    rows = [{"id": f"s{i}", "question": f"Who built tower {i}?", "answers": ["Ada"],
             "doc_ids": ["t"], "type": "person", "split": "dev" if i % 2 else "test"}
            for i in range(8)]  # fmt: skip
    (squad / "gold.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    seeds.write_text(json.dumps(rows[0] | {"id": "e0"}) + "\n")
    asked = []

    def fake_collect(engine, gold, source, passages, folder):
        asked.append((engine, source))
        return [fit_calibration.Question(source, g.split, g.id, g.answerable, g.answers,
                                         g.question) for g in gold]  # fmt: skip

    monkeypatch.setattr(fit_calibration, "collect", fake_collect)
    args = types.SimpleNamespace(
        squad=squad, seeds_gold=seeds, passages=5, reader=None, cache=tmp_path / "c.pkl"
    )
    engines = {"off-topic squad": "seeds engine", "off-topic seeds": "squad engine"}
    qs = fit_calibration.off_topic(args, engines, every=3)
    assert [q.qid for q in qs] == ["off-s0", "off-s3", "off-s6", "off-e0"]
    assert not any(q.answerable or q.answers for q in qs)
    assert asked == [("seeds engine", "off-topic squad"), ("squad engine", "off-topic seeds")]
    assert [q.split for q in qs] == ["test", "dev", "test", "test"]
    again = fit_calibration.off_topic(args, {}, every=3)  # from the cache, no index opened
    assert [q.qid for q in again] == [q.qid for q in qs] and len(asked) == 2


def test_a_far_question_whose_names_its_passages_mention_is_read_in_the_figures_too():
    rng = np.random.default_rng(1)
    q = _verified_question("n", rng)
    q.question, q.closeness = "Who hired Mara Vent?", 0.1
    q.cands = [replace(c, passage="Mara Vent was hired by Helios.") for c in q.cands]
    fit_calibration.add_features([q], {"squad": {}})
    cols = list(range(len(FEATURES)))
    cal = replace(fit_calibration.fit([q] * 3, cols, verified=True), min_closeness=0.3)
    assert fit_calibration._best(cal, q, cols)[1] > 0.0
    q.question = "Who hired Mara Vent in Oslo?"  # "Oslo" is not in the passages
    assert fit_calibration._best(cal, q, cols)[1] == 0.0


def _news_args(tmp_path, split: str = "dev") -> types.SimpleNamespace:
    """``--news GOLD INDEX SPLIT`` for the set fresh.jsonl, with ``--cache`` in tmp_path."""
    gold, index = tmp_path / "gold" / "fresh.jsonl", tmp_path / "idx-fresh"
    return types.SimpleNamespace(
        news=[(str(gold), str(index), split)],
        cache=tmp_path / "cands.pkl",
        passages=5,
        reader=None,
    )


def test_news_questions_come_from_their_cache_in_the_split_given(tmp_path, monkeypatch):
    args = _news_args(tmp_path, "dev")
    cached = [replace(_question(qid), source="news:fresh") for qid in ("n1", "n2")]
    (tmp_path / "cands.news-fresh.pkl").write_bytes(pickle.dumps(cached))  # split "test"
    opened = []

    def engine(index):
        opened.append(index)
        return "fresh engine"

    def no_collect(*args, **kwargs):
        raise AssertionError("cached news questions must not be read again")

    monkeypatch.setattr(fit_calibration.Engine, "open", engine)
    monkeypatch.setattr(fit_calibration, "collect", no_collect)
    engines = {"squad": "squad engine"}
    qs = fit_calibration.news_questions(args, engines)
    assert [(q.qid, q.source, q.split) for q in qs] == [
        ("n1", "news:fresh", "dev"),
        ("n2", "news:fresh", "dev"),
    ]
    assert opened == [tmp_path / "idx-fresh"]
    assert engines == {"squad": "squad engine", "news:fresh": "fresh engine"}


def test_news_questions_not_cached_are_read_over_their_own_index_and_cached(tmp_path, monkeypatch):
    args = _news_args(tmp_path, "test")
    row = {"id": "f1", "question": "Who steered Helios?", "answers": ["Mara Vent"],
           "doc_ids": ["boats"], "type": "person", "split": "dev"}  # fmt: skip
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "fresh.jsonl").write_text(json.dumps(row) + "\n")
    asked = []

    def fake_collect(engine, gold, source, passages, folder):
        asked.append((engine, [g.id for g in gold], source))
        return [fit_calibration.Question(source, g.split, g.id, g.answerable, g.answers,
                                         g.question) for g in gold]  # fmt: skip

    monkeypatch.setattr(fit_calibration.Engine, "open", lambda index: f"engine of {index.name}")
    monkeypatch.setattr(fit_calibration, "collect", fake_collect)
    (q,) = fit_calibration.news_questions(args, {})
    assert asked == [("engine of idx-fresh", ["f1"], "news:fresh")]
    assert (q.qid, q.split) == ("f1", "test")
    (cached,) = pickle.loads((tmp_path / "cands.news-fresh.pkl").read_bytes())
    assert (cached.qid, cached.source) == ("f1", "news:fresh")


def test_a_news_split_other_than_dev_or_test_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(fit_calibration.Engine, "open", lambda index: "engine")
    with pytest.raises(fit_calibration.EvqaError, match="dev or test, not 'train'"):
        fit_calibration.news_questions(_news_args(tmp_path, "train"), {})


@pytest.mark.parametrize(
    ("source", "asked", "taken"),
    [
        ("news:fresh", "news:fresh", True),
        ("news:fresh2", "news:fresh", False),
        ("off-topic squad", "off-topic", True),
        ("off-topic seeds", "off-topic", True),
        ("squad", "squad", True),
        ("off-topic squad", "squad", False),
        ("seeds", "squad", False),
        ("squad", "off-topic", False),
    ],
)
def test_a_reported_source_takes_its_own_questions_only(source, asked, taken):
    q = replace(_question("a1"), source=source)
    assert fit_calibration._from(q, asked) is taken


def test_news_questions_do_not_move_the_off_topic_bound():
    dev = [_question(f"a{i}") for i in range(101)]
    for i, q in enumerate(dev):
        q.closeness = 0.2 + i / 100  # 0.20 .. 1.20: the bound is 0.21
    news = [replace(_question(f"n{i}"), source="news:fresh", closeness=0.01) for i in range(3)]
    assert fit_calibration.off_topic_bound([*dev, *news]) == pytest.approx(0.21)
    assert fit_calibration.off_topic_bound(news) is None


@pytest.mark.parametrize("keep_judge", [False, True])
def test_writing_a_refitted_judge_drops_the_news_scaling_folded_into_the_old_one(
    tmp_path, capsys, keep_judge
):
    from answer_fakes import margin_calibration

    cal = margin_calibration(0.3)
    manifest = {"calibration": cal.to_dict(), "news_scaling": {"a": 1.2, "b": 0.4}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    a = types.SimpleNamespace(
        reader=tmp_path, cross_fit=[], passages=5, keep_ranker=keep_judge,
        keep_judge=keep_judge, also=None, news=[],
    )  # fmt: skip
    fit_calibration.write(a, cal, {"test": {}}, [], [], None)
    written = json.loads((tmp_path / "manifest.json").read_text())
    assert ("news_scaling" in written) == keep_judge  # kept with the judge it is folded into
    assert ("fit_news_scaling.py --write" in capsys.readouterr().err) != keep_judge


def test_the_record_of_a_fit_names_the_news_sets_it_was_fitted_on():
    news = [
        ["eval/train-news/t05/gold.jsonl", "/tmp/idx-t05", "dev"],
        ["eval/gold/fresh8.jsonl", "/tmp/idx-fresh8", "test"],
        ["eval/train-news/t10/gold.jsonl", "/tmp/idx-t10", "dev"],
    ]
    described = fit_calibration.dev_description(news)
    assert described.endswith("seeds dev split, news sets t05, t10")
    assert "fresh8" not in described  # reported on, not fitted on
    assert fit_calibration.dev_description([]).endswith("seeds dev split")


def test_the_ablation_reports_squad_seeds_and_pooled_news_test_questions_only():
    rng = np.random.default_rng(0)
    qs = []
    for i, (source, split) in enumerate(
        [("squad", "test"), ("seeds", "test"), ("news:fresh8", "test"), ("news:fresh9", "test"),
         ("news:fresh", "dev"), ("squad", "dev")] * 10
    ):  # fmt: skip
        q = _verified_question(f"q{i}", rng, answerable=i % 4 > 0)
        q.source, q.split = source, split
        qs.append(q)
    fit_calibration.add_features(qs, {q.source: {} for q in qs})
    cols = list(range(len(FEATURES)))
    cal = fit_calibration.fit([q for q in qs if q.split == "dev"], cols)
    out = fit_calibration.ablation(cal, qs, cols)
    assert set(out) == {"squad", "seeds", "news"}
    pooled = [q for q in qs if q.source.startswith("news:") and q.split == "test"]
    assert len(pooled) == 20
    assert out["news"] == fit_calibration._brief(fit_calibration.report(cal, pooled, cols))
    assert "news" not in fit_calibration.ablation(cal, [q for q in qs if q.source == "squad"], cols)
