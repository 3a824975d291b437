"""Fit the answer combination and its calibration on DEV data; report held-out TEST data.

Dev = the SQuAD dev articles (Normans, Apollo_program: never trained on) + the dev split of
eval/gold/seeds.jsonl. Test = the other held-out SQuAD articles (Prime_number, Pharmacy,
Genghis_Khan) + the seeds' test split. For each question the engine retrieves k passages
and the reader proposes spans; each span gets the features of evqa.answer.features and
the label "the span holds a gold answer". Then:

1. the ranker (listwise, on the features) is fitted on every dev candidate (``--keep-ranker``:
   the one in the reader's manifest is kept);
2. the judge (logistic, Platt scaling with the answer's evidence) maps the ranker score of
   each dev question's best candidate, its features and the answer verifier's score of it
   (evqa.answer.verifier; ``--no-verifier``: without) to the probability that it is right;
3. the abstention threshold maximises decision accuracy on dev.

``--keep-judge`` keeps the manifest's whole calibration and fits the off-topic bound only.

The verifier's scores of every cached candidate are cached too, beside ``--cache``, as
CACHE.verifier-SHA.pkl (SHA that of the verifier's model.onnx).

``--write`` stores the result in the reader's manifest (evqa/models/reader/manifest.json);
``--ablate`` refits without each feature and prints what it is worth on test
(``ablation_test``: SQuAD's, the seeds' and the pooled ``--news`` test sets'; ``none`` is the
fit with every feature).
``--also DIR`` reports the same fit on another eval/squad_corpus.py folder over the same
articles, e.g. one written with ``--keywords content`` (the questions as keyword queries):

    python eval/squad_corpus.py ../shared/data/squad --out /tmp/squad-kw --keywords content
    python eval/fit_calibration.py --squad /tmp/squad --also /tmp/squad-kw

Before the judge, the off-topic bound (``evqa.answer.topic``): the 1st percentile of the
dev answerable questions' closeness (the dense cosine of their closest passage read). A
question whose closest passage is below it, and whose names the passages do not all
mention, abstains unread.

``--off-topic N`` reports on questions the index cannot be about (not fitted on them):
every Nth SQuAD question asked of the seeds' index and every Nth seeds question asked of
the SQuAD index, as unanswerable (source "off-topic").

``--news GOLD INDEX SPLIT`` (repeatable) adds a news gold set (``eval/gold/fresh*.jsonl``)
read over its own index, as dev (fitted on) or test (reported only), source "news:NAME":

    evqa index build --corpus eval/fresh/corpus --index /tmp/idx-fresh
    python eval/fit_calibration.py --squad /tmp/squad --cache /tmp/fit/cands.pkl --keep-ranker \\
        --news eval/gold/fresh.jsonl /tmp/idx-fresh dev --news eval/gold/fresh4.jsonl \\
        /tmp/idx-fresh4 test

``--cross-fit DIR READER`` (repeatable) adds the training articles' questions to the fit,
each read by a reader that never trained on its article: fold K of the training articles
(``eval/squad_corpus.py --fold K/N``, indexed) read by a reader trained with
``eval/train_reader.py --leave-out K/N``. That is cross-fitting (stacking): about 7,000
questions for the ranker and the judge instead of about 530:

    python eval/squad_corpus.py ../shared/data/squad --out /tmp/xf0 --fold 0/2
    evqa index build --corpus /tmp/xf0/corpus.jsonl --index /tmp/xf0/index
    python eval/fit_calibration.py --squad /tmp/squad --no-verifier \\
        --cross-fit /tmp/xf0 runs/xfit0-kw/export/int8 \\
        --cross-fit /tmp/xf1 runs/xfit1-kw/export/int8

(``--no-verifier``: the verifier was trained on those questions.)

examples:
  python eval/squad_corpus.py ../shared/data/squad --out /tmp/squad
  evqa index build --corpus /tmp/squad/corpus.jsonl --index /tmp/squad/index
  python eval/fit_calibration.py --squad /tmp/squad --cache /tmp/squad/candidates.pkl --ablate
                        # fit and report on test, each feature's worth too; writes nothing
  python eval/fit_calibration.py --squad /tmp/squad --cache /tmp/squad/candidates.pkl \\
      --keep-ranker --write     # refit the judge and threshold into the reader's manifest
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _script import parser, set_name, write_manifest  # noqa: E402

from evqa import evaluation  # noqa: E402
from evqa.answer import READ_PASSAGES  # noqa: E402
from evqa.answer.calibration import (  # noqa: E402
    Calibration,
    calibration_of,
    fit_listwise,
    fit_logistic,
    judge_inputs,
)
from evqa.answer.extract import reading, top_candidates  # noqa: E402
from evqa.answer.features import FEATURES, feature_matrix  # noqa: E402
from evqa.answer.sentences import answer_sentence  # noqa: E402
from evqa.answer.topic import closeness, far_off  # noqa: E402
from evqa.answer.verifier import MODEL_DIR as VERIFIER_DIR  # noqa: E402
from evqa.answer.verifier import Verifier, verify  # noqa: E402
from evqa.engine import Engine  # noqa: E402
from evqa.errors import EvqaError  # noqa: E402
from evqa.evaluation.calibration import expected_calibration_error  # noqa: E402
from evqa.question_content import content_problem  # noqa: E402
from evqa.reader.session import MODEL_DIR, load_reader  # noqa: E402
from evqa.store import sha256_file  # noqa: E402

OFF_TOPIC_PERCENTILE = 1.0  # of dev answerable questions' closeness: the off-topic bound
L2 = 1.0  # the ranker's (14 features, ~13k candidate rows)
JUDGE_L2 = 10.0  # the judge's (16 inputs, ~530 questions): stronger, it has far fewer rows


@dataclass
class Question:
    source: str  # "squad" | "seeds"
    split: str
    qid: str
    answerable: bool
    answers: tuple[str, ...]
    question: str
    # the reader's candidates (evqa.answer.candidates.Candidate); none when the question has
    # no content and the engine abstains before reading
    cands: list = field(default_factory=list)
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the span holds an answer
    s: np.ndarray = field(default_factory=lambda: np.zeros(0))  # ... or its sentence does
    recall: bool = False  # a passage read holds a gold answer
    closeness: float | None = None  # the dense cosine of the closest passage read
    # the candidates' features: computed from ``cands`` each time the script runs, so a
    # feature change needs no re-reading of the cache
    x: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FEATURES))))
    # the verifier's score of every candidate (computed once, cached beside the candidates)
    v: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cands]


def collect(engine: Engine, gold, source: str, passages: int, folder: Path) -> list[Question]:
    reader = load_reader(folder)
    out = []
    for i, g in enumerate(gold):
        # the question as extract_answer reads it
        q = Question(source, g.split, g.id, g.answerable, g.answers, reading(g.question))
        out.append(q)
        if content_problem(g.question) is not None:
            continue
        hits = engine.search(g.question, k=max(engine.k, passages))
        data = engine.data
        q.cands = top_candidates(reader, q.question, hits, data.articles, passages, data.sentences)
        q.recall = any(evaluation.answer_in(h.chunk.text, g.answers) for h in hits[:passages])
        q.closeness = closeness(hits[:passages])
        q.y = np.array([evaluation.answer_in(c.text, g.answers) for c in q.cands], dtype=float)
        q.s = np.array(
            [
                evaluation.answer_in(_sentence(engine, c), g.answers) or bool(q.y[j])
                for j, c in enumerate(q.cands)
            ],
            dtype=float,
        )
        if (i + 1) % 100 == 0:
            print(f"  {source}: {i + 1}/{len(gold)}", file=sys.stderr)
    return out


def _sentence(engine: Engine, c) -> str:
    text = engine.data.articles[c.doc_id].text
    start, end = answer_sentence(text, engine.data.sentences.get(c.doc_id, ()), c.start, c.end)
    return text[start:end]


def rank_labels(q: Question) -> np.ndarray:
    """What the ranker learns: the span's SQuAD F1 against the gold answers (0 for an
    unanswerable question), so a tight right span beats a long one that merely holds it."""
    return np.array([evaluation.squad_f1(t, q.answers) if q.answers else 0.0 for t in q.texts])


def fit(
    dev: list[Question], cols: list[int], label: str = "f1", verified: bool = False
) -> Calibration:
    """Ranker, judge and threshold on ``dev``; with ``verified`` the judge weighs the
    verifier's score of the chosen candidate too (``Question.v``)."""
    rows = [q for q in dev if len(q.texts)]
    names = tuple(FEATURES[c] for c in cols)
    targets = [rank_labels(q) if label == "f1" else q.y for q in rows]
    ranker = fit_listwise([q.x[:, cols] for q in rows], targets, L2)
    unjudged = Calibration(names, ranker, ranker, 0.0)  # the judge is fitted next
    return refit_judge(unjudged, dev, cols, verified)


