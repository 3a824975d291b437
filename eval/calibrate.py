"""Calibrate the abstention threshold (and check the fusion weight) on the gold DEV split,
then report the TEST split with the chosen values, so the reported figures are honest.

    python eval/calibrate.py [--gold eval/gold/seeds.jsonl] [--index DIR] [--json]

1. Threshold: with abstention off (threshold 0), every dev question gets an answer and a
   confidence; evqa.evaluation.calibrate_threshold picks the threshold that maximises
   decision accuracy (answer right if answerable, abstain if not).
2. Fusion weight: hit@1 and MRR on dev for BM25 weights 0.0..1.0 (min-max fusion), next to
   the default chosen on SciFact train (config.DEFAULTS["bm25_weight"]).
3. Test: the metrics on the test split with the calibrated threshold and with the default.
Put the chosen threshold into config.DEFAULTS["abstain_threshold"] by hand.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evqa import config, evaluation  # noqa: E402
from evqa.engine import Engine  # noqa: E402

KEYS = ("hit@1", "em", "f1", "mrr", "abstain_precision", "abstain_recall", "false_abstention")


def run(engine: Engine, gold, split: str, threshold: float, weight: float | None = None):
    engine.threshold = threshold
    if weight is not None:
        engine.fusion = dataclasses.replace(engine.fusion, bm25_weight=weight)
    return evaluation.run_eval(engine, gold, k=engine.k, mode="hybrid", split=split)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold" / "seeds.jsonl")
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    gold = evaluation.load_gold(args.gold)
    engine = Engine.open(args.index)
    default_w = engine.fusion.bm25_weight
    default_t = float(config.DEFAULTS["abstain_threshold"])

    dev = run(engine, gold, "dev", 0.0)
    cal = evaluation.calibrate_threshold(evaluation.calibration_points(dev.records))
    weights = {}
    for w in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0):
        m = run(engine, gold, "dev", cal.threshold, w).metrics
        weights[w] = {"hit@1": m["hit@1"], "mrr": m["mrr"]}
    engine.fusion = dataclasses.replace(engine.fusion, bm25_weight=default_w)

    test_points = evaluation.calibration_points(run(engine, gold, "test", 0.0).records)
    test = {}
    for name, t in (("calibrated", cal.threshold), ("default", default_t)):
        m = run(engine, gold, "test", t).metrics
        test[name] = {
            "threshold": round(t, 4),
            "decision_accuracy": round(evaluation.decision_accuracy(test_points, t), 4),
            **{k: m[k] for k in KEYS},
        }
    out = {
        "dev": {
            "n": cal.n,
            "threshold": round(cal.threshold, 4),
            "decision_accuracy": round(cal.objective, 4),
            "decision_accuracy_at_default": round(
                evaluation.decision_accuracy(evaluation.calibration_points(dev.records), default_t),
                4,
            ),
            "bm25_weight_grid": weights,
            "bm25_weight_default": default_w,
        },
        "test": test,
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    d = out["dev"]
    print(
        f"dev ({d['n']} questions): threshold {d['threshold']} -> decision accuracy "
        f"{d['decision_accuracy']} (default {default_t}: {d['decision_accuracy_at_default']})"
    )
    print("dev hit@1 / MRR by BM25 weight (min-max fusion):")
    for w, m in weights.items():
        mark = "  <- default" if w == default_w else ""
        print(f"  w={w:<4} hit@1 {m['hit@1']:.3f}  mrr {m['mrr']:.3f}{mark}")
    print("test:")
    for name, m in test.items():
        print(
            f"  {name:10} "
            + "  ".join(f"{k} {v if v is None else round(v, 3)}" for k, v in m.items())
        )


if __name__ == "__main__":
    main()
