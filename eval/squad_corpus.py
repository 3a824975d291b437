"""Turn SQuAD (official JSON) into an evqa corpus plus a gold set.

Each SQuAD article becomes one corpus article (its paragraphs joined by blank lines, its
title as the headline); each question becomes a gold line with its answers, or, for a
v2.0 unanswerable question, with no answers (type "unanswerable"). Articles listed in
``--dev`` get split "dev", the rest "test", so calibration can be fitted on some
articles and reported on others. Titles in ``--articles`` and ``--dev`` must be the SQuAD
files' own (``--dev`` among the chosen articles). A gold answer no answer can match (SQuAD
has "."; see evqa.evaluation.gold.answer_problem) is left out, and so is a question left
with none, so that ``evqa eval`` reads the gold file; the report line counts them.

By default the articles are the reader's validation articles (never trained on).
``--articles train`` writes the reader's training articles instead, every question of split
"train": indexed with ``evqa index build``, ``eval/train_reader.py --squad-share 0 --extra
GOLD INDEX`` trains on their questions over the index's chunks, as the reader reads at query
time, not over SQuAD's paragraphs. ``--keywords content`` (or ``opening``) writes each
question as the keyword query a search box gets ("duke battle Hastings";
evqa.reader.data.keyword_query), to measure how the answers hold when people do not type
whole questions. ``--fold K/N`` writes fold K of N of the reader's training articles
instead, for ``eval/fit_calibration.py --cross-fit``.

examples:
  python eval/squad_corpus.py ../shared/data/squad --out /tmp/squad \\
      --articles Normans,Apollo_program,Prime_number,Pharmacy,Genghis_Khan \\
      --dev Normans,Apollo_program                   # what the defaults choose
  evqa index build --corpus /tmp/squad/corpus.jsonl --index /tmp/squad/index
  evqa eval --gold /tmp/squad/gold.jsonl --index /tmp/squad/index
  python eval/squad_corpus.py ../shared/data/squad --out /tmp/squad-kw --keywords content
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _script import parser  # noqa: E402

from evqa.errors import EvqaError, InputError  # noqa: E402
from evqa.evaluation.gold import answer_problem  # noqa: E402
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
    examples: Iterable[SquadExample],
    articles: set[str] | None,
    split: Callable[[str], str],
    keywords: str | None = None,
) -> tuple[list[dict], list[dict], Counter[str]]:
    """(corpus rows, gold rows, what was dropped) of the chosen articles over ``examples``,
    each question in the split ``split(its article)``
    (v1.1's then v2.0's: a question id seen once is not repeated; a paragraph seen once is
    not repeated), the questions rewritten by ``keyword_query(question, keywords)`` when it
    is given. A gold answer no answer can match (evqa.evaluation.gold.answer_problem: "."
    in SQuAD) is dropped ("answers"), and so is a question left with none ("questions"):
    `evqa eval` would refuse the file. Titles that become the same doc id are an
    InputError."""
    paragraphs: dict[str, list[str]] = {}
    gold: dict[str, dict] = {}
    dropped: Counter[str] = Counter()
    for e in examples:
        if articles is not None and e.article not in articles:
            continue
        paras = paragraphs.setdefault(e.article, [])
        if e.context.strip() not in paras:
            paras.append(e.context.strip())
        if e.qid in gold:
            continue
        answers = [a for a in e.answers if answer_problem(a) is None]
        dropped["answers"] += len(e.answers) - len(answers)
        if e.answers and not answers:
            dropped["questions"] += 1
            gold[e.qid] = {}  # seen: not taken from a later file either
            continue
        gold[e.qid] = _gold_row(e, answers, split(e.article), keywords)
    _check_doc_ids(paragraphs)
    corpus = [
        {"id": doc_id(t), "title": t.replace("_", " "), "text": "\n\n".join(ps)}
        for t, ps in paragraphs.items()
    ]
    return corpus, [row for row in gold.values() if row], dropped


def _check_doc_ids(titles: Iterable[str]) -> None:
    """Refuse titles that become the same doc id ("Prime_number", "Prime number"): the
    corpus would hold two articles of one id."""
    by_id: dict[str, list[str]] = {}
    for t in titles:
        by_id.setdefault(doc_id(t), []).append(t)
    clashes = [ts for ts in by_id.values() if len(ts) > 1]
    if clashes:
        shown = "; ".join(
            " and ".join(repr(t) for t in ts) + f" -> {doc_id(ts[0])!r}" for ts in clashes[:5]
        )
        raise InputError(
            f"article titles that become the same doc id: {shown}; choose one of each"
            " with --articles"
        )


def check_titles(names: set[str], titles: Collection[str], flag: str, among: str) -> set[str]:
    """``names`` (given to ``flag``) if they are all among ``titles`` (described by
    ``among``); else InputError naming the others, each with the nearest title, and a few
    of ``titles``."""
    unknown = sorted(names - set(titles))
    if not unknown:
        return names
    hints = []
    for name in unknown[:5]:
        near = difflib.get_close_matches(name, list(titles), n=1)
        hints.append(f"{name!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    some = ", ".join(sorted(titles)[:5]) + (", ..." if len(titles) > 5 else "")
    verb = "is" if len(unknown) == 1 else "are"
    raise InputError(
        f"{flag}: {', '.join(hints)}{more} {verb} not among the {len(titles)} {among}"
        f" ({some}); give their titles, spelt as the SQuAD files spell them"
    )


def _gold_row(e: SquadExample, answers: list[str], split: str, keywords: str | None) -> dict:
    question = " ".join(e.question.split())
    row = {
        "id": e.qid,
        "question": keyword_query(question, keywords) if keywords else question,
        "answers": answers,
        "doc_ids": [doc_id(e.article)] if answers else [],
        "split": split,
    }
    if not answers:
        row["type"] = "unanswerable"
    return row


def write_jsonl(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = parser(__doc__, __doc__.split("\n\n")[0])
    ap.add_argument("squad", type=Path, help="folder with the official SQuAD JSON files")
    ap.add_argument("--out", type=Path, required=True, help="writes corpus.jsonl and gold.jsonl")
    which = ap.add_mutually_exclusive_group()
    which.add_argument(
        "--articles",
        default=None,
        help="comma-separated article titles, as the SQuAD files spell them, 'all', or "
        "'train' (the reader's training articles, every question of split train: "
        "train_reader.py --squad-share 0 --extra reads them over an index's chunks) "
        f"(default: the reader's held-out ones, {','.join(sorted(VALIDATION_ARTICLES))})",
    )
    which.add_argument(
        "--fold",
        type=fold,
        default=None,
        metavar="K/N",
        help="instead of --articles: fold K of N of the reader's training articles "
        "(evqa.reader.data.fold_articles), read by a reader trained with --leave-out K/N",
    )
    ap.add_argument(
        "--dev",
        default=None,
        help="comma-separated titles of chosen articles that get split dev "
        f"(default: {','.join(DEV_ARTICLES)})",
    )
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
    try:
        examples = [e for f in files for e in read_squad(f)]
        titles = list(dict.fromkeys(e.article for e in examples))
        if a.fold:
            chosen = set(fold_articles(set(titles) - VALIDATION_ARTICLES, *a.fold))
        elif a.articles is None:
            chosen = set(VALIDATION_ARTICLES)
        elif a.articles == "all":
            chosen = None
        elif a.articles == "train":
            chosen = set(titles) - VALIDATION_ARTICLES
        else:
            among = "articles in the SQuAD files"
            chosen = check_titles(_names(a.articles), titles, "--articles", among)
        if a.dev is None:
            dev = set(DEV_ARTICLES)
        else:
            among = "chosen articles" if chosen is not None else "articles in the SQuAD files"
            dev = check_titles(_names(a.dev), titles if chosen is None else chosen, "--dev", among)

        def split(article: str) -> str:
            if a.articles == "train":
                return "train"
            return "dev" if article in dev else "test"

        corpus, gold, dropped = convert(examples, chosen, split, a.keywords)
    except EvqaError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not corpus:
        print("error: none of the chosen articles is in the SQuAD files", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(corpus, a.out / "corpus.jsonl")
    write_jsonl(gold, a.out / "gold.jsonl")
    unans = sum(1 for g in gold if not g["answers"])
    left_out = ""
    if dropped["answers"]:
        left_out = (
            f"; left out {dropped['answers']} gold answer(s) no answer can match (no letter"
            f" or digit, or only a/an/the) and {dropped['questions']} question(s) left"
            " with none"
        )
    print(
        f"{len(corpus)} articles, {len(gold)} questions ({unans} unanswerable) -> {a.out}"
        + left_out,
        file=sys.stderr,
    )
    return 0


def _names(text: str) -> set[str]:
    """The comma-separated names of ``text`` (blank ones and surrounding spaces dropped)."""
    return {n.strip() for n in text.split(",") if n.strip()}


if __name__ == "__main__":
    raise SystemExit(main())
