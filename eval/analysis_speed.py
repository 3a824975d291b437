"""Speed of index-time analysis (spaCy NER, NER + parser, regex only).

Analysis runs on the first ``--docs`` SciFact abstracts (real prose, read in place from
/work/shared/data/scifact) and prints words/s per mode.

examples:
  python eval/analysis_speed.py                           # 400 abstracts, all three modes
  python eval/analysis_speed.py --docs 100 --skip-spacy   # the regex spans alone
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _script import parser  # noqa: E402

from evqa import analysis  # noqa: E402

SCIFACT = Path("/work/shared/data/scifact/corpus.jsonl")


def scifact_texts(n: int) -> list[str]:
    texts = []
    with SCIFACT.open(encoding="utf-8") as f:
        for line in f:
            if len(texts) >= n:
                break
            row = json.loads(line)
            texts.append(f"{row['title']}. {row['text']}")
    return texts


def analysis_speed(texts: list[str], skip_spacy: bool) -> None:
    words = sum(len(t.split()) for t in texts)
    modes = [("regex only", False, False)]
    if not skip_spacy:
        modes += [("spaCy NER + regex", True, False), ("spaCy NER + parser + regex", True, True)]
    for name, use_spacy, nps in modes:
        if use_spacy:
            analysis.analyze(texts[:4], noun_phrases=nps)  # load the model outside the clock
        t0 = time.perf_counter()
        out = analysis.analyze(texts, use_spacy=use_spacy, noun_phrases=nps)
        dt = time.perf_counter() - t0
        spans = sum(map(len, out))
        print(f"{name:28s} {words / dt:10,.0f} words/s  ({words} words, {spans} spans)")


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--docs", type=int, default=400)
    p.add_argument("--skip-spacy", action="store_true")
    args = p.parse_args()
    analysis_speed(scifact_texts(args.docs), args.skip_spacy)


if __name__ == "__main__":
    main()
