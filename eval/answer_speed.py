"""Speed of index-time analysis (spaCy NER, NER + parser, regex only) and of query-time
answer extraction.

    python eval/answer_speed.py [--docs 400] [--skip-spacy]

Analysis runs on the first ``--docs`` SciFact abstracts (real prose, read in place from
/work/shared/data/scifact) and prints words/s per mode. Answer extraction runs every gold
question against the seeds with hits made of whole articles, then against one large
synthetic article (the seeds repeated) with five scattered hits, and prints p50/p95 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evqa import analysis  # noqa: E402
from evqa.answer import extract_answer  # noqa: E402
from evqa.chunking import split_sentences  # noqa: E402
from evqa.corpus import read_corpus  # noqa: E402
from evqa.types import Article, Chunk, Hit  # noqa: E402

SCIFACT = Path("/work/shared/data/scifact/corpus.jsonl")
GOLD = ROOT / "eval" / "gold" / "seeds.jsonl"


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


def whole_article_hits(articles: dict[str, Article]) -> list[Hit]:
    return [
        Hit(rank, 1.0 / rank, Chunk(f"{a.id}#0", a.id, 0, len(a.text), a.text), a.title, a.date)
        for rank, a in enumerate(articles.values(), start=1)
    ]


def latency(questions, hits, articles, spans, sentences) -> tuple[float, float]:
    times = []
    for q in questions:
        t0 = time.perf_counter()
        extract_answer(q, hits, articles, spans, sentences, threshold=0.3)
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def answer_speed() -> None:
    articles = {a.id: a for a in read_corpus(ROOT / "seeds").articles}
    found = analysis.analyze([a.text for a in articles.values()])
    spans = dict(zip(articles, found, strict=True))
    sentences = {k: split_sentences(a.text) for k, a in articles.items()}
    questions = [json.loads(line)["question"] for line in GOLD.open(encoding="utf-8")]
    hits = whole_article_hits(articles)
    p50, p95 = latency(questions, hits, articles, spans, sentences)
    print(f"answer, seeds (5 whole articles):    p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")

    big_text = "\n".join(a.text for a in articles.values()) * 14
    big = {"big": Article("big", big_text)}
    big_spans = {"big": analysis.analyze([big_text], use_spacy=False)[0]}
    big_sents = {"big": split_sentences(big_text)}
    step = len(big_text) // 5
    big_hits = [
        Hit(i + 1, 1.0, Chunk(f"big#{i}", "big", i * step, i * step + 600, ""), None, None)
        for i in range(5)
    ]
    p50, p95 = latency(questions, big_hits, big, big_spans, big_sents)
    kb = len(big_text) // 1000
    print(f"answer, one {kb} KB article, k=5:     p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--docs", type=int, default=400)
    p.add_argument("--skip-spacy", action="store_true")
    args = p.parse_args()
    analysis_speed(scifact_texts(args.docs), args.skip_spacy)
    answer_speed()


if __name__ == "__main__":
    main()