def refit_judge(
    cal: Calibration, dev: list[Question], cols: list[int], verified: bool
) -> Calibration:
    """``cal`` with its ranker kept and its judge and threshold refitted on ``dev`` (with
    ``verified``, the verifier's score of the chosen candidate is one more input)."""
    judged, correct = [], []
    for q in dev:
        if len(q.texts):
            scores, _, inputs = judge_inputs(cal.ranker, q.x[:, cols])
            j = int(np.argmax(scores))
            judged.append(np.r_[inputs[j], q.v[j]] if verified else inputs[j])
            correct.append(q.y[j])
    judge = fit_logistic(np.array(judged), np.array(correct), JUDGE_L2)
    out = replace(
        cal, judge=judge, threshold=0.0, verified=verified, min_closeness=off_topic_bound(dev)
    )
    points = [_point(out, q, cols) for q in dev]
    return replace(out, threshold=evaluation.calibrate_threshold(points).threshold)


def _from(q: Question, source: str) -> bool:
    """True if ``q`` is of ``source`` ("off-topic" takes both of its kinds)."""
    return q.source == source or q.source.startswith(source + " ")


def off_topic_bound(dev: list[Question]) -> float | None:
    """The OFF_TOPIC_PERCENTILE-th percentile of the answerable ``dev`` questions'
    closeness (None when none was measured); news sets' questions are left out, so the
    bound stays that of the SQuAD and seeds questions it was chosen on."""
    measured = [
        q.closeness
        for q in dev
        if q.answerable and q.closeness is not None and not q.source.startswith("news:")
    ]
    return float(np.percentile(measured, OFF_TOPIC_PERCENTILE)) if measured else None


