"""The reader alone on the gold paragraph: official SQuAD EM/F1 on the answerable
questions, and how well the span-vs-no-answer gap separates the unanswerable ones.

Reads the questions of the reader's 5 held-out SQuAD articles from ``--squad``. With
``--news GOLD INDEX`` (repeatable) an evqa gold set is read too, each question with the passage
of INDEX it would be read in (``eval/gold_examples.py``), per set and pooled; ``--write``
stores those news figures in the reader folder's manifest (``reader_alone_news``).

examples:
  python eval/reader_eval.py                           # the shipped model, evqa/models/reader
  python eval/reader_eval.py runs/reader/export/int8   # a folder of eval/export_reader.py
  python eval/reader_eval.py runs/reader/export/fp32 --squad ../shared/data/squad
  python eval/reader_eval.py --news eval/gold/fresh8.jsonl /tmp/idx-fresh8   # and a news set
  python eval/reader_eval.py --news eval/gold/fresh8.jsonl /tmp/idx-fresh8 --write  # kept
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _script import parser, set_name, write_manifest  # noqa: E402

from evqa.errors import EvqaError, InputError  # noqa: E402
from evqa.evaluation import squad_em, squad_f1  # noqa: E402
from evqa.reader import data as rdata  # noqa: E402
from evqa.reader.session import MODEL_DIR, Reader  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad"


def gold_paragraph_eval(reader: Reader, examples) -> dict:
    return summary(reads(reader, examples))


def reads(reader: Reader, examples) -> list[tuple[float | None, float | None, float]]:
    """Each example read alone with its passage: (EM, F1, best span's score minus the
    no-answer score); EM and F1 are None for an unanswerable example."""
    out = []
    for ex in examples:
        (read,) = reader.read(ex.question, [ex.context], top=1)
        best = read.spans[0] if read.spans else None
        text = best.text if best else ""
        gap = (best.score if best else -1e9) - read.null
        if ex.answers:
            out.append((squad_em(text, ex.answers), squad_f1(text, ex.answers), gap))
        else:
            out.append((None, None, gap))
    return out


def summary(rows) -> dict:
    """EM and F1 over the answerable rows, and the best accuracy of telling answerable from
    unanswerable by the gap, with its cut."""
    ems = [em for em, _, _ in rows if em is not None]
    f1s = [f1 for em, f1, _ in rows if em is not None]
    g = np.array([gap for _, _, gap in rows])
    a = np.array([em is not None for em, _, _ in rows])
    cuts = np.unique(np.r_[g, -1e9])
    acc = [((g > t) == a).mean() for t in cuts]
    return {
        "em": round(float(np.mean(ems)), 4),
        "f1": round(float(np.mean(f1s)), 4),
        "answerable": len(ems),
        "unanswerable": int((~a).sum()),
        "noans_best_accuracy": round(float(max(acc)), 4),
        "noans_best_gap": round(float(cuts[int(np.argmax(acc))]), 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = parser(__doc__, __doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?", type=Path, default=MODEL_DIR, help="reader folder")
    ap.add_argument("--squad", type=Path, default=SQUAD, help="SQuAD folder (../shared)")
    ap.add_argument(
        "--news",
        nargs=2,
        action="append",
        type=Path,
        default=[],
        metavar=("GOLD", "INDEX"),
        help="an evqa gold set and its index, read on the passages its questions are read in",
    )
    ap.add_argument(
        "--write",
        action="store_true",
        help="store the --news figures in the reader folder's manifest.json",
    )
    args = ap.parse_args(argv)
    if args.write and not args.news:
        print("error: --write stores the --news figures; give --news GOLD INDEX", file=sys.stderr)
        return 2
    try:
        reader = load_reader(args.model)
        _, val = rdata.load_split(args.squad)
        news = {set_name(gold): news_examples(gold, index) for gold, index in args.news}
    except EvqaError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = gold_paragraph_eval(reader, val)
    if news:
        rows = {name: reads(reader, ex) for name, ex in news.items()}  # each read once
        out["news"] = {name: summary(r) for name, r in rows.items()}
        out["news"]["pooled"] = summary([row for r in rows.values() for row in r])
    if args.write:
        path = write_news(args.model / "manifest.json", out["news"])
        print(f"wrote reader_alone_news into {path}", file=sys.stderr)
    print(json.dumps(out, indent=2))
    return 0


def write_news(manifest: Path, news: dict) -> Path:
    """``manifest`` with ``news`` (``main``'s figures of each set and pooled) as its
    ``reader_alone_news``, replaced whole; the file is swapped in, never half-written."""
    m = json.loads(manifest.read_text(encoding="utf-8"))
    sets = {k: {"em": v["em"], "f1": v["f1"]} for k, v in news.items() if k != "pooled"}
    m["reader_alone_news"] = {
        "what": f"{len(sets)} news gold sets, each question with the passage it is read in;"
        " python eval/reader_eval.py --news GOLD INDEX ... --write",
        "pooled": news["pooled"],
        "sets": sets,
    }
    write_manifest(manifest, m)
    return manifest


def news_examples(gold: Path, index: Path) -> list:
    """The gold set's questions with the passages they are read in."""
    from gold_examples import gold_examples

    return gold_examples(gold, index)[0]


READER_FILES = ("manifest.json", "model.onnx", "tokenizer.json")


def load_reader(folder: Path) -> Reader:
    """The reader in ``folder``; a folder that is missing or is not a reader's (as
    eval/export_reader.py writes one) is an InputError naming it."""
    export = "give a folder written by eval/export_reader.py"
    if not folder.is_dir():
        raise InputError(f"reader folder {folder} not found; {export} (default: {MODEL_DIR})")
    if missing := [n for n in READER_FILES if not (folder / n).is_file()]:
        raise InputError(f"reader folder {folder} has no {', '.join(missing)}; {export}")
    try:
        return Reader(folder)
    except EvqaError as e:
        if folder.resolve() == Path(MODEL_DIR).resolve():
            raise  # the shipped reader: its message says to reinstall evqa
        what = str(e).split("; ")[0]  # not its advice, which is for the shipped reader
        raise InputError(f"reader folder {folder} cannot be read ({what}); {export}") from None
    except Exception as e:  # tokenizers raises a bare Exception for a damaged tokenizer.json
        raise InputError(
            f"reader folder {folder} cannot be read ({type(e).__name__}: {e}); {export}"
        ) from None


if __name__ == "__main__":
    raise SystemExit(main())
