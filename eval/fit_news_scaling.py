"""Platt-scale the answer's confidence to news articles, without changing any answer.

The judge that gives ``confidence`` (``eval/fit_calibration.py``) is fitted on SQuAD's
Wikipedia dev articles and the seeds' dev split. On the news sets its confidence is too
low: answered questions are right (the span holds a gold answer) more often than their
confidence says. This script asks the ``--news`` gold sets over their indexes, fits
``p -> sigmoid(a * logit(p) + b)`` to the answered questions, and reports the expected
calibration error (10 bins, over answered questions, as ``evqa eval``'s ``ece``) before and
after: on each set, with each set left out of the fit in turn, and on ``--test`` sets that
are never fitted on. ``--write`` folds the scaling into the reader manifest's judge and
threshold (``evqa.answer.calibration.rescaled``), so every answer and abstention stays as it
was; the manifest's ``news_scaling`` records it. A scaling fitted on confidences that are
already scaled composes with the one stored. Run it again after ``eval/fit_calibration.py
--write``, which fits the judge afresh.

examples:
  evqa index build --corpus eval/fresh/corpus --index /tmp/idx-fresh      # each set's index
  python eval/fit_news_scaling.py --news eval/gold/fresh.jsonl /tmp/idx-fresh \\
      --news eval/gold/fresh2.jsonl /tmp/idx-fresh2 --test eval/gold/fresh8.jsonl /tmp/idx-fresh8
  python eval/fit_news_scaling.py --news ... --write     # store it in the reader manifest
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _script import parser, set_name, write_manifest  # noqa: E402

from evqa.answer.calibration import Calibration, fit_platt, platt, rescaled  # noqa: E402
from evqa.engine import Engine  # noqa: E402
from evqa.errors import EvqaError  # noqa: E402
from evqa.evaluation import run_eval  # noqa: E402
from evqa.evaluation.aggregate import calibration_data  # noqa: E402
from evqa.evaluation.calibration import expected_calibration_error  # noqa: E402
from evqa.reader.session import MODEL_DIR  # noqa: E402

Answered = tuple[np.ndarray, np.ndarray]  # (confidence, right) of the answered questions


def answered(gold: Path, index: Path) -> Answered:
    """The confidences and rightness of the answered questions of ``gold`` over ``index``."""
    result = run_eval(Engine.open(index), gold, warmup=False)
    conf, right = calibration_data(result.records)
    return np.array(conf, dtype=np.float64), np.array(right, dtype=np.float64)


def ece(p: np.ndarray, right: np.ndarray) -> float:
    return float(expected_calibration_error(list(p), [bool(r) for r in right]))


def pooled(sets: dict[str, Answered]) -> Answered:
    return (
        np.concatenate([c for c, _ in sets.values()]),
        np.concatenate([r for _, r in sets.values()]),
    )


def report(news: dict[str, Answered], test: dict[str, Answered], a: float, b: float) -> dict:
    """ECE before and after, per set, pooled, each news set left out, and the test sets."""
    out: dict = {"a": a, "b": b, "sets": {}, "left_out": {}, "test": {}}
    for name, (c, r) in news.items():
        out["sets"][name] = [len(c), ece(c, r), ece(platt(c, a, b), r)]
        rest = pooled({k: v for k, v in news.items() if k != name})
        a1, b1 = fit_platt(*rest)
        out["left_out"][name] = [ece(c, r), ece(platt(c, a1, b1), r)]
    c, r = pooled(news)
    out["pooled"] = [len(c), ece(c, r), ece(platt(c, a, b), r)]
    for name, (c, r) in test.items():
        out["test"][name] = [len(c), ece(c, r), ece(platt(c, a, b), r)]
    if test:
        c, r = pooled(test)
        out["test_pooled"] = [len(c), ece(c, r), ece(platt(c, a, b), r)]
    return out


def write(folder: Path, a: float, b: float, news: list[str], summary: dict) -> None:
    """Fold the scaling into the manifest's calibration (composed with a stored one)."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    cal = Calibration.from_dict(manifest["calibration"])
    manifest["calibration"] = rescaled(cal, a, b).to_dict()
    stored = manifest.get("news_scaling") or {"a": 1.0, "b": 0.0}
    a0, b0 = float(stored["a"]), float(stored["b"])
    manifest["news_scaling"] = {
        "a": a * a0,
        "b": a * b0 + b,
        "fitted_on": news,
        "answered": summary["pooled"][0],
        "ece_before_after": summary["pooled"][1:],
        "test_ece_before_after": {k: v[1:] for k, v in summary["test"].items()},
        "script": "eval/fit_news_scaling.py",
    }
    write_manifest(path, manifest)


def main() -> None:
    ap = parser(__doc__)
    pair = {"nargs": 2, "metavar": ("GOLD", "INDEX"), "action": "append", "default": []}
    ap.add_argument("--news", **pair, help="a news gold set and its index, fitted on")
    ap.add_argument("--test", **pair, help="a gold set and its index, reported only")
    ap.add_argument("--write", action="store_true", help=f"store it in {MODEL_DIR}")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    args = ap.parse_args()
    if not args.news:
        ap.error("give at least one --news GOLD INDEX")
    try:
        news = {set_name(g): answered(Path(g), Path(i)) for g, i in args.news}
        test = {set_name(g): answered(Path(g), Path(i)) for g, i in args.test}
    except EvqaError as e:
        sys.exit(f"error: {e}")
    a, b = fit_platt(*pooled(news))
    summary = report(news, test, a, b)
    if args.write:
        write(MODEL_DIR, a, b, list(news), summary)
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"p -> sigmoid({a:.3f} * logit(p) + {b:.3f})")
    print("set                answered  ECE before  after  (left out of the fit: after)")
    for name, (n, e0, e1) in summary["sets"].items():
        print(f"{name:18} {n:8d}  {e0:10.3f}  {e1:5.3f}  {summary['left_out'][name][1]:.3f}")
    n, e0, e1 = summary["pooled"]
    print(f"{'all fitted':18} {n:8d}  {e0:10.3f}  {e1:5.3f}")
    for name, (n, e0, e1) in summary["test"].items():
        print(f"{name + ' (test)':18} {n:8d}  {e0:10.3f}  {e1:5.3f}")
    if "test_pooled" in summary:
        n, e0, e1 = summary["test_pooled"]
        print(f"{'all test':18} {n:8d}  {e0:10.3f}  {e1:5.3f}")


if __name__ == "__main__":
    main()
