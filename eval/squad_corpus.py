"""Turn SQuAD (official JSON) into an evqa corpus plus a gold set.

Each SQuAD article becomes one corpus article (its paragraphs joined by blank lines, its
title as the headline); each question becomes a gold line with its answers, or, for a
v2.0 unanswerable question, with no answers (type "unanswerable"). Articles listed in
``--dev`` get split "dev", the rest "test", so calibration can be fitted on some
articles and reported on others.

By default the articles are the reader's validation articles (never trained on).
``--keywords content`` (or ``opening``) writes each question as the keyword query a
search box gets ("duke battle Hastings"; evqa.reader.data.keyword_query), to measure how
the answers hold when people do not type whole questions. ``--fold K/N`` writes fold K of
N of the reader's training articles instead, for ``eval/fit_calibration.py --cross-fit``.

examples:
  python eval/squad_corpus.py ../shared/data/squad --out /tmp/squad \\
      --articles Normans,Apollo_program,Prime_number,Pharmacy,Genghis_Khan \\
      --dev Normans,Apollo_program                   # what the defaults choose
  evqa index build --corpus /tmp/squad/corpus.jsonl --index /tmp/squad/index
  evqa eval --gold /tmp/squad/gold.jsonl --index /tmp/squad/index
  python eval/squad_corpus.py ../shared/data/squad --out /tmp/squad-kw --keywords content
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evqa.reader.data import (  # noqa: E402
    FILES,
    KEYWORD_STYLES,
    VALIDATION_ARTICLES,
    SquadExample,
    fold,
    fold_articles,
    keyword_query,
    read_squad,
)

DEV_ARTICLES = ("Normans", "Apollo_program")


def doc_id(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_").lower()


def convert(
    files: list[Path], articles: set[str] | None, dev: set[str], keywords: str | None = None
) -> tuple[list, list]:
    """(corpus rows, gold rows) of the chosen articles over all ``files`` (v1.1 then v2.0:
    a question id seen once is not repeated; a paragraph seen once is not repeated), the
    questions rewritten by ``keyword_query(question, keywords)`` when it is given."""
    paragraphs: dict[str, list[str]] = {}
    gold: dict[str, dict] = {}
    for path in files:
        for e in read_squad(path):
            if articles is not None and e.article not in articles:
                continue
            paras = paragraphs.setdefault(e.article, [])
            if e.context.strip() not in paras:
                paras.append(e.context.strip())
            if e.qid not in gold:
                gold[e.qid] = _gold_row(e, e.article in dev, keywords)
    corpus = [
        {"id": doc_id(t), "title": t.replace("_", " "), "text": "\n\n".join(ps)}
        for t, ps in paragraphs.items()
    ]
    return corpus, list(gold.values())


def _gold_row(e: SquadExample, dev: bool, keywords: str | None) -> dict:
    question = " ".join(e.question.split())
    row = {
        "id": e.qid,
        "question": keyword_query(question, keywords) if keywords else question,
        "answers": list(e.answers),
        "doc_ids": [doc_id(e.article)] if e.answers else [],
        "split": "dev" if dev else "test",
    }
    if not e.answers:
        row["type"] = "unanswerable"
    return row


def write_jsonl(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    examples = __doc__.partition("\nexamples:\n")[2]
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("squad", type=Path, help="folder with the official SQuAD JSON files")
    ap.add_argument("--out", type=Path, required=True, help="writes corpus.jsonl and gold.jsonl")
    which = ap.add_mutually_exclusive_group()
    which.add_argument(
        "--articles",
        default=",".join(sorted(VALIDATION_ARTICLES)),
        help="comma-separated article titles, or 'all' (default: the reader's held-out ones)",
    )
    which.add_argument(
        "--fold",
        type=fold,
        default=None,
        metavar="K/N",
        help="instead of --articles: fold K of N of the reader's training articles "
        "(evqa.reader.data.fold_articles), read by a reader trained with --leave-out K/N",
    )
    ap.add_argument("--dev", default=",".join(DEV_ARTICLES), help="articles that get split dev")
    ap.add_argument("--no-v2", action="store_true", help="leave out v2.0's unanswerables")
    ap.add_argument(
        "--keywords", choices=KEYWORD_STYLES, default=None, help="questions as keyword queries"
    )
    a = ap.parse_args(argv)
    files = [a.squad / FILES[0]] + ([] if a.no_v2 else [a.squad / FILES[1]])
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"error: missing SQuAD file(s): {', '.join(missing)}", file=sys.stderr)
        return 2
    chosen = None if a.articles == "all" else set(filter(None, a.articles.split(",")))
    if a.fold:
        trained = {e.article for f in files for e in read_squad(f)} - VALIDATION_ARTICLES
        chosen = set(fold_articles(trained, *a.fold))
    corpus, gold = convert(files, chosen, set(filter(None, a.dev.split(","))), a.keywords)
    if not corpus:
        print("error: none of the chosen articles is in the SQuAD files", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(corpus, a.out / "corpus.jsonl")
    write_jsonl(gold, a.out / "gold.jsonl")
    unans = sum(1 for g in gold if not g["answers"])
    print(
        f"{len(corpus)} articles, {len(gold)} questions ({unans} unanswerable) -> {a.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