def _off_topic(cal: Calibration, q: Question) -> bool:
    """As ``evqa.answer.topic.off_topic`` (the passages read are the candidates': each
    passage read gives some)."""
    passages = (c.passage for c in q.cands)
    return far_off(q.question, q.closeness, passages, cal.min_closeness)


def _best(cal: Calibration, q: Question, cols: list[int]) -> tuple[int, float]:
    """The ranker's choice and its probability of being right: 0 for a question the
    engine does not read (off topic), whose choice the figures without abstention keep."""
    j, _, probs = cal.choose(q.x[:, cols], lambda idx: q.v[idx])
    return j, 0.0 if _off_topic(cal, q) else float(probs[j])


def _point(cal: Calibration, q: Question, cols: list[int]) -> evaluation.CalibPoint:
    if not len(q.texts):
        return evaluation.CalibPoint(0.0, q.answerable, False)
    j, p = _best(cal, q, cols)
    return evaluation.CalibPoint(p, q.answerable, bool(q.y[j]))


def report(cal: Calibration, qs: list[Question], cols: list[int]) -> dict[str, float]:
    ans = [q for q in qs if q.answerable]
    una = [q for q in qs if not q.answerable]
    n = max(len(ans), 1)
    span = sent = span_all = sent_all = em = f1 = false_abst = 0.0
    confs, rights = [], []
    for q in ans:
        if not len(q.texts):
            false_abst += 1
            continue
        j, p = _best(cal, q, cols)
        span_all += q.y[j]
        sent_all += q.s[j]
        confs.append(p)
        rights.append(bool(q.y[j]))
        if p < cal.threshold:
            false_abst += 1
            continue
        span += q.y[j]
        sent += q.s[j]
        em += evaluation.squad_em(q.texts[j], q.answers)
        f1 += evaluation.squad_f1(q.texts[j], q.answers)
    not_found = 0
    for q in una:
        if not len(q.texts):
            not_found += 1
            continue
        j, p = _best(cal, q, cols)
        confs.append(p)
        rights.append(False)
        not_found += p < cal.threshold
    points = [_point(cal, q, cols) for q in qs]
    return {
        "answerable": len(ans),
        "passage_recall": sum(q.recall for q in ans) / n,
        "unanswerable": len(una),
        "span_holds": span / n,
        "sentence_holds": sent / n,
        "span_holds_no_abstention": span_all / n,
        "sentence_holds_no_abstention": sent_all / n,
        "squad_em": em / n,
        "squad_f1": f1 / n,
        "not_found": not_found / len(una) if una else float("nan"),
        "false_abstention": false_abst / n,
        "decision_accuracy": evaluation.decision_accuracy(points, cal.threshold),
        "ece": expected_calibration_error(confs, rights),
    }


def main() -> None:
    ap = parser(__doc__, __doc__.split("\n\n")[0])
    ap.add_argument("--squad", type=Path, required=True, help="folder of eval/squad_corpus.py")
    ap.add_argument("--squad-index", type=Path, default=None, help="default: SQUAD/index")
    ap.add_argument("--seeds-gold", type=Path, default=ROOT / "eval" / "gold" / "seeds.jsonl")
    ap.add_argument("--cache", type=Path, default=None, help="reuse read candidates (pickle)")
    ap.add_argument("--reader", type=Path, default=MODEL_DIR, help="the reader model folder")
    ap.add_argument("--passages", type=int, default=READ_PASSAGES, help="passages read")
    ap.add_argument("--write", action="store_true", help="store the fit in the reader manifest")
    ap.add_argument("--label", choices=("f1", "holds"), default="f1", help="the ranker's target")
    ap.add_argument("--ablate", action="store_true", help="refit without each feature")
    ap.add_argument(
        "--also", type=Path, default=None, help="report the fit on this folder's SQuAD gold too"
    )
    ap.add_argument("--also-cache", type=Path, default=None, help="its read candidates (pickle)")
    ap.add_argument(
        "--cross-fit",
        nargs=2,
        action="append",
        default=[],
        type=Path,
        metavar=("DIR", "READER"),
        help="also fit on DIR's questions (eval/squad_corpus.py --fold K/N, indexed in "
        "DIR/index), read by READER, a reader trained with --leave-out K/N; repeatable",
    )
    ap.add_argument(
        "--verifier",
        type=Path,
        default=VERIFIER_DIR,
        help="the answer verifier's folder, whose score of the chosen answer the judge "
        "weighs (default: the shipped one)",
    )
    ap.add_argument("--no-verifier", action="store_true", help="a judge without the verifier")
    ap.add_argument(
        "--keep-judge",
        action="store_true",
        help="keep the reader manifest's whole calibration; fit the off-topic bound only",
    )
    ap.add_argument(
        "--off-topic",
        type=int,
        default=0,
        metavar="N",
        help="report on every Nth SQuAD question asked of the seeds' index, and every Nth "
        "seeds question asked of the SQuAD index, as unanswerable (0: none; never fitted on)",
    )
    ap.add_argument(
        "--news",
        nargs=3,
        action="append",
        default=[],
        metavar=("GOLD", "INDEX", "SPLIT"),
        help="a news gold set (eval/gold/*.jsonl) over its index, every question put in "
        "SPLIT (dev: fitted on; test: reported); its candidates are cached beside --cache; "
        "repeatable",
    )
    ap.add_argument(
        "--keep-ranker",
        action="store_true",
        help="keep the ranker of the reader manifest's calibration; refit the judge and the "
        "threshold only",
    )
    a = ap.parse_args()
    if a.cross_fit and not a.no_verifier:
        ap.error("--cross-fit needs --no-verifier: the verifier was trained on those questions")

    t0 = time.perf_counter()
    index = a.squad_index or a.squad / "index"
    qs = read_questions(a, index, a.squad, a.cache, with_seeds=True)
    print(f"read {len(qs)} questions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    engines = {"squad": Engine.open(index), "seeds": Engine.open()}
    news = news_questions(a, engines)
    if a.off_topic:
        engines |= {"off-topic squad": engines["seeds"], "off-topic seeds": engines["squad"]}
    spans = {k: e.data.spans for k, e in engines.items()}
    add_features(qs + news, spans)
    verifier = None if a.no_verifier else Verifier(a.verifier)
    if verifier is not None:
        add_verifier_scores(qs, engines, verifier, a.cache)
        for source in sorted({q.source for q in news}):
            part = [q for q in news if q.source == source]
            add_verifier_scores(part, engines, verifier, _news_cache(a.cache, source))
    qs += news
    if a.off_topic:  # reported, never fitted on
        off = off_topic(a, engines, a.off_topic)
        add_features(off, spans)
        if verifier is not None:
            add_verifier_scores(off, engines, verifier, _suffixed(a.cache, "off-topic"))
        qs += off

    dev = [q for q in qs if q.split == "dev" and not q.source.startswith("off-topic")]
    crossed = cross_fitted(a, spans)
    cols = list(range(len(FEATURES)))
    verified = verifier is not None
    manifest = json.loads((a.reader / "manifest.json").read_text())
    if a.keep_judge:
        kept = calibration_of(manifest, FEATURES)
        cal = replace(kept, min_closeness=off_topic_bound(dev + crossed))
    elif a.keep_ranker:
        cal = refit_judge(calibration_of(manifest, FEATURES), dev + crossed, cols, verified)
    else:
        cal = fit(dev + crossed, cols, a.label, verified)
    out = {"calibration": cal.to_dict(), "dev": {}, "test": {}}
    for src in ("squad", "seeds", "off-topic", *sorted({q.source for q in news})):
        for split in ("dev", "test"):
            part = [q for q in qs if _from(q, src) and q.split == split]
            if part:
                out[split][src] = report(cal, part, cols)
    if a.ablate:
        out["ablation_test"] = {"none": ablation(cal, qs, cols)}
        for drop in cols:
            keep = [c for c in cols if c != drop]
            c2 = fit(dev + crossed, keep, a.label, verified)
            out["ablation_test"][f"-{FEATURES[drop]}"] = ablation(c2, qs, keep)
    if a.also:
        more = read_questions(a, index, a.also, a.also_cache, with_seeds=False)
        add_features(more, spans)
        if verifier is not None:
            add_verifier_scores(more, engines, verifier, a.also_cache)
        out["also"] = {"gold": str(a.also / "gold.jsonl")}
        for split in ("dev", "test"):
            part = [q for q in more if q.source == "squad" and q.split == split]
            out["also"][split] = report(cal, part, cols)
    print(json.dumps(out, indent=1, default=float))
    if a.write:
        write(a, cal, out, dev, crossed, verifier)


def ablation(cal: Calibration, qs: list[Question], cols: list[int]) -> dict[str, dict]:
    """A fit's brief figures on the test questions: SQuAD's, the seeds' and, pooled, the
    news sets' given as test."""
    parts = {
        "squad": [q for q in qs if q.source == "squad" and q.split == "test"],
        "seeds": [q for q in qs if q.source == "seeds" and q.split == "test"],
        "news": [q for q in qs if q.source.startswith("news:") and q.split == "test"],
    }
    return {name: _brief(report(cal, part, cols)) for name, part in parts.items() if part}


def dev_description(news: list) -> str:
    """What the calibration was fitted on: SQuAD's and the seeds' dev questions, and the
    ``--news`` sets given as dev."""
    names = [set_name(gold) for gold, _, split in news if split == "dev"]
    return "SQuAD Normans + Apollo_program (held out from training), seeds dev split" + (
        f", news sets {', '.join(names)}" if names else ""
    )


def write(a, cal: Calibration, out: dict, dev: list, crossed: list, verifier) -> None:
    """Store the fit in the reader's manifest, with what it was fitted on and its test figures."""
    path = a.reader / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["calibration"] = cal.to_dict()
    manifest["calibration_fit"] = {
        "script": "eval/fit_calibration.py",
        "dev": dev_description(a.news),
        "questions": len(dev),
        "cross_fit": [
            {"questions": str(d / "gold.jsonl"), "reader": str(r)} for d, r in a.cross_fit
        ],
        "cross_fit_questions": len(crossed),
        "passages": a.passages,
        "l2": {"ranker": L2, "judge": JUDGE_L2},
        "verifier": None
        if verifier is None
        else {
            "sha256": sha256_file(a.verifier / "model.onnx"),
            "ranker_kept": a.keep_ranker or a.keep_judge,
            "judge_kept": a.keep_judge,
        },
        "off_topic_bound": {
            "percentile": OFF_TOPIC_PERCENTILE,
            "of": "closeness of the dev answerable questions (dense cosine of the closest "
            "passage read)",
        },
        "held_out_test": out["test"],
    }
    if a.also:
        manifest["calibration_fit"]["also_test"] = {"gold": out["also"]["gold"]}
        manifest["calibration_fit"]["also_test"].update(out["also"]["test"])
    if not a.keep_judge and manifest.pop("news_scaling", None) is not None:
        # the judge it was folded into is fitted afresh here
        print("the judge is refitted without its news scaling: run "
              "eval/fit_news_scaling.py --write again", file=sys.stderr)  # fmt: skip
    write_manifest(path, manifest)
    print(f"wrote the calibration into {path}", file=sys.stderr)


def news_questions(a, engines: dict) -> list[Question]:
    """The ``--news`` sets' questions (source "news:NAME", split as given), read over their
    own index (cached beside ``--cache`` as CACHE.news-NAME.pkl); adds their engines."""
    out = []
    for gold_path, index, split in a.news:
        if split not in ("dev", "test"):
            raise EvqaError(f"--news split must be dev or test, not {split!r}")
        source = f"news:{set_name(gold_path)}"
        engines[source] = Engine.open(Path(index))
        read = partial(_read_gold, a, engines[source], Path(gold_path), source)
        qs = _cached(_news_cache(a.cache, source), read)
        for q in qs:
            q.split = split
        out += qs
    return out


def _read_gold(a, engine: Engine, gold_path: Path, source: str) -> list[Question]:
    return collect(engine, evaluation.load_gold(gold_path), source, a.passages, a.reader)


def off_topic(a, engines: dict, every: int) -> list[Question]:
    """Every ``every``th SQuAD question asked of the seeds' index and every ``every``th
    seeds question asked of the SQuAD index, as unanswerable questions (cached beside
    ``--cache``)."""

    def read() -> list[Question]:
        out = []
        for source, gold_path in (
            ("off-topic squad", a.squad / "gold.jsonl"),
            ("off-topic seeds", a.seeds_gold),
        ):
            gold = [
                replace(g, answers=(), doc_ids=(), id=f"off-{g.id}")
                for g in evaluation.load_gold(gold_path)[::every]
            ]
            out += collect(engines[source], gold, source, a.passages, a.reader)
        return out

    return _cached(_suffixed(a.cache, "off-topic"), read)


def _cached(cache: Path | None, make: Callable[[], list]) -> list:
    """What ``cache`` holds (a pickle) when it exists; else ``make()``, written to ``cache``
    (when there is one)."""
    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())
    out = make()
    if cache is not None:
        cache.write_bytes(pickle.dumps(out))
    return out


def _suffixed(cache: Path | None, suffix: str) -> Path | None:
    return None if cache is None else cache.with_name(f"{cache.stem}.{suffix}.pkl")


def _news_cache(cache: Path | None, source: str) -> Path | None:
    """Where a news set's candidates are cached beside ``cache`` (CACHE.news-NAME.pkl); its
    verifier scores go beside that."""
    return _suffixed(cache, source.replace(":", "-"))


def add_verifier_scores(qs: list[Question], engines: dict, verifier: Verifier, cache) -> None:
    """Every candidate's verifier score, from ``CACHE.verifier-SHA.pkl`` when it exists (SHA
    that of the verifier's model.onnx), else computed (and written there)."""
    path = None
    if cache is not None:
        sha = sha256_file(verifier.folder / "model.onnx")[:16]
        path = cache.with_name(f"{cache.stem}.verifier-{sha}.pkl")

    def score() -> list:
        scores = []
        for i, q in enumerate(qs):
            e = engines[q.source]
            scores.append(
                verify(verifier, q.question, q.cands, e.data.articles, e.data.sentences)
                if q.cands
                else np.zeros(0)
            )
            if (i + 1) % 200 == 0:
                print(f"  verified {i + 1}/{len(qs)}", file=sys.stderr)
        return scores

    scores = _cached(path, score)
    for q, v in zip(qs, scores, strict=True):
        q.v = np.asarray(v, dtype=np.float64)


def read_questions(
    a, index: Path, folder: Path, cache: Path | None, with_seeds: bool, reader: Path | None = None
) -> list:
    """The questions of ``folder/gold.jsonl`` (and the seeds') with the candidates of
    ``reader`` (default ``a.reader``), from ``cache`` when it exists (and written to it when
    it does not)."""
    reader = reader or a.reader

    def read() -> list[Question]:
        gold = evaluation.load_gold(folder / "gold.jsonl")
        qs = collect(Engine.open(index), gold, "squad", a.passages, reader)
        if with_seeds:
            seeds = evaluation.load_gold(a.seeds_gold)
            qs += collect(Engine.open(), seeds, "seeds", a.passages, reader)
        return qs

    return _cached(cache, read)


def cross_fitted(a, spans: dict) -> list[Question]:
    """The ``--cross-fit`` questions, each read by the reader that never trained on its
    article (cached in DIR/candidates-SHA.pkl, SHA that of the reader's model.onnx, so
    another reader never gets these reads), with their features, split "fit"."""
    out = []
    for i, (folder, reader) in enumerate(a.cross_fit):
        cache = folder / f"candidates-{sha256_file(reader / 'model.onnx')[:16]}.pkl"
        qs = read_questions(a, folder / "index", folder, cache, with_seeds=False, reader=reader)
        source = f"cross-fit {i}"
        spans[source] = Engine.open(folder / "index").data.spans
        for q in qs:
            q.source, q.split = source, "fit"
        add_features(qs, spans)
        out += qs
        print(f"cross-fit: {len(qs)} questions of {folder} read by {reader}", file=sys.stderr)
    return out


def add_features(qs: list[Question], spans: dict) -> None:
    """Features from the cached candidates: a feature change needs no re-reading."""
    for q in qs:
        if q.cands:
            q.x = feature_matrix(q.question, q.cands, spans[q.source])


def _brief(r: dict[str, float]) -> dict[str, float]:
    keys = (
        "span_holds_no_abstention",
        "sentence_holds_no_abstention",
        "squad_f1",
        "not_found",
        "false_abstention",
        "decision_accuracy",
    )
    return {k: round(r[k], 3) for k in keys}


if __name__ == "__main__":
    try:
        main()
    except EvqaError as e:  # a missing gold file or index: say what to do, no traceback
        sys.exit(f"error: {e}")
